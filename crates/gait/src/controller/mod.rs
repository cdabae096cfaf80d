//! Controllers: observation in, joint torques out.
//!
//! A controller sees an [`Observation`] (the walker's kinematics, foot contacts, the belt) and
//! writes one torque per model coordinate. It never moves a body directly: the torques are the
//! only actuation of the walker, clamped to the joint's strength.

pub mod leg_ik;
pub mod strength;
pub mod walking;

use glam::{DMat3, DVec3};
use musculo::{Model, SegmentId, Side, Sides};

use crate::spec::Direction;

/// World-frame state of one segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentState {
    /// Orientation (columns: the segment's x, y, z axes in the world).
    pub rotation: DMat3,
    /// Frame origin (the proximal joint centre) \[m\].
    pub origin: DVec3,
    /// Centre of mass \[m\].
    pub com: DVec3,
    /// Velocity of the centre of mass [m/s].
    pub com_velocity: DVec3,
    /// Angular velocity [rad/s].
    pub angular_velocity: DVec3,
}

/// The treadmill as the controller sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeltState {
    /// Belt surface velocity [m/s].
    pub velocity: DVec3,
    /// Surface normal (up).
    pub normal: DVec3,
    /// Unit vector along the belt in the direction of travel.
    pub travel_axis: DVec3,
}

/// Everything a controller may read at one control step.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// Simulation time \[s\].
    pub time_s: f64,
    /// Control (physics) step \[s\].
    pub dt_s: f64,
    /// The model being simulated.
    pub model: &'a Model,
    /// Commanded walking direction.
    pub direction: Direction,
    /// Belt speed [m/s].
    pub belt_speed_mps: f64,
    /// Coordinates \[rad\], indexed by `CoordinateId`.
    pub q: &'a [f64],
    /// Coordinate speeds [rad/s].
    pub qdot: &'a [f64],
    /// World axis of each coordinate.
    pub axes: &'a [DVec3],
    /// Segment states, indexed by `SegmentId`.
    pub segments: &'a [SegmentState],
    /// Whole-body centre of mass \[m\].
    pub com: DVec3,
    /// Whole-body centre-of-mass velocity [m/s].
    pub com_velocity: DVec3,
    /// Whether each foot touches the belt.
    pub foot_contact: Sides<bool>,
    /// Load of the belt on each foot in the last physics step: its contact spheres' normal
    /// forces along the belt's normal \[N\] (what a force plate under each foot reads, and
    /// what the load receptors of a reflex controller sense, Geyer & Herr 2010).
    pub foot_load_n: Sides<f64>,
    /// Apparent inverse inertia of each coordinate, diag(M⁻¹) [1/(kg m²)].
    pub inverse_inertia: &'a [f64],
    /// The belt.
    pub belt: BeltState,
    /// Gravity [m/s²].
    pub gravity: DVec3,
}

impl Observation<'_> {
    /// State of a segment.
    pub fn segment(&self, s: SegmentId) -> &SegmentState {
        &self.segments[s.index()]
    }
}

/// Anything that turns observations into joint torques. A trial builds its controller once
/// (from the model and its [`crate::skeleton::Skeleton`]) and calls [`Controller::control`] at
/// every physics step; the controller also chooses the pose the walker starts in.
pub trait Controller: Send {
    /// Writes the joint torques [N·m] (one per coordinate) for this step.
    fn control(&mut self, obs: &Observation, torques: &mut [f64]);

    /// Which foot is the stance foot, for recording; `None` if the controller has no such
    /// notion.
    fn stance_side(&self) -> Option<Side> {
        None
    }

    /// Joint angles \[rad\] to start from, standing on the still belt (before it is tilted):
    /// the neutral pose unless the controller needs another.
    fn initial_pose(&self, model: &Model, _direction: Direction) -> Vec<f64> {
        model.neutral_pose()
    }

    /// Velocity of the pelvis at the start [m/s]: at rest unless the controller starts from
    /// a motion under way.
    fn initial_velocity(&self) -> DVec3 {
        DVec3::ZERO
    }
}

