//! Forward kinematics of a model without the physics engine: segment poses, coordinate axes
//! and, by differentiating a pose trajectory, segment velocities and accelerations.
//!
//! The conventions are the walker's ([`crate::walker`]): a joint's child frame has its origin
//! at the joint centre (`location_in_parent_m` in the parent frame) and is rotated from the
//! parent by the joint's coordinates in order, each about its axis fixed in the frame left by
//! the previous one (an intrinsic sequence, as OpenSim's `CustomJoint`).

use glam::{DMat3, DQuat, DVec3};
use musculo::Model;

use crate::controller::SegmentState;

/// Pose of every segment and the world axis of every coordinate at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    /// Orientation of each segment (columns: its axes in the world), indexed by `SegmentId`.
    pub rotation: Vec<DMat3>,
    /// Frame origin of each segment \[m\], indexed by `SegmentId`.
    pub origin: Vec<DVec3>,
    /// World rotation axis of each coordinate, indexed by `CoordinateId`.
    pub axes: Vec<DVec3>,
}

/// Poses the model: its root (pelvis) frame at `root_origin` with orientation `root_rotation`,
/// the coordinates at `q` \[rad\].
pub fn pose(model: &Model, root_rotation: DMat3, root_origin: DVec3, q: &[f64]) -> Pose {
    let n = model.segments.len();
    let mut rotation = vec![DMat3::IDENTITY; n];
    let mut origin = vec![DVec3::ZERO; n];
    let mut axes = vec![DVec3::ZERO; model.coordinates.len()];
    rotation[model.root.index()] = root_rotation;
    origin[model.root.index()] = root_origin;
    // Joints are stored parents before children.
    for joint in &model.joints {
        let parent = joint.parent.index();
        let mut r = rotation[parent];
        for &c in &joint.coordinates {
            let axis = model.coordinates[c.index()].axis;
            axes[c.index()] = r * axis;
            r *= DMat3::from_quat(DQuat::from_axis_angle(axis, q[c.index()]));
        }
        let child = joint.child.index();
        origin[child] = origin[parent] + rotation[parent] * joint.location_in_parent_m;
        rotation[child] = r;
    }
    Pose {
        rotation,
        origin,
        axes,
    }
}

/// Whole-body centre of mass \[m\] and its velocity [m/s]: the mass-weighted means of the
/// segments' (`states`, indexed by `SegmentId`).
pub fn centre_of_mass<'a>(
    model: &Model,
    states: impl IntoIterator<Item = &'a SegmentState>,
) -> (DVec3, DVec3) {
    let mut m = 0.0;
    let (mut c, mut v) = (DVec3::ZERO, DVec3::ZERO);
    for (s, seg) in states.into_iter().zip(&model.segments) {
        m += seg.mass_kg;
        c += s.com * seg.mass_kg;
        v += s.com_velocity * seg.mass_kg;
    }
    (c / m, v / m)
}

/// A segment's state with its accelerations, what inverse dynamics needs of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentMotion {
    /// Pose and velocities.
    pub state: SegmentState,
    /// Acceleration of the centre of mass [m/s²].
    pub com_acceleration: DVec3,
    /// Angular acceleration [rad/s²].
    pub angular_acceleration: DVec3,
}

impl SegmentMotion {
    /// The motion over a step of length `dt_s` from `before` to `after`: the state at the
    /// start, accelerations as the difference quotient of the velocities.
    pub fn over_step(before: &SegmentState, after: &SegmentState, dt_s: f64) -> Self {
        Self {
            state: *before,
            com_acceleration: (after.com_velocity - before.com_velocity) / dt_s,
            angular_acceleration: (after.angular_velocity - before.angular_velocity) / dt_s,
        }
    }
}

