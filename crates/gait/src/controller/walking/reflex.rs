//! What the muscle-reflex stages share: a sensory delay line (the reflex loops of Geyer & Herr
//! 2010, IEEE TNSRE 18:263, act on signals sensed a fixed time earlier: 5, 10 and 20 ms for the
//! hip, knee and ankle loops) and one reflex-driven muscle's state.

use std::collections::VecDeque;

use musculo::{Model, Muscle};

/// Past samples of a signal, back to one delay.
#[derive(Debug, Clone, Default)]
pub(super) struct DelayLine<T> {
    /// Samples with their times, oldest first.
    history: VecDeque<(f64, T)>,
}

impl<T: Copy> DelayLine<T> {
    /// Records `now` at `time_s` and returns the newest sample at least `delay_s` old (the
    /// oldest kept while the line is younger than the delay).
    pub fn delayed(&mut self, time_s: f64, delay_s: f64, now: T) -> T {
        self.history.push_back((time_s, now));
        let due = time_s - delay_s + 1e-9;
        while self.history.len() > 1 && self.history[1].0 <= due {
            self.history.pop_front();
        }
        self.history[0].1
    }
}

/// Checks the numbers every reflex stage has: its gains (`(field, value)`, each zero or
/// positive), its pre-stimulation (in [0, 1]) and its sensory delay (in [0, 0.2] s); the
/// error names the field under `prefix`.
pub(super) fn validate_reflexes(
    prefix: &str,
    gains: &[(&str, f64)],
    pre_stimulation: f64,
    delay_s: f64,
) -> Result<(), String> {
    for &(name, v) in gains {
        if !(v.is_finite() && v >= 0.0) {
            return Err(format!("{prefix}.{name}: {v} is not zero or positive"));
        }
    }
    let s = pre_stimulation;
    if !(0.0..=1.0).contains(&s) {
        return Err(format!("{prefix}.pre_stimulation: {s} is not in [0, 1]"));
    }
    let d = delay_s;
    if !(0.0..=0.2).contains(&d) {
        return Err(format!("{prefix}.delay_s: {d} is not in [0, 0.2] s"));
    }
    Ok(())
}

/// One reflex-driven muscle: its activation (the model's activation dynamics) and its fibre
/// and tendon (Hill-type contraction dynamics with a compliant tendon,
/// [`Muscle::compliant_tendon_step`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct ReflexMuscle {
    /// Fibre length \[m\].
    pub fiber_m: f64,
    /// Activation.
    pub activation: f64,
    /// Tendon force \[N\].
    pub force_n: f64,
}

impl ReflexMuscle {
    /// The muscle at rest in static equilibrium at `length_m` with activation `a0`.
    pub fn at_rest(muscle: &Muscle, length_m: f64, a0: f64) -> Self {
        let eq = muscle.static_equilibrium(length_m, a0);
        Self {
            fiber_m: eq.fiber_length_m,
            activation: a0,
            force_n: eq.force_n,
        }
    }

    /// Advances activation by the excitation and the fibre to the muscle-tendon length
    /// `length_m` over `dt_s`; returns the tendon force \[N\].
    pub fn step(
        &mut self,
        model: &Model,
        muscle: &Muscle,
        length_m: f64,
        excitation: f64,
        dt_s: f64,
    ) -> f64 {
        let a = model.activation.advance(excitation, self.activation, dt_s);
        let s = muscle.compliant_tendon_step(length_m, self.fiber_m, a, dt_s);
        self.activation = a;
        self.fiber_m = s.fiber_length_m;
        self.force_n = s.force_n;
        s.force_n
    }
}

/// The built-in adult model and its body layout, for the reflex stages' tests.
#[cfg(test)]
pub(super) fn adult() -> (Model, crate::skeleton::Skeleton) {
    let model = Model::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/models/adult.ron"),
        None,
    )
    .unwrap();
    let skeleton = crate::skeleton::Skeleton::resolve(&model).unwrap();
    (model, skeleton)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_line_returns_the_signal_from_one_delay_ago() {
        let mut line = DelayLine::default();
        let dt = 1e-3;
        let mut out = Vec::new();
        for i in 0..50 {
            let t = i as f64 * dt;
            out.push(line.delayed(t, 0.020, t));
        }
        // Before the delay has passed: the first sample.
        assert_eq!(out[10], 0.0);
        // After: exactly 20 samples back.
        assert!((out[40] - 0.020).abs() < 1e-12, "{}", out[40]);
        assert!((out[49] - 0.029).abs() < 1e-12, "{}", out[49]);
        assert!(line.history.len() <= 22, "bounded: {}", line.history.len());
    }
}
