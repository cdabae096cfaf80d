//! Inverse dynamics: net joint moments and intersegmental forces from segment kinematics and
//! external forces (Newton-Euler, distal to proximal; Winter 2009, *Biomechanics and Motor
//! Control of Human Movement*, 4th ed., ch. 5).
//!
//! For each segment `s` with parent joint force `J_s` and moment `N_s` (exerted by the parent
//! on `s`, at the joint centre `o_s`), children `c` and external forces `F_e` at points `p_e`:
//!
//! ```text
//! J_s = m_s (a_s − g) − Σ F_e + Σ_c J_c
//! N_s = I_s α_s + ω_s × I_s ω_s − (o_s − c_s) × J_s + Σ_c [N_c + (o_c − c_s) × J_c]
//!       − Σ [(p_e − c_s) × F_e + T_e]
//! ```
//!
//! (`T_e` is an external force's free moment, e.g. a force plate's moment about the vertical.)
//!
//! The generalised moment of coordinate `i` of the joint is `N_s · a_i` (virtual work; the joint
//! rotates about its centre). The root has no parent: what is left there is the residual of the
//! whole computation, which is zero when kinematics and external forces agree (a check, not a
//! quantity to hide).

use glam::{DMat3, DVec3};
use musculo::{Model, SegmentId};
use serde::Serialize;

use crate::kinematics::SegmentMotion;

/// An external force on a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExternalForce {
    /// Segment it acts on.
    pub segment: SegmentId,
    /// Force \[N\] (world).
    pub force: DVec3,
    /// Point of application \[m\] (world).
    pub point: DVec3,
    /// Free moment [N·m] (world): a couple, the same about every point.
    pub torque: DVec3,
}

/// Result of inverse dynamics at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InverseDynamics {
    /// Net moment about each coordinate [N·m], indexed by `CoordinateId`.
    pub moments_nm: Vec<f64>,
    /// Force exerted on each joint's child by its parent \[N\] (world), indexed by `JointId`.
    pub joint_forces_n: Vec<DVec3>,
    /// Residual force at the root \[N\]: zero for consistent data.
    pub residual_force_n: DVec3,
    /// Residual moment at the root about its frame origin [N·m].
    pub residual_moment_nm: DVec3,
}

/// Runs inverse dynamics. `motion` is each segment's state and accelerations (indexed by
/// `SegmentId`), `axes` the world axes of the coordinates at that instant, `gravity` the
/// acceleration of gravity.
pub fn inverse_dynamics(
    model: &Model,
    motion: &[SegmentMotion],
    axes: &[DVec3],
    gravity: DVec3,
    external: &[ExternalForce],
) -> InverseDynamics {
    let n = model.segments.len();
    let mut force = vec![DVec3::ZERO; n]; // J_s
    let mut moment = vec![DVec3::ZERO; n]; // N_s about o_s
    // Children before parents: repeatedly take segments all of whose children are done.
    let mut done = vec![false; n];
    let children: Vec<Vec<usize>> = (0..n)
        .map(|s| {
            model
                .joints
                .iter()
                .filter(|j| j.parent.index() == s)
                .map(|j| j.child.index())
                .collect()
        })
        .collect();
    let mut residual_force_n = DVec3::ZERO;
    let mut residual_moment_nm = DVec3::ZERO;
    for _ in 0..n {
        for s in 0..n {
            if done[s] || children[s].iter().any(|&c| !done[c]) {
                continue;
            }
            let seg = &model.segments[s];
            let b = &motion[s].state;
            let acc = motion[s].com_acceleration;
            let alpha = motion[s].angular_acceleration;
            let r: DMat3 = b.rotation;
            let inertia = r * seg.inertia_kg_m2 * r.transpose();
            let w = b.angular_velocity;
            let c = b.com;
            let mut j = seg.mass_kg * (acc - gravity);
            let mut nn = inertia * alpha + w.cross(inertia * w);
            for e in external.iter().filter(|e| e.segment.index() == s) {
                j -= e.force;
                nn -= (e.point - c).cross(e.force);
                nn -= e.torque;
            }
            for &ch in &children[s] {
                j += force[ch];
                nn += moment[ch] + (motion[ch].state.origin - c).cross(force[ch]);
            }
            // N_s about o_s: subtract the moment of J_s about the centre of mass.
            nn -= (b.origin - c).cross(j);
            force[s] = j;
            moment[s] = nn;
            done[s] = true;
            if seg.parent_joint.is_none() {
                residual_force_n = j;
                residual_moment_nm = nn;
            }
        }
    }
    let mut moments_nm = vec![0.0; model.coordinates.len()];
    let mut joint_forces_n = vec![DVec3::ZERO; model.joints.len()];
    for (ji, joint) in model.joints.iter().enumerate() {
        let s = joint.child.index();
        joint_forces_n[ji] = force[s];
        for &c in &joint.coordinates {
            moments_nm[c.index()] = moment[s].dot(axes[c.index()]);
        }
    }
    InverseDynamics {
        moments_nm,
        joint_forces_n,
        residual_force_n,
        residual_moment_nm,
    }
}
