//! A balance controller that walks forwards and backwards at a commanded speed.
//!
//! Structure (all torques, no kinematic positioning):
//! - **Step cycle** (SIMBICON, Yin, Loken & van de Panne 2007, ACM TOG 26(3):105): one leg is
//!   in stance, the other swings; the roles swap when the swing foot touches the belt after a
//!   minimum fraction of the nominal step time (or when the step has lasted too long).
//! - **Foot placement** by the inverted-pendulum model (Coros, Beaudoin & van de Panne 2010,
//!   "Generalized biped walking control", ACM TOG 29(4):130, §4): the swing foot lands at
//!   `d = v √(h/g + v²/4g²) − α v_d` from the centre of mass, sagittally and laterally, with
//!   `v` the centre-of-mass velocity relative to the belt and `v_d` the desired one. Walking
//!   backwards is the same law with a negative desired velocity.
//! - **Swing leg** tracks the foot trajectory through analytic leg IK ([`super::leg_ik`]) and
//!   PD control with gravity compensation (Jᵀ of the swing segments' weights); its clearance is
//!   measured from the belt under the target, or under the foot where it has run ahead uphill.
//! - **Upper body**: the lumbar joint holds the head-arms-trunk at a world-frame lean (further
//!   forward uphill, [`Posture::uphill_trunk_lean_per_rad`]); the stance hip supplies the
//!   torque that holds the pelvis upright and heading straight,
//!   `τ_stance = −τ_pelvis − τ_swing − τ_lumbar` (SIMBICON's virtual torso control).
//! - **Speed and position**: the desired velocity relative to the belt is the belt speed in the
//!   direction of travel plus a slow proportional correction towards the belt's centre — the
//!   outer loop of a person on a treadmill.
//! - **Strength**: each torque is clamped to the joint's strength ([`Strength`]).
//!
//! All gains are per kilogram of body mass so the same file serves any subject.

use glam::{DMat3, DVec3};
use musculo::{CoordinateId, Model, SegmentId, Side};
use serde::{Deserialize, Serialize};

use super::leg_ik::leg_ik;
use super::strength::{Strength, UnmuscledStrength};
use super::{
    Controller, Observation, generalised_to_torque, rotation_error, stable_pd,
    torque_to_generalised,
};
use crate::spec::Direction;

/// Proportional and derivative gain per kilogram of body mass [N·m/rad/kg, N·m·s/rad/kg].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gain {
    /// Stiffness.
    pub kp: f64,
    /// Damping.
    pub kd: f64,
}

/// Joint gains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gains {
    /// Swing hip flexion.
    pub hip: Gain,
    /// Swing hip adduction.
    pub hip_adduction: Gain,
    /// Hip rotation.
    pub hip_rotation: Gain,
    /// Swing knee (and the stance knee when `stance_knee` is absent).
    pub knee: Gain,
    /// Stance knee, its own law: a servo towards a near-extended knee (SIMBICON's stance knee,
    /// Yin, Loken & van de Panne 2007, Table 1: target 0.05-0.1 rad of flexion, a separate
    /// state target from the swing knee's) plus the weight feed-forward of
    /// [`WalkingParams::stance_knee_gravity_compensation`]. `None` (files written before this
    /// law existed): the swing knee's gain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance_knee: Option<Gain>,
    /// Swing ankle and push-off.
    pub ankle: Gain,
    /// Stance ankle (holding the foot flat).
    pub stance_ankle: Gain,
    /// Stance ankle posture (ankle strategy: the ankle angle towards `stance_ankle_rad`).
    pub ankle_posture: Gain,
    /// Ankle inversion.
    pub ankle_inversion: Gain,
    /// Head-arms-trunk orientation (world) through the lumbar joint.
    pub trunk: Gain,
    /// Pelvis pitch (world) through the stance hip.
    pub pelvis: Gain,
    /// Pelvis roll (world) through the stance hip.
    pub pelvis_roll: Gain,
    /// Pelvis and trunk heading (yaw about the vertical), kept small because the stance foot
    /// can only resist small twisting moments by friction.
    pub heading: Gain,
}

/// Direction-specific posture targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Posture {
    /// Forward lean of the head-arms-trunk from vertical [rad].
    pub trunk_lean_rad: f64,
    /// Pitch of the swing foot at landing relative to the belt [rad] (toes up positive).
    pub landing_foot_pitch_rad: f64,
    /// Stance knee flexion [rad].
    pub stance_knee_flexion_rad: f64,
    /// Peak swing knee flexion target early in swing [rad] (foot clearance).
    pub swing_knee_flexion_rad: f64,
    /// Plantarflexion target of the trailing ankle in double support (push-off) [rad].
    pub push_off_rad: f64,
    /// Knee flexion target of the trailing leg in double support [rad].
    pub pre_swing_knee_flexion_rad: f64,
    /// Ankle dorsiflexion the stance ankle's posture term holds [rad].
    pub stance_ankle_rad: f64,
    /// Peak plantarflexor torque of the timed push-off of the stance ankle late in stance
    /// [N·m/kg] (0: no push-off). Human plantarflexor moments peak at 1.3-1.7 N·m/kg at about
    /// 45-50 % of the gait cycle (Winter 2009, Biomechanics and Motor Control of Human
    /// Movement, 4th ed.), the ankle's burst of positive work (A2) that is about 42 % of the
    /// leg's positive work (Montgomery & Grabowski 2018, R Soc Open Sci, PMC6124028). The
    /// torque is a feed-forward ramp in late stance, the state-timed stance-ankle action of
    /// SIMBICON-style controllers (Yin et al. 2007; Coros, Beaudoin & van de Panne 2010) rather
    /// than a reflex (cf. the load-driven soleus of Geyer & Herr 2010, IEEE TNSRE 18:263).
    /// Walking backwards, the leg that pushes last has its foot ahead of the body (in the
    /// walker's own frame), and a plantarflexor moment moves the centre of pressure further
    /// ahead of the centre of mass, which also propels the body in the direction of travel;
    /// the backward value is left to the tuner (in people walking backwards the late-stance
    /// positive work is mainly the knee's: Winter, Pluck & Yang 1989, J Motor Behav
    /// 21:291-305, time reversal of forward walking).
    #[serde(default)]
    pub push_off_torque_per_kg: f64,
    /// Fraction of the other leg's swing after which the push-off torque ramps in (it reaches
    /// its peak at the planned end of the swing and stays on through double support).
    #[serde(default = "never")]
    pub push_off_start_fraction: f64,
    /// The push-off torque scales as (belt speed / 1 m/s)^exponent (0, files written before:
    /// the same at every speed). People raise their ankle push-off work steeply with walking
    /// speed (Farris & Sawicki 2012, J R Soc Interface 9:110-118).
    #[serde(default)]
    pub push_off_speed_exponent: f64,
    /// Vertical damping of the centre of mass through the stance knee [1/s] (0, files
    /// written before: none): a virtual vertical force `−c M v_y` on the body above the knee,
    /// mapped to the knee like the weight feed-forward. Virtual model control of body height
    /// with a virtual damper on the stance leg (Pratt, Chew, Torres, Dilworth & Pratt 2001,
    /// Int J Robot Res 20:129-143); it keeps a hard landing from rebounding into a hop.
    #[serde(default)]
    pub stance_vertical_damping_per_s: f64,
    /// Extra forward lean of the head-arms-trunk per radian of uphill slope in the direction
    /// of travel [rad/rad] (0, files written before: none; downhill: none). People walking
    /// uphill on a treadmill lean the trunk forward, more the steeper the slope (Leroux, Fung
    /// & Barbeau 2002, Gait Posture 15:64-74); 1 keeps the trunk at its level-walking angle to
    /// the belt.
    #[serde(default)]
    pub uphill_trunk_lean_per_rad: f64,
    /// Nominal step time at 1 m/s in this direction [s], overriding the shared
    /// [`WalkingParams::step_time_at_1mps_s`] (absent in files written before). Step timing is
    /// an input of SIMBICON-style controllers (the state duration δt: Yin, Loken & van de
    /// Panne 2007, Table 1), so the cadence follows mostly from it (a swing ends at foot
    /// contact, between the min and max swing fractions of its nominal time); the two
    /// directions need not share it, since people walking backwards take shorter strides than
    /// forwards (Laufer 2005, J Gerontol A 60:627-632).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_time_at_1mps_s: Option<f64>,
    /// Fraction of the stance knee's weight feed-forward in this direction, overriding the
    /// shared [`WalkingParams::stance_knee_gravity_compensation`] (absent in files written
    /// before). The backward stance sags into a crouch under the PD alone (ARCHITECTURE.md,
    /// "Walking: where it stands"), while the forward gait was found without the feed-forward
    /// and loses uphill trials with it, so the two directions need not share it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance_knee_gravity_compensation: Option<f64>,
}

