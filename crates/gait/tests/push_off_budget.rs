//! The push-off sized by its work (docs/controller-tuning.md, "A push-off sized by its work"):
//! `assets/controllers/experimental/push-off-budget.ron` pushes off forwards with 3.0 N·m/kg,
//! which held until lift-off (the same file without `push_off_work_per_kg`) throws the walker
//! within seconds; with the work budget it walks, landing on a nearly straight knee.

mod common;

use gait::controller::walking::WalkingParams;

const PUSH_OFF_BUDGET_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/push-off-budget.ron"
));

/// Mean knee flexion of the landing leg [deg] at the controller's touchdowns from 4 s of a
/// forward trial of 12 s at 1.0 m/s on compliant feet, or the time of the fall.
fn landing_knee(budget: bool) -> Result<f64, f64> {
    let mut params =
        WalkingParams::from_ron_str(PUSH_OFF_BUDGET_RON, "push-off-budget.ron").unwrap();
    if !budget {
        params.forward.push_off_work_per_kg = None;
    }
    let mut trial = common::compliant_trial(params, 12.0);
    let (mut knee, mut n) = (0.0, 0usize);
    let mut stance = trial.stance_side();
    while trial.time_s() < 12.0 {
        trial.step().unwrap();
        if trial.fall().is_some() {
            return Err(trial.time_s());
        }
        let now = trial.stance_side();
        if now != stance && trial.time_s() >= 4.0 {
            let Some(landing) = now else { continue };
            knee += trial.q()[trial.skeleton().legs[landing].knee.index()].to_degrees();
            n += 1;
        }
        stance = now;
    }
    assert!(n >= 12, "{n} touchdowns");
    Ok(knee / n as f64)
}

#[test]
fn a_push_off_sized_by_its_work_walks_where_one_held_to_lift_off_falls() {
    // Measured: the knee lands at about 6° with the budget; without it the walker falls at 5.1 s.
    let knee = landing_knee(true).expect("fell with the budget");
    assert!(knee < 10.0, "landing knee {knee:.1}°");
    let fall = landing_knee(false).expect_err("walked without the budget");
    assert!(fall < 12.0, "fell at {fall:.1} s");
}
