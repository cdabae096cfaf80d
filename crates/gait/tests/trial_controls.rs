//! A trial's controls: live belt changes go through the treadmill's motor (the trial's spec
//! keeps what was requested), and a trial runs any controller, not only the walking one.

use gait::controller::{Controller, Observation};
use gait::{Direction, Trial, TrialSettings, TrialSpec};
use musculo::Model;

fn model() -> Model {
    Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap()
}

#[test]
fn live_belt_changes_ramp_and_leave_the_requested_spec_alone() {
    let spec = TrialSpec {
        direction: Direction::Forward,
        speed_mps: 1.0,
        duration_s: 10.0,
        ..TrialSpec::default()
    };
    let mut trial = Trial::new(model(), spec, Default::default()).unwrap();
    for _ in 0..100 {
        trial.step().unwrap();
    }
    // Out of range: rejected with the spec's field, nothing changes.
    let err = trial.set_belt(40.0, 0.0).unwrap_err();
    assert_eq!(err.field, "speed_mps");
    assert!(trial.set_belt(1.0, f64::NAN).is_err());
    trial.set_belt(1.2, 2.0).unwrap();
    let tilt_before = trial.treadmill().incline_rad;
    for _ in 0..250 {
        trial.step().unwrap();
    }
    // 0.25 s at the motor's 0.4 m/s² and 1 %/s: half-way in speed, a quarter of a percent.
    let belt = trial.belt();
    assert!((belt.speed_mps - 1.1).abs() < 1e-9, "{belt:?}");
    assert!((belt.incline_pct - 0.25).abs() < 1e-9, "{belt:?}");
    assert!(trial.treadmill().incline_rad > tilt_before);
    for _ in 0..2000 {
        trial.step().unwrap();
    }
    assert_eq!(
        (trial.belt().speed_mps, trial.belt().incline_pct),
        (1.2, 2.0)
    );
    assert_eq!(*trial.spec(), spec, "the spec is what was requested");
}

/// A controller that does nothing: the walker, unactuated, collapses.
struct Limp;

impl Controller for Limp {
    fn control(&mut self, _obs: &Observation, torques: &mut [f64]) {
        torques.fill(0.0);
    }
}

#[test]
fn a_trial_runs_any_controller() {
    let spec = TrialSpec {
        duration_s: 5.0,
        ..TrialSpec::default()
    };
    let mut trial = Trial::with_controller(model(), spec, TrialSettings::default(), |_, _| {
        Box::new(Limp)
    })
    .unwrap();
    let result = trial.run(|_| {}).unwrap();
    let fall = result.fall.as_ref().expect("an unactuated walker falls");
    assert!(fall.time_s < 3.0, "{fall:?}");
    assert!(result.frames.iter().all(|f| f.stance_side.is_none()));
    assert!(
        result
            .frames
            .iter()
            .all(|f| f.applied_torques_nm.iter().all(|&t| t == 0.0))
    );
}
