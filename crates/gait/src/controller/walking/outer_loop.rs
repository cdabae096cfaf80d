//! The desired velocity: walk at the belt's speed in the direction of travel, corrected slowly
//! towards the belt's centre, as a person on a treadmill stays on it without watching their
//! feet (a proportional-integral outer loop on the distance from the centre, with anti-windup).

use glam::DVec3;

use super::horizontal;
use super::params::{Posture, WalkingParams};
use crate::controller::Observation;

/// The integral of the outer loop.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct OuterLoop {
    /// Integral of the distance from the belt centre along and across the belt [m·s].
    position_integral: [f64; 2],
}

/// Horizontal centre-of-mass velocities of one control step [m/s].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Velocities {
    /// Relative to the belt.
    pub relative: DVec3,
    /// Desired, relative to the belt: standing still in the world (plus the correction)
    /// means moving at the belt speed relative to it.
    pub desired: DVec3,
}

impl Velocities {
    /// How much faster than now the body should move along the world x axis (desired minus
    /// actual; positive forwards whatever the direction of travel): the error the ankle
    /// strategies act on.
    pub fn x_error(&self) -> f64 {
        (self.desired - self.relative).dot(DVec3::X)
    }
}

impl OuterLoop {
    /// Integrates the distance from the belt's centre over this step and returns the desired
    /// and the actual velocity relative to the belt (`travel`: unit horizontal direction of
    /// travel; `posture`: the direction's, which may set its own position gain).
    pub fn update(
        &mut self,
        obs: &Observation,
        p: &WalkingParams,
        posture: &Posture,
        travel: DVec3,
    ) -> Velocities {
        let lateral = DVec3::Z;
        let offset_along = obs.com.dot(travel);
        let offset_lateral = obs.com.dot(lateral);
        let max = p.max_position_correction_mps;
        if p.position_integral_gain_per_s2 > 0.0 {
            // Anti-windup: the integral alone never asks for more than `max`.
            let limit = max / p.position_integral_gain_per_s2;
            for (acc, off) in self
                .position_integral
                .iter_mut()
                .zip([offset_along, offset_lateral])
            {
                *acc = (*acc + off * obs.dt_s).clamp(-limit, limit);
            }
        }
        let gain = p.position_gain_at(posture);
        let correction = (-gain * offset_along
            - p.position_integral_gain_per_s2 * self.position_integral[0])
            .clamp(-max, max);
        let lateral_correction = (-gain * offset_lateral
            - p.position_integral_gain_per_s2 * self.position_integral[1])
            .clamp(-max, max);
        let belt_h = horizontal(obs.belt.velocity);
        Velocities {
            relative: horizontal(obs.com_velocity) - belt_h,
            desired: travel * correction + lateral * lateral_correction - belt_h,
        }
    }
}
