//! Hill-type muscle-tendon unit: fibre kinematics, force and fibre power.
//!
//! Contractile element with the De Groote et al. (2016) curves ([`crate::curves`]) in series
//! with a tendon, fibres pennated at a constant-thickness angle (Zajac 1989, "Muscle and
//! tendon: properties, models, scaling, and application to biomechanics and motor control",
//! Crit Rev Biomed Eng 17:359-411: `l_f sin α = l_opt sin α_opt`).
//!
//! Static optimisation uses the rigid-tendon form (tendon length = slack length), in which the
//! fibre state follows from the joint kinematics alone and force is affine in activation —
//! the usual choice for static optimisation (Anderson & Pandy 2001, J Biomech Eng 123:381).
//! [`Muscle::static_equilibrium`] solves the compliant-tendon equilibrium for a held pose.

use glam::DVec3;
use serde::Serialize;

use crate::curves;
use crate::model::{SegmentId, Side};
use crate::path::{Path, PathState};
use crate::spec::MuscleGroup;

/// Cosine of the largest pennation angle the fibre geometry is allowed to reach; beyond it the
/// fibre is treated as fully folded (no force along the tendon). Millard et al. 2013 use the
/// same guard (J Biomech Eng 135:021005, section 2.5).
const MIN_COS_PENNATION: f64 = 0.017_452_406; // cos 89°

/// A muscle-tendon unit of the compiled model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Muscle {
    /// Unique name (`vasti_r`).
    pub name: String,
    /// Name without side (`vasti`).
    pub base_name: String,
    /// Leg it belongs to.
    pub side: Side,
    /// Reporting group.
    pub group: MuscleGroup,
    /// Maximum isometric force F_max \[N\].
    pub max_isometric_force_n: f64,
    /// Optimal fibre length l_opt \[m\].
    pub optimal_fiber_length_m: f64,
    /// Tendon slack length \[m\].
    pub tendon_slack_length_m: f64,
    /// Pennation angle at optimal fibre length \[rad\].
    pub pennation_at_optimal_rad: f64,
    /// Maximum contraction velocity [l_opt/s].
    pub max_contraction_velocity_lopt_per_s: f64,
    /// Measured volume of the anatomical muscles this one stands for, at the subject's size
    /// \[m³\] (the energy model's muscle mass); `None` where the model gives none.
    pub volume_m3: Option<f64>,
    /// Fraction of slow-twitch fibres of those anatomical muscles, volume-weighted (the energy
    /// model's fibre type); `None` where the model gives none.
    pub slow_twitch_fraction: Option<f64>,
    /// Musculotendon path (length and moment arms).
    pub path: Path,
    /// Points for drawing the muscle [m, segment frames].
    pub display_points: Vec<(SegmentId, DVec3)>,
}

/// Fibre state of a rigid-tendon muscle at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FiberState {
    /// Musculotendon length \[m\].
    pub mtu_length_m: f64,
    /// Musculotendon lengthening speed [m/s].
    pub mtu_velocity_mps: f64,
    /// Fibre length \[m\].
    pub fiber_length_m: f64,
    /// Fibre lengthening speed [m/s] (negative = shortening = concentric).
    pub fiber_velocity_mps: f64,
    /// Cosine of the pennation angle.
    pub cos_pennation: f64,
    /// Active force-length multiplier.
    pub active_force_length: f64,
    /// Passive force-length multiplier.
    pub passive_force_length: f64,
    /// Force-velocity multiplier.
    pub force_velocity: f64,
}

impl FiberState {
    /// Musculotendon (tendon) force \[N\] at activation `a` for a muscle of strength `f_max`:
    /// `F = F_max (a f_L f_V + f_PE) cos α`.
    pub fn mtu_force_n(&self, max_isometric_force_n: f64, activation: f64) -> f64 {
        let (active, passive) = self.force_per_activation(max_isometric_force_n);
        activation * active + passive
    }

    /// Tendon force split into the part proportional to activation and the passive part \[N\]:
    /// `F = a · active + passive`.
    pub fn force_per_activation(&self, max_isometric_force_n: f64) -> (f64, f64) {
        let along_tendon = max_isometric_force_n * self.cos_pennation;
        (
            along_tendon * self.active_force_length * self.force_velocity,
            along_tendon * self.passive_force_length,
        )
    }

