//! Parameters of the walking controller: the RON file `assets/controllers/walking.ron`, its
//! defaults (the built-in file) and its validation.
//!
//! Every gain is per kilogram of body mass so that one file serves any subject. Fields added
//! after the first files were written carry `#[serde(default)]` with the value that switches
//! their law off, so older files load and behave as they did.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use crate::controller::strength::UnmuscledStrength;
use crate::spec::Direction;

mod validate;

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
    /// can only resist small twisting moments by friction; a direction's posture may set its own
    /// ([`Posture::heading_gain`]).
    pub heading: Gain,
}

/// Direction-specific posture targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Posture {
    /// Forward lean of the head-arms-trunk from vertical \[rad\].
    pub trunk_lean_rad: f64,
    /// Pitch of the swing foot at landing relative to the belt \[rad\] (toes up positive).
    pub landing_foot_pitch_rad: f64,
    /// Stance knee flexion \[rad\].
    pub stance_knee_flexion_rad: f64,
    /// Peak swing knee flexion target early in swing \[rad\] (foot clearance).
    pub swing_knee_flexion_rad: f64,
    /// Plantarflexion target of the trailing ankle in double support (push-off) \[rad\].
    pub push_off_rad: f64,
    /// Knee flexion target of the trailing leg in double support \[rad\].
    pub pre_swing_knee_flexion_rad: f64,
    /// Ankle dorsiflexion the stance ankle's posture term holds \[rad\].
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
    /// Extra forward lean of the head-arms-trunk (in the walker's own frame) per radian of
    /// downhill slope in the direction of travel [rad/rad] (0, files written before: none;
    /// uphill: none). Walking backwards down a slope the belt rises in front of the walker, and
    /// a positive value leans the trunk towards that uphill side, as the uphill law leans it
    /// into the slope walking forwards (Leroux, Fung & Barbeau 2002, Gait Posture 15:64-74);
    /// without it the backward walker runs away down the slope (`docs/controller-tuning.md`,
    /// "Leaning into the slope walking backwards downhill"). A controller setting: we know of
    /// no measurement of people's trunk walking backwards downhill.
    #[serde(default)]
    pub downhill_trunk_lean_per_rad: f64,
    /// Nominal step time at 1 m/s in this direction \[s\], overriding the shared
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
    /// before). Under the stance knee's PD alone the backward stance sags into a crouch, while the
    /// forward gait was found without the feed-forward and loses uphill trials with it, so the
    /// two directions need not share it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance_knee_gravity_compensation: Option<f64>,
    /// Knee flexion the swing leg extends to before touchdown \[rad\] (absent in files written
    /// before: the swing knee follows the leg IK to the foot target, which lands it bent when
    /// the hip is low). From [`Self::knee_extension_start_fraction`] of the swing the IK target
    /// moves to where the leg with this knee flexion reaches straight down at the placement
    /// law's horizontal spot, so the knee extends and the foot comes down as the leg
    /// straightens, wherever the belt is. People land with the knee nearly straight, about 5°
    /// (Perry 1992, Gait Analysis; Winter 2009), and SIMBICON's swing-knee target before
    /// touchdown is about 0.05 rad (Yin, Loken & van de Panne 2007, Table 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing_knee_flexion_rad: Option<f64>,
    /// Fraction of the swing from which the swing knee extends towards
    /// [`Self::landing_knee_flexion_rad`] (along a smoothstep to the planned end of the swing).
    /// People's swing knee peaks at about 73 % of the gait cycle, i.e. about 60 % of the swing,
    /// and then extends until initial contact (Perry 1992).
    #[serde(default = "knee_extension_start")]
    pub knee_extension_start_fraction: f64,
    /// Stance knee flexion at the peak of the loading response \[rad\] (absent in files
    /// written before: no wave, the stance knee's target moves straight from the touchdown
    /// knee to [`Self::stance_knee_flexion_rad`]). With it the target moves from the knee at
    /// touchdown to this flexion over [`WalkingParams::stance_knee_loading_s`], then to the
    /// stance flexion over the same time again: the stance-phase knee flexion wave of people,
    /// 15-20° at about 15 % of the gait cycle, back to about 5° at mid-stance, in which the
    /// knee extensors absorb the landing eccentrically (Perry 1992, Gait Analysis; Winter 2009,
    /// Biomechanics and Motor Control of Human Movement, 4th ed.: K1 absorption).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loading_knee_flexion_rad: Option<f64>,
    /// Ankle dorsiflexion the swing ankle holds until the knee starts to extend \[rad\]
    /// (absent in files written before: the whole swing holds the foot at the landing pitch
    /// to the belt, which with a flexed knee tilting the shank back takes 25-30° of
    /// dorsiflexion). From [`Self::knee_extension_start_fraction`] the target moves along the
    /// same smoothstep to the landing pitch. People's swing ankle is near neutral, about 0-5°
    /// of plantarflexion at mid-swing (Perry 1992; Winter 2009).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swing_ankle_rad: Option<f64>,
    /// The weight-bearing ankle's muscles under Geyer & Herr's (2010) local reflexes instead
    /// of the foot-flat, posture, ankle-strategy and timed push-off servos (absent in files
    /// written before: the servos). See [`super::reflex_ankle`]; `Some(())` takes Geyer &
    /// Herr's gains. Needs a model with soleus, gastrocnemius and tibialis anterior.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ankle_reflexes: Option<super::reflex_ankle::AnkleReflexes>,
    /// The stance knee's vasti under Geyer & Herr's (2010) local reflexes instead of the
    /// stance knee's servo, weight feed-forward and vertical damper (absent in files written
    /// before: the servo). See [`super::reflex_knee`]; `Some(())` takes Geyer & Herr's gains.
    /// Needs a model with vasti.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knee_reflexes: Option<super::reflex_knee::KneeReflexes>,
    /// Distance of the centre of mass ahead of the stance ankle, in the direction of travel,
    /// from which the push-off also ramps in \[m\] (absent in files written before: the
    /// push-off waits for the other leg's swing timer alone). It reaches its peak
    /// [`Self::push_off_progress_span_m`] further on and acts only in single stance. People's
    /// heel leaves the belt at 30-40 % of the stride, in single stance, as the body passes
    /// ahead of the foot and the plantarflexor moment grows to hold it there (Perry 1992, Gait
    /// Analysis; Winter 2009, 1.3-1.7 N·m/kg by 50 %); the timed push-off starts only as the
    /// other foot comes down, when the swing ends early with the trailing heel still on the
    /// belt (`docs/controller-tuning.md`, "Heel-off before the other foot lands"). Sensing the
    /// centre of mass over the stance foot is what the balance law's placement already does
    /// (Yin, Loken & van de Panne 2007).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_off_progress_m: Option<f64>,
    /// Distance over which the progress-triggered push-off ramps from nothing to its peak
    /// \[m\] (along a smoothstep; the default is a sixth of a 0.9 m stride, about the centre of
    /// mass's travel over 15 % of it).
    #[serde(default = "push_off_progress_span")]
    pub push_off_progress_span_m: f64,
    /// Positive work the push-off torque may do in one stance at 1 m/s \[J/kg\] (absent in
    /// files written before: no limit, the torque holds until the foot leaves the belt),
    /// scaled with the square of the belt speed. Once a stance's push-off has done it, the
    /// push-off torque is gone; on the way it fades in proportion to what is left. A torque
    /// held until lift-off does more work the longer the step lasts, and a longer step makes
    /// the body faster, which lengthens the next one; a budget of energy per step breaks that
    /// loop. In the simplest walking model the push-off's work per step, which restores what
    /// the collision at heel strike dissipates, sets the speed (Kuo 2002, J Biomech Eng
    /// 124:113-120; Kuo, Donelan & Ruina 2005,
    /// Exerc Sport Sci Rev 33:88-97). The budget is a controller setting (found by search),
    /// not a measurement: people's ankle push-off power, whose burst it meters, peaks at
    /// 1.3-4 W/kg (Winter 2009).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_off_work_per_kg: Option<f64>,
    /// How much of the kinetic-energy error at the stance's touchdown the push-off's work
    /// budget makes up (0, files written before: none): the budget is
    /// [`Self::push_off_work_per_kg`]·v_belt² + k·½(v_d² − v²) per kilogram, with `v` the
    /// centre of mass's speed relative to the belt along the direction of travel when the
    /// stance foot landed and `v_d` the desired one, never below zero. A walker faster than
    /// asked pushes off less on its next step, a slower one more: the step-to-step energy
    /// regulation of the simplest walking model (Kuo 2002, J Biomech Eng 124:113-120), which
    /// feeds the push-off impulse back on the speed.
    #[serde(default)]
    pub push_off_work_speed_gain: f64,
    /// Share of one step's climb that the push-off's work budget adds (0, files written
    /// before: none; 1: all of it): `g · s · v_belt · T` per kilogram, with `s` the uphill grade
    /// in the direction of travel (rise over run, negative downhill) and `T` the planned step
    /// time, the potential energy the body gains in one step relative to the belt. On a slope
    /// the push-off's work per step must make up the climb as well as the collision losses,
    /// and downhill gravity does part of that work (McGeer 1990, Int J Robot Res 9(2):62-82:
    /// a passive walker's steady gait down a slope is paid for by gravity alone; Kuo 2002). The
    /// budget stays at least zero.
    #[serde(default)]
    pub push_off_work_climb_share: f64,
    /// Share of the belt's rise at the swing foot's landing spot, over its height under the
    /// stance ankle, by which the extending swing leg's lowest point
    /// ([`Self::landing_knee_flexion_rad`]) is raised (0, files written before: the leg
    /// extends to its reach below the hip wherever the belt is; only rises count, so level
    /// and downhill walking are unchanged). Walking uphill the belt ahead is higher: a leg
    /// extending to its level reach meets it early in the extension, with the foot still
    /// falling and the knee bent, and lands hard; raised by the rise, the leg ends its
    /// extension at the belt, on time and slower. People walking uphill land with more hip
    /// and knee flexion than on the level (Lay, Hass & Gregor 2006, J Biomech
    /// 39:1621-1628).
    #[serde(default)]
    pub landing_belt_rise_share: f64,
    /// Speed exponent of the step time in this direction, overriding the shared
    /// [`WalkingParams::step_time_speed_exponent`] (absent in files written before). Like the
    /// step time itself (SIMBICON's state duration δt; Yin, Loken & van de Panne 2007) it is
    /// a controller input, which the two directions need not share any more than the step
    /// time ([`Self::step_time_at_1mps_s`]). Together with the three overrides below it lets
    /// a search change how one direction's gait scales with speed and slope without changing
    /// the other's (`docs/controller-tuning.md`, "Long steps at 1.0 m/s on one substep").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_time_speed_exponent: Option<f64>,
    /// Speed exponent of α below 1 m/s in this direction, overriding the shared
    /// [`WalkingParams::velocity_offset_speed_exponent`] (absent in files written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity_offset_speed_exponent: Option<f64>,
    /// Downhill cadence gain in this direction, overriding the shared
    /// [`WalkingParams::downhill_cadence_gain`] (absent in files written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downhill_cadence_gain: Option<f64>,
    /// Speed exponent of the downhill cadence gain in this direction, overriding the shared
    /// [`WalkingParams::downhill_cadence_speed_exponent`] (absent in files written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downhill_cadence_speed_exponent: Option<f64>,
    /// α of the foot-placement law in this direction at and above 1 m/s \[s\], overriding
    /// the shared [`WalkingParams::velocity_offset_s`] (absent in files written before). The
    /// two directions need not share it, as they need not share the step time: backward
    /// strides are shorter than forward ones (Laufer 2005, J Gerontol A 60:627-632).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity_offset_s: Option<f64>,
    /// Fraction of the swing by which the swing ankle's horizontal path reaches the landing
    /// spot of the placement law (absent in files written before: 0.8). Along a smoothstep
    /// from the lift-off position, the path's speed peaks at half this fraction. People's
    /// swing hip reaches its peak flexion at about 85 % of the gait cycle and holds it while
    /// the knee extends the shank forwards (Perry 1992; Winter 2009); with the foot arriving at
    /// 0.8 the knee extends under a foot that has already arrived and the thigh retracts
    /// instead (`docs/controller-tuning.md`, "What the late swing costs"). A controller
    /// setting, as the step time is, for a search to move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swing_placement_fraction: Option<f64>,
    /// Fraction of the swing at which the swing ankle's lift above the belt (the clearance
    /// bump, [`WalkingParams::swing_clearance`]) peaks (absent in files written before: 0.5, a
    /// symmetric `sin²`). People's heel and ankle are highest in the initial swing, while the
    /// knee is most flexed, and the toe passes lowest at mid-swing (minimum toe clearance;
    /// Winter 1992, Phys Ther 72:45-53); a symmetric bump keeps the ankle high until mid-swing,
    /// so the leg is folded (knee about 56°, hip about 30°) with the foot already under and
    /// ahead of the hip, and the thigh flexes late and fast, then retracts while the knee
    /// extends (`docs/controller-tuning.md`, "An early clearance peak"). The bump is
    /// `sin²(π s^γ)` with `γ = ln ½ / ln f`: zero at lift-off and at touchdown, 1 at `f`
    /// (0.1 ≤ `f` ≤ 0.5: this field moves the peak earlier, never later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swing_clearance_peak_fraction: Option<f64>,
    /// Above 1 m/s, [`Self::swing_clearance_peak_fraction`] times speed^this (absent: the
    /// same fraction at every speed), at most 0.5. With the bump's peak at 0.3 of the swing at
    /// every speed (and the knee's extension from 0.7 of it) the forward walker fell at 1.2 m/s
    /// on −10, −5 and +5 %: in a short swing the toe meets the belt late. With an exponent of 1
    /// the peak is at 0.36 of the swing at 1.2 m/s and 0.42 at 1.4 m/s
    /// (`assets/controllers/experimental/early-clearance-start.ron`; `docs/controller-tuning.md`,
    /// "An early clearance peak").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swing_clearance_peak_fast_speed_exponent: Option<f64>,
    /// Hip flexion torque added to the swing hip's servo over the initial swing, the first
    /// [`INITIAL_SWING_FRACTION`] of the swing \[N·m/kg; negative: extension\] (absent in files
    /// written before: none). People's hip flexors drive the thigh from pre-swing through the
    /// initial swing, with a flexor moment of about 0.5 N·m/kg at toe-off, and let it swing
    /// after that (Winter 2009, Biomechanics and Motor Control of Human Movement, 4th ed.;
    /// iliacus activity in pre-swing and initial swing, Perry 1992, Gait Analysis); the
    /// walker's servo alone drives the thigh late, at 75-80 % of the cycle
    /// (`docs/controller-tuning.md`, "The stance foot's fore-aft force, and laws for the loading
    /// wave").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swing_hip_drive_per_kg: Option<f64>,
    /// This direction's gain on the pelvis's heading (yaw about the vertical), per kilogram
    /// (absent in files written before: the shared [`Gains::heading`]). With the shared gain and
    /// the swing hip's drive the forward walker drifts 0.55-0.74 m across the belt at 1.4 m/s
    /// downhill, stepping with crossed feet; a stiffer forward heading holds it within 0.45 m,
    /// while walking backwards the same stiffer gain falls at 0.6 m/s
    /// (`docs/controller-tuning.md`, "The heading and the drift across the belt").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_gain: Option<Gain>,
    /// Belt speed below which this direction's planned step time stops lengthening \[m/s\]
    /// (absent in files written before: [`MIN_SCHEDULED_SPEED_MPS`]): the step time's power law
    /// in speed ([`WalkingParams::step_time_s`]) is evaluated at no less than this speed. A
    /// controller setting, not people's: people's steps keep lengthening in time as they slow
    /// down, but with the forward long steps (0.56 s at 1 m/s) the walker does not hold the
    /// 0.61-0.68 s steps the law asks for at 0.6-0.8 m/s: it lands crouched from its first
    /// steps and falls within 16 s at 0.6 m/s on the level (`docs/controller-tuning.md`,
    /// "Long steps across the grid: three laws").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_time_plateau_speed_mps: Option<f64>,
    /// Gain on the uphill grade in the step time's slope factor (absent in files written
    /// before: 0): walking up a grade `s` (rise over run) the planned step time is divided by
    /// `1 + gain · s` as well ([`WalkingParams::slope_step_time_factor`]). The uphill mirror of
    /// the downhill cadence law, and like it a controller setting found by measurement, not a
    /// fit to people: with long forward steps the walker falls uphill at 0.6-1.4 m/s where
    /// quicker steps hold it (`docs/controller-tuning.md`, "Long steps across the grid: three
    /// laws").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uphill_cadence_gain: Option<f64>,
    /// Whether [`Self::push_off_progress_m`] (and not its span) is the trigger at 1 m/s on the
    /// level and scales with the planned step length elsewhere (false, files written before:
    /// the same distance at every speed and grade): the trigger is
    /// `push_off_progress_m · v·T(v, s) / T(1 m/s, 0)`, with `T` the planned step time at the
    /// belt speed `v` and grade `s`. People's heel rises at a share of the stride, 30-40 % of
    /// it (Perry 1992, Gait Analysis), not at a fixed distance; a fixed 0.12 m trigger comes
    /// late in a 0.4 m step at 0.6 m/s and early in a 0.7 m one at 1.4 m/s.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub push_off_progress_scales_with_step: bool,
    /// Speed exponent of α above 1 m/s in this direction (absent in files written before: the
    /// same α at every speed above 1 m/s): at a belt speed `v` above 1 m/s α is its value at
    /// 1 m/s times `v`^exponent ([`WalkingParams::velocity_offset_at`]), the counterpart of
    /// the exponent below 1 m/s. A controller gain scheduled on speed, not a fit to people:
    /// with the long forward steps a smaller α (0.2 s instead of 0.255 s) holds the surge
    /// after the belt's start-up ramp near the belt's centre at 1.0-1.2 m/s, while at 1.4 m/s
    /// the walker falls with it where the larger α held it (`docs/controller-tuning.md`,
    /// "Long steps: α and the start-up surge").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity_offset_fast_speed_exponent: Option<f64>,
    /// Gain on the uphill grade in α (absent in files written before: 0): walking up a grade
    /// `s` (rise over run) α is divided by `1 + gain · s`
    /// ([`WalkingParams::velocity_offset_at`]), so the feet land farther ahead of the body
    /// and brake the surge that follows the belt's start-up ramp on an uphill belt, while α on
    /// the level (and the knee's load there) stays as it was. A controller gain scheduled on
    /// grade, like the uphill cadence law, found by measurement, not a fit to people
    /// (`docs/controller-tuning.md`, "An uphill α").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uphill_velocity_offset_gain: Option<f64>,
    /// Speed exponent of the progress trigger above 1 m/s in this direction (absent in files
    /// written before: none): at a belt speed `v` above 1 m/s the trigger
    /// ([`WalkingParams::push_off_progress_at`]) is multiplied by `v`^exponent, so a negative
    /// exponent starts the push-off earlier in the step at speed. A controller gain scheduled
    /// on speed, not a fit to people: the long forward steps' late trigger (0.12 m) lowers the
    /// tibiofemoral peak at 1.0 m/s by about 1.5 BW, but at 1.2-1.4 m/s uphill it leaves the
    /// push-off too little of the shorter step and the walker falls
    /// (`docs/controller-tuning.md`, "The push-off's trigger and budget at speed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_off_progress_fast_speed_exponent: Option<f64>,
    /// Speed exponent of the push-off's work budget above 1 m/s in this direction (absent in
    /// files written before: 2, the budget grows with the kinetic energy, speed²): at a belt
    /// speed `v` above 1 m/s the budget is [`Self::push_off_work_per_kg`]·`v`^exponent
    /// ([`Self::push_off_work_at`]). A controller gain scheduled on speed, not a fit to
    /// people; found with the trigger's exponent (same section of the tuning log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_off_work_fast_speed_exponent: Option<f64>,
    /// This direction's gain on the lateral inverted-pendulum term of the foot placement
    /// (absent in files written before: the shared [`WalkingParams::lateral_placement_scale`]).
    /// Below 1 the swing foot lands short of the lateral capture point, so part of the body's
    /// sideways velocity carries over to the next step; with the position loop pulling back
    /// towards the belt's centre that makes a weave across the belt a few strides long
    /// (`docs/controller-tuning.md`, "The walker weaves across the belt").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateral_placement_scale: Option<f64>,
    /// Share of α applied to the desired lateral velocity in this direction's foot placement
    /// (absent in files written before: 1, the sagittal α): the lateral placement is
    /// `scale · d(v_z) − share · α · v_des,z` (Coros et al. 2010, §4, with the share added), so
    /// the position loop's pull towards the belt's centre across it no longer follows α's
    /// speed and grade laws, which were set for the sagittal plane. A controller gain, found
    /// by measurement (same section of the tuning log), not a fit to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateral_velocity_offset_share: Option<f64>,
    /// Speed exponent of [`Self::lateral_velocity_offset_share`] (absent in files written
    /// before: 0): at a belt speed `v` the share is its value at 1 m/s times `v`^exponent,
    /// at every speed (held at its value at [`MIN_SCHEDULED_SPEED_MPS`] below it, as the belt
    /// starts from rest). A controller gain scheduled on speed, not a fit to people: with the
    /// long forward steps a share of 0.5 stops the weave at 0.6-0.9 m/s, but at 1.4 m/s the
    /// walker then drifts off the belt, which the whole of α held (same section of the
    /// tuning log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateral_velocity_offset_speed_exponent: Option<f64>,
    /// This direction's outer-loop gain from the distance to the belt's centre to the desired
    /// velocity, along and across the belt [1/s] (absent in files written before: the shared
    /// [`WalkingParams::position_gain_per_s`]). A controller gain set by a robustness scan over
    /// the fine grid, not a fit to people: with the long forward steps the shared 0.362/s let
    /// the walker climb 0.5 m ahead of the centre at 1.0-1.1 m/s uphill before the integral
    /// caught up, and with 0.5/s the backward gait falls at 0.6-0.8 m/s on the level and uphill
    /// (tuning log, "The position loop of the long steps").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_gain_per_s: Option<f64>,
    /// This direction's lateral distance between the feet [fraction of stature] (absent in files
    /// written before: the shared [`WalkingParams::step_width`]). People's preferred step width
    /// is about 0.13 leg lengths (12 cm), and their metabolic cost rises for narrower and for
    /// wider steps (Donelan, Kram & Kuo 2001, Proc R Soc Lond B 268:1985-1992); the shared
    /// width is 4.6 cm at 1.75 m. A controller setting, measured on the walker's own metabolic
    /// power (`docs/controller-tuning.md`, "Wider forward steps"), not a fit to people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_width: Option<f64>,
    /// Above 1 m/s, this direction's step width times speed^this (absent: the same width at
    /// every speed; negative: narrower steps at speed). A controller gain scheduled on speed,
    /// not a fit to people: the wider forward steps fell at 1.2-1.4 m/s (same section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_width_fast_speed_exponent: Option<f64>,
}

