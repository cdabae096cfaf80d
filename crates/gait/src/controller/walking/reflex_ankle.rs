//! A muscle-reflex ankle: the stance ankle's torque made by the model's soleus, gastrocnemius
//! and tibialis anterior under the local reflexes of Geyer & Herr (2010), "A muscle-reflex
//! model that encodes principles of legged mechanics produces human walking dynamics and
//! muscle activities", IEEE TNSRE 18:263-273, instead of servos on posture targets.
//!
//! In stance the soleus and gastrocnemius are excited by their own delayed force (positive
//! force feedback, F+), so the ankle stiffens as the body rolls over the foot and the loaded
//! tendons recoil into a push-off as the leg unloads; the tibialis anterior is excited by its
//! own fibre stretch beyond an offset (L+) and inhibited by the soleus' force. In swing the
//! triceps surae sit at their pre-stimulation and the tibialis anterior keeps its stretch
//! reflex. Each muscle has the model's activation dynamics and Hill-type contraction dynamics
//! with a compliant tendon ([`musculo::Muscle::compliant_tendon_step`]); the torque about each
//! joint it crosses is its tendon force times its moment arm.
//!
//! The muscles run in both legs all the time; their torque replaces the ankle servo's (and is
//! added to the knee's, for the gastrocnemius) only while a leg bears weight: the stance leg,
//! and the trailing leg in double support. The swing ankle stays a servo on the foot's landing
//! pitch.

use musculo::{Model, MuscleId, Side};
use serde::{Deserialize, Serialize};

use super::reflex::{DelayLine, ReflexMuscle, validate_reflexes};
use crate::skeleton::Leg;

/// Reflex gains and delay of the ankle's muscles. The defaults are Geyer & Herr's (2010,
/// Table 2; H. Geyer's published model parameters, `ControlParams.m`): force gains per
/// maximum isometric force, the tibialis anterior's length gain and offset per optimal fibre
/// length.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnkleReflexes {
    /// Soleus excitation per unit of its own normalised force (G_SOL = 1.2).
    pub soleus_force_gain: f64,
    /// Inhibition of the tibialis anterior per unit of the soleus' normalised force
    /// (G_SOL,TA = 0.4).
    pub soleus_on_tib_ant_gain: f64,
    /// Gastrocnemius excitation per unit of its own normalised force (G_GAS = 1.1).
    pub gastroc_force_gain: f64,
    /// Tibialis anterior excitation per optimal fibre length of stretch (G_TA = 1.1).
    pub tib_ant_length_gain: f64,
    /// Normalised fibre length of the tibialis anterior above which its stretch reflex acts
    /// (l_off,TA = 0.71).
    pub tib_ant_length_offset: f64,
    /// Constant excitation of each muscle (S₀ = 0.01).
    pub pre_stimulation: f64,
    /// Sensory delay of the ankle's reflex loops \[s\] (Δt = 20 ms, the long loop of the
    /// ankle muscles).
    pub delay_s: f64,
    /// Whether the stance leg's ankle keeps the controller's ankle strategy on top of its
    /// muscles: the torque [`super::WalkingParams::ankle_velocity_gain`] × mass × the error
    /// of the walker's velocity in the direction of travel (a virtual force on the centre of
    /// mass through the ankle, Coros, Beaudoin & van de Panne 2010 §5; false: the muscles
    /// alone, as in Geyer & Herr's model).
    pub ankle_strategy: bool,
}

impl Default for AnkleReflexes {
    fn default() -> Self {
        Self {
            soleus_force_gain: 1.2,
            soleus_on_tib_ant_gain: 0.4,
            gastroc_force_gain: 1.1,
            tib_ant_length_gain: 1.1,
            tib_ant_length_offset: 0.71,
            pre_stimulation: 0.01,
            delay_s: 0.020,
            ankle_strategy: false,
        }
    }
}