    /// Mechanical power of the fibres \[W\] for tendon force `force_n`: positive while shortening
    /// under load (concentric work), negative while lengthening (eccentric).
    /// With a rigid tendon, `F_fibre v_fibre = (F/cos α)(v_mt cos α) = F v_mt`.
    pub fn fiber_power_w(&self, force_n: f64) -> f64 {
        -force_n * self.mtu_velocity_mps
    }
}

/// Compliant-tendon equilibrium of a held (isometric) muscle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TendonEquilibrium {
    /// Fibre length \[m\].
    pub fiber_length_m: f64,
    /// Tendon length \[m\].
    pub tendon_length_m: f64,
    /// Tendon force = fibre force along the tendon \[N\].
    pub force_n: f64,
}

impl Muscle {
    /// Fibre thickness h = l_opt sin α_opt [m], constant under the constant-thickness model.
    fn fiber_thickness_m(&self) -> f64 {
        self.optimal_fiber_length_m * self.pennation_at_optimal_rad.sin()
    }

    /// Fibre state with a rigid tendon for a given path state and coordinate speeds.
    pub fn rigid_tendon_state(&self, path: &PathState, qdot: &[f64]) -> FiberState {
        let v_mt = self.path.lengthening_speed(path, qdot);
        self.rigid_tendon_fiber(path.length_m, v_mt)
    }

    /// Fibre state with a rigid tendon from musculotendon length \[m\] and speed [m/s].
    pub fn rigid_tendon_fiber(&self, mtu_length_m: f64, mtu_velocity_mps: f64) -> FiberState {
        let h = self.fiber_thickness_m();
        // Fibre projection onto the line of action; a rigid tendon keeps its slack length.
        let along = (mtu_length_m - self.tendon_slack_length_m).max(0.0);
        let fiber_length = (along * along + h * h).sqrt();
        let (cos_pennation, fiber_velocity) = if fiber_length > 0.0 {
            let c = along / fiber_length;
            // l_f² = along² + h²  ⇒  l̇_f = (along/l_f) · l̇_mt = cos α · v_mt.
            (c, c * mtu_velocity_mps)
        } else {
            (0.0, 0.0)
        };
        let norm_length = fiber_length / self.optimal_fiber_length_m;
        let norm_velocity = fiber_velocity
            / (self.max_contraction_velocity_lopt_per_s * self.optimal_fiber_length_m);
        let folded = cos_pennation < MIN_COS_PENNATION;
        FiberState {
            mtu_length_m,
            mtu_velocity_mps,
            fiber_length_m: fiber_length,
            fiber_velocity_mps: fiber_velocity,
            cos_pennation: if folded { 0.0 } else { cos_pennation },
            active_force_length: curves::active_force_length(norm_length),
            passive_force_length: curves::passive_force_length(norm_length),
            force_velocity: curves::force_velocity(norm_velocity),
        }
    }

    /// Fibre and tendon lengths at which an isometric muscle at `activation` is in equilibrium
    /// with a compliant tendon (De Groote et al. 2016 tendon curve):
    /// `F_max f_T(l_T/l_s) = F_max (a f_L + f_PE) cos α`, found by bisection on the fibre's
    /// projection, along which tendon force rises and fibre force falls-or-rises slower.
    pub fn static_equilibrium(&self, mtu_length_m: f64, activation: f64) -> TendonEquilibrium {
        // Tendon force falls from large (fibre projection 0, tendon overstretched) to zero
        // (tendon slack), while fibre force is bounded: a sign change exists on the bracket.
        self.balance_tendon(mtu_length_m, 80, |l_f| {
            let n = l_f / self.optimal_fiber_length_m;
            activation * curves::active_force_length(n) + curves::passive_force_length(n)
        })
    }