/// The factor of a fast-speed law: speed^`exponent` above 1 m/s, exactly 1 at and below it or
/// without an exponent (`1^k` and `v^0` are exactly 1, so a law without one changes nothing).
/// The laws of this shape: α's, the clearance peak's, the push-off trigger's and the step
/// width's (their `*_fast_speed_exponent` fields).
fn fast_speed_factor(exponent: Option<f64>, speed_mps: f64) -> f64 {
    speed_mps.max(1.0).powf(exponent.unwrap_or(0.0))
}

/// The initial swing's share of the swing: from toe-off to the feet's crossing, about 13 of the
/// 40 % of the gait cycle that the swing lasts (Perry 1992, Gait Analysis: initial swing
/// 60-73 %, mid-swing 73-87 %, terminal swing 87-100 %).
pub const INITIAL_SWING_FRACTION: f64 = 13.0 / 40.0;

impl Posture {
    /// Peak push-off torque at a belt speed [N·m/kg]: `push_off_torque_per_kg` at 1 m/s,
    /// scaled as speed^`push_off_speed_exponent`.
    pub fn push_off_torque_at(&self, speed_mps: f64) -> f64 {
        self.push_off_torque_per_kg * speed_mps.powf(self.push_off_speed_exponent)
    }

    /// The push-off's positive-work budget for one stance at a belt speed \[J/kg\]
    /// ([`Self::push_off_work_per_kg`] × speed², or × speed^[`Self::push_off_work_fast_speed_exponent`]
    /// above 1 m/s if it sets one), if it has one.
    pub fn push_off_work_at(&self, speed_mps: f64) -> Option<f64> {
        let w = self.push_off_work_per_kg?;
        // Without the fast exponent the product keeps the order it always had, (w·v)·v, so
        // files written before walk bit for bit as they did; with it, w·(v·v), the order the
        // searches of the exponent ran with (assets/searches/long-steps-fast-push-off*.ron).
        Some(match self.push_off_work_fast_speed_exponent {
            Some(exponent) if speed_mps > 1.0 => w * speed_mps.powf(exponent),
            Some(_) => w * (speed_mps * speed_mps),
            None => w * speed_mps * speed_mps,
        })
    }

