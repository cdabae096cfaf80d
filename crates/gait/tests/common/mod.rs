//! What the gait integration tests share: a walking trial with the muscle analysis, and a
//! forward trial on compliant feet with a given controller.

use gait::analysis::AnalysisSettings;
use gait::controller::walking::{WalkingController, WalkingParams};
use gait::hunt_crossley::FrictionIntegration;
use gait::{Direction, Trial, TrialSettings, TrialSpec};
use musculo::spec::ContactLaw;
use musculo::{Model, ModelSpec};

/// The built-in model walking `duration_s` at 1.0 m/s on the level belt in `direction` with the
/// default controller and the muscle analysis at 200 Hz; asserts that it did not fall.
#[allow(dead_code)] // Not every test file that includes this module runs the trial whole.
pub fn walk_with_muscles(direction: Direction, duration_s: f64) -> (Model, gait::TrialResult) {
    let (model, mut trial) = walking_trial(direction, duration_s);
    let result = trial.run(|_| {}).unwrap();
    assert!(
        result.fall.is_none(),
        "{direction:?} fell: {:?}",
        result.fall
    );
    (model, result)
}

/// The trial [`walk_with_muscles`] runs, set up and not yet run, with its model.
pub fn walking_trial(direction: Direction, duration_s: f64) -> (Model, Trial) {
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    let spec = TrialSpec {
        direction,
        speed_mps: 1.0,
        duration_s,
        sample_rate_hz: 200.0,
        ..Default::default()
    };
    let mut trial = Trial::new(model.clone(), spec, WalkingParams::default()).unwrap();
    trial
        .set_analysis(Some(AnalysisSettings::default()))
        .unwrap();
    (model, trial)
}

/// A forward trial of `duration_s` at 1.0 m/s on the adult model with compliant
/// (Hunt-Crossley) feet and the controller `params`, no muscle analysis.
#[allow(dead_code)] // Not every test file that includes this module walks on compliant feet.
pub fn compliant_trial(params: WalkingParams, duration_s: f64) -> Trial {
    compliant_trial_stepped(params, duration_s, None)
}

/// [`compliant_trial`] with the contact's integration and step `stepping` instead of the
/// defaults for compliant feet (`PhysicsParams::for_model`), if given.
#[allow(dead_code)]
pub fn compliant_trial_stepped(
    params: WalkingParams,
    duration_s: f64,
    stepping: Option<(FrictionIntegration, f64)>,
) -> Trial {
    let spec = TrialSpec {
        direction: Direction::Forward,
        speed_mps: 1.0,
        duration_s,
        ..TrialSpec::default()
    };
    compliant_trial_with(params, spec, stepping)
}

/// A trial `spec` on the adult model with compliant (Hunt-Crossley) feet and the controller
/// `params`, no muscle analysis; the contact's integration and step as in
/// [`compliant_trial_stepped`].
#[allow(dead_code)]
pub fn compliant_trial_with(
    params: WalkingParams,
    spec: TrialSpec,
    stepping: Option<(FrictionIntegration, f64)>,
) -> Trial {
    let mut model_spec = ModelSpec::parse(musculo::ADULT_MODEL_RON, "adult.ron").unwrap();
    model_spec.ground_contact.law = ContactLaw::HuntCrossley;
    let model = Model::compile(model_spec, "adult.ron".as_ref(), None).unwrap();
    let mut settings = TrialSettings::for_model(&model);
    if let Some((integration, dt_s)) = stepping {
        settings.physics.friction_integration = integration;
        settings.physics.dt_s = dt_s;
        settings.physics.inertia_refresh_steps = (0.01 / dt_s).round() as usize;
    }
    Trial::with_controller(model, spec, settings, |m, s| {
        Box::new(WalkingController::new(m, s, params))
    })
    .unwrap()
}
