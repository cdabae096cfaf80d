//! The stance leg's knee and ankle. The knee has its own servo plus a weight feed-forward,
//! which the leading leg takes over during double support (weight acceptance). The ankle keeps
//! the foot flat on the belt (a compliant rocker) and adds a sagittal torque proportional to
//! the velocity error (a virtual force on the centre of mass through the ankle, Coros et al.
//! 2010 §5); late in stance it pushes off instead, from a point of the other leg's swing or,
//! if the posture asks, once the centre of mass is far enough ahead of the foot. (The stance
//! hip is the upper body's stage: it holds the pelvis.)

use glam::DVec3;

use super::cycle::GaitCycle;
use super::outer_loop::Velocities;
use super::servo::Servo;
use super::{Posture, Setup, Step, smoothstep};
use crate::controller::{Observation, stable_pd};
use crate::skeleton::Leg;

impl Setup {
    /// Writes the stance knee's, ankle's and ankle inversion's torques; returns the ankle's
    /// push-off torque in them (negative: plantarflexion).
    pub(super) fn stance_leg(
        &self,
        servo: &Servo,
        step: &Step,
        velocities: &Velocities,
        cycle: &GaitCycle,
        torques: &mut [f64],
    ) -> f64 {
        let (obs, p, leg) = (servo.obs(), &self.params, step.stance);
        let load_share = cycle.load_share(obs.time_s, step.timing);
        // Where the vasti's stage will write the stance knee's torque, the servo's is not needed.
        if step.posture.knee_reflexes.is_none() || self.vasti.is_none() {
            torques[leg.knee.index()] = self.stance_knee_torque(servo, step, cycle, load_share);
        }
        let foot = obs.segment(leg.foot);
        let push_off = match step.phase {
            super::Phase::Swing => {
                let timed =
                    push_off_activation(step.swing_phase, step.posture.push_off_start_fraction);
                let ahead = || (obs.com - foot.origin).dot(step.travel);
                let trigger = step.push_off_progress_m;
                timed.max(progress_push_off_activation(step.posture, trigger, ahead))
            }
            super::Phase::DoubleSupport => 0.0,
        };
        let foot_pitch = foot.rotation.x_axis.y.atan2(foot.rotation.x_axis.x);
        // PD on the foot's pitch in the world (zero torque while the foot lies flat, whatever
        // the shank does), damping the foot's own pitch rate.
        let foot_pitch_rate = foot.angular_velocity.z;
        let velocity_error = velocities.x_error();
        // Past `heel_off_dorsiflexion_rad` the plantarflexors resist further dorsiflexion like a
        // spring, so the heel rises late in stance instead of the ankle reaching its range of
        // motion (human ankle quasi-stiffness in stance is of the order of 5-8 N·m/rad/kg,
        // Shamaei, Sawicki & Dollar 2013, PLoS ONE 8:e59935).
        let heel_off = (obs.q[leg.ankle.index()] - p.heel_off_dorsiflexion_rad).max(0.0);
        let m = self.mass_kg;
        let flat = stable_pd(
            p.gains.stance_ankle.kp * m,
            p.gains.stance_ankle.kd * m,
            step.belt_pitch_rad - foot_pitch,
            foot_pitch_rate,
            obs.dt_s,
            obs.inverse_inertia[leg.ankle.index()],
        );
        // Ankle strategy: the shank is held at a posture angle relative to the flat foot.
        let posture_torque = servo.pd(
            leg.ankle,
            p.gains.ankle_posture,
            step.posture.stance_ankle_rad,
        );
        // During push-off the foot-flat and posture terms fade out so the heel can rise.
        let push_off_torque = -push_off * step.stance_push_off_share * step.push_off_per_kg * m;
        torques[leg.ankle.index()] = (1.0 - push_off) * (flat + posture_torque)
            + p.ankle_velocity_gain * m * velocity_error
            - p.plantarflexor_stiffness * m * heel_off
            + push_off_torque;
        // Likewise the foot's roll: flat on the belt, no torque while it lies flat (no lateral
        // "ankle strategy" fighting the stepping strategy).
        let foot_roll = -foot.rotation.z_axis.y.atan2(foot.rotation.z_axis.z) * leg.mirror;
        let foot_roll_rate = foot.angular_velocity.dot(foot.rotation.x_axis) * leg.mirror;
        torques[leg.inversion.index()] = stable_pd(
            p.gains.ankle_inversion.kp * m,
            p.gains.ankle_inversion.kd * m,
            -foot_roll,
            foot_roll_rate,
            obs.dt_s,
            obs.inverse_inertia[leg.inversion.index()],
        );
        push_off_torque
    }