    /// How far the swing ankle's horizontal path has gone from its lift-off position to the
    /// landing spot at `swing_phase`, 0…1: a smoothstep that ends at
    /// [`Self::swing_placement_fraction`] (0.8 without one).
    pub fn placement_at(&self, swing_phase: f64) -> f64 {
        super::smoothstep(swing_phase / self.swing_placement_fraction.unwrap_or(0.8))
    }

    /// Where in the swing the clearance bump peaks at `speed_mps`: the posture's
    /// [`Self::swing_clearance_peak_fraction`], above 1 m/s times
    /// speed^[`Self::swing_clearance_peak_fast_speed_exponent`] and at most 0.5 (none without
    /// a fraction: the symmetric `sin²`).
    pub fn clearance_peak_at(&self, speed_mps: f64) -> Option<f64> {
        let peak = self.swing_clearance_peak_fraction?;
        let fast = fast_speed_factor(self.swing_clearance_peak_fast_speed_exponent, speed_mps);
        Some((peak * fast).min(0.5))
    }

    /// The swing ankle's lift at `swing_phase` as a share of the clearance height, 0…1: the
    /// bump peaking at [`Self::clearance_peak_at`] `speed_mps` (`sin²(π s)` without a peak
    /// fraction, bit for bit as before). Phases past the swing's planned end give 0.
    pub fn clearance_bump_at(&self, swing_phase: f64, speed_mps: f64) -> f64 {
        let s = swing_phase.min(1.0);
        match self.clearance_peak_at(speed_mps) {
            None => (PI * s).sin().powi(2),
            Some(peak) => {
                let gamma = 0.5f64.ln() / peak.ln();
                (PI * s.max(0.0).powf(gamma)).sin().powi(2)
            }
        }
    }

