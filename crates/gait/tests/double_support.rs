//! Both hips hold the pelvis in double support (docs/controller-tuning.md, "Both hips hold the
//! pelvis in double support"): with a double support of 10 % of the step
//! (`assets/controllers/experimental/hip-load-sharing.ron`), the walker keeps walking when the
//! torque that holds the pelvis is shared by the hips in proportion to their feet's loads, and
//! falls when the leading hip supplies it alone (SIMBICON's rule). That finding was made, and
//! is checked here, with the compliant feet's earlier contact integration
//! (`FrictionIntegration::Predicted` at 0.25 ms): with the coupled integration that replaced it
//! the same controller falls with or without the sharing at 1 ms (10.6 s and 16.3 s over 60 s)
//! and walks without it at 0.25 ms (`docs/compliant-feet.md`).

mod common;

use gait::controller::walking::WalkingParams;
use gait::hunt_crossley::FrictionIntegration;

const HIP_LOAD_SHARING_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/hip-load-sharing.ron"
));

/// Time of the fall, if any, in an 8 s forward trial at 1.0 m/s on compliant feet (the predicted
/// integration at 0.25 ms), with the
/// hips sharing the pelvis's torque in double support or not; and the largest load on a
/// trailing foot (the foot that is not the controller's stance foot) while both feet carry at
/// least a tenth of the body's weight, in body weights.
fn trial(sharing: bool) -> (Option<f64>, f64) {
    let mut params =
        WalkingParams::from_ron_str(HIP_LOAD_SHARING_RON, "hip-load-sharing.ron").unwrap();
    params.double_support_hip_load_sharing = sharing;
    let stepping = (FrictionIntegration::Predicted, 2.5e-4);
    let mut trial = common::compliant_trial_stepped(params, 8.0, Some(stepping));
    let weight_n = trial.model().total_mass_kg() * musculo::STANDARD_GRAVITY_MPS2;
    let mut trailing_peak: f64 = 0.0;
    while trial.time_s() < 8.0 {
        trial.step().unwrap();
        if trial.fall().is_some() {
            return (Some(trial.time_s()), trailing_peak);
        }
        let (Some(stance), true) = (trial.stance_side(), trial.time_s() >= 3.0) else {
            continue;
        };
        let loads = trial.contacts().foot_loads(glam::DVec3::Y); // a level belt
        if loads[stance] > 0.1 * weight_n && loads[stance.opposite()] > 0.1 * weight_n {
            trailing_peak = trailing_peak.max(loads[stance.opposite()] / weight_n);
        }
    }
    (None, trailing_peak)
}

#[test]
fn a_long_double_support_needs_both_hips_to_hold_the_pelvis() {
    let (fall, trailing_peak) = trial(true);
    assert_eq!(fall, None, "with the hips sharing the load");
    // The trailing leg stays loaded into double support while its ankle pushes off
    // (measured: 1.73 body weights at its peak).
    assert!(
        trailing_peak > 0.8,
        "trailing foot's peak load in double support {trailing_peak} BW"
    );
    let (fall, _) = trial(false);
    // Measured: falls at 6.27 s.
    assert!(
        fall.is_some(),
        "with the leading hip alone the walker was expected to fall within 8 s"
    );
}