    /// Stance-knee torque: PD towards the posture's stance-knee flexion (reached over the
    /// weight-acceptance time after touchdown) with the stance-knee gain, plus `load_share` of
    /// the weight feed-forward ([`super::WalkingParams::stance_knee_feed_forward`]) and of the
    /// vertical damper ([`super::Posture::stance_vertical_damping_per_s`]).
    fn stance_knee_torque(
        &self,
        servo: &Servo,
        step: &Step,
        cycle: &GaitCycle,
        load_share: f64,
    ) -> f64 {
        let (obs, posture, leg) = (servo.obs(), step.posture, step.stance);
        let gains = &self.params.gains;
        let gain = gains.stance_knee.unwrap_or(gains.knee);
        let target = stance_knee_target(
            posture,
            self.params.stance_knee_loading_s,
            obs.time_s - cycle.touchdown_s,
            cycle.touchdown_knee_rad,
        );
        let servo_torque = servo.pd(leg.knee, gain, target);
        // Weight feed-forward plus a vertical damper on the centre of mass, both as virtual
        // vertical forces through the stance knee (the weight torque scales linearly with the
        // force).
        let damping =
            -posture.stance_vertical_damping_per_s * obs.com_velocity.y / obs.gravity.length();
        let fraction = (self.params.stance_knee_feed_forward(posture) + damping) * load_share;
        if fraction == 0.0 {
            return servo_torque;
        }
        servo_torque + fraction * weight_above_knee_torque(obs, leg)
    }
}

/// The stance knee's target `since_touchdown_s` after touchdown, with the knee at
/// `touchdown_knee_rad` then: along a smoothstep over `loading_s` to the posture's loading
/// flexion, if it has one ([`Posture::loading_knee_flexion_rad`]: the loading-response wave),
/// and from there (or from the touchdown knee) over `loading_s` to its stance flexion; at once
/// if `loading_s` is 0.
fn stance_knee_target(
    posture: &Posture,
    loading_s: f64,
    since_touchdown_s: f64,
    touchdown_knee_rad: f64,
) -> f64 {
    let stance = posture.stance_knee_flexion_rad;
    if loading_s <= 0.0 {
        return stance;
    }
    let ramp = |from: f64, to: f64, t: f64| from + smoothstep(t / loading_s) * (to - from);
    match posture.loading_knee_flexion_rad {
        Some(wave) if since_touchdown_s < loading_s => {
            ramp(touchdown_knee_rad, wave, since_touchdown_s)
        }
        Some(wave) => ramp(wave, stance, since_touchdown_s - loading_s),
        None => ramp(touchdown_knee_rad, stance, since_touchdown_s),
    }
}

/// Knee torque that statically holds the body above the stance knee (everything but the
/// stance shank and foot) with the foot as base: `τ = a·((c − k) × M g)`, the
/// Jacobian-transpose mapping of a virtual force equal to that weight (Coros et al. 2010).
fn weight_above_knee_torque(obs: &Observation, leg: &Leg) -> f64 {
    let lower = [leg.shank, leg.foot];
    let lower_mass: f64 = lower
        .iter()
        .map(|s| obs.model.segments[s.index()].mass_kg)
        .sum();
    let lower_moment: DVec3 = lower
        .iter()
        .map(|s| obs.segment(*s).com * obs.model.segments[s.index()].mass_kg)
        .sum();
    let total = obs.model.total_mass_kg();
    let mass_above = total - lower_mass;
    let com_above = (obs.com * total - lower_moment) / mass_above;
    let knee = obs.segment(leg.shank).origin;
    let axis = obs.axes[leg.knee.index()];
    axis.cross(com_above - knee).dot(obs.gravity * mass_above)
}