    /// The swing hip's added flexion torque at `swing_phase` \[N·m/kg\]: the posture's
    /// [`Self::swing_hip_drive_per_kg`] over the initial swing ([`INITIAL_SWING_FRACTION`]),
    /// none after it or without one.
    pub fn swing_hip_drive_at(&self, swing_phase: f64) -> f64 {
        match self.swing_hip_drive_per_kg {
            Some(drive) if swing_phase < INITIAL_SWING_FRACTION => drive,
            _ => 0.0,
        }
    }

    /// How far the swing knee's extension before touchdown has gone at `swing_phase`, 0…1: a
    /// smoothstep from [`Self::knee_extension_start_fraction`] to the planned end of the swing.
    /// The landing knee ([`Self::landing_knee_flexion_rad`]) and the swing ankle
    /// ([`Self::swing_ankle_rad`]) move along it together.
    pub fn knee_extension_at(&self, swing_phase: f64) -> f64 {
        let start = self.knee_extension_start_fraction;
        super::smoothstep((swing_phase - start) / (1.0 - start))
    }
}

/// Default start of the swing knee's extension: 60 % of the swing (the swing knee's peak
/// flexion in people, Perry 1992).
fn knee_extension_start() -> f64 {
    0.6
}

/// Default ramp of the progress-triggered push-off \[m\].
fn push_off_progress_span() -> f64 {
    0.15
}

/// Default push-off start of files written before the push-off existed: never.
fn never() -> f64 {
    1.0
}

/// Parameters of the walking controller (the RON file `assets/controllers/walking.ron`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkingParams {
    /// Nominal step time at 1 m/s \[s\].
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
    /// α of the foot-placement law \[s\].
    pub velocity_offset_s: f64,
    /// Below 1 m/s, α scales as (belt speed / 1 m/s)^exponent; at and above 1 m/s it is
    /// `velocity_offset_s` (0, files written before: the same α at every speed). A smaller α
    /// places the foot further ahead of the centre of mass, i.e. longer, more braking steps
    /// relative to the speed: a gain of the foot-placement law scheduled on the belt speed
    /// (the controller's operating point; it follows the belt's start-up ramp), a controller
    /// setting rather than a human measurement.
    #[serde(default)]
    pub velocity_offset_speed_exponent: f64,
    /// Gain on the lateral inverted-pendulum term (a direction may set its own,
    /// [`Posture::lateral_placement_scale`]).
    pub lateral_placement_scale: f64,
    /// Stance-ankle torque per unit sagittal velocity error [N·m/(m/s)/kg].
    pub ankle_velocity_gain: f64,
    /// Stance-ankle dorsiflexion beyond which the plantarflexors resist \[rad\].
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
    /// Weight acceptance \[s\]: after touchdown the stance knee's target moves from the knee angle
    /// at touchdown to the posture's stance-knee flexion along a smoothstep over this time, so
    /// the knee straightens over the loading response instead of in one impulse (the loading
    /// response lasts the first 10-12 % of the gait cycle, about 0.1-0.15 s at 1 m/s: Perry
    /// 1992, Gait Analysis). 0 (files written before): the target applies at once.
    #[serde(default)]
    pub stance_knee_loading_s: f64,
    /// In double support, the hip torque that holds the pelvis (SIMBICON's virtual torso
    /// control, `upper_body`) is shared by the two hips in proportion to the load on each
    /// foot, instead of coming from the leading hip alone. A hip can only turn the pelvis
    /// against a loaded leg; a lightly loaded leading leg is swung by that torque instead.
    /// Load-scaled trunk balance is how the stance hip muscles of Geyer & Herr's reflex
    /// controller act (their trunk-pitch feedback is multiplied by the leg's load, 2010, IEEE
    /// TNSRE 18:263). false (files written before): the leading hip alone.
    #[serde(default)]
    pub double_support_hip_load_sharing: bool,
    /// PD gains.
    pub gains: Gains,
    /// Torque limits of the coordinates without muscles.
    pub strength: UnmuscledStrength,
}

impl WalkingParams {
    /// Factor on the step time walking on a grade `downhill` (rise over run, positive
    /// downhill in the direction of travel): `1 / (1 + gain · s · speed^(−exponent))` downhill
    /// ([`Self::downhill_cadence_gain`]) and `1 / (1 + u · |s|)` uphill, with `u` the
    /// posture's [`Posture::uphill_cadence_gain`] (without one, 1 uphill).
    /// The posture's own gain and exponent ([`Posture::downhill_cadence_gain`],
    /// [`Posture::downhill_cadence_speed_exponent`]) replace the shared ones where it sets them.
    pub fn slope_step_time_factor(&self, posture: &Posture, speed_mps: f64, downhill: f64) -> f64 {
        let gain = posture
            .downhill_cadence_gain
            .unwrap_or(self.downhill_cadence_gain);
        let exponent = posture
            .downhill_cadence_speed_exponent
            .unwrap_or(self.downhill_cadence_speed_exponent);
        let rise =
            gain * downhill.max(0.0) * speed_mps.max(MIN_SCHEDULED_SPEED_MPS).powf(-exponent);
        let climb = posture.uphill_cadence_gain.unwrap_or(0.0) * (-downhill).max(0.0);
        1.0 / (1.0 + rise + climb)
    }

