//! The leg that is not in stance: in swing, foot placement and tracking of the foot's path;
//! in double support, the trailing leg's preparation for the swing (knee bend, push-off).

use std::f64::consts::PI;

use glam::DVec3;

use super::cycle::GaitCycle;
use super::outer_loop::Velocities;
use super::params::{Gain, Posture};
use super::servo::Servo;
use super::{Setup, Step, horizontal};
use crate::controller::Observation;
use crate::controller::leg_ik::leg_ik;

/// Joint targets of the swing leg at the previous control step and their filtered rates, so
/// the servos damp the tracking error rather than the swing itself. Reset at lift-off.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct SwingTargets {
    /// Hip flexion, adduction, rotation, knee and ankle targets of the previous step [rad].
    previous: Option<[f64; 5]>,
    /// Low-pass filtered rates of the targets [rad/s].
    rates: [f64; 5],
}

impl SwingTargets {
    /// Updates the rates with this step's `targets` (filtered finite differences over 20 ms)
    /// and returns them.
    fn update(&mut self, targets: [f64; 5], dt_s: f64) -> [f64; 5] {
        if let Some(prev) = self.previous {
            let smoothing = (dt_s / 0.02).min(1.0);
            for (rate, (t, p0)) in self.rates.iter_mut().zip(targets.iter().zip(prev)) {
                *rate += smoothing * ((t - p0) / dt_s - *rate);
            }
        }
        self.previous = Some(targets);
        self.rates
    }
}

impl Setup {
    /// Where the swing ankle should be now [m, world]. Horizontally, from its lift-off
    /// position to the landing spot of the inverted-pendulum law (Coros et al. 2010, §4: `d =
    /// v √(h/g + v²/4g²) − α v_d` from the centre of mass, sagittally and laterally, plus half
    /// the step width towards its own side), reached at the posture's placement fraction of
    /// the swing (80 % unless it sets one). Vertically, a bump of the clearance height peaking
    /// at the posture's peak fraction of the swing (half way unless it sets one; a `sin²`),
    /// which starts and ends with zero vertical speed (a soft touchdown), above the belt at the
    /// landing foot pitch; from 85 % of the swing it sinks below the belt at the touchdown
    /// speed, so the foot lands on time even with some lag.
    pub(super) fn foot_target(
        &self,
        obs: &Observation,
        step: &Step,
        velocities: &Velocities,
        cycle: &GaitCycle,
    ) -> DVec3 {
        let p = &self.params;
        let (v_rel, v_des) = (velocities.relative, velocities.desired);
        let g = obs.gravity.length();
        let stance_ankle = obs.segment(step.stance.foot).origin;
        let h = (obs.com - stance_ankle).dot(DVec3::Y).max(0.3);
        let ipm = |v: f64| v * (h / g + v * v / (4.0 * g * g)).sqrt();
        let alpha = p.velocity_offset_at(step.posture, obs.belt_speed_mps, step.downhill);
        let d_sag = ipm(v_rel.x) - alpha * v_des.x;
        let half_width = 0.5 * p.step_width_at(step.posture, obs.belt_speed_mps) * self.height_m;
        let (lateral_scale, lateral_share) =
            p.lateral_placement_at(step.posture, obs.belt_speed_mps);
        let d_cor = (lateral_scale * ipm(v_rel.z) - lateral_share * alpha * v_des.z
            + step.other.mirror * half_width)
            .clamp(-0.15 * self.height_m, 0.15 * self.height_m);
        let target_offset = DVec3::new(d_sag, 0.0, d_cor);
        let swing_phase = step.swing_phase;
        let start_offset = cycle.swing_start_offset + horizontal(stance_ankle - obs.com);
        let offset = start_offset.lerp(target_offset, step.posture.placement_at(swing_phase));
        let mut target = obs.com + offset;
        let ground_y = swing_ground_height(
            obs.belt.normal,
            target,
            obs.segment(step.other.foot).origin,
            step.travel,
        );
        let bump = step
            .posture
            .clearance_bump_at(swing_phase, obs.belt_speed_mps);
        let descent = (swing_phase - 0.85).max(0.0) * step.timing.swing_s * p.touchdown_speed_mps;
        target.y = ground_y
            + self.ankle_height_at_pitch(step.posture.landing_foot_pitch_rad)
            + p.swing_clearance * self.height_m * bump
            - descent;
        target
    }