impl Posture {
    /// Peak push-off torque at a belt speed [N·m/kg]: `push_off_torque_per_kg` at 1 m/s,
    /// scaled as speed^`push_off_speed_exponent`.
    pub fn push_off_torque_at(&self, speed_mps: f64) -> f64 {
        self.push_off_torque_per_kg * speed_mps.powf(self.push_off_speed_exponent)
    }
}

/// Default push-off start of files written before the push-off existed: never.
fn never() -> f64 {
    1.0
}

/// Parameters of the walking controller (the RON file `assets/controllers/walking.ron`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkingParams {
    /// Nominal step time at 1 m/s [s].
    pub step_time_at_1mps_s: f64,
    /// Step time scales as speed^(−exponent).
    pub step_time_speed_exponent: f64,
    /// Walking downhill (in the direction of travel) the step frequency rises by the fraction
    /// `gain · s · (speed / 1 m/s)^(−exponent)`, `s` the downhill grade (rise over run); uphill
    /// it is unchanged. People on a treadmill take faster strides at every downhill grade, more
    /// so at slow speeds, and hardly change them uphill (Franz & Kram 2012, Gait Posture
    /// 35:143-147, Table 1: 10 adults, 0-9° and 0.75/1.25/1.75 m/s; a least-squares fit of
    /// that table gives gain 0.65, exponent 1.58, e.g. +11 % at 6° and 0.75 m/s against +12 %
    /// measured). Applied to walking backwards as well, with "downhill" meaning in the
    /// direction of travel (no backward slope data was found). 0 (files written before): no
    /// change.
    #[serde(default)]
    pub downhill_cadence_gain: f64,
    /// Speed exponent of [`Self::downhill_cadence_gain`] (the speed is clamped at 0.6 m/s
    /// below, as in the step time).
    #[serde(default)]
    pub downhill_cadence_speed_exponent: f64,
    /// Fraction of the step spent with both feet on the belt.
    pub double_support_fraction: f64,
    /// A swing may end at foot contact once this fraction of the swing time has passed.
    pub min_swing_fraction: f64,
    /// A swing ends regardless after this fraction of the swing time.
    pub max_swing_fraction: f64,
    /// Speed at which the swing foot keeps descending after its planned touchdown time [m/s].
    pub touchdown_speed_mps: f64,
    /// Peak foot lift during swing [fraction of stature].
    pub swing_clearance: f64,
    /// Lateral distance between the feet [fraction of stature].
    pub step_width: f64,
    /// α of the foot-placement law [s].
    pub velocity_offset_s: f64,
    /// Below 1 m/s, α scales as (belt speed / 1 m/s)^exponent; at and above 1 m/s it is
    /// `velocity_offset_s` (0, files written before: the same α at every speed). A smaller α
    /// places the foot further ahead of the centre of mass, i.e. longer, more braking steps
    /// relative to the speed: a gain of the foot-placement law scheduled on the belt speed
    /// (the controller's operating point; it follows the belt's start-up ramp), a controller
    /// setting rather than a human measurement.
    #[serde(default)]
    pub velocity_offset_speed_exponent: f64,
    /// Gain on the lateral inverted-pendulum term.
    pub lateral_placement_scale: f64,
    /// Stance-ankle torque per unit sagittal velocity error [N·m/(m/s)/kg].
    pub ankle_velocity_gain: f64,
    /// Stance-ankle dorsiflexion beyond which the plantarflexors resist [rad].
    pub heel_off_dorsiflexion_rad: f64,
    /// Stiffness of that resistance [N·m/rad/kg].
    pub plantarflexor_stiffness: f64,
    /// Outer-loop gain from distance to belt centre to desired velocity [1/s].
    pub position_gain_per_s: f64,
    /// Largest outer-loop velocity correction [m/s].
    pub max_position_correction_mps: f64,
    /// Outer-loop integral gain on distance to belt centre [1/s²] (removes a steady offset,
    /// as a person settles on a treadmill).
    pub position_integral_gain_per_s2: f64,
    /// Postures when walking forwards.
    pub forward: Posture,
    /// Postures when walking backwards.
    pub backward: Posture,
    /// Fraction of the weight moment about the stance knee supplied as a feed-forward torque:
    /// the knee torque that statically holds everything above the knee, `τ = a·((c − k) × M g)`
    /// with `M`, `c` the mass and centre of mass of the body minus the stance shank and foot,
    /// `k` the knee centre and `a` its axis. This is the Jacobian-transpose mapping of a virtual
    /// force equal to that weight (Coros, Beaudoin & van de Panne 2010, §5, gravity
    /// compensation and virtual forces with the stance foot as base), so the PD servo only
    /// corrects errors instead of sagging by `τ/k_p` under load. 0 in files written before.
    /// A direction's posture may override it ([`Posture::stance_knee_gravity_compensation`];
    /// the value used is [`Self::stance_knee_feed_forward`]).
    #[serde(default)]
    pub stance_knee_gravity_compensation: f64,
    /// Weight acceptance [s]: after touchdown the stance knee's target moves from the knee angle
    /// at touchdown to the posture's stance-knee flexion along a smoothstep over this time, so
    /// the knee straightens over the loading response instead of in one impulse (the loading
    /// response lasts the first 10-12 % of the gait cycle, about 0.1-0.15 s at 1 m/s: Perry
    /// 1992, Gait Analysis). 0 (files written before): the target applies at once.
    #[serde(default)]
    pub stance_knee_loading_s: f64,
    /// PD gains.
    pub gains: Gains,
    /// Torque limits of the coordinates without muscles.
    pub strength: UnmuscledStrength,
}

impl WalkingParams {
    /// Factor on the step time walking down a grade `downhill` (rise over run, positive
    /// downhill in the direction of travel; uphill, ≤ 0, gives 1): `1 / (1 + gain · s ·
    /// speed^(−exponent))` ([`Self::downhill_cadence_gain`]).
    pub fn downhill_step_time_factor(&self, speed_mps: f64, downhill: f64) -> f64 {
        let rise = self.downhill_cadence_gain
            * downhill.max(0.0)
            * speed_mps
                .max(MIN_SCHEDULED_SPEED_MPS)
                .powf(-self.downhill_cadence_speed_exponent);
        1.0 / (1.0 + rise)
    }

    /// Fraction of the weight feed-forward through the stance knee walking in `posture`'s
    /// direction: the posture's own value if it sets one, the shared one otherwise.
    pub fn stance_knee_feed_forward(&self, posture: &Posture) -> f64 {
        posture
            .stance_knee_gravity_compensation
            .unwrap_or(self.stance_knee_gravity_compensation)
    }