    /// Centre of mass's distance ahead of the stance ankle at which `posture`'s
    /// progress-triggered push-off starts \[m\], at a belt speed and grade whose planned step
    /// lasts `step_time_s` (None without a progress trigger): its
    /// [`Posture::push_off_progress_m`], above 1 m/s times speed^its
    /// [`Posture::push_off_progress_fast_speed_exponent`] if it sets one, and scaled with the
    /// planned step length if [`Posture::push_off_progress_scales_with_step`].
    pub fn push_off_progress_at(
        &self,
        posture: &Posture,
        speed_mps: f64,
        step_time_s: f64,
    ) -> Option<f64> {
        let start = posture.push_off_progress_m?
            * fast_speed_factor(posture.push_off_progress_fast_speed_exponent, speed_mps);
        if !posture.push_off_progress_scales_with_step {
            return Some(start);
        }
        let reference_s = self.step_time_s(posture, 1.0, 0.0);
        Some(start * speed_mps * step_time_s / reference_s)
    }

    /// Fraction of the weight feed-forward through the stance knee walking in `posture`'s
    /// direction: the posture's own value if it sets one, the shared one otherwise.
    pub fn stance_knee_feed_forward(&self, posture: &Posture) -> f64 {
        posture
            .stance_knee_gravity_compensation
            .unwrap_or(self.stance_knee_gravity_compensation)
    }

    /// α of the foot-placement law at a belt speed and grade (`downhill`: rise over run,
    /// negative uphill) walking in `posture`'s direction \[s\]: the posture's
    /// [`Posture::velocity_offset_s`] or else the shared `velocity_offset_s` at 1 m/s, scaled
    /// as speed^`velocity_offset_speed_exponent` below (the posture's own exponent if it sets
    /// one) and as speed^[`Posture::velocity_offset_fast_speed_exponent`] above (constant there
    /// without one); uphill divided by `1 + gain · grade` with the posture's
    /// [`Posture::uphill_velocity_offset_gain`].
    pub fn velocity_offset_at(&self, posture: &Posture, speed_mps: f64, downhill: f64) -> f64 {
        let exponent = posture
            .velocity_offset_speed_exponent
            .unwrap_or(self.velocity_offset_speed_exponent);
        let fast = fast_speed_factor(posture.velocity_offset_fast_speed_exponent, speed_mps);
        let climb = posture.uphill_velocity_offset_gain.unwrap_or(0.0) * (-downhill).max(0.0);
        posture.velocity_offset_s.unwrap_or(self.velocity_offset_s)
            * speed_mps.min(1.0).powf(exponent)
            * fast
            / (1.0 + climb)
    }

    /// The lateral foot placement's gain on the inverted-pendulum term and share of α walking
    /// in `posture`'s direction at a belt speed: the posture's
    /// [`Posture::lateral_placement_scale`] or else the shared one, and its
    /// [`Posture::lateral_velocity_offset_share`] (or else 1) times
    /// speed^[`Posture::lateral_velocity_offset_speed_exponent`] (or else 0; the speed held
    /// at [`MIN_SCHEDULED_SPEED_MPS`] or above).
    pub fn lateral_placement_at(&self, posture: &Posture, speed_mps: f64) -> (f64, f64) {
        let exponent = posture
            .lateral_velocity_offset_speed_exponent
            .unwrap_or(0.0);
        (
            posture
                .lateral_placement_scale
                .unwrap_or(self.lateral_placement_scale),
            posture.lateral_velocity_offset_share.unwrap_or(1.0)
                * speed_mps.max(MIN_SCHEDULED_SPEED_MPS).powf(exponent),
        )
    }

    /// The lateral distance between the feet walking in `posture`'s direction at `speed_mps`
    /// [fraction of stature]: the posture's [`Posture::step_width`] or else the shared one,
    /// above 1 m/s times speed^[`Posture::step_width_fast_speed_exponent`] (if it sets one).
    pub fn step_width_at(&self, posture: &Posture, speed_mps: f64) -> f64 {
        posture.step_width.unwrap_or(self.step_width)
            * fast_speed_factor(posture.step_width_fast_speed_exponent, speed_mps)
    }

    /// The outer loop's position gain walking in `posture`'s direction [1/s]: the posture's
    /// [`Posture::position_gain_per_s`] or else the shared one.
    pub fn position_gain_at(&self, posture: &Posture) -> f64 {
        posture
            .position_gain_per_s
            .unwrap_or(self.position_gain_per_s)
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
}

impl Default for WalkingParams {
    fn default() -> Self {
        ron::from_str(DEFAULT_WALKING_RON).expect("built-in walking controller parameters parse")
    }
}

/// Below this belt speed the speed-scheduled step time stays at its value for this speed
/// (the belt starts from rest) [m/s].
pub const MIN_SCHEDULED_SPEED_MPS: f64 = 0.6;

/// The built-in controller parameters.
pub const DEFAULT_WALKING_RON: &str =
    include_str!("../../../../../../assets/controllers/walking.ron");

impl WalkingParams {
    /// Checks that `model` has what these parameters drive: the ankle muscles of both legs if
    /// either direction's posture has [`Posture::ankle_reflexes`], the vasti if either has
    /// [`Posture::knee_reflexes`].
    pub fn check_model(
        &self,
        model: &musculo::Model,
    ) -> Result<(), crate::skeleton::SkeletonError> {
        let postures = [&self.forward, &self.backward];
        let ankles = postures.iter().any(|p| p.ankle_reflexes.is_some());
        let knees = postures.iter().any(|p| p.knee_reflexes.is_some());
        for side in [musculo::Side::Right, musculo::Side::Left] {
            let missing = |reason| {
                move |name| crate::skeleton::SkeletonError {
                    what: "muscle",
                    name,
                    reason,
                }
            };
            if ankles {
                super::reflex_ankle::AnkleMuscles::resolve(model, side)
                    .map_err(missing("the controller's ankle_reflexes drive it"))?;
            }
            if knees {
                super::reflex_knee::resolve_vasti(model, side)
                    .map_err(missing("the controller's knee_reflexes drive it"))?;
            }
        }
        Ok(())
    }

    /// The posture targets of a walking direction.
    pub fn posture(&self, direction: Direction) -> &Posture {
        match direction {
            Direction::Forward => &self.forward,
            Direction::Backward => &self.backward,
        }
    }