    /// Swing leg torques towards `target` (the ankle's position): IK in the pelvis frame, extra
    /// knee flexion early in swing for clearance, the ankle at the landing pitch, PD towards
    /// the moving targets with gravity compensation of the leg. Writes the knee and ankle
    /// torques and returns the hip's (flexion, adduction, rotation), which the upper body
    /// stage needs.
    pub(super) fn swing_leg(
        &self,
        servo: &Servo,
        step: &Step,
        target: DVec3,
        targets: &mut SwingTargets,
        torques: &mut [f64],
    ) -> [f64; 3] {
        let (obs, gains, leg) = (servo.obs(), &self.params.gains, step.other);
        let geometry = &self.skeleton.geometry;
        let pelvis = obs.segment(self.skeleton.pelvis);
        let hip_world = pelvis.origin + pelvis.rotation * leg.hip_in_pelvis;
        let local = pelvis.rotation.transpose() * (target - hip_world);
        let local = DVec3::new(local.x, local.y, local.z * leg.mirror);
        let (thigh_m, shank_m) = (geometry.thigh_m, geometry.shank_m);
        let legs = (thigh_m, shank_m);
        let normal = obs.belt.normal;
        let stance_ankle = obs.segment(step.stance.foot).origin;
        let rise = step.posture.landing_belt_rise_share
            * (belt_height(normal, target) - belt_height(normal, stance_ankle)).max(0.0);
        let local = extending_leg_target(local, step.posture, step.swing_phase, legs, rise);
        let (hf, ha, knee_ik) = leg_ik(local, thigh_m, shank_m, 0.05);
        let range = |c: musculo::CoordinateId| obs.model.coordinates[c.index()].range_rad;
        let (mut hf, ha) = (inside(hf, range(leg.hip[0])), inside(ha, range(leg.hip[1])));
        // Extra knee flexion early in swing for foot clearance, peaking at 30 % of it.
        let clearance_knee = step.posture.swing_knee_flexion_rad
            * (PI * (step.swing_phase / 0.6).min(1.0)).sin().max(0.0);
        let knee_target = knee_ik.max(clearance_knee);
        if knee_target > knee_ik {
            // Keep the foot near its target when the knee bends more than IK asks: flex the hip
            // by half the extra knee flexion.
            hf += 0.5 * (knee_target - knee_ik);
        }
        let shank = obs.segment(leg.shank);
        let shank_pitch = -shank.rotation.y_axis.x.atan2(shank.rotation.y_axis.y);
        let ankle_range = range(leg.ankle);
        let landing = step.belt_pitch_rad + step.posture.landing_foot_pitch_rad - shank_pitch;
        let ankle_target = inside(
            swing_ankle_target(step.posture, step.swing_phase, landing),
            ankle_range,
        );
        let goal = [hf, ha, 0.0, knee_target, ankle_target];
        let rates = targets.update(goal, obs.dt_s);
        let distal = [leg.thigh, leg.shank, leg.foot];
        let mut hip = [0.0; 3];
        for (k, &c) in leg.hip.iter().enumerate() {
            hip[k] = if k == 2 {
                servo.pd(c, gains.hip_rotation, 0.0)
            } else {
                let (gain, drive) = if k == 0 {
                    let drive = step.posture.swing_hip_drive_at(step.swing_phase);
                    (gains.hip, drive)
                } else {
                    (gains.hip_adduction, 0.0)
                };
                let torque = servo.pd_moving(c, gain, goal[k], rates[k])
                    + servo.gravity_compensation(c, &distal);
                // Added only where there is a drive, so files without one keep their bits.
                if drive == 0.0 {
                    torque
                } else {
                    torque + drive * self.mass_kg
                }
            };
        }
        torques[leg.knee.index()] = servo.pd_moving(leg.knee, gains.knee, knee_target, rates[3])
            + servo.gravity_compensation(leg.knee, &distal[1..]);
        torques[leg.ankle.index()] =
            servo.pd_moving(leg.ankle, gains.ankle, ankle_target, rates[4])
                + servo.gravity_compensation(leg.ankle, &distal[2..]);
        hip
    }

