//! The upper body: the head-arms-trunk held at a world-frame lean through the lumbar joint
//! (further forward uphill, [`super::Posture::uphill_trunk_lean_per_rad`], and, if the posture
//! asks, downhill, [`super::Posture::downhill_trunk_lean_per_rad`]), and the pelvis held
//! upright and heading straight through the stance hip, which takes whatever torque the swing
//! hip and the lumbar joint leave: `τ_stance = −τ_pelvis − τ_swing − τ_lumbar` (SIMBICON's
//! virtual torso control, Yin, Loken & van de Panne 2007); optionally, in double support, both
//! hips share that torque by the load on each foot.

use glam::{DMat3, DVec3};
use musculo::CoordinateId;

use super::cycle::Phase;
use super::params::{Gain, Posture};
use super::servo::Servo;
use super::{Setup, Step};
use crate::controller::strength::Strength;
use crate::controller::{generalised_to_torque, rotation_error, torque_to_generalised};

impl Setup {
    /// Writes the lumbar torques and both hips' (the swing hip's `swing_hip`, limited, and the
    /// stance hip's).
    pub(super) fn upper_body(
        &self,
        servo: &Servo,
        step: &Step,
        swing_hip: [f64; 3],
        strength: &Strength,
        torques: &mut [f64],
    ) {
        let (obs, gains, posture) = (servo.obs(), &self.params.gains, step.posture);
        let mass = servo.mass_kg();
        let trunk = obs.segment(self.skeleton.trunk);
        let trunk_target = DMat3::from_rotation_z(-trunk_lean(posture, step.downhill));
        // Pitch and roll of the trunk are held in the world frame; its axial rotation relative
        // to the pelvis is held stiffly, as the lumbar spine allows only a few degrees of axial
        // rotation (White & Panjabi 1990, Clinical Biomechanics of the Spine, 2nd ed.: about 2°
        // per lumbar level), which couples the pelvis's small yaw inertia to the trunk's.
        let no_yaw = Gain { kp: 0.0, kd: 0.0 };
        let (t_err, _) = split(
            rotation_error(trunk_target, trunk.rotation),
            gains.trunk,
            no_yaw,
        );
        let (_, t_damp) = split(trunk.angular_velocity, gains.trunk, no_yaw);
        let trunk_torque = (t_err - t_damp) * mass;
        let axes3 = |c: &[CoordinateId; 3]| c.map(|c| obs.axes[c.index()]);
        let lumbar = &self.skeleton.lumbar;
        let lumbar_axes = axes3(lumbar);
        let mut q_lumbar = torque_to_generalised(trunk_torque, &lumbar_axes);
        q_lumbar[2] = servo.pd(lumbar[2], gains.trunk, 0.0);
        for (k, &c) in lumbar.iter().enumerate() {
            q_lumbar[k] = strength.clamp(c, q_lumbar[k]);
            torques[c.index()] = q_lumbar[k];
        }
        let pelvis = obs.segment(self.skeleton.pelvis);
        let heading = posture.heading_gain.unwrap_or(gains.heading);
        let (p_err, _) = split(
            rotation_error(DMat3::IDENTITY, pelvis.rotation),
            gains.pelvis,
            heading,
        );
        let (_, p_damp) = split(pelvis.angular_velocity, gains.pelvis, heading);
        // Roll (about the walking direction) has its own, softer gain: the stance foot can only
        // take a small rolling moment before it tips onto its edge.
        let mut pelvis_torque = (p_err - p_damp) * mass;
        let roll_err = rotation_error(DMat3::IDENTITY, pelvis.rotation).x;
        pelvis_torque.x = (gains.pelvis_roll.kp * roll_err
            - gains.pelvis_roll.kd * pelvis.angular_velocity.x)
            * mass;
        let (other, stance) = (step.other, step.stance);
        let mut q_other_hip: [f64; 3] =
            std::array::from_fn(|k| strength.clamp(other.hip[k], swing_hip[k]));
        let lumbar_torque = generalised_to_torque(q_lumbar, lumbar_axes);
        if step.phase == Phase::DoubleSupport && self.params.double_support_hip_load_sharing {
            let loads = (obs.foot_load_n[stance.side], obs.foot_load_n[other.side]);
            let own = generalised_to_torque(q_other_hip, axes3(&other.hip));
            let shared = trailing_hip_share(-pelvis_torque - lumbar_torque, own, loads);
            let q = torque_to_generalised(shared, &axes3(&other.hip));
            q_other_hip = std::array::from_fn(|k| strength.clamp(other.hip[k], q[k]));
        }
        let other_hip_torque = generalised_to_torque(q_other_hip, axes3(&other.hip));
        let stance_hip_torque = -pelvis_torque - other_hip_torque - lumbar_torque;
        let q_stance_hip = torque_to_generalised(stance_hip_torque, &axes3(&stance.hip));
        for k in 0..3 {
            torques[other.hip[k].index()] = q_other_hip[k];
            torques[stance.hip[k].index()] = q_stance_hip[k];
        }
    }
}