    /// Nominal step time \[s\] at a belt speed on a grade `downhill` (rise over run, positive
    /// downhill in the direction of travel): the posture's own step time at 1 m/s if it sets
    /// one (else the shared one), scaled as speed^(−[`Self::step_time_speed_exponent`], or the
    /// posture's own exponent) with the speed clamped below at the posture's
    /// [`Posture::step_time_plateau_speed_mps`] (else [`MIN_SCHEDULED_SPEED_MPS`]), and
    /// quickened on slopes ([`Self::slope_step_time_factor`]).
    pub fn step_time_s(&self, posture: &Posture, speed_mps: f64, downhill: f64) -> f64 {
        let exponent = posture
            .step_time_speed_exponent
            .unwrap_or(self.step_time_speed_exponent);
        let plateau = posture
            .step_time_plateau_speed_mps
            .unwrap_or(MIN_SCHEDULED_SPEED_MPS);
        posture
            .step_time_at_1mps_s
            .unwrap_or(self.step_time_at_1mps_s)
            * speed_mps.max(plateau).powf(-exponent)
            * self.slope_step_time_factor(posture, speed_mps, downhill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default before the long forward steps (assets/controllers/experimental/
    /// short-steps.ron): the tests of the laws were written on it, where the forward posture
    /// sets none of the speed, slope, lateral and position laws that they switch on one by one.
    fn short_steps() -> WalkingParams {
        let text =
            include_str!("../../../../../../assets/controllers/experimental/short-steps.ron");
        WalkingParams::from_ron_str(text, "short-steps.ron").unwrap()
    }

    #[test]
    fn the_long_steps_changed_only_the_forward_posture() {
        let (default, mut short) = (WalkingParams::default(), short_steps());
        assert_ne!(default.forward, short.forward);
        assert_eq!(default.forward.position_gain_per_s, Some(0.5));
        short.forward = default.forward;
        assert_eq!(short, default);
    }

    /// The early clearance peak and the wider forward steps (7 December 2026) changed only the
    /// forward posture of the default before them (`mid-swing-clearance.ron`).
    #[test]
    fn the_early_clearance_changed_only_the_forward_posture() {
        let text = include_str!(
            "../../../../../../assets/controllers/experimental/mid-swing-clearance.ron"
        );
        let mut before = WalkingParams::from_ron_str(text, "mid-swing-clearance.ron").unwrap();
        let default = WalkingParams::default();
        assert_eq!(before.forward.swing_clearance_peak_fraction, None);
        assert_eq!(default.forward.swing_clearance_peak_fraction, Some(0.3));
        assert_eq!(default.forward.step_width, Some(0.035));
        assert_eq!(default.backward.step_width, None);
        before.forward = default.forward;
        assert_eq!(before, default);
    }

    /// Asserts that `bad` fails validation with an error that starts with `field`.
    fn assert_refused(bad: &WalkingParams, field: &str) {
        let err = bad.validate().unwrap_err();
        assert!(err.starts_with(field), "{err}");
    }

    /// A parameter file written before the stance-knee law, the push-off, the per-direction
    /// step times and foot placement, and the slope laws existed.
    fn file_without_new_fields() -> String {
        let mut p = short_steps();
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
                    "double_support_hip_load_sharing",
                    "step_time_at_1mps_s: Some",
                    "velocity_offset_s: Some",
                    "downhill_trunk_lean_per_rad",
                    "push_off_work_climb_share",
                    "landing_belt_rise_share",
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
        assert!(!p.double_support_hip_load_sharing);
        assert_eq!(p.velocity_offset_speed_exponent, 0.0);
        assert_eq!(p.slope_step_time_factor(&p.forward, 0.6, 0.1), 1.0);
        for posture in [p.forward, p.backward] {
            assert_eq!(posture.step_time_at_1mps_s, None);
            assert_eq!(posture.step_time_speed_exponent, None);
            assert_eq!(posture.velocity_offset_speed_exponent, None);
            assert_eq!(posture.downhill_cadence_gain, None);
            assert_eq!(posture.downhill_cadence_speed_exponent, None);
            assert_eq!(posture.stance_knee_gravity_compensation, None);
            assert_eq!(p.stance_knee_feed_forward(&posture), 0.0);
            assert_eq!(posture.push_off_torque_per_kg, 0.0);
            assert_eq!(posture.push_off_speed_exponent, 0.0);
            assert_eq!(posture.stance_vertical_damping_per_s, 0.0);
            assert_eq!(posture.uphill_trunk_lean_per_rad, 0.0);
            assert_eq!(posture.downhill_trunk_lean_per_rad, 0.0);
            assert_eq!(posture.push_off_work_climb_share, 0.0);
            assert_eq!(posture.landing_belt_rise_share, 0.0);
            assert_eq!(posture.push_off_start_fraction, 1.0, "never");
        }
    }

    #[test]
    fn foot_placement_offset_shrinks_below_1mps_by_its_exponent() {
        let mut p = WalkingParams {
            velocity_offset_s: 0.2,
            velocity_offset_speed_exponent: 0.0,
            ..short_steps()
        };
        p.forward.velocity_offset_s = None;
        let posture = p.forward;
        assert_eq!(p.velocity_offset_at(&posture, 0.6, 0.0), 0.2);
        p.velocity_offset_speed_exponent = 0.5;
        assert!((p.velocity_offset_at(&posture, 0.64, 0.0) - 0.2 * 0.8).abs() < 1e-12);
        assert_eq!(p.velocity_offset_at(&posture, 1.0, 0.0), 0.2);
        assert_eq!(p.velocity_offset_at(&posture, 1.4, 0.0), 0.2);
        p.velocity_offset_speed_exponent = -0.5;
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("velocity_offset_speed_exponent"), "{err}");
    }

    #[test]
    fn a_direction_may_set_its_own_foot_placement_offset() {
        let mut p = WalkingParams {
            velocity_offset_s: 0.2,
            velocity_offset_speed_exponent: 0.5,
            ..short_steps()
        };
        p.forward.velocity_offset_s = None;
        p.backward.velocity_offset_s = Some(0.1);
        assert_eq!(p.velocity_offset_at(&p.forward, 1.2, 0.0), 0.2);
        assert_eq!(p.velocity_offset_at(&p.backward, 1.2, 0.0), 0.1);
        assert!((p.velocity_offset_at(&p.backward, 0.64, 0.0) - 0.1 * 0.8).abs() < 1e-12);
        // Above 1 m/s a direction's own exponent scales α; at and below 1 m/s it changes nothing.
        p.forward.velocity_offset_fast_speed_exponent = Some(0.5);
        assert!((p.velocity_offset_at(&p.forward, 1.44, 0.0) - 0.2 * 1.2).abs() < 1e-12);
        assert_eq!(p.velocity_offset_at(&p.forward, 1.0, 0.0), 0.2);
        assert!((p.velocity_offset_at(&p.forward, 0.64, 0.0) - 0.2 * 0.8).abs() < 1e-12);
        assert_eq!(p.velocity_offset_at(&p.backward, 1.44, 0.0), 0.1);
        // Uphill a direction's own gain divides α; downhill and on the level it does nothing.
        p.forward.uphill_velocity_offset_gain = Some(2.5);
        assert!((p.velocity_offset_at(&p.forward, 1.0, -0.1) - 0.2 / 1.25).abs() < 1e-12);
        assert_eq!(p.velocity_offset_at(&p.forward, 1.0, 0.1), 0.2);
        assert_eq!(p.velocity_offset_at(&p.forward, 1.0, 0.0), 0.2);
        assert_eq!(p.velocity_offset_at(&p.backward, 1.0, -0.1), 0.1);
        p.backward.velocity_offset_s = Some(f64::NAN);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("backward.velocity_offset_s"), "{err}");
    }

    #[test]
    fn a_direction_may_set_its_own_stance_knee_feed_forward() {
        let mut p = WalkingParams {
            stance_knee_gravity_compensation: 0.2,
            ..short_steps()
        };
        p.forward.stance_knee_gravity_compensation = None;
        p.backward.stance_knee_gravity_compensation = Some(0.7);
        assert_eq!(p.stance_knee_feed_forward(&p.forward), 0.2);
        assert_eq!(p.stance_knee_feed_forward(&p.backward), 0.7);
        // The built-in parameters: no shared value, each direction its own.
        let d = short_steps();
        assert_eq!(d.stance_knee_gravity_compensation, 0.0);
        assert_eq!(d.stance_knee_feed_forward(&d.forward), 0.5);
        assert!(d.stance_knee_feed_forward(&d.backward) > 0.0);
    }

    #[test]
    fn a_direction_may_set_its_own_step_time() {
        let mut p = short_steps();
        p.forward.step_time_at_1mps_s = Some(0.6);
        p.backward.step_time_at_1mps_s = None;
        assert_eq!(p.step_time_s(&p.forward, 1.0, 0.0), 0.6);
        assert_eq!(p.step_time_s(&p.backward, 1.0, 0.0), p.step_time_at_1mps_s);
        // Faster belts, quicker steps, by the shared exponent.
        assert!(p.step_time_s(&p.forward, 1.2, 0.0) < 0.6);
    }

    #[test]
    fn a_direction_may_plateau_its_step_time_quicken_it_uphill_and_scale_its_trigger() {
        let mut p = short_steps();
        let forward = p.forward;
        let (slow, uphill) = (
            p.step_time_s(&forward, 0.6, 0.0),
            p.step_time_s(&forward, 1.0, -0.1),
        );
        p.forward.step_time_speed_exponent = Some(0.5);
        p.forward.step_time_plateau_speed_mps = Some(0.9);
        p.forward.uphill_cadence_gain = Some(2.0);
        let f = &p.forward;
        let at_1 = p.step_time_s(f, 1.0, 0.0);
        // Below the plateau speed the step time is the plateau's; above it the law's.
        assert_eq!(p.step_time_s(f, 0.6, 0.0), p.step_time_s(f, 0.9, 0.0));
        assert!((p.step_time_s(f, 0.9, 0.0) - at_1 * 0.9f64.powf(-0.5)).abs() < 1e-12);
        // Uphill 10 % the step is 1 / (1 + 2 · 0.1) as long; downhill is the downhill law's.
        assert!((p.step_time_s(f, 1.0, -0.1) - at_1 / 1.2).abs() < 1e-12);
        assert_eq!(
            p.slope_step_time_factor(f, 1.0, 0.1),
            p.slope_step_time_factor(&forward, 1.0, 0.1)
        );
        // Without the fields (the built-in file's forward): as before.
        assert_eq!(p.step_time_s(&forward, 0.6, 0.0), slow);
        assert_eq!(p.step_time_s(&forward, 1.0, -0.1), uphill);
        // The trigger: the same distance, or scaled with the planned step's length.
        let mut f = p.forward;
        f.push_off_progress_m = Some(0.12);
        let t_1 = p.step_time_s(&f, 1.0, 0.0);
        assert_eq!(p.push_off_progress_at(&f, 0.6, 0.7), Some(0.12));
        f.push_off_progress_scales_with_step = true;
        assert_eq!(p.push_off_progress_at(&f, 1.0, t_1), Some(0.12));
        let slow = p.push_off_progress_at(&f, 0.6, 0.7).unwrap();
        assert!((slow - 0.12 * 0.6 * 0.7 / t_1).abs() < 1e-12);
        f.push_off_progress_m = None;
        assert_eq!(p.push_off_progress_at(&f, 0.6, 0.7), None);
        // Refused: a plateau below the scheduled range or not finite, a negative gain.
        for (plateau, gain, field) in [
            (Some(0.3), None, "forward.step_time_plateau_speed_mps"),
            (Some(f64::NAN), None, "forward.step_time_plateau_speed_mps"),
            (None, Some(-1.0), "forward.uphill_cadence_gain"),
            (None, Some(f64::INFINITY), "forward.uphill_cadence_gain"),
        ] {
            let mut bad = short_steps();
            bad.forward.step_time_plateau_speed_mps = plateau;
            bad.forward.uphill_cadence_gain = gain;
            let err = bad.validate().unwrap_err();
            assert!(err.starts_with(field), "{err}");
        }
    }

    #[test]
    fn the_push_offs_trigger_and_budget_may_follow_their_own_laws_above_1_mps() {
        let p = short_steps();
        let mut f = p.forward;
        f.push_off_progress_m = Some(0.12);
        f.push_off_progress_scales_with_step = false;
        f.push_off_work_per_kg = Some(0.27);
        let (trigger, work) = (
            p.push_off_progress_at(&f, 1.44, 0.4),
            f.push_off_work_at(1.44),
        );
        f.push_off_progress_fast_speed_exponent = Some(-0.5);
        f.push_off_work_fast_speed_exponent = Some(1.0);
        // Above 1 m/s: the trigger times speed^-0.5, the budget grows with speed, not speed².
        let fast = p.push_off_progress_at(&f, 1.44, 0.4).unwrap();
        assert!((fast - 0.12 / 1.2).abs() < 1e-12);
        assert!((f.push_off_work_at(1.44).unwrap() - 0.27 * 1.44).abs() < 1e-12);
        assert!((work.unwrap() - 0.27 * 1.44 * 1.44).abs() < 1e-12);
        assert_eq!(trigger, Some(0.12));
        // At and below 1 m/s the laws are those without the exponents (the trigger bit for bit;
        // the budget's product in its own order, to rounding).
        for v in [0.6, 1.0] {
            let mut without = f;
            without.push_off_progress_fast_speed_exponent = None;
            without.push_off_work_fast_speed_exponent = None;
            assert_eq!(
                p.push_off_progress_at(&f, v, 0.5),
                p.push_off_progress_at(&without, v, 0.5)
            );
            let (with, plain) = (f.push_off_work_at(v).unwrap(), without.push_off_work_at(v));
            assert!((with - plain.unwrap()).abs() < 1e-15, "{with} at {v} m/s");
        }
        // Refused: out of range or not finite.
        for (trigger, work, field) in [
            (
                Some(-5.5),
                None,
                "forward.push_off_progress_fast_speed_exponent",
            ),
            (
                Some(f64::NAN),
                None,
                "forward.push_off_progress_fast_speed_exponent",
            ),
            (
                None,
                Some(-0.1),
                "forward.push_off_work_fast_speed_exponent",
            ),
            (
                None,
                Some(f64::INFINITY),
                "forward.push_off_work_fast_speed_exponent",
            ),
        ] {
            let mut bad = short_steps();
            bad.forward.push_off_progress_fast_speed_exponent = trigger;
            bad.forward.push_off_work_fast_speed_exponent = work;
            assert_refused(&bad, field);
        }
    }

    #[test]
    fn each_direction_may_set_its_own_lateral_placement() {
        let mut p = WalkingParams {
            lateral_placement_scale: 0.7,
            ..short_steps()
        };
        // Without the fields: the shared scale and the whole of α, in both directions.
        assert_eq!(p.lateral_placement_at(&p.forward, 0.6), (0.7, 1.0));
        p.forward.lateral_placement_scale = Some(0.85);
        p.forward.lateral_velocity_offset_share = Some(0.5);
        assert_eq!(p.lateral_placement_at(&p.forward, 1.4), (0.85, 0.5));
        // The share's speed law: speed^2 times the share at 1 m/s.
        p.forward.lateral_velocity_offset_speed_exponent = Some(2.0);
        let (_, share) = p.lateral_placement_at(&p.forward, 1.4);
        assert!((share - 0.5 * 1.96).abs() < 1e-12, "{share}");
        assert_eq!(p.lateral_placement_at(&p.forward, 1.0), (0.85, 0.5));
        // From rest, as the belt starts: the share at 0.6 m/s, finite.
        let (_, from_rest) = p.lateral_placement_at(&p.forward, 0.0);
        assert!((from_rest - 0.5 * 0.36).abs() < 1e-12, "{from_rest}");
        assert_eq!(p.lateral_placement_at(&p.backward, 1.4), (0.7, 1.0));
        assert_eq!(p.validate(), Ok(()));
        // Refused: negative, past 3 or not finite, naming the direction and the field.
        for (scale, share, field) in [
            (Some(-0.1), None, "backward.lateral_placement_scale"),
            (Some(f64::NAN), None, "backward.lateral_placement_scale"),
            (None, Some(3.5), "backward.lateral_velocity_offset_share"),
            (
                None,
                Some(f64::INFINITY),
                "backward.lateral_velocity_offset_share",
            ),
        ] {
            let mut bad = short_steps();
            bad.backward.lateral_placement_scale = scale;
            bad.backward.lateral_velocity_offset_share = share;
            assert_refused(&bad, field);
        }
        for exponent in [-5.5, f64::NAN] {
            let mut bad = short_steps();
            bad.forward.lateral_velocity_offset_speed_exponent = Some(exponent);
            assert_refused(&bad, "forward.lateral_velocity_offset_speed_exponent");
        }
    }

    #[test]
    fn each_direction_may_set_its_own_step_width_narrowing_at_speed() {
        let mut p = WalkingParams {
            step_width: 0.03,
            ..short_steps()
        };
        // Without the fields: the shared width at every speed, in both directions.
        assert_eq!(p.step_width_at(&p.forward, 1.4), 0.03);
        p.forward.step_width_fast_speed_exponent = Some(-2.0);
        assert_eq!(p.step_width_at(&p.forward, 1.0), 0.03);
        assert!((p.step_width_at(&p.forward, 2.0) - 0.0075).abs() < 1e-15);
        p.forward.step_width = Some(0.04);
        // Up to 1 m/s the posture's own width; above it, times speed^exponent.
        assert_eq!(p.step_width_at(&p.forward, 0.6), 0.04);
        assert_eq!(p.step_width_at(&p.forward, 1.0), 0.04);
        assert!((p.step_width_at(&p.forward, 2.0) - 0.01).abs() < 1e-15);
        assert_eq!(p.step_width_at(&p.backward, 2.0), 0.03);
        assert_eq!(p.validate(), Ok(()));
        // Refused: negative, wider than 0.15 of the stature, or not finite, naming the field.
        for width in [-0.01, 0.2, f64::NAN] {
            let mut bad = short_steps();
            bad.backward.step_width = Some(width);
            assert_refused(&bad, "backward.step_width");
        }
        for exponent in [-6.0, f64::INFINITY] {
            let mut bad = short_steps();
            bad.forward.step_width_fast_speed_exponent = Some(exponent);
            assert_refused(&bad, "forward.step_width_fast_speed_exponent");
        }
    }

    #[test]
    fn each_direction_may_set_its_own_position_gain() {
        let mut p = WalkingParams {
            position_gain_per_s: 0.362,
            ..short_steps()
        };
        assert_eq!(p.position_gain_at(&p.forward), 0.362);
        p.forward.position_gain_per_s = Some(0.5);
        assert_eq!(p.position_gain_at(&p.forward), 0.5);
        assert_eq!(p.position_gain_at(&p.backward), 0.362);
        assert_eq!(p.validate(), Ok(()));
        for gain in [-0.1, f64::NAN] {
            let mut bad = short_steps();
            bad.backward.position_gain_per_s = Some(gain);
            assert_refused(&bad, "backward.position_gain_per_s");
        }
    }

    #[test]
    fn a_direction_may_set_its_own_speed_and_slope_laws() {
        let mut p = WalkingParams {
            step_time_at_1mps_s: 0.5,
            step_time_speed_exponent: 0.4,
            velocity_offset_s: 0.2,
            velocity_offset_speed_exponent: 0.5,
            downhill_cadence_gain: 0.65,
            downhill_cadence_speed_exponent: 1.58,
            ..short_steps()
        };
        for posture in [&mut p.forward, &mut p.backward] {
            posture.step_time_at_1mps_s = None;
            posture.velocity_offset_s = None;
        }
        let (shared_step, shared_alpha) = (
            p.step_time_s(&p.forward, 0.64, 0.1),
            p.velocity_offset_at(&p.forward, 0.64, 0.0),
        );
        p.forward.step_time_speed_exponent = Some(0.0);
        p.forward.velocity_offset_speed_exponent = Some(0.0);
        p.forward.downhill_cadence_gain = Some(0.0);
        // Forwards: the step time no longer depends on speed or slope, α not on speed.
        assert_eq!(p.step_time_s(&p.forward, 0.64, 0.1), 0.5);
        assert_eq!(p.velocity_offset_at(&p.forward, 0.64, 0.0), 0.2);
        // Backwards: the shared laws, as before.
        assert_eq!(p.step_time_s(&p.backward, 0.64, 0.1), shared_step);
        assert_eq!(p.velocity_offset_at(&p.backward, 0.64, 0.0), shared_alpha);
        let expected = 0.5 * 0.64f64.powf(-0.4) / (1.0 + 0.65 * 0.1 * 0.64f64.powf(-1.58));
        assert!((shared_step - expected).abs() < 1e-12, "{shared_step}");
        // The downhill exponent alone: a gain of its own left unset keeps the shared one.
        p.forward.downhill_cadence_gain = None;
        p.forward.downhill_cadence_speed_exponent = Some(0.0);
        let factor = p.slope_step_time_factor(&p.forward, 0.64, 0.1);
        assert!((factor - 1.0 / (1.0 + 0.065)).abs() < 1e-12, "{factor}");
        p.backward.downhill_cadence_speed_exponent = Some(-1.0);
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.downhill_cadence_speed_exponent"),
            "{err}"
        );
    }