    /// The trailing leg in double support: it still bears weight while its hip is only
    /// damped, its knee starts to bend and its ankle pushes off (plantarflexes) for the coming
    /// swing; the timed push-off of late stance goes on until the foot leaves the belt (or its
    /// work budget is spent). Writes the knee and ankle torques and returns the hip's and the
    /// ankle's push-off torque (negative: plantarflexion).
    pub(super) fn trailing_leg(
        &self,
        servo: &Servo,
        step: &Step,
        torques: &mut [f64],
    ) -> ([f64; 3], f64) {
        let (obs, gains, leg, posture) =
            (servo.obs(), &self.params.gains, step.other, step.posture);
        let mut hip = [0.0; 3];
        for (k, &c) in leg.hip.iter().enumerate() {
            hip[k] = if k == 2 {
                servo.pd(c, gains.hip_rotation, 0.0)
            } else {
                let damping = Gain {
                    kp: 0.0,
                    kd: gains.hip.kd,
                };
                servo.pd_moving(c, damping, obs.q[c.index()], 0.0)
            };
        }
        torques[leg.knee.index()] =
            servo.pd(leg.knee, gains.knee, posture.pre_swing_knee_flexion_rad);
        let push_off = if posture.push_off_start_fraction < 1.0 {
            -step.other_push_off_share * step.push_off_per_kg * self.mass_kg
        } else {
            0.0
        };
        torques[leg.ankle.index()] =
            servo.pd(leg.ankle, gains.ankle, -posture.push_off_rad) + push_off;
        (hip, push_off)
    }
}

/// The swing leg's IK target (ankle relative to the hip, pelvis frame) as the knee extends
/// before touchdown ([`Posture::landing_knee_flexion_rad`]): from the posture's
/// `knee_extension_start_fraction` of the swing it moves, along a smoothstep reaching it at the
/// planned end of the swing, from `target` to the point straight below `target`'s horizontal
/// position at the reach of a leg with the landing knee flexion. The horizontal placement of
/// the balance law is kept; the foot comes down as far as the extending leg carries it, so it
/// meets the belt with the knee straighter than where a low hip would land it. (Lengthening the
/// step instead, to where the straight leg meets the belt, made the first step from standing
/// far too long: the walker fell at 1.6 s, `docs/controller-tuning.md`.) A spot farther than
/// the leg's reach keeps the foot at least half the reach below the hip. The lowest point is
/// raised by `rise_m` ([`Posture::landing_belt_rise_share`] of the belt's rise at the landing
/// spot; along the pelvis's vertical, which for a pelvis near upright is the world's).
/// Unchanged without a landing knee flexion.
fn extending_leg_target(
    target: DVec3,
    posture: &Posture,
    swing_phase: f64,
    (thigh_m, shank_m): (f64, f64),
    rise_m: f64,
) -> DVec3 {
    let Some(knee) = posture.landing_knee_flexion_rad else {
        return target;
    };
    let s = posture.knee_extension_at(swing_phase);
    if s == 0.0 {
        return target;
    }
    // Law of cosines, as in `leg_ik`: hip-to-ankle distance at this knee flexion.
    let reach_sq = thigh_m * thigh_m + shank_m * shank_m + 2.0 * thigh_m * shank_m * knee.cos();
    let horizontal_sq = target.x * target.x + target.z * target.z;
    let down = -(reach_sq - horizontal_sq).max(0.25 * reach_sq).sqrt() + rise_m;
    target.lerp(DVec3::new(target.x, down, target.z), s)
}

