//! A muscle-reflex stance knee: the stance knee's torque made by the model's vasti under the
//! local reflexes of Geyer & Herr (2010), "A muscle-reflex model that encodes principles of
//! legged mechanics produces human walking dynamics and muscle activities", IEEE TNSRE
//! 18:263-273, instead of a servo on a posture target.
//!
//! In stance the vasti are excited by their own delayed force (positive force feedback, F+),
//! which makes the loaded knee behave like a spring that yields on landing and stiffens as it
//! is loaded (in Geyer & Herr's model, the stance flexion wave), and inhibited in proportion to the knee's extension past
//! an offset while it extends, so the knee does not snap into hyperextension as the body passes
//! over it. In swing they sit at their pre-stimulation. The vasti have the model's activation
//! dynamics and Hill-type contraction dynamics with a compliant tendon
//! ([`musculo::Muscle::compliant_tendon_step`]); the torque is the tendon force times the
//! moment arm.
//!
//! The vasti run in both legs all the time; their torque replaces the stance knee servo's
//! (weight feed-forward and vertical damper included) in the stance leg, the leading leg in
//! double support. The trailing leg's and the swing leg's knees stay servos.

use musculo::{Model, MuscleId, Side};
use serde::{Deserialize, Serialize};

use super::reflex::{DelayLine, ReflexMuscle, validate_reflexes};
use crate::skeleton::Leg;

/// Reflex gains and delay of the vasti. The defaults are those of H. Geyer's published
/// parameters of the Geyer & Herr (2010) model (`nms_model_ControlInit.m`, 2006:
/// `GainVAS = 1.2/FmaxVAS`, `PreStimVAS = 0.08`, `GainKneOverExt = 2`,
/// `KneePh23Offset = 170°`, `MidDelay = 0.010`; another published version of the file has a
/// vasti gain of 1.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KneeReflexes {
    /// Vasti excitation per unit of their own normalised force (G_VAS = 1.2).
    pub vasti_force_gain: f64,
    /// Constant excitation of the vasti (S₀,VAS = 0.08).
    pub pre_stimulation: f64,
    /// Inhibition of the vasti per radian of knee extension past
    /// [`Self::overextension_flexion_rad`] while the knee extends (k_φ = 2 /rad).
    pub overextension_gain: f64,
    /// Knee flexion below which the extending knee inhibits its vasti \[rad\] (φ_off = 170° of
    /// the straight 180°, so 10° of flexion).
    pub overextension_flexion_rad: f64,
    /// Sensory delay of the knee's reflex loops \[s\] (Δt = 10 ms, the medium loop).
    pub delay_s: f64,
    /// If set, the swing leg's vasti are excited this much from
    /// [`Self::landing_swing_fraction`] of the planned swing on, instead of their
    /// pre-stimulation, so that they already pull when the foot lands: people's vasti become
    /// active in terminal swing, before heel strike (Winter 2009, ch. 9), and SCONE's version of
    /// Geyer & Herr's controller has a landing state with its own vasti drive. The swing knee
    /// stays the servo's; the drive only builds the muscle's force for stance. Absent: the
    /// pre-stimulation through the whole swing, as in Geyer & Herr (2010).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landing_stimulation: Option<f64>,
    /// Fraction of the planned swing from which [`Self::landing_stimulation`] acts.
    pub landing_swing_fraction: f64,
}

impl Default for KneeReflexes {
    fn default() -> Self {
        Self {
            vasti_force_gain: 1.2,
            pre_stimulation: 0.08,
            overextension_gain: 2.0,
            overextension_flexion_rad: 10f64.to_radians(),
            delay_s: 0.010,
            landing_stimulation: None,
            landing_swing_fraction: 0.8,
        }
    }
}