    /// α of the foot-placement law at a belt speed [s]: `velocity_offset_s` at and above
    /// 1 m/s, scaled as speed^`velocity_offset_speed_exponent` below.
    pub fn velocity_offset_at(&self, speed_mps: f64) -> f64 {
        self.velocity_offset_s * speed_mps.min(1.0).powf(self.velocity_offset_speed_exponent)
    }

    /// Parses and validates a parameter file; the error starts with `name` (the file) and
    /// gives the line and column of a syntax error or the field of a bad value.
    pub fn from_ron_str(text: &str, name: &str) -> Result<Self, String> {
        let params: Self = ron::from_str(text).map_err(|e| {
            let at = e.span.start;
            format!("{name}:{}:{}: {}", at.line, at.col, e.code)
        })?;
        params.validate().map_err(|e| format!("{name}: {e}"))?;
        Ok(params)
    }

    /// Checks what the types cannot: every number finite, times, lengths, gains and strengths
    /// not negative (step times positive), fractions in range. The error is `field: reason`
    /// for the first problem found, so a caller can prefix the file's name.
    pub fn validate(&self) -> Result<(), String> {
        fn check(field: &str, v: f64, ok: bool, what: &str) -> Result<(), String> {
            if v.is_finite() && ok {
                Ok(())
            } else {
                Err(format!("{field}: {v} is not {what}"))
            }
        }
        let finite = |f: &str, v: f64| check(f, v, true, "a finite number");
        let positive = |f: &str, v: f64| check(f, v, v > 0.0, "a positive number");
        let non_negative = |f: &str, v: f64| check(f, v, v >= 0.0, "zero or positive");
        positive("step_time_at_1mps_s", self.step_time_at_1mps_s)?;
        non_negative("step_time_speed_exponent", self.step_time_speed_exponent)?;
        let ds = self.double_support_fraction;
        check(
            "double_support_fraction",
            ds,
            (0.0..1.0).contains(&ds),
            "in [0, 1)",
        )?;
        positive("min_swing_fraction", self.min_swing_fraction)?;
        let max = self.max_swing_fraction;
        let at_least_min = max >= self.min_swing_fraction;
        check(
            "max_swing_fraction",
            max,
            at_least_min,
            "at least min_swing_fraction",
        )?;
        for (f, v) in [
            ("touchdown_speed_mps", self.touchdown_speed_mps),
            ("swing_clearance", self.swing_clearance),
            ("step_width", self.step_width),
            ("lateral_placement_scale", self.lateral_placement_scale),
            ("ankle_velocity_gain", self.ankle_velocity_gain),
            ("plantarflexor_stiffness", self.plantarflexor_stiffness),
            ("position_gain_per_s", self.position_gain_per_s),
            (
                "max_position_correction_mps",
                self.max_position_correction_mps,
            ),
            (
                "position_integral_gain_per_s2",
                self.position_integral_gain_per_s2,
            ),
            (
                "stance_knee_gravity_compensation",
                self.stance_knee_gravity_compensation,
            ),
            ("stance_knee_loading_s", self.stance_knee_loading_s),
            (
                "velocity_offset_speed_exponent",
                self.velocity_offset_speed_exponent,
            ),
            ("downhill_cadence_gain", self.downhill_cadence_gain),
            (
                "downhill_cadence_speed_exponent",
                self.downhill_cadence_speed_exponent,
            ),
        ] {
            non_negative(f, v)?;
        }
        finite("velocity_offset_s", self.velocity_offset_s)?;
        finite("heel_off_dorsiflexion_rad", self.heel_off_dorsiflexion_rad)?;
        for (direction, p) in [("forward", &self.forward), ("backward", &self.backward)] {
            let f = |name: &str| format!("{direction}.{name}");
            for (name, v) in [
                ("trunk_lean_rad", p.trunk_lean_rad),
                ("landing_foot_pitch_rad", p.landing_foot_pitch_rad),
                ("stance_knee_flexion_rad", p.stance_knee_flexion_rad),
                ("swing_knee_flexion_rad", p.swing_knee_flexion_rad),
                ("push_off_rad", p.push_off_rad),
                ("pre_swing_knee_flexion_rad", p.pre_swing_knee_flexion_rad),
                ("stance_ankle_rad", p.stance_ankle_rad),
                ("uphill_trunk_lean_per_rad", p.uphill_trunk_lean_per_rad),
            ] {
                finite(&f(name), v)?;
            }
            non_negative(&f("push_off_torque_per_kg"), p.push_off_torque_per_kg)?;
            non_negative(&f("push_off_start_fraction"), p.push_off_start_fraction)?;
            non_negative(&f("push_off_speed_exponent"), p.push_off_speed_exponent)?;
            non_negative(
                &f("stance_vertical_damping_per_s"),
                p.stance_vertical_damping_per_s,
            )?;
            if let Some(t) = p.step_time_at_1mps_s {
                positive(&f("step_time_at_1mps_s"), t)?;
            }
            if let Some(a) = p.stance_knee_gravity_compensation {
                non_negative(&f("stance_knee_gravity_compensation"), a)?;
            }
        }
        let g = &self.gains;
        for (name, gain) in [
            ("hip", Some(g.hip)),
            ("hip_adduction", Some(g.hip_adduction)),
            ("hip_rotation", Some(g.hip_rotation)),
            ("knee", Some(g.knee)),
            ("stance_knee", g.stance_knee),
            ("ankle", Some(g.ankle)),
            ("stance_ankle", Some(g.stance_ankle)),
            ("ankle_posture", Some(g.ankle_posture)),
            ("ankle_inversion", Some(g.ankle_inversion)),
            ("trunk", Some(g.trunk)),
            ("pelvis", Some(g.pelvis)),
            ("pelvis_roll", Some(g.pelvis_roll)),
            ("heading", Some(g.heading)),
        ] {
            if let Some(gain) = gain {
                non_negative(&format!("gains.{name}.kp"), gain.kp)?;
                non_negative(&format!("gains.{name}.kd"), gain.kd)?;
            }
        }
        let st = &self.strength;
        for (name, (a, b)) in [
            ("hip_rotation", st.hip_rotation),
            ("ankle_inversion", st.ankle_inversion),
            ("lumbar", st.lumbar),
        ] {
            non_negative(&format!("strength.{name}.0"), a)?;
            non_negative(&format!("strength.{name}.1"), b)?;
        }
        Ok(())
    }
}

impl Default for WalkingParams {
    fn default() -> Self {
        ron::from_str(DEFAULT_WALKING_RON).expect("built-in walking controller parameters parse")
    }
}

/// Below this belt speed the speed-scheduled step time stays at its value for this speed
/// (the belt starts from rest) [m/s].
const MIN_SCHEDULED_SPEED_MPS: f64 = 0.6;

/// The built-in controller parameters.
pub const DEFAULT_WALKING_RON: &str = include_str!("../../../../assets/controllers/walking.ron");

/// Part of the gait cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// One foot on the belt, the other swinging.
    Swing,
    /// Both feet on the belt after the swing foot landed.
    DoubleSupport,
}

/// Coordinates and segments of one leg.
#[derive(Debug, Clone, Copy)]
struct Leg {
    hip: [CoordinateId; 3],
    knee: CoordinateId,
    ankle: CoordinateId,
    inversion: CoordinateId,
    thigh: SegmentId,
    shank: SegmentId,
    foot: SegmentId,
    /// Hip centre in the pelvis frame [m].
    hip_in_pelvis: DVec3,
    /// z mirror: +1 right, −1 left.
    mirror: f64,
}