    #[test]
    fn the_swing_foot_reaches_its_landing_spot_at_the_placement_fraction() {
        let mut posture = short_steps().forward;
        posture.swing_placement_fraction = None;
        // Without the field, the path arrives at 80 % of the swing, half way at 40 %.
        assert_eq!(posture.placement_at(0.0), 0.0);
        assert!((posture.placement_at(0.4) - 0.5).abs() < 1e-12);
        assert_eq!(posture.placement_at(0.8), 1.0);
        assert_eq!(posture.placement_at(0.95), 1.0);
        posture.swing_placement_fraction = Some(0.6);
        assert!((posture.placement_at(0.3) - 0.5).abs() < 1e-12);
        assert_eq!(posture.placement_at(0.6), 1.0);
        // A later arrival is behind the default's path at every phase before it.
        posture.swing_placement_fraction = Some(1.0);
        let default = short_steps().backward;
        assert!(posture.placement_at(0.5) < default.placement_at(0.5));
        assert!(posture.placement_at(0.9) < 1.0);
    }

    #[test]
    fn the_clearance_bump_peaks_where_the_posture_asks_and_moves_to_mid_swing_at_speed() {
        let mut posture = short_steps().forward;
        posture.swing_clearance_peak_fraction = None;
        posture.swing_clearance_peak_fast_speed_exponent = Some(1.0);
        // Without a fraction: the symmetric sin², bit for bit, at every speed.
        for phase in [0.0, 0.2, 0.5, 0.83, 1.0, 1.2] {
            let before = (PI * f64::min(phase, 1.0)).sin().powi(2);
            assert_eq!(posture.clearance_bump_at(phase, 1.4), before);
        }
        // With one: 0 at lift-off and at touchdown, 1 at the peak, rising before it and
        // falling after it.
        posture.swing_clearance_peak_fraction = Some(0.3);
        let bump = |phase| posture.clearance_bump_at(phase, 1.0);
        assert_eq!(bump(0.0), 0.0);
        assert!(bump(1.0).abs() < 1e-12);
        assert!((bump(0.3) - 1.0).abs() < 1e-12);
        assert!(bump(0.2) < bump(0.25) && bump(0.35) > bump(0.5));
        // Lower than the symmetric bump late in the swing, higher early.
        let symmetric = |phase: f64| (PI * phase).sin().powi(2);
        assert!(bump(0.8) < symmetric(0.8) && bump(0.2) > symmetric(0.2));
        // Above 1 m/s the peak moves towards mid-swing with the speed's power, to 0.5 at most.
        assert_eq!(posture.clearance_peak_at(0.6), Some(0.3));
        assert!((posture.clearance_peak_at(1.2).unwrap() - 0.36).abs() < 1e-12);
        assert_eq!(posture.clearance_peak_at(2.0), Some(0.5));
        posture.swing_clearance_peak_fast_speed_exponent = None;
        assert_eq!(posture.clearance_peak_at(1.4), Some(0.3));
    }

