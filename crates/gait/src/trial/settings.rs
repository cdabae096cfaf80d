//! The numerical and treadmill settings of a trial, with documented defaults.

use musculo::{GroundContact, Model};
use serde::{Deserialize, Serialize};

use crate::hunt_crossley::FrictionIntegration;
use crate::spec::{SpecError, TrialSpec};
use crate::treadmill::TreadmillParams;

/// Numerical settings of the physics, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsParams {
    /// Physics and control step \[s\]. Default 1 ms.
    pub dt_s: f64,
    /// rapier solver substeps per step: 2 by default, 1 with compliant feet
    /// ([`Self::for_model`]). Rigid feet need 2: their contacts are rapier's constraints, and on
    /// one substep the rigid-feet controller falls at 1.4 m/s in both directions. Compliant feet
    /// leave rapier no contact to solve, so the substeps only refine the multibody's
    /// integration; the default controller was re-established on one
    /// (`assets/controllers/experimental/one-substep.ron`), which makes a trial about 1.3 times
    /// cheaper (`docs/performance.md`).
    pub solver_iterations: usize,
    /// Steps between refreshes of the joints' apparent inertia used by stable PD. Default 10.
    pub inertia_refresh_steps: usize,
    /// Assemble and factorise the walker's mass matrix with the tree-sparse path of the
    /// vendored rapier (composite-rigid-body algorithm and `LᵀDL`, Featherstone 2008 ch. 6;
    /// `vendor/README.md`) instead of rapier's dense `Σ JᵀMJ` and LU. The two agree to
    /// rounding (`crates/gait/tests/sparse_multibody.rs`), but walking amplifies rounding, so
    /// each gait keeps the path it was established on: [`Self::for_model`] takes the sparse
    /// path for compliant feet (the default gait kept all 50 gait-grid conditions and its
    /// figures within 0.12 % on it, `docs/performance.md`), and [`Self::default`], for rigid
    /// feet, the dense one (with the sparse path one of the rigid-feet controller's 50
    /// conditions, forward 1.4 m/s at +10 %, falls, as it also does on the dense path when the
    /// mass matrix is nudged by one ulp).
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

    /// The defaults for `model`: with compliant feet [`Self::COMPLIANT_DT_S`], the coupled
    /// friction, the tree-sparse mass matrix and one solver substep, otherwise
    /// [`Self::default`].
    pub fn for_model(model: &Model) -> Self {
        match model.ground_contact {
            GroundContact::Rigid => Self::default(),
            GroundContact::HuntCrossley(_) => Self {
                dt_s: Self::COMPLIANT_DT_S,
                friction_integration: FrictionIntegration::Coupled,
                tree_sparse_multibody: true,
                solver_iterations: 1,
                ..Self::default()
            },
        }
    }

    /// Physics steps a trial accepts \[s\]: every contact and controller is tested at 0.25 and
    /// 1 ms (`tests/compliant_feet.rs`, the gait grid); 2 ms is the longest that stable PD
    /// and the contact's backward Euler have been run at, 10 µs the shortest worth waiting for.
    pub const DT_RANGE_S: (f64, f64) = (1e-5, 2e-3);
    /// Solver substeps a trial accepts (rapier's `num_solver_iterations`; trials use 1 on
    /// compliant feet and 2 on rigid ones).
    pub const SOLVER_ITERATIONS_RANGE: (usize, usize) = (1, 16);
    /// Refresh intervals of the joints' apparent inertia a trial accepts \[steps\].
    pub const INERTIA_REFRESH_RANGE: (usize, usize) = (1, 1000);

    /// Checks the settings against the trial they run: each in its range, and the recording
    /// interval a whole number of steps (a frame is recorded every so many steps, so a step
    /// that does not divide it would record at another rate than `spec.sample_rate_hz`).
    pub fn validate(&self, spec: &TrialSpec) -> Result<(), SpecError> {
        let (lo, hi) = Self::DT_RANGE_S;
        if !(self.dt_s.is_finite() && self.dt_s >= lo && self.dt_s <= hi) {
            return Err(SpecError {
                field: "physics.dt_s",
                reason: format!(
                    "{} ms is outside the supported range {}..={} ms",
                    self.dt_s * 1e3,
                    lo * 1e3,
                    hi * 1e3
                ),
            });
        }
        let steps = 1.0 / (spec.sample_rate_hz * self.dt_s);
        if (steps - steps.round()).abs() > 1e-6 * steps.max(1.0) || steps.round() < 1.0 {
            return Err(SpecError {
                field: "physics.dt_s",
                reason: format!(
                    "the recording interval of {} ms ({} Hz) is not a whole number of {} ms steps",
                    1e3 / spec.sample_rate_hz,
                    spec.sample_rate_hz,
                    self.dt_s * 1e3
                ),
            });
        }
        let within = |field: &'static str, v: usize, (lo, hi): (usize, usize)| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(SpecError {
                    field,
                    reason: format!("{v} is outside the supported range {lo}..={hi}"),
                })
            }
        };
        within(
            "physics.solver_iterations",
            self.solver_iterations,
            Self::SOLVER_ITERATIONS_RANGE,
        )?;
        within(
            "physics.inertia_refresh_steps",
            self.inertia_refresh_steps,
            Self::INERTIA_REFRESH_RANGE,
        )
    }
}