/// Segment motions at the middle of three poses `h_s` apart (before, at, after), by central
/// differences: v = (x₊ − x₋)/2h, a = (x₊ − 2x + x₋)/h², and for orientations
/// ω̂ = Ṙ Rᵀ, α̂ = skew(R̈ Rᵀ) (differentiating ω̂ = Ṙ Rᵀ gives R̈ Rᵀ + Ṙ Ṙᵀ, whose second term
/// is symmetric; Murray, Li & Sastry 1994, *A Mathematical Introduction to Robotic
/// Manipulation*, §2.4). The poses come from a smooth trajectory (splines), so `h_s` can be
/// small: the truncation error is O(h²).
pub fn central_motion(model: &Model, poses: [&Pose; 3], h_s: f64) -> Vec<SegmentMotion> {
    let [minus, at, plus] = poses;
    model
        .segments
        .iter()
        .enumerate()
        .map(|(s, seg)| {
            let com = |p: &Pose| p.origin[s] + p.rotation[s] * seg.com_m;
            let (c_m, c, c_p) = (com(minus), com(at), com(plus));
            let r = at.rotation[s];
            let r_dot = (plus.rotation[s] - minus.rotation[s]) * (0.5 / h_s);
            let r_ddot = (plus.rotation[s] - r * 2.0 + minus.rotation[s]) * (1.0 / (h_s * h_s));
            SegmentMotion {
                state: SegmentState {
                    rotation: r,
                    origin: at.origin[s],
                    com: c,
                    com_velocity: (c_p - c_m) * (0.5 / h_s),
                    angular_velocity: vee(r_dot * r.transpose()),
                },
                com_acceleration: (c_p - c * 2.0 + c_m) / (h_s * h_s),
                angular_acceleration: vee(r_ddot * r.transpose()),
            }
        })
        .collect()
}

/// The vector of the skew-symmetric part of `m` (`m` = ŵ for a skew matrix ŵ).
fn vee(m: DMat3) -> DVec3 {
    0.5 * DVec3::new(
        m.y_axis.z - m.z_axis.y,
        m.z_axis.x - m.x_axis.z,
        m.x_axis.y - m.y_axis.x,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::load(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/models/adult.ron"),
            None,
        )
        .unwrap()
    }

    #[test]
    fn neutral_pose_stacks_the_joint_offsets() {
        let m = model();
        let p = pose(
            &m,
            DMat3::IDENTITY,
            DVec3::new(0.0, 1.0, 0.0),
            &m.neutral_pose(),
        );
        for j in &m.joints {
            let expected = p.origin[j.parent.index()] + j.location_in_parent_m;
            assert!((p.origin[j.child.index()] - expected).length() < 1e-12);
        }
    }

    #[test]
    fn rotating_a_coordinate_rotates_its_subtree_about_its_axis() {
        let m = model();
        let knee = m.coordinate_id("knee_flexion_r").unwrap();
        let mut q = m.neutral_pose();
        let p0 = pose(&m, DMat3::IDENTITY, DVec3::ZERO, &q);
        q[knee.index()] = 0.5;
        let p1 = pose(&m, DMat3::IDENTITY, DVec3::ZERO, &q);
        let joint = &m.joints[m.coordinates[knee.index()].joint.index()];
        let shank = joint.child.index();
        // Positive knee flexion turns the shank backwards (about −z): its x axis tilts down.
        let angle = p0.rotation[shank]
            .x_axis
            .angle_between(p1.rotation[shank].x_axis);
        assert!((angle - 0.5).abs() < 1e-12);
        assert!(p1.rotation[shank].x_axis.y < 0.0);
        assert_eq!(p0.origin[shank], p1.origin[shank]);
    }

    #[test]
    fn central_differences_recover_a_constant_spin() {
        let m = model();
        let w = DVec3::new(0.3, -1.2, 0.7);
        let v = DVec3::new(1.1, 0.0, -0.4);
        let q = m.neutral_pose();
        let at = |t: f64| {
            let r = DMat3::from_quat(DQuat::from_scaled_axis(w * t));
            pose(&m, r, v * t + DVec3::Y, &q)
        };
        let h = 1e-3;
        let motion = central_motion(&m, [&at(0.5 - h), &at(0.5), &at(0.5 + h)], h);
        let root = &motion[m.root.index()];
        assert!((root.state.angular_velocity - w).length() < 1e-6);
        assert!(root.angular_acceleration.length() < 1e-5);
        // The root's centre of mass circles about the moving origin: a = ω × (ω × r).
        let r = root.state.com - root.state.origin;
        let expected = w.cross(w.cross(r));
        assert!((root.com_acceleration - expected).length() < 1e-5);
    }
}
