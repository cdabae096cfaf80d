//! What a trial records: frames at a fixed rate, gait events and the fall.

use glam::DVec3;
use musculo::{Side, Sides};
use serde::Serialize;

/// One recorded sample of a trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    /// Simulation time \[s\].
    pub time_s: f64,
    /// Coordinates \[rad\], indexed by `CoordinateId`.
    pub q_rad: Vec<f64>,
    /// Coordinate speeds [rad/s].
    pub qdot_rad_s: Vec<f64>,
    /// Torques the controller applied [N·m].
    pub applied_torques_nm: Vec<f64>,
    /// Net joint moments from inverse dynamics of the recorded step [N·m].
    pub net_moments_nm: Vec<f64>,
    /// Ground reaction force on each foot \[N\], world frame.
    pub grf_n: Sides<DVec3>,
    /// Centre of pressure of each foot \[m\], world frame (zero when not in contact).
    pub cop_m: Sides<DVec3>,
    /// Heel touching the belt.
    pub heel_contact: Sides<bool>,
    /// Toe touching the belt.
    pub toe_contact: Sides<bool>,
    /// Pelvis frame origin \[m\].
    pub pelvis_position_m: DVec3,
    /// Pelvis centre-of-mass velocity [m/s].
    pub pelvis_velocity_mps: DVec3,
    /// Whole-body centre of mass \[m\].
    pub com_m: DVec3,
    /// Whole-body centre-of-mass velocity [m/s].
    pub com_velocity_mps: DVec3,
    /// Belt surface velocity [m/s].
    pub belt_velocity_mps: DVec3,
    /// Push force on the pelvis \[N\].
    pub push_force_n: DVec3,
    /// Force of each thigh on its shank at the knee \[N\], in the shank's frame.
    pub knee_force_on_shank_n: Sides<DVec3>,
    /// Inverse-dynamics residual force at the pelvis \[N\] (consistency check).
    pub residual_force_n: DVec3,
    /// Inverse-dynamics residual moment at the pelvis [N·m].
    pub residual_moment_nm: DVec3,
    /// Stance leg of the controller, if it has one.
    pub stance_side: Option<Side>,
    /// Muscle states and knee loads, when the trial runs the muscle analysis.
    pub muscles: Option<crate::analysis::MuscleFrame>,
}

/// Kind of gait event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The foot touches down (heel strike when walking forwards, usually toe strike backwards).
    FootStrike,
    /// The foot leaves the belt (toe off forwards, heel off backwards).
    FootOff,
}

/// A gait event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GaitEvent {
    /// Time \[s\].
    pub time_s: f64,
    /// Which foot.
    pub side: Side,
    /// Strike or off.
    pub kind: EventKind,
    /// Whether the heel (rather than only the toe) touched at the event.
    pub heel: bool,
}

/// How a trial ended early.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fall {
    /// Time of the fall \[s\].
    pub time_s: f64,
    /// Why: `pelvis_low` or `contact:<segment>`.
    pub reason: String,
}

/// Detects foot strikes and foot-offs from contact flags, with a debounce: a change counts once
/// it has lasted [`EventDetector::DEBOUNCE_S`], and the event is dated at its first sample.
#[derive(Debug, Clone, Default)]
pub struct EventDetector {
    state: Sides<bool>,
    pending_since: Sides<Option<(f64, bool)>>,
}

impl EventDetector {
    /// A contact change must persist this long to count \[s\] (rejects single-step bounces).
    pub const DEBOUNCE_S: f64 = 0.01;

    /// A detector for a recording that starts with the feet `touching` (a foot already on the
    /// ground at the first sample was not struck then; `Default` starts with both in the air).
    pub fn starting_with(touching: Sides<bool>) -> Self {
        Self {
            state: touching,
            pending_since: Sides::default(),
        }
    }

    /// As [`EventDetector::update`], for feet whose contact force is known: a foot that is off
    /// the belt strikes it only while `loaded` (pressing with more than a force-plate threshold;
    /// simulated trials use [`crate::measured::CONTACT_THRESHOLD_N`], as measured walking does)
    /// as well as `touching`; a foot on the belt stays on while it touches at all, so the
    /// foot-off is still its last contact. Compliant feet graze the belt with a newton or so just
    /// after toe-off, while the foot pivots about the toes as the heel rises; counted as strikes,
    /// each graze doubled the steps of a stride and cut its curves at the wrong place
    /// (`docs/controller-tuning.md`, "Toe taps that were grazes").
    pub fn update_loaded(
        &mut self,
        time_s: f64,
        touching: Sides<bool>,
        loaded: Sides<bool>,
        heel: Sides<bool>,
    ) -> Vec<GaitEvent> {
        let on = self.state;
        let contact = Sides::new(
            touching[Side::Right] && (on[Side::Right] || loaded[Side::Right]),
            touching[Side::Left] && (on[Side::Left] || loaded[Side::Left]),
        );
        self.update(time_s, contact, heel)
    }

