//! The numerical and treadmill settings of a trial, with documented defaults.

use serde::{Deserialize, Serialize};

use crate::treadmill::TreadmillParams;

/// Numerical settings of the physics, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsParams {
    /// Physics and control step \[s\]. Default 1 ms.
    pub dt_s: f64,
    /// rapier solver substeps per step. Default 2.
    pub solver_iterations: usize,
    /// Steps between refreshes of the joints' apparent inertia used by stable PD. Default 10.
    pub inertia_refresh_steps: usize,
}

impl Default for PhysicsParams {
    fn default() -> Self {
        Self {
            dt_s: 1e-3,
            solver_iterations: 2,
            inertia_refresh_steps: 10,
        }
    }
}

/// The treadmill's and the physics' settings of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrialSettings {
    /// Size, surface and drive of the treadmill.
    pub treadmill: TreadmillParams,
    /// Step and solver.
    pub physics: PhysicsParams,
}
