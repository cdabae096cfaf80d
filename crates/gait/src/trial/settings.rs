//! The numerical and treadmill settings of a trial, with documented defaults.

use musculo::{GroundContact, Model};
use serde::{Deserialize, Serialize};

use crate::hunt_crossley::FrictionIntegration;
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
    /// How compliant feet integrate their contact forces over a step
    /// ([`FrictionIntegration`]). Default `Predicted`; [`Self::for_model`] takes `Coupled`
    /// for compliant feet. (Rigid feet ignore it.)
    pub friction_integration: FrictionIntegration,
}

impl Default for PhysicsParams {
    fn default() -> Self {
        Self {
            dt_s: 1e-3,
            solver_iterations: 2,
            inertia_refresh_steps: 10,
            tree_sparse_multibody: false,
            friction_integration: FrictionIntegration::Predicted,
        }
    }
}

impl PhysicsParams {
    /// Physics step with compliant (Hunt-Crossley) feet \[s\]: 1 ms, as with rigid feet. The
    /// contact's stiff parts (the Hunt-Crossley damping and the regularised friction) are
    /// integrated by backward Euler on all touching spheres at once against the multibody's own
    /// dynamics ([`FrictionIntegration::Coupled`], `hunt_crossley`), and every walking
    /// controller walks at 1 ms with it; with the earlier [`FrictionIntegration::Predicted`]
    /// they fell within 2-5 s at 1 ms and needed 0.25 ms (`docs/compliant-feet.md`).
    pub const COMPLIANT_DT_S: f64 = 1e-3;

    /// The defaults for `model`: with compliant feet [`Self::COMPLIANT_DT_S`] and the coupled
    /// friction, otherwise [`Self::default`].
    pub fn for_model(model: &Model) -> Self {
        match model.ground_contact {
            GroundContact::Rigid => Self::default(),
            GroundContact::HuntCrossley(_) => Self {
                dt_s: Self::COMPLIANT_DT_S,
                friction_integration: FrictionIntegration::Coupled,
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