impl KneeReflexes {
    /// Checks each number; the error names the field under `prefix`.
    pub(super) fn validate(&self, prefix: &str) -> Result<(), String> {
        let gains = [
            ("vasti_force_gain", self.vasti_force_gain),
            ("overextension_gain", self.overextension_gain),
        ];
        validate_reflexes(prefix, &gains, self.pre_stimulation, self.delay_s)?;
        if let Some(s) = self.landing_stimulation
            && !(0.0..=1.0).contains(&s)
        {
            return Err(format!(
                "{prefix}.landing_stimulation: {s} is not in [0, 1]"
            ));
        }
        let f = self.landing_swing_fraction;
        if !(0.0..=2.0).contains(&f) {
            return Err(format!(
                "{prefix}.landing_swing_fraction: {f} is not in [0, 2]"
            ));
        }
        let k = self.overextension_flexion_rad;
        if !(0.0..=1.0).contains(&k) {
            return Err(format!(
                "{prefix}.overextension_flexion_rad: {k} is not in [0, 1] rad"
            ));
        }
        Ok(())
    }
}

/// Model name (without side) of the vasti.
pub const VASTI: &str = "vasti";

/// The vasti of one leg in the model, or the name the model lacks.
pub fn resolve_vasti(model: &Model, side: Side) -> Result<MuscleId, String> {
    let name = format!("{VASTI}{}", side.suffix());
    model.muscle_id(&name).ok_or(name)
}

/// Sensed signals of one leg's vasti: their force per maximum isometric force, the knee's
/// flexion \[rad\] and its rate \[rad/s\].
type Sensed = [f64; 3];

/// What one leg's vasti remember between control steps.
#[derive(Debug, Clone, Default)]
pub struct KneeReflexState {
    /// The vasti (`None` until the first step).
    vasti: Option<ReflexMuscle>,
    /// Sensed signals back to the reflex delay.
    history: DelayLine<Sensed>,
}