    /// Feeds the raw contact of both feet at `time_s` (touching, and with the heel); returns
    /// the events it confirms.
    pub fn update(
        &mut self,
        time_s: f64,
        touching: Sides<bool>,
        heel: Sides<bool>,
    ) -> Vec<GaitEvent> {
        let mut out = Vec::new();
        for side in Side::BOTH {
            if touching[side] == self.state[side] {
                self.pending_since[side] = None;
                continue;
            }
            let (since, heel_at_start) =
                *self.pending_since[side].get_or_insert((time_s, heel[side]));
            if time_s - since >= Self::DEBOUNCE_S {
                self.state[side] = touching[side];
                self.pending_since[side] = None;
                out.push(GaitEvent {
                    time_s: since,
                    side,
                    kind: if touching[side] {
                        EventKind::FootStrike
                    } else {
                        EventKind::FootOff
                    },
                    heel: heel_at_start,
                });
            }
        }
        out
    }
}

/// A frame or a gait event of a recording.
#[derive(Debug, Clone, Copy)]
pub enum Recorded<'a> {
    /// A frame.
    Frame(&'a Frame),
    /// A gait event.
    Event(&'a GaitEvent),
}

/// Calls `each` with a recording's frames and events in time order, each event right before
/// the first frame dated after it, as a trial that runs reports them (it reports an event a
/// little later, which the per-stride measures allow for).
pub fn in_time_order(frames: &[Frame], events: &[GaitEvent], mut each: impl FnMut(Recorded<'_>)) {
    let mut next = events.iter().peekable();
    for f in frames {
        while let Some(e) = next.next_if(|e| e.time_s < f.time_s || e.time_s.is_nan()) {
            each(Recorded::Event(e));
        }
        each(Recorded::Frame(f));
    }
    next.for_each(|e| each(Recorded::Event(e)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounces_shorter_than_the_debounce_are_ignored_and_events_are_dated_at_their_start() {
        let mut d = EventDetector::default();
        let mut events = vec![];
        let dt = 0.001;
        // Right foot: touches at 0.100 for 3 ms (bounce), then from 0.200 on.
        for k in 0..400 {
            let t = k as f64 * dt;
            let right = (0.100..0.103).contains(&t) || t >= 0.200;
            events.extend(d.update(t, Sides::new(right, false), Sides::new(true, false)));
        }
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].kind, EventKind::FootStrike);
        assert!((events[0].time_s - 0.200).abs() < 1e-9);
        assert_eq!(events[0].side, Side::Right);
    }

    #[test]
    fn a_graze_below_the_strike_force_is_no_strike_and_a_foot_stays_on_until_it_leaves() {
        let mut d = EventDetector::starting_with(Sides::new(true, false));
        let mut events = vec![];
        let dt = 0.001;
        for k in 0..600 {
            let t = k as f64 * dt;
            // Right foot: on and loaded until 0.100, touching but unloaded until 0.150 (the
            // toes' last contact), off; a graze without load from 0.180 to 0.220; a loaded
            // strike from 0.400.
            let touching = t < 0.150 || (0.180..0.220).contains(&t) || t >= 0.400;
            let loaded = !(0.100..0.400).contains(&t);
            let heel = Sides::new(false, false);
            let new = d.update_loaded(
                t,
                Sides::new(touching, false),
                Sides::new(loaded, false),
                heel,
            );
            events.extend(new);
        }
        let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.time_s)).collect();
        assert_eq!(events.len(), 2, "{kinds:?}");
        assert_eq!(events[0].kind, EventKind::FootOff);
        assert!((events[0].time_s - 0.150).abs() < 1e-9, "{kinds:?}");
        assert_eq!(events[1].kind, EventKind::FootStrike);
        assert!((events[1].time_s - 0.400).abs() < 1e-9, "{kinds:?}");
        // The same contacts fed as plain touching count the graze as a strike.
        let mut plain = EventDetector::starting_with(Sides::new(true, false));
        let strikes = (0..600)
            .flat_map(|k| {
                let t = k as f64 * dt;
                let touching = t < 0.150 || (0.180..0.220).contains(&t) || t >= 0.400;
                plain.update(t, Sides::new(touching, false), Sides::new(false, false))
            })
            .filter(|e| e.kind == EventKind::FootStrike)
            .count();
        assert_eq!(strikes, 2);
    }
}