/// The swing ankle's target at `swing_phase`: the posture's swing ankle angle, if it has one,
/// until the knee starts to extend, then along the extension's smoothstep to `landing` (the
/// ankle angle that pitches the foot at the landing pitch); `landing` throughout otherwise.
fn swing_ankle_target(posture: &Posture, swing_phase: f64, landing: f64) -> f64 {
    let Some(swing) = posture.swing_ankle_rad else {
        return landing;
    };
    swing + posture.knee_extension_at(swing_phase) * (landing - swing)
}

/// `angle` kept 0.05 rad inside a coordinate's `range` \[rad\]; the middle of a range
/// narrower than that margin on both sides (a model may allow so little motion).
fn inside(angle: f64, range: (f64, f64)) -> f64 {
    let (lo, hi) = (range.0 + 0.05, range.1 - 0.05);
    if lo <= hi {
        angle.clamp(lo, hi)
    } else {
        0.5 * (range.0 + range.1)
    }
}

/// Height of the belt (a plane through the origin with normal `normal`) under the swing foot's
/// target, or under the foot itself where the foot has run ahead of its target in the
/// direction of `travel` and the belt there is higher. On an uphill belt a foot that
/// overshoots its target would otherwise meet the rising belt early and cut the step short;
/// on a level or downhill belt the belt is never higher ahead, so nothing changes.
fn swing_ground_height(normal: DVec3, target: DVec3, foot: DVec3, travel: DVec3) -> f64 {
    let under_target = belt_height(normal, target);
    if (foot - target).dot(travel) > 0.0 {
        under_target.max(belt_height(normal, foot))
    } else {
        under_target
    }
}