impl AnkleReflexes {
    /// Checks each number; the error names the field under `prefix`.
    pub(super) fn validate(&self, prefix: &str) -> Result<(), String> {
        let gains = [
            ("soleus_force_gain", self.soleus_force_gain),
            ("soleus_on_tib_ant_gain", self.soleus_on_tib_ant_gain),
            ("gastroc_force_gain", self.gastroc_force_gain),
            ("tib_ant_length_gain", self.tib_ant_length_gain),
            ("tib_ant_length_offset", self.tib_ant_length_offset),
        ];
        validate_reflexes(prefix, &gains, self.pre_stimulation, self.delay_s)
    }
}

/// Index of each muscle in the per-leg arrays.
const SOL: usize = 0;
const GAS: usize = 1;
const TA: usize = 2;

/// Model names (without side) of the soleus, gastrocnemius and tibialis anterior.
pub const MUSCLE_NAMES: [&str; 3] = ["soleus", "gastroc", "tib_ant"];

/// The three ankle muscles of one leg in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnkleMuscles([MuscleId; 3]);

impl AnkleMuscles {
    /// The leg's muscles, or the name of the first one the model lacks.
    pub fn resolve(model: &Model, side: Side) -> Result<Self, String> {
        let mut ids = [MuscleId(0); 3];
        for (id, base) in ids.iter_mut().zip(MUSCLE_NAMES) {
            let name = format!("{base}{}", side.suffix());
            *id = model.muscle_id(&name).ok_or(name)?;
        }
        Ok(Self(ids))
    }
}

/// Sensed signals of one leg's ankle muscles: the soleus' and gastrocnemius' forces per
/// maximum isometric force and the tibialis anterior's fibre length per optimal length.
type Sensed = [f64; 3];

/// What one leg's ankle muscles remember between control steps.
#[derive(Debug, Clone, Default)]
pub struct AnkleReflexState {
    /// The soleus, gastrocnemius and tibialis anterior (`None` until the first step).
    muscles: Option<[ReflexMuscle; 3]>,
    /// Sensed signals back to the reflex delay.
    history: DelayLine<Sensed>,
}

/// Torques of one leg's ankle muscles [N·m].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnkleReflexTorques {
    /// About the ankle's dorsiflexion coordinate.
    pub ankle: f64,
    /// About the knee's flexion coordinate (the gastrocnemius).
    pub knee: f64,
}