    /// Advances a compliant-tendon muscle by one step of `dt_s`: the fibre length at the end of
    /// the step at which tendon and fibre forces balance,
    /// `F_max f_T(l_T/l_s) = F_max (a f_L f_V(v) + f_PE) cos α`, with the fibre velocity
    /// `v = (l_f − l_f,prev)/dt` (backward Euler). Hill-type contraction dynamics with a
    /// series-elastic tendon, as in the neuromuscular walking models that this feeds
    /// (Geyer & Herr 2010, IEEE TNSRE 18:263-273, Appendix; Zajac 1989), with the De Groote
    /// et al. (2016) curves of [`crate::curves`]. Solving the balance implicitly removes the
    /// division by `a f_L` of the explicit form (singular for an inactive muscle) and is stable
    /// at any step: tendon force falls and fibre force rises as the fibre's projection grows,
    /// so the balance is found by bisection on that projection.
    pub fn compliant_tendon_step(
        &self,
        mtu_length_m: f64,
        fiber_length_m: f64,
        activation: f64,
        dt_s: f64,
    ) -> TendonEquilibrium {
        let v_scale = self.max_contraction_velocity_lopt_per_s * self.optimal_fiber_length_m;
        // 48 halvings of a bracket shorter than a metre: well below a nanometre.
        self.balance_tendon(mtu_length_m, 48, |l_f| {
            let n = l_f / self.optimal_fiber_length_m;
            let v = (l_f - fiber_length_m) / dt_s / v_scale;
            activation * curves::active_force_length(n) * curves::force_velocity(v)
                + curves::passive_force_length(n)
        })
    }