/// Activation 0…1 of the stance ankle's push-off at `swing_phase` of the other leg's swing:
/// a smooth ramp from `start` to the planned end of the swing (0 if `start ≥ 1`).
pub(super) fn push_off_activation(swing_phase: f64, start: f64) -> f64 {
    if start >= 1.0 {
        return 0.0;
    }
    smoothstep((swing_phase - start) / (1.0 - start))
}

/// Activation 0…1 of the progress-triggered push-off with the centre of mass `ahead_m()` ahead
/// of the stance ankle in the direction of travel: a smoothstep from the trigger distance
/// `start` ([`WalkingParams::push_off_progress_at`](super::WalkingParams::push_off_progress_at))
/// over the posture's span (0 without a trigger, and the distance is not computed).
fn progress_push_off_activation(
    posture: &Posture,
    start: Option<f64>,
    ahead_m: impl FnOnce() -> f64,
) -> f64 {
    start.map_or(0.0, |start| {
        smoothstep((ahead_m() - start) / posture.push_off_progress_span_m)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stance_knee_target_waves_through_the_loading_response_when_asked() {
        let mut posture = crate::controller::walking::WalkingParams::default().forward;
        posture.stance_knee_flexion_rad = 0.08;
        posture.loading_knee_flexion_rad = None;
        // Without a loading time: the stance flexion at once; without a wave: a ramp to it.
        assert_eq!(stance_knee_target(&posture, 0.0, 0.01, 0.3), 0.08);
        assert_eq!(stance_knee_target(&posture, 0.1, 0.0, 0.3), 0.3);
        assert!((stance_knee_target(&posture, 0.1, 0.05, 0.3) - 0.19).abs() < 1e-12);
        assert!((stance_knee_target(&posture, 0.1, 0.2, 0.3) - 0.08).abs() < 1e-12);
        // With a wave: up from a straight touchdown knee to the wave's peak, then down.
        posture.loading_knee_flexion_rad = Some(0.3);
        assert_eq!(stance_knee_target(&posture, 0.1, 0.0, 0.05), 0.05);
        assert!((stance_knee_target(&posture, 0.1, 0.05, 0.05) - 0.175).abs() < 1e-12);
        assert!((stance_knee_target(&posture, 0.1, 0.1, 0.05) - 0.3).abs() < 1e-12);
        assert!((stance_knee_target(&posture, 0.1, 0.15, 0.05) - 0.19).abs() < 1e-12);
        assert!((stance_knee_target(&posture, 0.1, 0.3, 0.05) - 0.08).abs() < 1e-12);
    }

    #[test]
    fn push_off_ramps_from_its_start_to_the_end_of_the_swing() {
        assert_eq!(push_off_activation(0.4, 0.5), 0.0);
        assert!((push_off_activation(0.75, 0.5) - 0.5).abs() < 1e-12);
        assert_eq!(push_off_activation(1.0, 0.5), 1.0);
        assert_eq!(push_off_activation(1.3, 0.5), 1.0);
        assert_eq!(push_off_activation(2.0, 1.0), 0.0, "start 1: never");
    }

    #[test]
    fn the_progress_push_off_ramps_as_the_body_passes_ahead_of_the_foot() {
        let mut posture = crate::controller::walking::WalkingParams::default().forward;
        posture.push_off_progress_span_m = 0.1;
        assert_eq!(
            progress_push_off_activation(&posture, None, || 0.3),
            0.0,
            "absent: never"
        );
        let start = Some(0.05);
        assert_eq!(progress_push_off_activation(&posture, start, || 0.0), 0.0);
        assert!((progress_push_off_activation(&posture, start, || 0.10) - 0.5).abs() < 1e-12);
        assert_eq!(progress_push_off_activation(&posture, start, || 0.15), 1.0);
        assert_eq!(progress_push_off_activation(&posture, start, || 0.4), 1.0);
    }
}
