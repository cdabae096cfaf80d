//! Gait events on compliant feet (docs/controller-tuning.md, "Toe taps that were grazes"): with
//! `push-off-progress.ron`'s ankle velocity gain lowered from 2.0 to 1.5 the trailing toes touch
//! the belt again some 30 ms after they leave it, at every step from about 3 s on, pressing with
//! a newton or so. A foot strike needs [`gait::measured::CONTACT_THRESHOLD_N`] (20 N), so these
//! grazes are no strikes, and every stride has one strike per foot.

mod common;

use gait::controller::walking::WalkingParams;
use gait::record::{EventDetector, EventKind};
use musculo::{Side, Sides};

const PUSH_OFF_PROGRESS_RON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/controllers/experimental/push-off-progress.ron"
));

#[test]
fn toe_grazes_after_foot_off_are_no_foot_strikes() {
    let mut params =
        WalkingParams::from_ron_str(PUSH_OFF_PROGRESS_RON, "push-off-progress.ron").unwrap();
    params.ankle_velocity_gain = 1.5;
    let duration_s = 8.0;
    let mut trial = common::compliant_trial(params, duration_s);
    // The contacts as the events saw them before the strike force: any touch counts.
    let mut plain = EventDetector::starting_with(trial.contacts().feet.map(|f| f.touching));
    let (mut events, mut plain_events) = (vec![], vec![]);
    while trial.time_s() < duration_s {
        let step = trial.advance().unwrap();
        assert!(step.fall.is_none(), "fell: {:?}", step.fall);
        events.extend(step.events);
        let feet = trial.contacts().feet;
        let touching = feet.map(|f| f.touching);
        plain_events.extend(plain.update(trial.time_s(), touching, feet.map(|f| f.heel)));
    }
    // Strikes of a foot that come less than 60 ms after its foot-off.
    let grazes = |events: &[gait::record::GaitEvent]| {
        let mut off = Sides::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut n = 0;
        for e in events {
            match e.kind {
                EventKind::FootOff => off[e.side] = e.time_s,
                EventKind::FootStrike => n += usize::from(e.time_s - off[e.side] < 0.06),
            }
        }
        n
    };
    let strikes = |events: &[gait::record::GaitEvent], side: Side| {
        events
            .iter()
            .filter(|e| e.kind == EventKind::FootStrike && e.side == side && e.time_s > 4.0)
            .count()
    };
    // Measured: 8 grazes in 8 s with any touch counted, none with the strike force.
    assert!(
        grazes(&plain_events) >= 4,
        "{} grazes counted as strikes",
        grazes(&plain_events)
    );
    assert_eq!(grazes(&events), 0);
    // About one strike per foot and second (a stride of about 1.0 s) from 4 s to 8 s.
    for side in Side::BOTH {
        let n = strikes(&events, side);
        assert!((3..=5).contains(&n), "{n} strikes of the {side:?} foot");
    }
}