/// Height \[m\] of the belt (a plane through the origin with normal `normal`) under `p`.
fn belt_height(normal: DVec3, p: DVec3) -> f64 {
    -(normal.x * p.x + normal.z * p.z) / normal.y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swing_foot_clears_the_belt_under_itself_only_where_it_has_run_ahead_uphill() {
        let travel = DVec3::X;
        // 10 % uphill in the direction of travel: the belt rises 0.1 m per metre along x.
        let up = DVec3::new(-0.1, 1.0, 0.0).normalize();
        let target = DVec3::new(0.2, 0.1, 0.0);
        let ahead = DVec3::new(0.3, 0.1, 0.0);
        let behind = DVec3::new(0.1, 0.1, 0.0);
        assert!((swing_ground_height(up, target, behind, travel) - 0.02).abs() < 1e-12);
        assert!((swing_ground_height(up, target, ahead, travel) - 0.03).abs() < 1e-12);
        // Downhill the belt ahead is lower: the target's belt height stands.
        let down = DVec3::new(0.1, 1.0, 0.0).normalize();
        assert!((swing_ground_height(down, target, ahead, travel) + 0.02).abs() < 1e-12);
        // Walking backwards (travel along -x) up the same belt tilted the other way.
        let up_backward = DVec3::new(0.1, 1.0, 0.0).normalize();
        let target_b = DVec3::new(-0.2, 0.1, 0.0);
        let ahead_b = DVec3::new(-0.3, 0.1, 0.0);
        assert!(
            (swing_ground_height(up_backward, target_b, ahead_b, -travel) - 0.03).abs() < 1e-12
        );
        // Level: the belt height is the same everywhere.
        assert_eq!(swing_ground_height(DVec3::Y, target, ahead, travel), 0.0);
    }

    #[test]
    fn the_swing_knee_extends_to_the_landing_flexion_below_the_placement_spot() {
        let legs = (0.42, 0.43);
        let target = DVec3::new(0.15, -0.6, 0.04);
        let mut posture = crate::controller::walking::WalkingParams::default().forward;
        posture.landing_knee_flexion_rad = None;
        assert_eq!(
            extending_leg_target(target, &posture, 1.0, legs, 0.0),
            target
        );
        posture.landing_knee_flexion_rad = Some(0.05);
        posture.knee_extension_start_fraction = 0.6;
        assert_eq!(
            extending_leg_target(target, &posture, 0.5, legs, 0.0),
            target
        );
        // At the end of the swing: the same horizontal spot, at the reach of the leg with
        // 0.05 rad of knee flexion, which the leg IK turns back into a nearly straight knee
        // (its reach stops at 0.999 of the leg's length, about 0.09 rad here).
        let end = extending_leg_target(target, &posture, 1.0, legs, 0.0);
        assert_eq!((end.x, end.z), (target.x, target.z));
        let reach = (0.42f64.powi(2) + 0.43f64.powi(2) + 2.0 * 0.42 * 0.43 * 0.05f64.cos()).sqrt();
        assert!((end.length() - reach).abs() < 1e-12, "{end}");
        let (_, _, knee) = leg_ik(end, legs.0, legs.1, 0.05);
        assert!((0.05..0.1).contains(&knee), "{knee}");
        // A belt 5 cm higher at the landing spot than under the stance foot: the extension
        // ends that much higher, on the belt rather than below it.
        let raised = extending_leg_target(target, &posture, 1.0, legs, 0.05);
        assert!(
            (raised - end - DVec3::new(0.0, 0.05, 0.0)).length() < 1e-12,
            "{raised}"
        );
        assert_eq!(
            extending_leg_target(target, &posture, 0.5, legs, 0.05),
            target
        );
        // Half way along the smoothstep, half way down.
        let mid = extending_leg_target(target, &posture, 0.8, legs, 0.0);
        assert!((mid.y - 0.5 * (target.y + end.y)).abs() < 1e-12, "{mid}");
        // A spot beyond the reach keeps the foot at least half the reach below the hip.
        let far = extending_leg_target(DVec3::new(0.9, -0.6, 0.0), &posture, 1.0, legs, 0.0);
        assert!(far.y <= -0.5 * reach + 1e-12, "{far}");
    }

    #[test]
    fn the_swing_ankle_holds_its_angle_until_the_knee_extends_then_turns_to_the_landing() {
        let mut posture = crate::controller::walking::WalkingParams::default().forward;
        posture.swing_ankle_rad = None;
        assert_eq!(swing_ankle_target(&posture, 0.3, 0.4), 0.4);
        posture.swing_ankle_rad = Some(0.1);
        posture.knee_extension_start_fraction = 0.6;
        assert_eq!(swing_ankle_target(&posture, 0.3, 0.4), 0.1);
        assert!((swing_ankle_target(&posture, 0.8, 0.4) - 0.25).abs() < 1e-12);
        assert!((swing_ankle_target(&posture, 1.0, 0.4) - 0.4).abs() < 1e-12);
    }

    #[test]
    fn targets_stay_inside_the_range_and_a_range_too_narrow_for_the_margin_gives_its_middle() {
        assert!((inside(2.0, (-0.5, 1.0)) - 0.95).abs() < 1e-12);
        assert_eq!(inside(0.3, (-0.5, 1.0)), 0.3);
        // 0.04 rad of range: no panic (`f64::clamp` with crossed bounds), its middle.
        assert!((inside(0.3, (0.10, 0.14)) - 0.12).abs() < 1e-12);
    }

    #[test]
    fn target_rates_follow_the_targets_after_the_first_step() {
        let mut t = SwingTargets::default();
        assert_eq!(
            t.update([0.0; 5], 1e-3),
            [0.0; 5],
            "no rate from one sample"
        );
        let r = t.update([0.001, 0.0, 0.0, 0.0, 0.0], 1e-3);
        // 1 rad/s filtered over 20 ms: one step moves the rate 1/20 of the way.
        assert!((r[0] - 0.05).abs() < 1e-12, "{r:?}");
    }
}