/// PD torque that a joint alone would receive from an implicit (backward-Euler) PD element:
/// `τ = [k_p (q_d − q) − (k_p dt + k_d)(q̇ − q̇_d)] / (1 + dt (k_d + k_p dt) w)`, with `w` the
/// apparent inverse inertia of the joint. Stable PD control (Tan, Liu & Turk 2011, "Stable
/// proportional-derivative controllers", IEEE CG&A 31(4):34-44), in its per-joint form:
/// explicit PD at human gains on a 1 kg foot diverges at a 1 ms step (kd·dt·w ≫ 2); this form
/// saturates to the torque that stops the joint within the step instead. The torque is still
/// computed from the observed state and applied explicitly, so it is exactly known.
pub fn stable_pd(
    kp: f64,
    kd: f64,
    error: f64,
    velocity_error: f64,
    dt: f64,
    inverse_inertia: f64,
) -> f64 {
    (kp * error - (kp * dt + kd) * velocity_error) / (1.0 + dt * (kd + kp * dt) * inverse_inertia)
}

/// Axis-angle vector of the rotation taking `from` to `to` (both world orientations).
pub fn rotation_error(to: DMat3, from: DMat3) -> DVec3 {
    let r = glam::DQuat::from_mat3(&(to * from.transpose()));
    let r = if r.w < 0.0 { -r } else { r };
    let (axis, angle) = r.to_axis_angle();
    if angle.abs() < 1e-12 {
        DVec3::ZERO
    } else {
        axis * angle
    }
}

/// Generalised forces about the (possibly non-orthogonal) axes of one joint that are
/// equivalent to a torque vector `t` between its two segments: `Q_i = t · a_i`
/// (principle of virtual work, ω_rel = Σ q̇_i a_i).
pub fn torque_to_generalised(t: DVec3, axes: &[DVec3]) -> [f64; 3] {
    let mut q = [0.0; 3];
    for (qi, a) in q.iter_mut().zip(axes) {
        *qi = t.dot(*a);
    }
    q
}

/// The torque vector between two segments equivalent to generalised forces `q` about the
/// joint's three axes (inverse of [`torque_to_generalised`]; the axes are independent away
/// from gimbal lock).
pub fn generalised_to_torque(q: [f64; 3], axes: [DVec3; 3]) -> DVec3 {
    let a = DMat3::from_cols(axes[0], axes[1], axes[2]).transpose();
    if a.determinant().abs() < 1e-9 {
        return axes[0] * q[0] + axes[1] * q[1] + axes[2] * q[2];
    }
    a.inverse() * DVec3::from_array(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_pd_equals_explicit_pd_for_heavy_joints_and_stays_bounded_for_light_ones() {
        let explicit = 300.0 * 0.1 - 30.0 * 1.0;
        let heavy = stable_pd(300.0, 30.0, 0.1, 1.0, 1e-3, 1e-6);
        assert!((heavy - explicit).abs() < 0.5, "{heavy} vs {explicit}");
        // A very light joint moving at 1 rad/s: the torque stops it within one step, no more.
        let light = stable_pd(300.0, 30.0, 0.0, 1.0, 1e-3, 1.0 / 0.002);
        assert!(light < 0.0 && light > -0.002 / 1e-3 * 1.01, "{light}");
    }

    #[test]
    fn generalised_and_vector_torques_round_trip_on_oblique_axes() {
        let axes = [
            DVec3::Z,
            DVec3::new(0.8, 0.6, 0.0),
            DVec3::new(0.0, 0.6, 0.8),
        ];
        let t = DVec3::new(3.0, -1.0, 2.0);
        let q = torque_to_generalised(t, &axes);
        let back = generalised_to_torque(q, axes);
        assert!((back - t).length() < 1e-12, "{back}");
    }

    #[test]
    fn rotation_error_recovers_a_known_rotation() {
        let from = DMat3::from_rotation_y(0.3);
        let to = DMat3::from_rotation_z(0.2) * from;
        let e = rotation_error(to, from);
        assert!((e - DVec3::Z * 0.2).length() < 1e-12, "{e}");
    }
}