/// The physics settings a run chooses instead of the model's defaults
/// ([`PhysicsParams::for_model`]); a field left out keeps the default. Command lines
/// (`--step-ms`, `--contact-integration`, `--solver-substeps`, `--tree-sparse-multibody`) and
/// search files (`physics`) give them, and every trial folder's `run.json` and search record
/// say what the trials then ran on, so a result can be run again after a default has changed
/// (compliant feet stepped at 0.25 ms with the predicted integration before 5 December 2026,
/// at 1 ms coupled since).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsChoices {
    /// Physics and control step \[s\].
    pub dt_s: Option<f64>,
    /// How compliant feet integrate their contact forces (rigid feet ignore it).
    pub friction_integration: Option<FrictionIntegration>,
    /// The tree-sparse mass matrix ([`PhysicsParams::tree_sparse_multibody`]).
    pub tree_sparse_multibody: Option<bool>,
    /// rapier's solver substeps per step.
    pub solver_iterations: Option<usize>,
    /// Steps between refreshes of the joints' apparent inertia. Left out with a chosen step,
    /// the refresh keeps its interval in time (10 ms by default), as compliant feet's 0.25 ms
    /// steps did with 40.
    pub inertia_refresh_steps: Option<usize>,
}

impl PhysicsChoices {
    /// Every choice made: exactly `physics`, whatever the defaults are later.
    pub fn all(physics: &PhysicsParams) -> Self {
        Self {
            dt_s: Some(physics.dt_s),
            friction_integration: Some(physics.friction_integration),
            tree_sparse_multibody: Some(physics.tree_sparse_multibody),
            solver_iterations: Some(physics.solver_iterations),
            inertia_refresh_steps: Some(physics.inertia_refresh_steps),
        }
    }

    /// `base` with these choices made.
    pub fn over(&self, base: PhysicsParams) -> PhysicsParams {
        let dt_s = self.dt_s.unwrap_or(base.dt_s);
        let same_interval = || {
            let steps = base.inertia_refresh_steps as f64 * base.dt_s / dt_s;
            // A step out of range is refused by `validate`; keep the count finite meanwhile.
            if steps.is_finite() {
                (steps.round() as usize).max(1)
            } else {
                base.inertia_refresh_steps
            }
        };
        PhysicsParams {
            dt_s,
            inertia_refresh_steps: self.inertia_refresh_steps.unwrap_or_else(same_interval),
            friction_integration: self
                .friction_integration
                .unwrap_or(base.friction_integration),
            tree_sparse_multibody: self
                .tree_sparse_multibody
                .unwrap_or(base.tree_sparse_multibody),
            solver_iterations: self.solver_iterations.unwrap_or(base.solver_iterations),
        }
    }

    /// The settings of a trial of `model` with these choices: the defaults for the model
    /// ([`TrialSettings::for_model`]) with the choices made.
    pub fn settings_for(&self, model: &Model) -> TrialSettings {
        let defaults = TrialSettings::for_model(model);
        TrialSettings {
            physics: self.over(defaults.physics),
            ..defaults
        }
    }

    /// [`Self::settings_for`], checked against every trial it will run
    /// ([`PhysicsParams::validate`]) before any of them starts.
    pub fn checked_settings_for(
        &self,
        model: &Model,
        specs: &[TrialSpec],
    ) -> Result<TrialSettings, SpecError> {
        let settings = self.settings_for(model);
        for spec in specs {
            settings.physics.validate(spec)?;
        }
        Ok(settings)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_out_of_range_or_not_dividing_the_recording_interval_is_refused() {
        let spec = TrialSpec::default();
        let at = |dt_s| {
            PhysicsParams {
                dt_s,
                ..PhysicsParams::default()
            }
            .validate(&spec)
        };
        assert!(at(1e-3).is_ok());
        assert!(at(2.5e-4).is_ok());
        for bad in [0.0, -1e-3, f64::NAN, 3e-3, 3e-4] {
            assert_eq!(at(bad).unwrap_err().field, "physics.dt_s", "{bad}");
        }
        let iterations = PhysicsParams {
            solver_iterations: 0,
            ..PhysicsParams::default()
        };
        let e = iterations.validate(&spec).unwrap_err();
        assert_eq!(e.field, "physics.solver_iterations");
        assert!(e.reason.contains("1..=16"), "{}", e.reason);
    }

    #[test]
    fn choices_replace_only_what_they_name_and_all_reproduces_the_settings() {
        let base = PhysicsParams {
            dt_s: 1e-3,
            friction_integration: FrictionIntegration::Coupled,
            ..PhysicsParams::default()
        };
        let step = PhysicsChoices {
            dt_s: Some(2.5e-4),
            ..PhysicsChoices::default()
        };
        let chosen = step.over(base);
        assert_eq!(chosen.dt_s, 2.5e-4);
        assert_eq!(chosen.friction_integration, FrictionIntegration::Coupled);
        // The inertia refresh keeps its 10 ms unless it is chosen too.
        assert_eq!(chosen.inertia_refresh_steps, 40);
        let both = PhysicsChoices {
            inertia_refresh_steps: Some(3),
            ..step
        };
        assert_eq!(both.over(base).inertia_refresh_steps, 3);
        assert_eq!(PhysicsChoices::default().over(base), base);
        assert_eq!(
            PhysicsChoices::all(&chosen).over(PhysicsParams::default()),
            chosen
        );
    }
}
