//! The push-off by the body's progress over the foot (docs/controller-tuning.md, "A push-off by
//! the body's progress over the foot"): with the stance ankle's push-off also ramping in as the
//! centre of mass passes ahead of the foot (`push_off_progress_m`,
//! `assets/controllers/experimental/push-off-progress.ron`), the trailing ankle is less
//! dorsiflexed when the other foot lands and that foot lands on a straighter knee than with the
//! timed push-off alone (the same file without the law).

mod common;

use gait::controller::walking::WalkingParams;

const PUSH_OFF_PROGRESS_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/push-off-progress.ron"
));

/// Mean knee flexion of the landing leg and ankle dorsiflexion of the trailing leg [deg] at the
/// controller's touchdowns from 3 s to 8 s of a forward trial at 1.0 m/s on compliant feet, with
/// the progress-triggered push-off or without it.
fn at_touchdown(progress: bool) -> (f64, f64) {
    let mut params =
        WalkingParams::from_ron_str(PUSH_OFF_PROGRESS_RON, "push-off-progress.ron").unwrap();
    if !progress {
        params.forward.push_off_progress_m = None;
    }
    let mut trial = common::compliant_trial(params, 8.0);
    let (mut knee, mut ankle, mut n) = (0.0, 0.0, 0usize);
    let mut stance = trial.stance_side();
    while trial.time_s() < 8.0 {
        trial.step().unwrap();
        assert!(trial.fall().is_none(), "fell: {:?}", trial.fall());
        let now = trial.stance_side();
        if now != stance && trial.time_s() >= 3.0 {
            let Some(landing) = now else { continue };
            let legs = &trial.skeleton().legs;
            knee += trial.q()[legs[landing].knee.index()].to_degrees();
            ankle += trial.q()[legs[landing.opposite()].ankle.index()].to_degrees();
            n += 1;
        }
        stance = now;
    }
    assert!(n >= 8, "{n} touchdowns");
    (knee / n as f64, ankle / n as f64)
}

#[test]
fn pushing_off_as_the_body_passes_the_foot_lands_the_other_knee_straighter() {
    let (knee, ankle) = at_touchdown(true);
    let (timed_knee, timed_ankle) = at_touchdown(false);
    // Measured: knee 18.6° with the law and 21.2° without; trailing ankle 13.8° and 17.8°.
    assert!(
        knee < timed_knee - 1.5,
        "landing knee {knee:.1}° with the law, {timed_knee:.1}° without"
    );
    assert!(
        ankle < timed_ankle - 2.5,
        "trailing ankle {ankle:.1}° with the law, {timed_ankle:.1}° without"
    );
}
