//! First-order excitation-to-activation dynamics.
//!
//! `da/dt = (u - a) / τ(u, a)` with an activation-dependent time constant
//! `τ = τ_act (0.5 + 1.5 a)` while activating (u > a) and `τ = τ_deact / (0.5 + 1.5 a)` while
//! deactivating: Thelen 2003, "Adjustment of muscle mechanics model parameters to simulate
//! dynamic contractions in older adults", J Biomech Eng 125:70-77, eqs. 1-2 (after Winters 1995).
//! Time constants in the model file: τ_act = 10 ms, τ_deact = 40 ms (Thelen 2003; OpenSim
//! defaults).

use serde::Serialize;

use crate::model::{ActivationDynamics, Model};

impl ActivationDynamics {
    /// Time constant \[s\] for excitation `u` at activation `a`.
    pub fn time_constant_s(&self, excitation: f64, activation: f64) -> f64 {
        let a = activation.clamp(0.0, 1.0);
        if excitation > activation {
            self.activation_time_constant_s * (0.5 + 1.5 * a)
        } else {
            self.deactivation_time_constant_s / (0.5 + 1.5 * a)
        }
    }

    /// da/dt [1/s].
    pub fn derivative(&self, excitation: f64, activation: f64) -> f64 {
        (excitation - activation) / self.time_constant_s(excitation, activation)
    }

    /// Advances one activation over `dt` by the exponential integrator
    /// `a ← u + (a - u) e^{-dt/τ}`, with τ taken at the midpoint of the step (a half step
    /// predicts the midpoint activation): second-order accurate, unconditionally stable and
    /// never overshooting `u`. Excitation and result are clamped to `[minimum_activation, 1]`.
    pub fn advance(&self, excitation: f64, activation: f64, dt_s: f64) -> f64 {
        let u = excitation.clamp(self.minimum_activation, 1.0);
        let relax = |tau: f64, dt: f64| u + (activation - u) * (-dt / tau).exp();
        let midpoint = relax(self.time_constant_s(u, activation), 0.5 * dt_s);
        relax(self.time_constant_s(u, midpoint), dt_s).clamp(self.minimum_activation, 1.0)
    }
}

/// Integrated state of the muscles: one activation per muscle (cf. MuJoCo's `mjData.act`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MuscleState {
    /// Activation of each muscle, indexed by [`crate::MuscleId`] [-].
    pub activations: Vec<f64>,
}

impl MuscleState {
    /// Every muscle at the model's minimum activation.
    pub fn resting(model: &Model) -> Self {
        Self {
            activations: vec![model.activation.minimum_activation; model.muscles.len()],
        }
    }

    /// Advances all activations by `dt_s` under `excitations` (one per muscle).
    pub fn step(&mut self, model: &Model, excitations: &[f64], dt_s: f64) {
        for (a, &u) in self.activations.iter_mut().zip(excitations) {
            *a = model.activation.advance(u, *a, dt_s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THELEN: ActivationDynamics = ActivationDynamics {
        activation_time_constant_s: 0.010,
        deactivation_time_constant_s: 0.040,
        minimum_activation: 0.01,
    };

    fn rise_time(d: &ActivationDynamics, from: f64, to: f64, target: f64) -> f64 {
        let dt = 1e-5;
        let (mut a, mut t) = (from, 0.0);
        while (to > from && a < target) || (to < from && a > target) {
            a = d.advance(to, a, dt);
            t += dt;
        }
        t
    }

    #[test]
    fn activation_is_faster_than_deactivation() {
        let up = rise_time(&THELEN, 0.01, 1.0, 0.5);
        let down = rise_time(&THELEN, 1.0, 0.01, 0.5);
        assert!(up < down, "up {up} down {down}");
        // Starting at rest τ ≈ 5 ms, reaching 2 ms·(0.5+1.5a) near a = 0.5: half rise within 10 ms.
        assert!(up > 0.002 && up < 0.012, "{up}");
    }

    #[test]
    fn exact_step_matches_fine_euler_integration() {
        let (u, a0, dt) = (0.8, 0.1, 0.001);
        let coarse = THELEN.advance(u, a0, dt);
        let mut a = a0;
        for _ in 0..1000 {
            a += THELEN.derivative(u, a) * dt / 1000.0;
        }
        // Second order in dt: one 1 ms step is within 0.1 % of the fine integration.
        assert!((coarse - a).abs() < 1e-3, "{coarse} vs {a}");
    }

    #[test]
    fn activation_stays_within_bounds_for_extreme_excitations() {
        for u in [-5.0, 0.0, 0.5, 1.0, 7.0] {
            let mut a = 0.5;
            for _ in 0..100 {
                a = THELEN.advance(u, a, 0.05);
                assert!((0.01..=1.0).contains(&a));
            }
        }
    }
}
