//! The slope laws of the experimental controllers:
//! - leaning into the slope walking backwards (docs/controller-tuning.md, "Leaning into the slope
//!   walking backwards downhill"): `push-off-budget-slope-lean.ron` walks backwards down a 10 %
//!   belt with its trunk leaning towards the uphill side, in front of the walker; with the level
//!   lean on every grade it runs away down the slope;
//! - a push-off that pays for the climb (same document, "A push-off that pays for the climb"):
//!   `push-off-budget-climb.ron` walks forwards up a 10 % belt at 1.2 m/s with half of each
//!   step's climb added to its push-off's work budget; without it, it falls;
//! - walking forwards up a steep belt fast (same document, "Walking forwards up a steep belt
//!   fast"): `push-off-budget-uphill.ron` walks forwards up a 10 % belt at 1.4 m/s with its
//!   extending swing leg raised by part of the belt's rise at the landing spot; without that, it
//!   lands early on a bent knee and falls.

mod common;

use gait::controller::walking::WalkingParams;
use gait::{Direction, TrialSpec};

const CLIMB_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/push-off-budget-climb.ron"
));

const UPHILL_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/push-off-budget-uphill.ron"
));

const SLOPE_LEAN_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/push-off-budget-slope-lean.ron"
));

/// The time of the fall in a backward trial of `duration_s` at 1.0 m/s down a 10 % belt on
/// compliant feet, if it falls, and the trunk's mean forward lean from 4 s [rad].
fn backward_downhill(lean_into_slope: bool, duration_s: f64) -> (Option<f64>, f64) {
    let mut params =
        WalkingParams::from_ron_str(SLOPE_LEAN_RON, "push-off-budget-slope-lean.ron").unwrap();
    if !lean_into_slope {
        params.backward.downhill_trunk_lean_per_rad = 0.0;
    }
    let spec = TrialSpec {
        direction: Direction::Backward,
        speed_mps: 1.0,
        // Walking backwards, a negative incline is downhill in the direction of travel.
        incline_pct: -10.0,
        duration_s,
        ..TrialSpec::default()
    };
    let mut trial = common::compliant_trial_with(params, spec, None);
    let trunk = trial.skeleton().trunk;
    let (mut lean, mut n) = (0.0, 0usize);
    while trial.time_s() < duration_s {
        trial.step().unwrap();
        if trial.fall().is_some() {
            return (Some(trial.time_s()), f64::NAN);
        }
        if trial.time_s() >= 4.0 {
            // The trunk's long axis (y in its frame) tilted towards +x, the walker's front.
            let up = trial.segments()[trunk.index()].rotation.y_axis;
            lean += up.x.atan2(up.y);
            n += 1;
        }
    }
    (None, lean / n as f64)
}

#[test]
fn walking_backwards_downhill_the_trunk_leans_into_the_slope_and_the_walker_stays_up() {
    // Measured (60 s grid): with the lean it walks; with the level lean it falls at 5 s.
    let (fall, lean) = backward_downhill(true, 12.0);
    assert_eq!(fall, None, "fell leaning into the slope");
    // Its target: -0.059 + 7.5 atan(0.1) = 0.69 rad; held within a tenth of a radian.
    assert!((lean - 0.69).abs() < 0.1, "trunk lean {lean:.3} rad");
    let (fall, _) = backward_downhill(false, 12.0);
    assert!(fall.is_some(), "walked down the slope without the lean");
}

/// The time of the fall in a forward trial of 12 s at `speed_mps` up a 10 % belt on compliant
/// feet, if it falls.
fn forward_uphill(params: WalkingParams, speed_mps: f64) -> Option<f64> {
    let spec = TrialSpec {
        direction: Direction::Forward,
        speed_mps,
        incline_pct: 10.0,
        duration_s: 12.0,
        ..TrialSpec::default()
    };
    let mut trial = common::compliant_trial_with(params, spec, None);
    while trial.time_s() < 12.0 {
        trial.step().unwrap();
        if trial.fall().is_some() {
            return Some(trial.time_s());
        }
    }
    None
}

/// Walks `params` 12 s up a 10 % belt at `speed_mps` (asserting it stays up), then again with
/// one law switched off by `without`; returns when that second walker fell.
fn walks_and_falls_without(
    params: WalkingParams,
    speed_mps: f64,
    without: impl FnOnce(&mut WalkingParams),
    law: &str,
) -> f64 {
    assert_eq!(
        forward_uphill(params.clone(), speed_mps),
        None,
        "fell with {law}"
    );
    let mut off = params;
    without(&mut off);
    forward_uphill(off, speed_mps).unwrap_or_else(|| panic!("walked up without {law}"))
}

#[test]
fn a_push_off_that_pays_for_half_the_climb_walks_up_a_10_percent_belt() {
    // Measured (60 s grid): with half the climb it walks; without, it falls at 4.5-5 s.
    let climb = WalkingParams::from_ron_str(CLIMB_RON, "push-off-budget-climb.ron").unwrap();
    let fall = walks_and_falls_without(
        climb,
        1.2,
        |p| p.forward.push_off_work_climb_share = 0.0,
        "paying for the climb",
    );
    assert!(fall < 12.0, "fell at {fall:.1} s");
}

#[test]
fn a_swing_leg_that_lands_on_the_rising_belt_walks_up_a_10_percent_belt_at_1_4_mps() {
    // Measured (60 s): with the raised extension it walks; without it, it falls at 6.3 s.
    let uphill = WalkingParams::from_ron_str(UPHILL_RON, "push-off-budget-uphill.ron").unwrap();
    assert!(uphill.forward.landing_belt_rise_share > 0.0);
    let fall = walks_and_falls_without(
        uphill,
        1.4,
        |p| p.forward.landing_belt_rise_share = 0.0,
        "the extension raised by the belt's rise",
    );
    assert!(fall < 12.0, "fell at {fall:.1} s");
}
