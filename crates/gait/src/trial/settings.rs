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
    /// Assemble and factorise the walker's mass matrix with the tree-sparse path of the
    /// vendored rapier (composite-rigid-body algorithm and `LᵀDL`, Featherstone 2008 ch. 6;
    /// `vendor/README.md`) instead of rapier's dense `Σ JᵀMJ` and LU. Default `false`: the two
    /// agree to rounding (`crates/gait/tests/sparse_multibody.rs`), but walking amplifies
    /// rounding: with the sparse path one of the 50 gait-grid conditions (forward 1.4 m/s,
    /// +10 %) falls, as it also does with the dense path when its mass matrix is nudged by one
    /// ulp (`docs/performance.md`). It becomes the default when the gait is re-established on
    /// it.
    pub tree_sparse_multibody: bool,
}

impl Default for PhysicsParams {
    fn default() -> Self {
        Self {
            dt_s: 1e-3,
            solver_iterations: 2,
            inertia_refresh_steps: 10,
            tree_sparse_multibody: false,
        }
    }
}

impl PhysicsParams {
    /// Physics step with compliant (Hunt-Crossley) feet \[s\]. The contact itself is stable at
    /// 1 ms (its damping and friction are integrated implicitly, `hunt_crossley`; with them
    /// explicit it needs 0.25 ms). The walking controller, tuned on rigid feet, is not:
    /// measured with `examples/compliant_feet.rs` (1.0 m/s level), it falls after 2.7 s at
    /// 1 ms and 9.4 s at 0.5 ms, and walks 60 s in both directions at 0.25 ms
    /// (`docs/compliant-feet.md`). Until the controller is tuned on compliant feet, they step
    /// at 0.25 ms.
    pub const COMPLIANT_DT_S: f64 = 2.5e-4;

    /// The defaults for `model`: [`Self::COMPLIANT_DT_S`] with compliant feet (the inertia
    /// refreshed at the same 10 ms interval), otherwise [`Self::default`].
    pub fn for_model(model: &Model) -> Self {
        match model.ground_contact {
            GroundContact::Rigid => Self::default(),
            GroundContact::HuntCrossley(_) => Self {
                dt_s: Self::COMPLIANT_DT_S,
                inertia_refresh_steps: 40,
                ..Self::default()
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
