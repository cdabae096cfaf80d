//! Pushes on the pelvis: the spec's seeded perturbations (a force of fixed size in a random
//! horizontal direction, at random intervals) and one-off pushes from the caller (the
//! visualizer's push button). The random choices come from the trial's seed only.

use glam::DVec3;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::spec::PushSpec;

/// The pushes of one trial.
#[derive(Debug, Clone)]
pub(super) struct Pushes {
    spec: PushSpec,
    rng: ChaCha8Rng,
    /// When the next seeded push starts [s].
    next_s: f64,
    /// The push under way: when it ends [s] and its force [N].
    active: Option<(f64, DVec3)>,
}

impl Pushes {
    /// The seeded pushes of `spec` from `seed` (the first one starts at a random time within
    /// the interval range after `spec.start_s`).
    pub fn new(spec: PushSpec, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let next_s = spec.start_s
            + rng.random_range(0.0..=1.0) * (spec.max_interval_s - spec.min_interval_s);
        Self {
            spec,
            rng,
            next_s,
            active: None,
        }
    }

    /// The force acting now [N].
    pub fn force(&self) -> Option<DVec3> {
        self.active.map(|(_, f)| f)
    }

    /// Starts a push of `force` [N] from `time_s` for `duration_s`, in place of any under way.
    pub fn push_now(&mut self, time_s: f64, force: DVec3, duration_s: f64) {
        self.active = Some((time_s + duration_s, force));
    }

    /// Ends a push whose time is up and starts the next seeded one when it is due.
    pub fn update(&mut self, time_s: f64) {
        if let Some((end, _)) = self.active
            && time_s >= end
        {
            self.active = None;
        }
        let p = self.spec;
        if p.force_n <= 0.0 {
            return;
        }
        if self.active.is_none() && time_s >= self.next_s {
            let angle = self.rng.random_range(0.0..std::f64::consts::TAU);
            let f = DVec3::new(angle.cos(), 0.0, angle.sin()) * p.force_n;
            self.active = Some((time_s + p.duration_s, f));
            self.next_s = time_s + self.rng.random_range(p.min_interval_s..=p.max_interval_s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_from_the_caller_ends_even_without_seeded_pushes() {
        let mut p = Pushes::new(PushSpec::default(), 1);
        p.push_now(1.0, DVec3::X * 40.0, 0.2);
        p.update(1.1);
        assert_eq!(p.force(), Some(DVec3::X * 40.0));
        p.update(1.2);
        assert_eq!(p.force(), None);
        p.update(100.0);
        assert_eq!(p.force(), None, "no seeded pushes at 0 N");
    }

    #[test]
    fn seeded_pushes_repeat_with_the_seed() {
        let spec = PushSpec {
            force_n: 40.0,
            ..PushSpec::default()
        };
        let forces = |seed| {
            let mut p = Pushes::new(spec, seed);
            (0..20_000)
                .filter_map(|k| {
                    p.update(f64::from(k) * 1e-3);
                    p.force()
                })
                .collect::<Vec<_>>()
        };
        let a = forces(7);
        assert!(!a.is_empty() && (a[0].length() - 40.0).abs() < 1e-9);
        assert_eq!(a, forces(7));
        assert_ne!(a, forces(8));
    }
}
