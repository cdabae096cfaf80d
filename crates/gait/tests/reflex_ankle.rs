//! The muscle-reflex ankle (`assets/controllers/experimental/reflex-ankle.ron`) walks on
//! compliant feet, and its stance ankle is held by the triceps surae: a plantarflexor moment
//! through single stance, where the servo ankle it replaces gives a dorsiflexor one early in
//! stance (docs/controller-tuning.md, "A muscle-reflex ankle").

use gait::controller::walking::WalkingParams;
use gait::{Direction, Trial, TrialSpec};
use musculo::spec::ContactLaw;
use musculo::{Model, ModelSpec};

const REFLEX_ANKLE_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/reflex-ankle.ron"
));

fn compliant_model() -> Model {
    let mut spec = ModelSpec::parse(musculo::ADULT_MODEL_RON, "adult.ron").unwrap();
    spec.ground_contact.law = ContactLaw::HuntCrossley;
    Model::compile(spec, "adult.ron".as_ref(), None).unwrap()
}

/// Mean and most plantarflexor (most negative) stance-ankle torque per kilogram over single
/// stance from 2 s to 4 s, with or without the reflexes.
fn stance_ankle_torques(reflexes: bool) -> (f64, f64) {
    let mut params = WalkingParams::from_ron_str(REFLEX_ANKLE_RON, "reflex-ankle.ron").unwrap();
    if !reflexes {
        params.forward.ankle_reflexes = None;
    }
    let spec = TrialSpec {
        direction: Direction::Forward,
        speed_mps: 1.0,
        duration_s: 4.0,
        ..TrialSpec::default()
    };
    let mut trial = Trial::new(compliant_model(), spec, params).unwrap();
    let mass = trial.model().total_mass_kg();
    let (mut sum, mut n, mut min) = (0.0, 0usize, f64::INFINITY);
    while trial.time_s() < 4.0 {
        trial.step().unwrap();
        assert!(trial.fall().is_none(), "fell: {:?}", trial.fall());
        let feet = trial.contacts().feet;
        let Some(stance) = trial.stance_side() else {
            continue;
        };
        let single = feet[stance].touching && !feet[stance.opposite()].touching;
        if trial.time_s() >= 2.0 && single {
            let ankle = trial.skeleton().legs[stance].ankle;
            let t = trial.torques()[ankle.index()] / mass;
            sum += t;
            n += 1;
            min = min.min(t);
        }
    }
    assert!(n > 500, "single stance for {n} steps");
    (sum / n as f64, min)
}

#[test]
fn the_reflex_ankle_walks_and_its_stance_ankle_is_held_by_plantarflexors() {
    let (mean, peak) = stance_ankle_torques(true);
    assert!(mean < -0.2, "mean stance ankle torque {mean} N·m/kg");
    assert!(peak < -0.8, "peak plantarflexor torque {peak} N·m/kg");
    // The servo ankle of the same controller (the reflexes switched off) holds the foot flat
    // with a mean stance torque near zero or dorsiflexor: the difference is the reflexes'.
    let (servo_mean, _) = stance_ankle_torques(false);
    assert!(
        servo_mean > mean + 0.2,
        "servo {servo_mean} vs reflex {mean} N·m/kg"
    );
}