/// The walking controller's state.
#[derive(Debug, Clone)]
pub struct WalkingController {
    params: WalkingParams,
    legs: [Leg; 2],
    lumbar: [CoordinateId; 3],
    pelvis: SegmentId,
    hat: SegmentId,
    thigh_m: f64,
    shank_m: f64,
    ankle_height_m: f64,
    /// Contact spheres of the right foot (centre in the foot frame, radius) [m].
    foot_contacts: Vec<(DVec3, f64)>,
    mass_kg: f64,
    height_m: f64,
    /// Leg in stance (0 right, 1 left); in double support, the leading leg.
    stance: usize,
    /// Swing of the other leg, or double support.
    phase: Phase,
    /// When the current phase began [s].
    phase_start_s: f64,
    /// Swing ankle offset from the stance ankle at lift-off (horizontal).
    swing_start_offset: DVec3,
    steps: u64,
    /// Swing-leg joint targets of the previous step, for their rate of change.
    previous_targets: Option<[f64; 5]>,
    /// Current torque limits.
    strength: Strength,
    /// Integral of the distance from the belt centre along and across the belt [m·s].
    position_integral: [f64; 2],
    /// Low-pass filtered target rates [rad/s].
    target_rates: [f64; 5],
    /// Time of the last touchdown [s].
    touchdown_s: f64,
    /// Stance-knee flexion at the last touchdown [rad].
    touchdown_knee_rad: f64,
}

fn coord(model: &Model, base: &str, side: Option<Side>) -> CoordinateId {
    model
        .side_coordinate(base, side)
        .unwrap_or_else(|| panic!("the walking controller needs coordinate `{base}`"))
}

impl WalkingController {
    /// Names of the coordinates the controller drives (it requires all of them).
    pub const REQUIRED_COORDINATES: [&'static str; 9] = [
        "hip_flexion",
        "hip_adduction",
        "hip_rotation",
        "knee_flexion",
        "ankle_dorsiflexion",
        "ankle_inversion",
        "lumbar_extension",
        "lumbar_bending",
        "lumbar_rotation",
    ];

    /// Checks that a model has the coordinates and segments this controller drives.
    pub fn check_model(model: &Model) -> Result<(), String> {
        for base in Self::REQUIRED_COORDINATES {
            let sides: &[Option<Side>] = if base.starts_with("lumbar") {
                &[None]
            } else {
                &[Some(Side::Right), Some(Side::Left)]
            };
            for &side in sides {
                if model.side_coordinate(base, side).is_none() {
                    return Err(format!(
                        "the walking controller needs coordinate `{base}` ({side:?}) in the model"
                    ));
                }
            }
        }
        for name in [
            "hat", "thigh_r", "shank_r", "foot_r", "thigh_l", "shank_l", "foot_l",
        ] {
            if model.segment_id(name).is_none() {
                return Err(format!(
                    "the walking controller needs segment `{name}` in the model"
                ));
            }
        }
        Ok(())
    }

    /// Builds the controller for `model` (checked with [`Self::check_model`]).
    pub fn new(model: &Model, params: WalkingParams) -> Self {
        let params_strength = params.strength;
        let initial_knee_rad = params.forward.stance_knee_flexion_rad;
        let leg = |side: Side| {
            let s = Some(side);
            let thigh = model
                .segment_id(&format!("thigh{}", side.suffix()))
                .expect("thigh");
            let hip_joint = model.segments[thigh.index()]
                .parent_joint
                .expect("hip joint");
            Leg {
                hip: [
                    coord(model, "hip_flexion", s),
                    coord(model, "hip_adduction", s),
                    coord(model, "hip_rotation", s),
                ],
                knee: coord(model, "knee_flexion", s),
                ankle: coord(model, "ankle_dorsiflexion", s),
                inversion: coord(model, "ankle_inversion", s),
                thigh,
                shank: model
                    .segment_id(&format!("shank{}", side.suffix()))
                    .expect("shank"),
                foot: model
                    .segment_id(&format!("foot{}", side.suffix()))
                    .expect("foot"),
                hip_in_pelvis: model.joints[hip_joint.index()].location_in_parent_m,
                mirror: if side == Side::Right { 1.0 } else { -1.0 },
            }
        };
        let legs = [leg(Side::Right), leg(Side::Left)];
        let knee_joint = model.coordinates[legs[0].knee.index()].joint;
        let ankle_joint = model.coordinates[legs[0].ankle.index()].joint;
        let thigh_m = -model.joints[knee_joint.index()].location_in_parent_m.y;
        let shank_m = -model.joints[ankle_joint.index()].location_in_parent_m.y;
        let foot = &model.segments[legs[0].foot.index()];
        let ankle_height_m = -foot
            .contacts
            .iter()
            .map(|c| c.centre.y - c.radius)
            .fold(0.0, f64::min);
        Self {
            params,
            legs,
            lumbar: [
                coord(model, "lumbar_extension", None),
                coord(model, "lumbar_bending", None),
                coord(model, "lumbar_rotation", None),
            ],
            pelvis: model.root,
            hat: model.segment_id("hat").expect("hat"),
            thigh_m,
            shank_m,
            ankle_height_m,
            foot_contacts: foot.contacts.iter().map(|c| (c.centre, c.radius)).collect(),
            mass_kg: model.subject.mass_kg,
            height_m: model.subject.height_m,
            stance: 0,
            phase: Phase::Swing,
            phase_start_s: 0.0,
            swing_start_offset: DVec3::ZERO,
            steps: 0,
            previous_targets: None,
            target_rates: [0.0; 5],
            touchdown_s: 0.0,
            touchdown_knee_rad: initial_knee_rad,
            position_integral: [0.0; 2],
            strength: Strength::new(model, &params_strength),
        }
    }

    /// The initial joint angles of the controller's starting posture (right leg in stance).
    pub fn initial_pose(&self, model: &Model, direction: Direction) -> Vec<f64> {
        let posture = self.posture(direction);
        let mut q = model.neutral_pose();
        for leg in &self.legs {
            q[leg.knee.index()] = posture.stance_knee_flexion_rad;
            q[leg.hip[0].index()] = 0.5 * posture.stance_knee_flexion_rad;
            q[leg.ankle.index()] = 0.5 * posture.stance_knee_flexion_rad;
        }
        q
    }

    /// Initial sideways velocity towards the first stance (right) foot [m/s]: the speed at which
    /// an inverted pendulum of the standing centre-of-mass height comes to rest over that foot,
    /// `v = Δz √(g/h)` (linear inverted pendulum, Kajita et al. 2001).
    pub fn initial_sway_mps(&self, model: &Model) -> f64 {
        let dz = self.legs[0].hip_in_pelvis.z;
        let h = self.thigh_m + self.shank_m + self.ankle_height_m;
        let _ = model;
        0.7 * dz * (musculo::STANDARD_GRAVITY_MPS2 / h).sqrt()
    }

    /// Height of the ankle above the belt at which the lowest point of the foot just touches
    /// it, when the foot is pitched by `pitch_rad` relative to the belt (toes up positive).
    fn ankle_height_at_pitch(&self, pitch_rad: f64) -> f64 {
        let r = DMat3::from_rotation_z(pitch_rad);
        self.foot_contacts
            .iter()
            .map(|&(c, radius)| -(r * c).y + radius)
            .fold(0.0, f64::max)
    }

