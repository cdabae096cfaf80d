//! The joint servos of one control step: stable PD towards (possibly moving) targets, with
//! gains per kilogram of body mass, and gravity compensation of the segments below a joint.

use musculo::{CoordinateId, SegmentId};

use super::params::Gain;
use crate::controller::{Observation, stable_pd};

/// Servos on the observed state of one control step.
pub(super) struct Servo<'a> {
    obs: &'a Observation<'a>,
    mass_kg: f64,
}

impl<'a> Servo<'a> {
    /// Servos for `obs` with gains scaled by the body mass `mass_kg`.
    pub fn new(obs: &'a Observation<'a>, mass_kg: f64) -> Self {
        Self { obs, mass_kg }
    }

    /// The observation the servos act on.
    pub fn obs(&self) -> &'a Observation<'a> {
        self.obs
    }

    /// Body mass [kg].
    pub fn mass_kg(&self) -> f64 {
        self.mass_kg
    }

    /// Stable PD torque on coordinate `c` towards a fixed `target` [rad].
    pub fn pd(&self, c: CoordinateId, gain: Gain, target: f64) -> f64 {
        self.pd_moving(c, gain, target, 0.0)
    }

    /// Stable PD torque towards a moving target (`target_rate` [rad/s] is its rate of change,
    /// so the damping acts on the tracking error rather than on the motion itself).
    pub fn pd_moving(&self, c: CoordinateId, gain: Gain, target: f64, target_rate: f64) -> f64 {
        let (obs, i) = (self.obs, c.index());
        stable_pd(
            gain.kp * self.mass_kg,
            gain.kd * self.mass_kg,
            target - obs.q[i],
            obs.qdot[i] - target_rate,
            obs.dt_s,
            obs.inverse_inertia[i],
        )
    }

    /// Torque on coordinate `c` that cancels gravity on the segments `distal` to it.
    pub fn gravity_compensation(&self, c: CoordinateId, distal: &[SegmentId]) -> f64 {
        let obs = self.obs;
        let joint = obs.model.coordinates[c.index()].joint;
        let child = obs.model.joints[joint.index()].child;
        let centre = obs.segment(child).origin;
        let axis = obs.axes[c.index()];
        -distal
            .iter()
            .map(|&s| {
                let m = obs.model.segments[s.index()].mass_kg;
                axis.cross(obs.segment(s).com - centre).dot(obs.gravity * m)
            })
            .sum::<f64>()
    }
}