    /// Bisection on the fibre's projection along the tendon for the length at which the
    /// tendon's force equals the fibre's, `F_max f_T(l_T/l_s) = F_max fibre(l_f) cos α`, where
    /// `fibre` is the fibre's force per maximum isometric force at fibre length `l_f`.
    fn balance_tendon(
        &self,
        mtu_length_m: f64,
        halvings: usize,
        fibre: impl Fn(f64) -> f64,
    ) -> TendonEquilibrium {
        let h = self.fiber_thickness_m();
        let l_s = self.tendon_slack_length_m;
        let f_max = self.max_isometric_force_n;
        let residual = |along: f64| {
            let l_f = (along * along + h * h).sqrt();
            let cos_a = if l_f > 0.0 { along / l_f } else { 0.0 };
            let fiber = f_max * fibre(l_f) * cos_a;
            let tendon = f_max * curves::tendon_force_length((mtu_length_m - along) / l_s);
            (tendon - fiber, tendon, l_f)
        };
        let mut lo = 0.0;
        let mut hi = (mtu_length_m - 0.9 * l_s).max(0.0);
        for _ in 0..halvings {
            let mid = 0.5 * (lo + hi);
            if residual(mid).0 > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let along = 0.5 * (lo + hi);
        let (_, tendon, l_f) = residual(along);
        TendonEquilibrium {
            fiber_length_m: l_f,
            tendon_length_m: mtu_length_m - along,
            force_n: tendon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CoordinateId;

    /// A one-coordinate muscle with a constant 5 cm moment arm, fibres optimal at q = 0.
    pub(crate) fn test_muscle(pennation: f64) -> Muscle {
        let l_opt = 0.1;
        let l_s = 0.2;
        let l0 = l_s + l_opt * pennation.cos();
        Muscle {
            name: "test_r".into(),
            base_name: "test".into(),
            side: Side::Right,
            group: MuscleGroup::Quadriceps,
            max_isometric_force_n: 1000.0,
            optimal_fiber_length_m: l_opt,
            tendon_slack_length_m: l_s,
            pennation_at_optimal_rad: pennation,
            max_contraction_velocity_lopt_per_s: 10.0,
            volume_m3: None,
            slow_twitch_fraction: None,
            path: Path::new(vec![CoordinateId(0)], vec![(l0, vec![0]), (-0.05, vec![1])]),
            display_points: vec![],
        }
    }

    #[test]
    fn fibres_are_optimal_at_the_reference_length_with_pennation() {
        let m = test_muscle(0.3);
        let s = m.rigid_tendon_fiber(0.2 + 0.1 * 0.3f64.cos(), 0.0);
        assert!((s.fiber_length_m - 0.1).abs() < 1e-12);
        assert!((s.cos_pennation - 0.3f64.cos()).abs() < 1e-12);
        let f = s.mtu_force_n(1000.0, 1.0);
        assert!((f - 1000.0 * 0.3f64.cos()).abs() < 15.0, "{f}");
    }

    #[test]
    fn fibre_velocity_matches_finite_difference_of_fibre_length() {
        let m = test_muscle(0.4);
        let (l, v, dt) = (0.31, 0.2, 1e-7);
        let a = m.rigid_tendon_fiber(l, v);
        let b = m.rigid_tendon_fiber(l + v * dt, v);
        let fd = (b.fiber_length_m - a.fiber_length_m) / dt;
        assert!(
            (fd - a.fiber_velocity_mps).abs() < 1e-6,
            "{fd} vs {}",
            a.fiber_velocity_mps
        );
    }

    #[test]
    fn shortening_under_load_is_positive_power_and_lengthening_negative() {
        let m = test_muscle(0.0);
        let short = m.rigid_tendon_fiber(0.3, -0.1);
        let long = m.rigid_tendon_fiber(0.3, 0.1);
        let f = 500.0;
        assert!(short.fiber_power_w(f) > 0.0);
        assert!(long.fiber_power_w(f) < 0.0);
        // Eccentric contraction gives more force at the same activation (Katz 1939).
        assert!(long.mtu_force_n(1000.0, 0.5) > short.mtu_force_n(1000.0, 0.5));
    }

    #[test]
    fn slack_muscle_produces_no_force_and_no_nan() {
        let m = test_muscle(0.2);
        let s = m.rigid_tendon_fiber(0.1, -1.0);
        assert!(s.mtu_force_n(1000.0, 1.0).abs() < 1e-9);
        assert!(s.fiber_power_w(0.0).is_finite());
    }

    #[test]
    fn compliant_tendon_equilibrium_balances_fibre_and_tendon_force() {
        let m = test_muscle(0.2);
        let l_mt = 0.2 + 0.1 * 0.2f64.cos() + 0.01;
        let eq = m.static_equilibrium(l_mt, 0.8);
        let along = l_mt - eq.tendon_length_m;
        let fiber = m.rigid_tendon_fiber(along + m.tendon_slack_length_m, 0.0);
        let fiber_force = fiber.mtu_force_n(m.max_isometric_force_n, 0.8);
        assert!((fiber_force - eq.force_n).abs() < 1e-6 * m.max_isometric_force_n);
        // A loaded tendon stretches beyond slack, so fibres are shorter than the rigid case.
        assert!(eq.tendon_length_m > m.tendon_slack_length_m);
        assert!(eq.force_n > 0.3 * m.max_isometric_force_n);
    }

    #[test]
    fn a_held_compliant_muscle_settles_to_its_static_equilibrium() {
        let m = test_muscle(0.2);
        let l_mt = 0.2 + 0.1 * 0.2f64.cos() + 0.01;
        // Start from the slack-tendon fibre length: the tendon is unloaded, the fibre shortens.
        let mut fiber = (l_mt - m.tendon_slack_length_m).hypot(0.1 * 0.2f64.sin());
        let mut last = None;
        for _ in 0..2000 {
            let s = m.compliant_tendon_step(l_mt, fiber, 0.8, 1e-3);
            fiber = s.fiber_length_m;
            last = Some(s);
        }
        let eq = m.static_equilibrium(l_mt, 0.8);
        let s = last.unwrap();
        assert!(
            (s.force_n - eq.force_n).abs() < 1e-3 * eq.force_n,
            "{s:?} vs {eq:?}"
        );
        assert!((s.fiber_length_m - eq.fiber_length_m).abs() < 1e-6);
    }

    #[test]
    fn a_stretched_active_muscle_resists_more_than_a_held_one() {
        let m = test_muscle(0.2);
        let l0 = 0.2 + 0.1 * 0.2f64.cos();
        let mut fiber = m.static_equilibrium(l0, 0.5).fiber_length_m;
        let dt = 1e-3;
        let mut force = 0.0;
        // Lengthen the muscle-tendon unit at 0.2 m/s (0.2 l_opt v_max) for 20 ms.
        for i in 1..=20 {
            let s = m.compliant_tendon_step(l0 + 0.2 * dt * i as f64, fiber, 0.5, dt);
            fiber = s.fiber_length_m;
            force = s.force_n;
        }
        let held = m.static_equilibrium(l0 + 0.004, 0.5).force_n;
        assert!(force > 1.1 * held, "eccentric {force} vs isometric {held}");
    }

    #[test]
    fn an_inactive_slack_compliant_muscle_has_no_force_and_no_nan() {
        let m = test_muscle(0.2);
        for dt in [1e-4, 1e-3, 1e-2] {
            let s = m.compliant_tendon_step(0.25, 0.1, 0.0, dt);
            assert!(s.force_n.abs() < 1e-6, "{s:?}");
            assert!(s.fiber_length_m.is_finite() && s.tendon_length_m.is_finite());
        }
    }
}