impl KneeReflexState {
    /// Advances the leg's vasti by `dt_s` at the pose `q` (speeds `qdot`) and returns their
    /// torque about the knee's flexion coordinate [N·m] (negative: extensor): the stance
    /// reflexes in stance; in swing (`swing_phase`: the fraction of the planned swing elapsed,
    /// `None` in double support) the pre-stimulation, or the landing stimulation late in the
    /// swing.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        model: &Model,
        vasti: MuscleId,
        leg: &Leg,
        reflexes: &KneeReflexes,
        stance: bool,
        swing_phase: Option<f64>,
        (q, qdot): (&[f64], &[f64]),
        (time_s, dt_s): (f64, f64),
    ) -> f64 {
        let unit = &model.muscles[vasti.index()];
        let path = unit.path.evaluate(q);
        let state = self.vasti.get_or_insert_with(|| {
            let s0 = reflexes
                .pre_stimulation
                .max(model.activation.minimum_activation);
            ReflexMuscle::at_rest(unit, path.length_m, s0)
        });
        let knee = leg.knee.index();
        let sensed = [
            state.force_n / unit.max_isometric_force_n,
            q[knee],
            qdot[knee],
        ];
        let [force, flexion, rate] = self.history.delayed(time_s, reflexes.delay_s, sensed);
        let excitation = if stance {
            let past_offset = reflexes.overextension_flexion_rad - flexion;
            let overextension = if past_offset > 0.0 && rate < 0.0 {
                reflexes.overextension_gain * past_offset
            } else {
                0.0
            };
            reflexes.pre_stimulation + reflexes.vasti_force_gain * force - overextension
        } else {
            match (reflexes.landing_stimulation, swing_phase) {
                (Some(landing), Some(phase)) if phase >= reflexes.landing_swing_fraction => landing,
                _ => reflexes.pre_stimulation,
            }
        };
        let force_n = state.step(model, unit, path.length_m, excitation, dt_s);
        unit.path
            .coordinates()
            .iter()
            .zip(&path.moment_arms_m)
            .filter(|(c, _)| **c == leg.knee)
            .map(|(_, r)| force_n * r)
            .sum()
    }

    /// Activation of the vasti.
    pub fn activation(&self) -> f64 {
        self.vasti.map_or(0.0, |m| m.activation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::walking::reflex::adult;

    /// Runs one leg's vasti for `steps` ms with the knee at `knee_rad` moving at `rate`; the
    /// last torque and the activation.
    fn hold(stance: bool, knee_rad: f64, rate: f64, steps: usize) -> (f64, f64) {
        let (model, skeleton) = adult();
        let leg = &skeleton.legs[Side::Right];
        let vasti = resolve_vasti(&model, Side::Right).unwrap();
        let mut q = model.neutral_pose();
        let mut qdot = vec![0.0; q.len()];
        q[leg.knee.index()] = knee_rad;
        qdot[leg.knee.index()] = rate;
        let mut state = KneeReflexState::default();
        let reflexes = KneeReflexes::default();
        let mut t = 0.0;
        for i in 0..steps {
            let time = (i as f64 * 1e-3, 1e-3);
            t = state.step(
                &model,
                vasti,
                leg,
                &reflexes,
                stance,
                None,
                (&q, &qdot),
                time,
            );
        }
        (t, state.activation())
    }

    #[test]
    fn a_flexed_stance_knee_is_held_by_its_vasti_and_a_swing_knee_is_not() {
        let (stance, a_stance) = hold(true, 0.35, 0.0, 300);
        let (swing, a_swing) = hold(false, 0.35, 0.0, 300);
        // Positive force feedback recruits the vasti beyond their pre-stimulation in stance…
        assert!(a_stance > 0.2, "{a_stance}");
        assert!(a_swing < 0.081, "{a_swing}");
        // …and their moment is extensor (negative flexion torque), several times the swing's.
        assert!(stance < -40.0, "{stance}");
        assert!(stance < 3.0 * swing.min(-1.0), "{stance} vs {swing}");
    }

    #[test]
    fn an_extending_knee_near_straight_inhibits_its_vasti() {
        let (_, flexed) = hold(true, 0.35, -1.0, 300);
        let (_, straight_extending) = hold(true, 0.0, -1.0, 300);
        let (_, straight_still) = hold(true, 0.0, 0.0, 300);
        // 10° past the offset while extending takes 2 × 0.17 off the excitation, more than the
        // pre-stimulation that keeps a straight, still knee's vasti at about 0.08: silenced.
        assert!(straight_still > 0.07, "{straight_still}");
        assert!(
            straight_extending < 0.5 * straight_still,
            "{straight_extending} vs {straight_still}"
        );
        assert!(
            straight_extending < flexed,
            "{straight_extending} vs {flexed}"
        );
    }

    #[test]
    fn the_landing_stimulation_drives_the_vasti_late_in_the_swing_only() {
        let (model, skeleton) = adult();
        let leg = &skeleton.legs[Side::Right];
        let vasti = resolve_vasti(&model, Side::Right).unwrap();
        let q = model.neutral_pose();
        let qdot = vec![0.0; q.len()];
        let reflexes = KneeReflexes {
            landing_stimulation: Some(0.5),
            ..Default::default()
        };
        let activation = |phase: Option<f64>| {
            let mut state = KneeReflexState::default();
            for i in 0..200 {
                let time = (i as f64 * 1e-3, 1e-3);
                state.step(
                    &model,
                    vasti,
                    leg,
                    &reflexes,
                    false,
                    phase,
                    (&q, &qdot),
                    time,
                );
            }
            state.activation()
        };
        // From 80 % of the swing (the default) the vasti follow the landing drive…
        assert!(activation(Some(0.9)) > 0.45, "{}", activation(Some(0.9)));
        // …before it, and in double support, only their pre-stimulation.
        assert!(activation(Some(0.5)) < 0.081, "{}", activation(Some(0.5)));
        assert!(activation(None) < 0.081, "{}", activation(None));
    }

    #[test]
    fn bad_reflex_numbers_name_their_field() {
        let mut r = KneeReflexes {
            vasti_force_gain: -1.0,
            ..Default::default()
        };
        let err = r.validate("forward.knee_reflexes").unwrap_err();
        assert!(
            err.starts_with("forward.knee_reflexes.vasti_force_gain"),
            "{err}"
        );
        r.vasti_force_gain = 1.2;
        r.landing_stimulation = Some(1.5);
        let err = r.validate("forward.knee_reflexes").unwrap_err();
        assert!(
            err.starts_with("forward.knee_reflexes.landing_stimulation"),
            "{err}"
        );
        r.landing_stimulation = Some(0.5);
        r.overextension_flexion_rad = f64::NAN;
        let err = r.validate("backward.knee_reflexes").unwrap_err();
        assert!(
            err.starts_with("backward.knee_reflexes.overextension_flexion_rad"),
            "{err}"
        );
        assert!(KneeReflexes::default().validate("x").is_ok());
    }
}
