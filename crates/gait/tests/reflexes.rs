//! The muscle-reflex stages of the walking controller on compliant feet
//! (docs/controller-tuning.md, "A muscle-reflex ankle" and "A muscle-reflex stance knee"):
//! - the reflex ankle (`assets/controllers/experimental/reflex-ankle.ron`) walks, and its stance
//!   ankle is held by the triceps surae: a plantarflexor moment through single stance, where the
//!   servo ankle it replaces gives a dorsiflexor one early in stance;
//! - the reflex knee (`assets/controllers/experimental/reflex-knee.ron`) walks, and its vasti
//!   land the body more softly than the stance-knee servo they replace: a lower peak vertical
//!   ground reaction.

mod common;

use gait::controller::walking::WalkingParams;

const REFLEX_ANKLE_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/reflex-ankle.ron"
));

const REFLEX_KNEE_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/reflex-knee.ron"
));

/// Mean and most plantarflexor (most negative) stance-ankle torque per kilogram over single
/// stance from 2 s to 4 s, with or without the reflexes.
fn stance_ankle_torques(reflexes: bool) -> (f64, f64) {
    let mut params = WalkingParams::from_ron_str(REFLEX_ANKLE_RON, "reflex-ankle.ron").unwrap();
    if !reflexes {
        params.forward.ankle_reflexes = None;
    }
    let mut trial = common::compliant_trial(params, 4.0);
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

/// Peak of the summed vertical contact force of both feet from 2 s to 4 s, in body weights,
/// with or without the vasti's reflexes.
fn peak_vertical_load_bw(reflexes: bool) -> f64 {
    let mut params = WalkingParams::from_ron_str(REFLEX_KNEE_RON, "reflex-knee.ron").unwrap();
    if !reflexes {
        params.forward.knee_reflexes = None;
    }
    let mut trial = common::compliant_trial(params, 4.0);
    let weight_n = trial.model().total_mass_kg() * musculo::STANDARD_GRAVITY_MPS2;
    let mut peak: f64 = 0.0;
    while trial.time_s() < 4.0 {
        trial.step().unwrap();
        assert!(trial.fall().is_none(), "fell: {:?}", trial.fall());
        if trial.time_s() >= 2.0 {
            let loads = trial.contacts().foot_loads(glam::DVec3::Y); // a level belt
            peak = peak.max(loads.0.iter().sum::<f64>() / weight_n);
        }
    }
    peak
}

#[test]
fn the_reflex_knee_walks_and_lands_more_softly_than_the_servo_knee() {
    let reflex = peak_vertical_load_bw(true);
    let servo = peak_vertical_load_bw(false);
    // Measured: 1.90 against 2.45 body weights (every 1 ms step).
    assert!(reflex < 0.85 * servo, "reflex {reflex} vs servo {servo} BW");
    assert!(
        reflex > 1.0,
        "a walker carries at least its weight: {reflex} BW"
    );
}
