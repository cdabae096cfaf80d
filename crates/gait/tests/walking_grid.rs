//! A representative subset of the walking grid meets the walking criteria: no fall, mean
//! belt-relative speed within ±5 % of the belt speed, within 0.5 m of the belt's centre. The
//! subset is both directions on the level at 1.0 m/s plus, per direction, three conditions
//! from slow to fast and downhill to uphill that pass in the full grid. The full 50-condition
//! grid at 60 s is `cargo run --release -- gait-grid`; these tests keep the trials at 30 s so
//! the debug test suite stays fast.

use gait::controller::walking::WalkingParams;
use gait::{Direction, Trial, TrialSpec};
use musculo::Model;

fn check(direction: Direction, speed_mps: f64, incline_pct: f64) -> gait::GaitSummary {
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    let spec = TrialSpec {
        direction,
        speed_mps,
        incline_pct,
        duration_s: 30.0,
        sample_rate_hz: 100.0,
        ..Default::default()
    };
    let result = Trial::new(model.clone(), spec, WalkingParams::default())
        .unwrap()
        .run(|_| {})
        .unwrap();
    let s = gait::summarise(&model, &result);
    assert!(
        s.meets_walking_criteria(),
        "{direction:?} {speed_mps} m/s {incline_pct:+} %: fell at {:?} ({:?}), v_rel {:?} m/s, \
         max distance from centre {:?} m",
        s.fall_time_s,
        s.fall_reason,
        s.mean_speed_rel_belt_mps,
        s.max_distance_from_centre_m
    );
    // A walker that meets the criteria also takes steps with both feet.
    assert!(s.strides >= 10, "{} strides", s.strides);
    s
}

/// Forward on the level at people's preferred speed, where issue 23's targets are measured:
/// besides the walking criteria, no single frame of vertical ground reaction above 2.0 BW (the
/// compliant feet and straight-knee landing of the default; people's mean-curve peaks are
/// 1.1-1.25 BW, Winter 2009, and the rigid feet of the earlier default reached 6 BW). Its
/// cadence, about 139 steps/min against people's 100-120, is a target it misses
/// (`docs/validation.md`), so it is not asserted here.
#[test]
fn forward_level_at_preferred_speed() {
    let s = check(Direction::Forward, 1.0, 0.0);
    let peak = s.peak_vertical_grf_bw.unwrap();
    assert!(peak <= 2.0, "{peak} BW");
}

/// Backward on the level at 1.0 m/s: no single frame of vertical ground reaction above 2.2 BW
/// (issue 23's backward target; the toe-first landing on a plantarflexed ankle).
#[test]
fn backward_level_at_preferred_speed() {
    let s = check(Direction::Backward, 1.0, 0.0);
    let peak = s.peak_vertical_grf_bw.unwrap();
    assert!(peak <= 2.2, "{peak} BW");
}

/// Forward: slow downhill (where, with the same foot-placement offset at every speed, the
/// walker tripped), fast downhill (where the walker used to settle 0.6 m off centre while its
/// outer loop was saturated), the fastest speed on the level (where, without the
/// speed-scaled push-off, the walker fell behind the belt), and the slowest and fastest
/// speeds steeply uphill (at 1.4 m/s, before the swing foot cleared the belt under itself and
/// the trunk leaned into the slope, the walker landed early, fell behind the belt and
/// collapsed; at 0.6 m/s, with a smaller uphill lean, it tipped back onto its trailing foot).
#[test]
fn forward_across_the_grid() {
    for (speed_mps, incline_pct) in [
        (0.6, -10.0),
        (0.6, 10.0),
        (1.2, -10.0),
        (1.4, 0.0),
        (1.4, 10.0),
    ] {
        check(Direction::Forward, speed_mps, incline_pct);
    }
}

/// Backward: slow downhill (where, without the quicker downhill steps, the walker tipped
/// backwards over its stance heel), fast uphill and the fastest speed on the level (where,
/// without the stance knee's vertical damper, the walker hopped and fell).
#[test]
fn backward_across_the_grid() {
    for (speed_mps, incline_pct) in [(0.6, -10.0), (1.2, 10.0), (1.4, 0.0)] {
        check(Direction::Backward, speed_mps, incline_pct);
    }
}
