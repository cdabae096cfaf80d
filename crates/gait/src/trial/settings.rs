//! The numerical and treadmill settings of a trial, with documented defaults.

use musculo::{GroundContact, Model};
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

impl PhysicsParams {
    /// Physics step with compliant (Hunt-Crossley) feet \[s\]. Their force is held over each
    /// step (explicit), and its stiffness and damping (1.5 c f_H, about 2 kN·s/m under body
    /// weight with c = 2 s/m) act on a foot of about 1 kg: explicit Euler needs b Δt / m < 2.
    /// Measured (`tests/compliant_feet.rs` and `examples/compliant_feet.rs`): at 1 ms the
    /// walker's foot forces diverge within 0.1 s of standing; at 0.5 ms (2 substeps) standing
    /// and walking are stable, but an unactuated walker collapsing into a squat at its joint
    /// limits diverges after 0.5 s; at 0.25 ms and 0.1 ms that collapse loses energy
    /// throughout. A linearly implicit contact force (as stable PD treats the joints) is what
    /// would allow a longer step.
    pub const COMPLIANT_DT_S: f64 = 1e-3;

    /// The defaults for `model`: [`Self::COMPLIANT_DT_S`] with compliant feet (the inertia
    /// refreshed at the same 10 ms interval), otherwise [`Self::default`].
    pub fn for_model(model: &Model) -> Self {
        match model.ground_contact {
            GroundContact::Rigid => Self::default(),
            GroundContact::HuntCrossley(_) => Self {
                dt_s: Self::COMPLIANT_DT_S,
                solver_iterations: 2,
                inertia_refresh_steps: 10,
            },
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

impl TrialSettings {
    /// The default treadmill and the physics defaults for `model` ([`PhysicsParams::for_model`]).
    pub fn for_model(model: &Model) -> Self {
        Self {
            treadmill: TreadmillParams::default(),
            physics: PhysicsParams::for_model(model),
        }
    }
}