impl AnkleReflexState {
    /// Advances the leg's three muscles by `dt_s` at the pose `q` and returns their torques:
    /// the delayed signals make the excitations (stance or swing reflexes), the excitations
    /// the activations, and the activations with the muscle-tendon lengths the forces.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        model: &Model,
        muscles: AnkleMuscles,
        leg: &Leg,
        reflexes: &AnkleReflexes,
        stance: bool,
        q: &[f64],
        (time_s, dt_s): (f64, f64),
    ) -> AnkleReflexTorques {
        let units = muscles.0.map(|id| &model.muscles[id.index()]);
        let paths = units.map(|m| m.path.evaluate(q));
        let state = self.muscles.get_or_insert_with(|| {
            let s0 = reflexes
                .pre_stimulation
                .max(model.activation.minimum_activation);
            std::array::from_fn(|k| ReflexMuscle::at_rest(units[k], paths[k].length_m, s0))
        });
        let sensed = [
            state[SOL].force_n / units[SOL].max_isometric_force_n,
            state[GAS].force_n / units[GAS].max_isometric_force_n,
            state[TA].fiber_m / units[TA].optimal_fiber_length_m,
        ];
        let [f_sol, f_gas, l_ta] = self.history.delayed(time_s, reflexes.delay_s, sensed);
        let s0 = reflexes.pre_stimulation;
        let ta_stretch = reflexes.tib_ant_length_gain * (l_ta - reflexes.tib_ant_length_offset);
        let excitation = if stance {
            [
                s0 + reflexes.soleus_force_gain * f_sol,
                s0 + reflexes.gastroc_force_gain * f_gas,
                s0 + ta_stretch.max(0.0) - reflexes.soleus_on_tib_ant_gain * f_sol,
            ]
        } else {
            [s0, s0, s0 + ta_stretch.max(0.0)]
        };
        let mut torques = AnkleReflexTorques::default();
        for (k, m) in units.iter().enumerate() {
            let force_n = state[k].step(model, m, paths[k].length_m, excitation[k], dt_s);
            for (i, &c) in m.path.coordinates().iter().enumerate() {
                let torque = force_n * paths[k].moment_arms_m[i];
                if c == leg.ankle {
                    torques.ankle += torque;
                } else if c == leg.knee {
                    torques.knee += torque;
                }
            }
        }
        torques
    }

    /// Activations of the soleus, gastrocnemius and tibialis anterior.
    pub fn activations(&self) -> [f64; 3] {
        self.muscles.map_or([0.0; 3], |m| m.map(|m| m.activation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::walking::reflex::adult;

    /// Runs one leg's muscles for `steps` ms at a held pose; the last torques and activations.
    fn hold(stance: bool, ankle_rad: f64, steps: usize) -> (AnkleReflexTorques, [f64; 3]) {
        let (model, skeleton) = adult();
        let leg = &skeleton.legs[Side::Right];
        let muscles = AnkleMuscles::resolve(&model, Side::Right).unwrap();
        let mut q = model.neutral_pose();
        q[leg.ankle.index()] = ankle_rad;
        let mut state = AnkleReflexState::default();
        let reflexes = AnkleReflexes::default();
        let mut t = AnkleReflexTorques::default();
        for i in 0..steps {
            let time = (i as f64 * 1e-3, 1e-3);
            t = state.step(&model, muscles, leg, &reflexes, stance, &q, time);
        }
        (t, state.activations())
    }

    #[test]
    fn a_dorsiflexed_stance_ankle_is_held_by_its_triceps_surae_and_a_swing_ankle_is_not() {
        let (stance, a_stance) = hold(true, 0.2, 400);
        let (swing, a_swing) = hold(false, 0.2, 400);
        // Positive force feedback recruits the soleus beyond its pre-stimulation in stance…
        assert!(a_stance[SOL] > 0.05, "{a_stance:?}");
        assert!(a_swing[SOL] < 0.011, "{a_swing:?}");
        // …so the stance ankle gets a plantarflexor (negative dorsiflexion) moment far larger
        // than the swing ankle's, and the gastrocnemius flexes the knee.
        assert!(stance.ankle < -20.0, "{stance:?}");
        assert!(
            stance.ankle < 3.0 * swing.ankle.min(-1.0),
            "{stance:?} vs {swing:?}"
        );
        assert!(stance.knee > 0.0, "{stance:?}");
        // The soleus inhibits the tibialis anterior in stance.
        assert!(
            a_stance[TA] <= a_swing[TA] + 1e-9,
            "{a_stance:?} vs {a_swing:?}"
        );
    }

    #[test]
    fn a_model_without_ankle_muscles_is_refused_when_the_reflexes_are_asked_for() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/models/adult.ron"
        ))
        .unwrap();
        let mut spec = musculo::ModelSpec::parse(&doc, std::path::Path::new("adult.ron")).unwrap();
        spec.leg.muscles.retain(|m| m.name != "soleus");
        let model = Model::compile(spec, std::path::Path::new("adult.ron"), None).unwrap();
        let mut params = super::super::WalkingParams::default();
        assert!(
            params.check_model(&model).is_ok(),
            "no reflexes: no muscles needed"
        );
        params.backward.ankle_reflexes = Some(AnkleReflexes::default());
        let err = params.check_model(&model).unwrap_err().to_string();
        assert!(
            err.contains("muscle `soleus_r`") && err.contains("ankle_reflexes"),
            "{err}"
        );
    }

    #[test]
    fn bad_reflex_numbers_name_their_field() {
        let mut r = AnkleReflexes {
            soleus_force_gain: f64::NAN,
            ..Default::default()
        };
        let err = r.validate("forward.ankle_reflexes").unwrap_err();
        assert!(
            err.starts_with("forward.ankle_reflexes.soleus_force_gain"),
            "{err}"
        );
        r.soleus_force_gain = 1.2;
        r.delay_s = -0.01;
        let err = r.validate("backward.ankle_reflexes").unwrap_err();
        assert!(err.starts_with("backward.ankle_reflexes.delay_s"), "{err}");
        assert!(AnkleReflexes::default().validate("x").is_ok());
    }
}