    #[test]
    fn the_swing_hip_drive_acts_over_the_initial_swing_only() {
        let mut posture = short_steps().forward;
        posture.swing_hip_drive_per_kg = None;
        assert_eq!(posture.swing_hip_drive_at(0.1), 0.0);
        posture.swing_hip_drive_per_kg = Some(0.4);
        assert_eq!(posture.swing_hip_drive_at(0.0), 0.4);
        assert_eq!(posture.swing_hip_drive_at(0.3), 0.4);
        assert_eq!(posture.swing_hip_drive_at(INITIAL_SWING_FRACTION), 0.0);
        assert_eq!(posture.swing_hip_drive_at(0.9), 0.0);
    }

    #[test]
    fn steps_quicken_downhill_only_and_more_at_slow_speeds() {
        let mut p = WalkingParams {
            downhill_cadence_gain: 0.65,
            downhill_cadence_speed_exponent: 1.58,
            ..short_steps()
        };
        assert_eq!(p.slope_step_time_factor(&p.forward, 1.0, 0.0), 1.0);
        assert_eq!(p.slope_step_time_factor(&p.forward, 1.0, -0.1), 1.0);
        // 6° downhill at 0.75 m/s: strides 11 % more frequent (Franz & Kram 2012: 12 %).
        let six = 6f64.to_radians().tan();
        let rise = 1.0 / p.slope_step_time_factor(&p.forward, 0.75, six) - 1.0;
        assert!((rise - 0.108).abs() < 0.005, "{rise}");
        assert!(
            p.slope_step_time_factor(&p.forward, 0.6, 0.1)
                < p.slope_step_time_factor(&p.forward, 1.4, 0.1)
        );
        // The belt starting from rest does not blow the factor up.
        assert_eq!(
            p.slope_step_time_factor(&p.forward, 0.0, 0.1),
            p.slope_step_time_factor(&p.forward, 0.6, 0.1)
        );
        p.downhill_cadence_gain = -0.1;
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("downhill_cadence_gain"), "{err}");
    }

    #[test]
    fn push_off_grows_with_belt_speed_by_its_exponent() {
        let mut p = short_steps().forward;
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
            ..short_steps()
        };
        let err = params.validate().unwrap_err();
        assert!(err.starts_with("forward.push_off_speed_exponent"), "{err}");
    }
}
