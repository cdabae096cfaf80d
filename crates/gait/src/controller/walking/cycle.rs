//! The step cycle (SIMBICON's state machine, Yin, Loken & van de Panne 2007, ACM TOG
//! 26(3):105): one leg stands while the other swings; the swing ends when its foot touches the
//! belt after a minimum fraction of the planned swing time, or regardless after a maximum
//! fraction; then both feet stand (double support) until the planned double-support time has
//! passed or the trailing foot has left the belt, and the trailing leg swings next.

use glam::DVec3;
use musculo::{Side, Sides};

use super::params::WalkingParams;
use crate::controller::Observation;
use crate::skeleton::Leg;

/// Part of the step cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// One foot on the belt, the other swinging.
    Swing,
    /// Both feet on the belt after the swing foot landed.
    DoubleSupport,
}

/// What changed at this control step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transition {
    /// Nothing: the phase goes on.
    None,
    /// The swing foot landed: its leg now stands.
    Touchdown,
    /// The trailing leg started its swing.
    LiftOff,
}

/// Planned durations of this step at the current belt speed and grade [s].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct StepTiming {
    /// Swing of one leg.
    pub swing_s: f64,
    /// Double support.
    pub double_support_s: f64,
}

impl StepTiming {
    /// The whole planned step: swing and double support.
    pub fn step_s(&self) -> f64 {
        self.swing_s + self.double_support_s
    }
}

/// State of the step cycle.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GaitCycle {
    /// Leg in stance; in double support, the leading leg.
    pub stance: Side,
    /// Swing of the other leg, or double support.
    pub phase: Phase,
    /// When the current phase began [s].
    pub phase_start_s: f64,
    /// Horizontal offset of the swing ankle from the stance ankle at lift-off [m].
    pub swing_start_offset: DVec3,
    /// Completed steps.
    pub steps: u64,
    /// Time of the last touchdown [s].
    pub touchdown_s: f64,
    /// Stance-knee flexion at the last touchdown [rad].
    pub touchdown_knee_rad: f64,
}

impl GaitCycle {
    /// Standing on the right leg with the left about to swing, as the trial starts; the
    /// stance knee "landed" at `knee_rad`.
    pub fn new(knee_rad: f64) -> Self {
        Self {
            stance: Side::Right,
            phase: Phase::Swing,
            phase_start_s: 0.0,
            swing_start_offset: DVec3::ZERO,
            steps: 0,
            touchdown_s: 0.0,
            touchdown_knee_rad: knee_rad,
        }
    }

    /// The leg that is not in stance: swinging, or trailing in double support.
    pub fn other(&self) -> Side {
        self.stance.opposite()
    }

    /// Advances the state machine to `obs`'s time.
    pub fn update(
        &mut self,
        obs: &Observation,
        params: &WalkingParams,
        legs: &Sides<Leg>,
        timing: StepTiming,
    ) -> Transition {
        let other = self.other();
        match self.phase {
            Phase::Swing => {
                let swing_phase = (obs.time_s - self.phase_start_s) / timing.swing_s;
                if (obs.foot_contact[other] && swing_phase > params.min_swing_fraction)
                    || swing_phase > params.max_swing_fraction
                {
                    // The swing leg becomes the stance leg; the old stance leg trails.
                    self.stance = other;
                    self.phase = Phase::DoubleSupport;
                    self.phase_start_s = obs.time_s;
                    self.touchdown_s = obs.time_s;
                    self.touchdown_knee_rad = obs.q[legs[other].knee.index()];
                    self.steps += 1;
                    return Transition::Touchdown;
                }
            }
            Phase::DoubleSupport => {
                if obs.time_s - self.phase_start_s >= timing.double_support_s
                    || !obs.foot_contact[other]
                {
                    self.phase = Phase::Swing;
                    self.phase_start_s = obs.time_s;
                    let ankle = obs.segment(legs[other].foot).origin;
                    let stance_ankle = obs.segment(legs[self.stance].foot).origin;
                    self.swing_start_offset = super::horizontal(ankle - stance_ankle);
                    return Transition::LiftOff;
                }
            }
        }
        Transition::None
    }

    /// Fraction of the planned swing time elapsed (0 in double support).
    pub fn swing_phase(&self, time_s: f64, timing: StepTiming) -> f64 {
        match self.phase {
            Phase::Swing => ((time_s - self.phase_start_s) / timing.swing_s).max(0.0),
            Phase::DoubleSupport => 0.0,
        }
    }

    /// Share of the weight the stance leg's knee takes over: all of it in swing, rising
    /// smoothly through double support as the leading leg accepts the weight.
    pub fn load_share(&self, time_s: f64, timing: StepTiming) -> f64 {
        match self.phase {
            Phase::Swing => 1.0,
            Phase::DoubleSupport => {
                super::smoothstep((time_s - self.phase_start_s) / timing.double_support_s.max(1e-3))
            }
        }
    }
}