/// The trailing hip's torque in double support when both hips hold the pelvis
/// ([`super::WalkingParams::double_support_hip_load_sharing`]): of `total`, the torque the two
/// hips must apply to the pelvis, it takes the share `1 − w`, and of its own torque `own` (the
/// swing stage's) the share `w`, where `w` is the leading foot's part of the two feet's load
/// `(leading, trailing)` \[N\]. The leading hip takes the rest of `total`. With all the load
/// on the leading foot (w = 1, or no load sensed at all) this is SIMBICON's rule, the leading
/// hip holding the pelvis alone (Yin, Loken & van de Panne 2007).
fn trailing_hip_share(total: DVec3, own: DVec3, (leading, trailing): (f64, f64)) -> DVec3 {
    let (leading, trailing) = (leading.max(0.0), trailing.max(0.0));
    let sum = leading + trailing;
    let w = if sum > 0.0 { leading / sum } else { 1.0 };
    own * w + total * (1.0 - w)
}

/// The head-arms-trunk's forward lean from vertical (in the walker's own frame) on a belt
/// `downhill` steep in the direction of travel (rise over run, negative uphill) \[rad\]: the
/// posture's lean, plus its uphill gain times the uphill slope angle, plus its downhill gain
/// times the downhill slope angle.
fn trunk_lean(posture: &Posture, downhill: f64) -> f64 {
    let uphill_lean = posture.uphill_trunk_lean_per_rad * (-downhill).max(0.0).atan();
    let downhill_lean = posture.downhill_trunk_lean_per_rad * downhill.max(0.0).atan();
    posture.trunk_lean_rad + uphill_lean + downhill_lean
}

/// A rotation vector's stiffness and damping terms, with the horizontal (tilt) part and the
/// vertical (yaw) part under different gains: `(k_p,tilt v_h + k_p,yaw v_y, k_d,tilt v_h +
/// k_d,yaw v_y)`.
fn split(v: DVec3, tilt: Gain, yaw: Gain) -> (DVec3, DVec3) {
    let vertical = DVec3::Y * v.y;
    (
        (v - vertical) * tilt.kp + vertical * yaw.kp,
        (v - vertical) * tilt.kd + vertical * yaw.kd,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailing_hip_takes_the_torso_torque_in_proportion_to_its_foot_load() {
        let total = DVec3::new(10.0, -4.0, 2.0);
        let own = DVec3::new(-1.0, 0.0, 3.0);
        // All the load on the leading foot, or none sensed: SIMBICON's rule.
        assert_eq!(trailing_hip_share(total, own, (700.0, 0.0)), own);
        assert_eq!(trailing_hip_share(total, own, (0.0, 0.0)), own);
        // All on the trailing foot: it holds the pelvis alone.
        assert_eq!(trailing_hip_share(total, own, (0.0, 700.0)), total);
        // A quarter on the trailing foot.
        let t = trailing_hip_share(total, own, (600.0, 200.0));
        assert!((t - (own * 0.75 + total * 0.25)).length() < 1e-12, "{t}");
        // A tensile reading (numerical noise) counts as no load.
        assert_eq!(trailing_hip_share(total, own, (700.0, -5.0)), own);
    }

    #[test]
    fn the_trunk_leans_by_the_uphill_gain_uphill_and_the_downhill_gain_downhill() {
        let mut posture = crate::controller::walking::WalkingParams::default().backward;
        posture.trunk_lean_rad = -0.05;
        posture.uphill_trunk_lean_per_rad = 1.0;
        posture.downhill_trunk_lean_per_rad = 6.0;
        assert_eq!(trunk_lean(&posture, 0.0), -0.05);
        let down = 0.1f64.atan();
        assert!((trunk_lean(&posture, 0.1) - (-0.05 + 6.0 * down)).abs() < 1e-12);
        assert!((trunk_lean(&posture, -0.1) - (-0.05 + down)).abs() < 1e-12);
        // Without the downhill gain a downhill belt leaves the level lean.
        posture.downhill_trunk_lean_per_rad = 0.0;
        assert_eq!(trunk_lean(&posture, 0.1), -0.05);
    }
}