    /// Number of completed steps.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn posture(&self, direction: Direction) -> &Posture {
        match direction {
            Direction::Forward => &self.params.forward,
            Direction::Backward => &self.params.backward,
        }
    }

    /// Nominal step time at a belt speed on a grade `downhill` (rise over run, positive
    /// downhill in the direction of travel).
    fn step_time(&self, posture: &Posture, speed: f64, downhill: f64) -> f64 {
        posture
            .step_time_at_1mps_s
            .unwrap_or(self.params.step_time_at_1mps_s)
            * speed
                .max(MIN_SCHEDULED_SPEED_MPS)
                .powf(-self.params.step_time_speed_exponent)
            * self.params.downhill_step_time_factor(speed, downhill)
    }

    fn limit(&self, _obs: &Observation, c: CoordinateId, tau: f64) -> f64 {
        self.strength.clamp(c, tau)
    }

    fn pd(&self, obs: &Observation, c: CoordinateId, gain: Gain, target: f64) -> f64 {
        self.pd_moving(obs, c, gain, target, 0.0)
    }

    /// PD towards a moving target (`target_rate` [rad/s] is its rate of change).
    fn pd_moving(
        &self,
        obs: &Observation,
        c: CoordinateId,
        gain: Gain,
        target: f64,
        target_rate: f64,
    ) -> f64 {
        let i = c.index();
        stable_pd(
            gain.kp * self.mass_kg,
            gain.kd * self.mass_kg,
            target - obs.q[i],
            obs.qdot[i] - target_rate,
            obs.dt_s,
            obs.inverse_inertia[i],
        )
    }

    /// Stance-knee torque: PD towards the posture's stance-knee flexion (reached over the
    /// weight-acceptance time after touchdown) with the stance-knee gain, plus `load_share` of
    /// the weight feed-forward ([`WalkingParams::stance_knee_feed_forward`]).
    fn stance_knee_torque(
        &self,
        obs: &Observation,
        leg: &Leg,
        posture: &Posture,
        load_share: f64,
    ) -> f64 {
        let gains = &self.params.gains;
        let gain = gains.stance_knee.unwrap_or(gains.knee);
        let loading = self.params.stance_knee_loading_s;
        let target = if loading > 0.0 {
            let s = smoothstep((obs.time_s - self.touchdown_s) / loading);
            self.touchdown_knee_rad
                + s * (posture.stance_knee_flexion_rad - self.touchdown_knee_rad)
        } else {
            posture.stance_knee_flexion_rad
        };
        let servo = self.pd(obs, leg.knee, gain, target);
        // Weight feed-forward plus a vertical damper on the centre of mass, both as virtual
        // vertical forces through the stance knee (the weight torque scales linearly with the
        // force).
        let damping =
            -posture.stance_vertical_damping_per_s * obs.com_velocity.y / obs.gravity.length();
        let fraction = (self.params.stance_knee_feed_forward(posture) + damping) * load_share;
        if fraction == 0.0 {
            return servo;
        }
        servo + fraction * self.weight_above_knee_torque(obs, leg)
    }

    /// Knee torque that statically holds the body above the stance knee (everything but the
    /// stance shank and foot) with the foot as base: `τ = a·((c − k) × M g)`, the
    /// Jacobian-transpose mapping of a virtual force equal to that weight (Coros et al. 2010).
    fn weight_above_knee_torque(&self, obs: &Observation, leg: &Leg) -> f64 {
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

    /// Torque on coordinate `c` that cancels gravity on the segments distal to it.
    fn gravity_compensation(
        &self,
        obs: &Observation,
        c: CoordinateId,
        distal: &[SegmentId],
    ) -> f64 {
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

/// Activation 0…1 of the stance ankle's push-off at `swing_phase` of the other leg's swing:
/// a smooth ramp from `start` to the planned end of the swing (0 if `start ≥ 1`).
fn push_off_activation(swing_phase: f64, start: f64) -> f64 {
    if start >= 1.0 {
        return 0.0;
    }
    smoothstep((swing_phase - start) / (1.0 - start))
}

/// Smooth 0→1 ramp (cubic smoothstep) of `x` clamped to [0, 1].
fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Horizontal part of a vector (remove the world-vertical component).
fn horizontal(v: DVec3) -> DVec3 {
    DVec3::new(v.x, 0.0, v.z)
}

/// Height of the belt (a plane through the origin with normal `normal`) under the swing foot's
/// target, or under the foot itself where the foot has run ahead of its target in the
/// direction of `travel` and the belt there is higher. On an uphill belt a foot that
/// overshoots its target would otherwise meet the rising belt early and cut the step short;
/// on a level or downhill belt the belt is never higher ahead, so nothing changes.
fn swing_ground_height(normal: DVec3, target: DVec3, foot: DVec3, travel: DVec3) -> f64 {
    let height = |p: DVec3| -(normal.x * p.x + normal.z * p.z) / normal.y;
    let under_target = height(target);
    if (foot - target).dot(travel) > 0.0 {
        under_target.max(height(foot))
    } else {
        under_target
    }
}

impl Controller for WalkingController {
    fn stance_side(&self) -> Option<usize> {
        Some(self.stance)
    }

    fn control(&mut self, obs: &Observation, torques: &mut [f64]) {
        torques.fill(0.0);
        self.strength.update(obs.model, obs.q);
        let p = self.params.clone();
        let posture = *self.posture(obs.direction);
        let g = obs.gravity.length();
        let travel_axis = obs.belt.travel_axis;
        let downhill = -travel_axis.y / horizontal(travel_axis).length();
        let step_time = self.step_time(&posture, obs.belt_speed_mps, downhill);
        let swing_time = step_time * (1.0 - p.double_support_fraction);
        let double_support_time = step_time * p.double_support_fraction;

        // --- Gait cycle: swing until the swing foot lands, then double support, then the
        // trailing leg swings.
        let leading = 1 - self.stance;
        match self.phase {
            Phase::Swing => {
                let swing_phase = (obs.time_s - self.phase_start_s) / swing_time;
                if (obs.foot_contact[leading] && swing_phase > p.min_swing_fraction)
                    || swing_phase > p.max_swing_fraction
                {
                    // Touchdown: the swing leg becomes the stance leg; the old stance leg trails.
                    self.stance = leading;
                    self.phase = Phase::DoubleSupport;
                    self.phase_start_s = obs.time_s;
                    self.touchdown_s = obs.time_s;
                    self.touchdown_knee_rad = obs.q[self.legs[leading].knee.index()];
                    self.steps += 1;
                }
            }
            Phase::DoubleSupport => {
                let trailing = 1 - self.stance;
                if obs.time_s - self.phase_start_s >= double_support_time
                    || !obs.foot_contact[trailing]
                {
                    self.phase = Phase::Swing;
                    self.phase_start_s = obs.time_s;
                    let ankle = obs.segment(self.legs[trailing].foot).origin;
                    let stance_ankle = obs.segment(self.legs[self.stance].foot).origin;
                    self.swing_start_offset = horizontal(ankle - stance_ankle);
                    self.previous_targets = None;
                    self.target_rates = [0.0; 5];
                }
            }
        }
        let (st, other) = (self.stance, 1 - self.stance);
        let stance_leg = self.legs[st];
        let other_leg = self.legs[other];
        let swing_phase = match self.phase {
            Phase::Swing => ((obs.time_s - self.phase_start_s) / swing_time).max(0.0),
            Phase::DoubleSupport => 0.0,
        };

        // --- Desired velocity relative to the belt: walk at belt speed in the direction of
        // travel, corrected towards the belt's centre (outer loop).
        let travel = horizontal(obs.belt.travel_axis).normalize();
        let lateral = DVec3::Z;
        let offset_along = obs.com.dot(travel);
        let offset_lateral = obs.com.dot(lateral);
        let max = p.max_position_correction_mps;
        if p.position_integral_gain_per_s2 > 0.0 {
            // Integrate with anti-windup: the integral alone never asks for more than `max`.
            let limit = max / p.position_integral_gain_per_s2;
            for (acc, off) in self
                .position_integral
                .iter_mut()
                .zip([offset_along, offset_lateral])
            {
                *acc = (*acc + off * obs.dt_s).clamp(-limit, limit);
            }
        }
        let correction = (-p.position_gain_per_s * offset_along
            - p.position_integral_gain_per_s2 * self.position_integral[0])
            .clamp(-max, max);
        let lateral_correction = (-p.position_gain_per_s * offset_lateral
            - p.position_integral_gain_per_s2 * self.position_integral[1])
            .clamp(-max, max);
        let belt_h = horizontal(obs.belt.velocity);
        let v_rel = horizontal(obs.com_velocity) - belt_h;
        // In the world the walker should stand still (plus the correction); relative to the
        // belt it then moves at the belt speed.
        let v_des = travel * correction + lateral * lateral_correction - belt_h;
        let forward_axis = DVec3::X;
        // Push-off torque, scaled with the belt speed.
        let push_off_per_kg = posture.push_off_torque_at(obs.belt_speed_mps);
        let belt_pitch = -obs.belt.normal.x.atan2(obs.belt.normal.y);
        let pelvis = obs.segment(self.pelvis);
        let mut q_other_hip = [0.0; 3];

        match self.phase {
            Phase::Swing => {
                // --- Foot placement (inverted pendulum, Coros et al. 2010): the swing foot lands
                // at d = v √(h/g + v²/4g²) − α v_d from the centre of mass, sagittally and
                // laterally (plus half the step width towards its own side).
                let stance_ankle = obs.segment(stance_leg.foot).origin;
                let h = (obs.com - stance_ankle).dot(DVec3::Y).max(0.3);
                let ipm = |v: f64| v * (h / g + v * v / (4.0 * g * g)).sqrt();
                let alpha = p.velocity_offset_at(obs.belt_speed_mps);
                let d_sag = ipm(v_rel.x) - alpha * v_des.x;
                let half_width = 0.5 * p.step_width * self.height_m;
                let d_cor = (p.lateral_placement_scale * ipm(v_rel.z) - alpha * v_des.z
                    + other_leg.mirror * half_width)
                    .clamp(-0.15 * self.height_m, 0.15 * self.height_m);
                let target_offset = DVec3::new(d_sag, 0.0, d_cor);
                // Horizontal: from the lift-off position to the target, reached at 80 % of the
                // swing. Vertical: a sin² bump of the clearance height, which starts and ends
                // with zero vertical speed (a soft touchdown), then a slow descent until contact.
                let start_offset = self.swing_start_offset + horizontal(stance_ankle - obs.com);
                let offset = start_offset.lerp(target_offset, smoothstep(swing_phase / 0.8));
                let mut target = obs.com + offset;
                let ground_y = swing_ground_height(
                    obs.belt.normal,
                    target,
                    obs.segment(other_leg.foot).origin,
                    travel,
                );
                let bump = (std::f64::consts::PI * swing_phase.min(1.0)).sin().powi(2);
                // From 85 % of the swing the target also sinks below the belt at the touchdown
                // speed, so the foot lands on time even with some tracking lag.
                let descent = (swing_phase - 0.85).max(0.0) * swing_time * p.touchdown_speed_mps;
                target.y = ground_y
                    + self.ankle_height_at_pitch(posture.landing_foot_pitch_rad)
                    + p.swing_clearance * self.height_m * bump
                    - descent;

                // --- Swing leg: IK in the pelvis frame, PD towards moving targets, gravity
                // compensation.
                let hip_world = pelvis.origin + pelvis.rotation * other_leg.hip_in_pelvis;
                let local = pelvis.rotation.transpose() * (target - hip_world);
                let local = DVec3::new(local.x, local.y, local.z * other_leg.mirror);
                let (hf, ha, knee_ik) = leg_ik(local, self.thigh_m, self.shank_m, 0.05);
                let range = |c: CoordinateId| obs.model.coordinates[c.index()].range_rad;
                let (mut hf, ha) = (
                    hf.clamp(
                        range(other_leg.hip[0]).0 + 0.05,
                        range(other_leg.hip[0]).1 - 0.05,
                    ),
                    ha.clamp(
                        range(other_leg.hip[1]).0 + 0.05,
                        range(other_leg.hip[1]).1 - 0.05,
                    ),
                );
                // Extra knee flexion early in swing for foot clearance, peaking at 30 % of it.
                let clearance_knee = posture.swing_knee_flexion_rad
                    * (std::f64::consts::PI * (swing_phase / 0.6).min(1.0))
                        .sin()
                        .max(0.0);
                let knee_target = knee_ik.max(clearance_knee);
                if knee_target > knee_ik {
                    // Keep the foot near its target when the knee bends more than IK asks: flex
                    // the hip by half the extra knee flexion.
                    hf += 0.5 * (knee_target - knee_ik);
                }
                let shank = obs.segment(other_leg.shank);
                let shank_pitch = -shank.rotation.y_axis.x.atan2(shank.rotation.y_axis.y);
                let ankle_range = range(other_leg.ankle);
                let ankle_target = (belt_pitch + posture.landing_foot_pitch_rad - shank_pitch)
                    .clamp(ankle_range.0 + 0.05, ankle_range.1 - 0.05);
                // Rates of the moving targets (filtered finite differences), so the derivative
                // term damps tracking error rather than the swing itself.
                let targets = [hf, ha, 0.0, knee_target, ankle_target];
                if let Some(prev) = self.previous_targets {
                    let smoothing = (obs.dt_s / 0.02).min(1.0);
                    for (rate, (t, p0)) in
                        self.target_rates.iter_mut().zip(targets.iter().zip(prev))
                    {
                        *rate += smoothing * ((t - p0) / obs.dt_s - *rate);
                    }
                }
                self.previous_targets = Some(targets);
                let rates = self.target_rates;
                let distal = [other_leg.thigh, other_leg.shank, other_leg.foot];
                for (k, &c) in other_leg.hip.iter().enumerate() {
                    q_other_hip[k] = if k == 2 {
                        self.pd(obs, c, p.gains.hip_rotation, 0.0)
                    } else {
                        let gain = if k == 0 {
                            p.gains.hip
                        } else {
                            p.gains.hip_adduction
                        };
                        self.pd_moving(obs, c, gain, targets[k], rates[k])
                            + self.gravity_compensation(obs, c, &distal)
                    };
                }
                torques[other_leg.knee.index()] =
                    self.pd_moving(obs, other_leg.knee, p.gains.knee, knee_target, rates[3])
                        + self.gravity_compensation(obs, other_leg.knee, &distal[1..]);
                torques[other_leg.ankle.index()] =
                    self.pd_moving(obs, other_leg.ankle, p.gains.ankle, ankle_target, rates[4])
                        + self.gravity_compensation(obs, other_leg.ankle, &distal[2..]);
            }
            Phase::DoubleSupport => {
                // --- Trailing leg in double support: it still bears weight while the knee starts
                // to bend and the ankle pushes off (plantarflexes) for the coming swing.
                for (k, &c) in other_leg.hip.iter().enumerate() {
                    q_other_hip[k] = if k == 2 {
                        self.pd(obs, c, p.gains.hip_rotation, 0.0)
                    } else {
                        // Hold the hip where it is: damping only.
                        self.pd_moving(
                            obs,
                            c,
                            Gain {
                                kp: 0.0,
                                kd: p.gains.hip.kd,
                            },
                            obs.q[c.index()],
                            0.0,
                        )
                    };
                }
                torques[other_leg.knee.index()] = self.pd(
                    obs,
                    other_leg.knee,
                    p.gains.knee,
                    posture.pre_swing_knee_flexion_rad,
                );
                // The timed push-off of late stance continues until the foot leaves the belt.
                let push_off = if posture.push_off_start_fraction < 1.0 {
                    push_off_per_kg * self.mass_kg
                } else {
                    0.0
                };
                torques[other_leg.ankle.index()] =
                    self.pd(obs, other_leg.ankle, p.gains.ankle, -posture.push_off_rad) - push_off;
            }
        }
        torques[other_leg.inversion.index()] =
            self.pd(obs, other_leg.inversion, p.gains.ankle_inversion, 0.0);

        // --- Stance knee and ankle. The knee has its own servo plus the weight feed-forward,
        // which the leading leg takes over during double support (weight acceptance). The ankle
        // keeps the foot flat on the belt (a compliant rocker) and adds a sagittal torque
        // proportional to the velocity error (a virtual force on the centre of mass through the
        // ankle, Coros et al. 2010 §5); late in stance it pushes off instead.
        let load_share = match self.phase {
            Phase::Swing => 1.0,
            Phase::DoubleSupport => {
                smoothstep((obs.time_s - self.phase_start_s) / double_support_time.max(1e-3))
            }
        };
        torques[stance_leg.knee.index()] =
            self.stance_knee_torque(obs, &stance_leg, &posture, load_share);
        let push_off = match self.phase {
            Phase::Swing => push_off_activation(swing_phase, posture.push_off_start_fraction),
            Phase::DoubleSupport => 0.0,
        };
        let stance_foot = obs.segment(stance_leg.foot);
        let foot_pitch = stance_foot
            .rotation
            .x_axis
            .y
            .atan2(stance_foot.rotation.x_axis.x);
        // PD on the foot's pitch in the world (zero torque while the foot lies flat, whatever
        // the shank does), damping the foot's own pitch rate.
        let foot_pitch_rate = stance_foot.angular_velocity.z;
        let velocity_error = (v_des - v_rel).dot(forward_axis);
        // Past `heel_off_dorsiflexion_rad` the plantarflexors resist further dorsiflexion like a
        // spring, so the heel rises late in stance instead of the ankle reaching its range of
        // motion (human ankle quasi-stiffness in stance is of the order of 5-8 N·m/rad/kg,
        // Shamaei, Sawicki & Dollar 2013, PLoS ONE 8:e59935).
        let ankle_q = obs.q[stance_leg.ankle.index()];
        let heel_off = (ankle_q - p.heel_off_dorsiflexion_rad).max(0.0);
        let m = self.mass_kg;
        let w_ankle = obs.inverse_inertia[stance_leg.ankle.index()];
        let w_inversion = obs.inverse_inertia[stance_leg.inversion.index()];
        let flat = stable_pd(
            p.gains.stance_ankle.kp * m,
            p.gains.stance_ankle.kd * m,
            belt_pitch - foot_pitch,
            foot_pitch_rate,
            obs.dt_s,
            w_ankle,
        );
        // Ankle strategy: the shank is held at a posture angle relative to the flat foot.
        let posture_torque = self.pd(
            obs,
            stance_leg.ankle,
            p.gains.ankle_posture,
            posture.stance_ankle_rad,
        );
        // During push-off the foot-flat and posture terms fade out so the heel can rise.
        torques[stance_leg.ankle.index()] = (1.0 - push_off) * (flat + posture_torque)
            + p.ankle_velocity_gain * self.mass_kg * velocity_error
            - p.plantarflexor_stiffness * self.mass_kg * heel_off
            - push_off * push_off_per_kg * self.mass_kg;
        // Likewise the foot's roll: flat on the belt, no torque while it lies flat (no lateral
        // "ankle strategy" fighting the stepping strategy).
        let foot_roll = -stance_foot
            .rotation
            .z_axis
            .y
            .atan2(stance_foot.rotation.z_axis.z)
            * stance_leg.mirror;
        let foot_roll_rate = stance_foot
            .angular_velocity
            .dot(stance_foot.rotation.x_axis)
            * stance_leg.mirror;
        torques[stance_leg.inversion.index()] = stable_pd(
            p.gains.ankle_inversion.kp * m,
            p.gains.ankle_inversion.kd * m,
            -foot_roll,
            foot_roll_rate,
            obs.dt_s,
            w_inversion,
        );

        // --- Upper body: trunk through the lumbar joint, pelvis through the stance hip.
        let hat = obs.segment(self.hat);
        let uphill_lean = posture.uphill_trunk_lean_per_rad * (-downhill).max(0.0).atan();
        let trunk_target = DMat3::from_rotation_z(-(posture.trunk_lean_rad + uphill_lean));
        let split = |v: DVec3, tilt: Gain, yaw: Gain| {
            let vertical = DVec3::Y * v.y;
            (
                (v - vertical) * tilt.kp + vertical * yaw.kp,
                (v - vertical) * tilt.kd + vertical * yaw.kd,
            )
        };
        // Pitch and roll of the trunk are held in the world frame; its axial rotation relative
        // to the pelvis is held stiffly, as the lumbar spine allows only a few degrees of axial
        // rotation (White & Panjabi 1990, Clinical Biomechanics of the Spine, 2nd ed.: about 2°
        // per lumbar level), which couples the pelvis's small yaw inertia to the trunk's.
        let no_yaw = Gain { kp: 0.0, kd: 0.0 };
        let (t_err, _) = split(
            rotation_error(trunk_target, hat.rotation),
            p.gains.trunk,
            no_yaw,
        );
        let (_, t_damp) = split(hat.angular_velocity, p.gains.trunk, no_yaw);
        let trunk_torque = (t_err - t_damp) * self.mass_kg;
        let axes3 = |c: &[CoordinateId; 3]| {
            [
                obs.axes[c[0].index()],
                obs.axes[c[1].index()],
                obs.axes[c[2].index()],
            ]
        };
        let lumbar_axes = axes3(&self.lumbar);
        let mut q_lumbar = torque_to_generalised(trunk_torque, &lumbar_axes);
        q_lumbar[2] = self.pd(obs, self.lumbar[2], p.gains.trunk, 0.0);
        for (k, &c) in self.lumbar.iter().enumerate() {
            q_lumbar[k] = self.limit(obs, c, q_lumbar[k]);
            torques[c.index()] = q_lumbar[k];
        }
        let (p_err, _) = split(
            rotation_error(DMat3::IDENTITY, pelvis.rotation),
            p.gains.pelvis,
            p.gains.heading,
        );
        let (_, p_damp) = split(pelvis.angular_velocity, p.gains.pelvis, p.gains.heading);
        // Roll (about the walking direction) has its own, softer gain: the stance foot can only
        // take a small rolling moment before it tips onto its edge.
        let mut pelvis_torque = (p_err - p_damp) * self.mass_kg;
        let roll_err = rotation_error(DMat3::IDENTITY, pelvis.rotation).x;
        pelvis_torque.x = (p.gains.pelvis_roll.kp * roll_err
            - p.gains.pelvis_roll.kd * pelvis.angular_velocity.x)
            * self.mass_kg;
        for (k, q) in q_other_hip.iter_mut().enumerate() {
            *q = self.limit(obs, other_leg.hip[k], *q);
        }
        let other_hip_torque = generalised_to_torque(q_other_hip, axes3(&other_leg.hip));
        let lumbar_torque = generalised_to_torque(q_lumbar, lumbar_axes);
        let stance_hip_torque = -pelvis_torque - other_hip_torque - lumbar_torque;
        let q_stance_hip = torque_to_generalised(stance_hip_torque, &axes3(&stance_leg.hip));
        for k in 0..3 {
            torques[other_leg.hip[k].index()] = q_other_hip[k];
            torques[stance_leg.hip[k].index()] = q_stance_hip[k];
        }

        for (i, t) in torques.iter_mut().enumerate() {
            *t = self.limit(obs, CoordinateId(i as u32), *t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parameter file written before the stance-knee law, the push-off and the per-direction
    /// step times existed.
    fn file_without_new_fields() -> String {
        let mut p = WalkingParams::default();
        p.gains.stance_knee = None;
        let text = ron::ser::to_string_pretty(&p, Default::default()).unwrap();
        text.lines()
            .filter(|l| {
                ![
                    "push_off_torque_per_kg",
                    "push_off_start_fraction",
                    "push_off_speed_exponent",
                    "stance_vertical_damping_per_s",
                    "uphill_trunk_lean_per_rad",
                    "velocity_offset_speed_exponent",
                    "downhill_cadence_gain",
                    "downhill_cadence_speed_exponent",
                    "stance_knee_gravity_compensation",
                    "stance_knee_loading_s",
                    "step_time_at_1mps_s: Some",
                ]
                .iter()
                .any(|k| l.trim_start().starts_with(k))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn files_without_the_new_laws_load_with_them_switched_off() {
        let p: WalkingParams = ron::from_str(&file_without_new_fields()).unwrap();
        assert_eq!(p.gains.stance_knee, None);
        assert_eq!(p.stance_knee_gravity_compensation, 0.0);
        assert_eq!(p.stance_knee_loading_s, 0.0);
        assert_eq!(p.velocity_offset_speed_exponent, 0.0);
        assert_eq!(p.downhill_step_time_factor(0.6, 0.1), 1.0);
        for posture in [p.forward, p.backward] {
            assert_eq!(posture.step_time_at_1mps_s, None);
            assert_eq!(posture.stance_knee_gravity_compensation, None);
            assert_eq!(p.stance_knee_feed_forward(&posture), 0.0);
            assert_eq!(posture.push_off_torque_per_kg, 0.0);
            assert_eq!(posture.push_off_speed_exponent, 0.0);
            assert_eq!(posture.stance_vertical_damping_per_s, 0.0);
            assert_eq!(posture.uphill_trunk_lean_per_rad, 0.0);
            assert_eq!(
                push_off_activation(2.0, posture.push_off_start_fraction),
                0.0
            );
        }
    }

    #[test]
    fn foot_placement_offset_shrinks_below_1mps_by_its_exponent() {
        let mut p = WalkingParams {
            velocity_offset_s: 0.2,
            velocity_offset_speed_exponent: 0.0,
            ..Default::default()
        };
        assert_eq!(p.velocity_offset_at(0.6), 0.2);
        p.velocity_offset_speed_exponent = 0.5;
        assert!((p.velocity_offset_at(0.64) - 0.2 * 0.8).abs() < 1e-12);
        assert_eq!(p.velocity_offset_at(1.0), 0.2);
        assert_eq!(p.velocity_offset_at(1.4), 0.2);
        p.velocity_offset_speed_exponent = -0.5;
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("velocity_offset_speed_exponent"), "{err}");
    }

    #[test]
    fn parameters_out_of_range_are_named() {
        assert_eq!(WalkingParams::default().validate(), Ok(()));
        let mut p = WalkingParams::default();
        p.backward.step_time_at_1mps_s = Some(-0.5);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("backward.step_time_at_1mps_s"), "{err}");
        let mut p = WalkingParams::default();
        p.forward.stance_knee_gravity_compensation = Some(-0.1);
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("forward.stance_knee_gravity_compensation"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.gains.knee.kd = f64::NAN;
        assert!(p.validate().unwrap_err().starts_with("gains.knee.kd"));
        let mut p = WalkingParams::default();
        p.max_swing_fraction = 0.5 * p.min_swing_fraction;
        assert!(p.validate().unwrap_err().starts_with("max_swing_fraction"));
        let mut p = WalkingParams::default();
        p.backward.stance_vertical_damping_per_s = -1.0;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.stance_vertical_damping_per_s"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.forward.uphill_trunk_lean_per_rad = f64::INFINITY;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("forward.uphill_trunk_lean_per_rad"),
            "{err}"
        );
    }

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
    fn a_direction_may_set_its_own_stance_knee_feed_forward() {
        let mut p = WalkingParams {
            stance_knee_gravity_compensation: 0.2,
            ..Default::default()
        };
        p.forward.stance_knee_gravity_compensation = None;
        p.backward.stance_knee_gravity_compensation = Some(0.7);
        assert_eq!(p.stance_knee_feed_forward(&p.forward), 0.2);
        assert_eq!(p.stance_knee_feed_forward(&p.backward), 0.7);
        // The built-in parameters: none forward, their own walking backwards.
        let d = WalkingParams::default();
        assert_eq!(d.stance_knee_feed_forward(&d.forward), 0.0);
        assert!(d.stance_knee_feed_forward(&d.backward) > 0.0);
    }

    #[test]
    fn a_direction_may_set_its_own_step_time() {
        let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
        let mut p = WalkingParams::default();
        p.forward.step_time_at_1mps_s = Some(0.6);
        p.backward.step_time_at_1mps_s = None;
        let c = WalkingController::new(&model, p.clone());
        assert_eq!(c.step_time(&p.forward, 1.0, 0.0), 0.6);
        assert_eq!(c.step_time(&p.backward, 1.0, 0.0), p.step_time_at_1mps_s);
        // Faster belts, quicker steps, by the shared exponent.
        assert!(c.step_time(&p.forward, 1.2, 0.0) < 0.6);
    }

    #[test]
    fn steps_quicken_downhill_only_and_more_at_slow_speeds() {
        let mut p = WalkingParams {
            downhill_cadence_gain: 0.65,
            downhill_cadence_speed_exponent: 1.58,
            ..Default::default()
        };
        assert_eq!(p.downhill_step_time_factor(1.0, 0.0), 1.0);
        assert_eq!(p.downhill_step_time_factor(1.0, -0.1), 1.0);
        // 6° downhill at 0.75 m/s: strides 11 % more frequent (Franz & Kram 2012: 12 %).
        let six = 6f64.to_radians().tan();
        let rise = 1.0 / p.downhill_step_time_factor(0.75, six) - 1.0;
        assert!((rise - 0.108).abs() < 0.005, "{rise}");
        assert!(p.downhill_step_time_factor(0.6, 0.1) < p.downhill_step_time_factor(1.4, 0.1));
        // The belt starting from rest does not blow the factor up.
        assert_eq!(
            p.downhill_step_time_factor(0.0, 0.1),
            p.downhill_step_time_factor(0.6, 0.1)
        );
        p.downhill_cadence_gain = -0.1;
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("downhill_cadence_gain"), "{err}");
    }

    #[test]
    fn push_off_grows_with_belt_speed_by_its_exponent() {
        let mut p = WalkingParams::default().forward;
        p.push_off_torque_per_kg = 0.5;
        p.push_off_speed_exponent = 0.0;
        assert_eq!(p.push_off_torque_at(0.6), p.push_off_torque_at(1.4));
        p.push_off_speed_exponent = 2.0;
        assert_eq!(p.push_off_torque_at(1.0), 0.5);
        assert!((p.push_off_torque_at(1.4) - 0.5 * 1.96).abs() < 1e-12);
        assert!((p.push_off_torque_at(0.6) - 0.5 * 0.36).abs() < 1e-12);
        p.push_off_speed_exponent = -1.0;
        let params = WalkingParams {
            forward: p,
            ..Default::default()
        };
        let err = params.validate().unwrap_err();
        assert!(err.starts_with("forward.push_off_speed_exponent"), "{err}");
    }

    #[test]
    fn push_off_ramps_from_its_start_to_the_end_of_the_swing() {
        assert_eq!(push_off_activation(0.4, 0.5), 0.0);
        assert!((push_off_activation(0.75, 0.5) - 0.5).abs() < 1e-12);
        assert_eq!(push_off_activation(1.0, 0.5), 1.0);
        assert_eq!(push_off_activation(1.3, 0.5), 1.0);
    }
}
