//! A balance controller that walks forwards and backwards at a commanded speed.
//!
//! Every control step is a short pipeline of named stages (`Setup::control`), each in its
//! own module, in the manner of SCONE's gait state controller (update the state, then each
//! state's controllers) and MuJoCo's staged `mj_forward`:
//! 1. **Step cycle** ([`cycle`]; SIMBICON, Yin, Loken & van de Panne 2007, ACM TOG 26(3):105):
//!    one leg is in stance, the other swings; the roles swap when the swing foot touches the
//!    belt after a minimum fraction of the nominal step time (or when the step has lasted too
//!    long).
//! 2. **Desired velocity** ([`outer_loop`]): relative to the belt, the belt speed in the
//!    direction of travel plus a slow correction towards the belt's centre — the outer loop
//!    of a person on a treadmill.
//! 3. **Swing leg** ([`swing`]): the foot is placed by the inverted-pendulum law (Coros,
//!    Beaudoin & van de Panne 2010, "Generalized biped walking control", ACM TOG 29(4):130,
//!    §4), `d = v √(h/g + v²/4g²) − α v_d` from the centre of mass, sagittally and laterally,
//!    with `v` the centre-of-mass velocity relative to the belt and `v_d` the desired one
//!    (walking backwards is the same law with a negative desired velocity), and tracked through
//!    analytic leg IK ([`crate::controller::leg_ik`]) and PD control with gravity compensation;
//!    in double support the trailing leg bends its knee and pushes off instead.
//! 4. **Stance leg** ([`stance`]): the knee's servo with a weight feed-forward, the ankle
//!    holding the foot flat with an ankle strategy on the velocity error, and a timed push-off
//!    (its positive work per stance budgeted, if the posture asks: `push_off_budget`);
//!    or, where the direction's posture asks for it, the ankle's muscles under local reflexes
//!    in each weight-bearing leg ([`reflex_ankle`]) and the stance knee's vasti under theirs
//!    ([`reflex_knee`]).
//! 5. **Upper body** ([`upper_body`]): the lumbar joint holds the head-arms-trunk at a
//!    world-frame lean; the stance hip supplies the torque that holds the pelvis upright and
//!    heading straight, `τ_stance = −τ_pelvis − τ_swing − τ_lumbar` (SIMBICON's virtual torso
//!    control).
//! 6. **Limits**: each torque is clamped to the joint's strength ([`Strength`]).
//!
//! The controller is split as the model and data of MuJoCo are: a [`Setup`] that never changes
//! during a trial (parameters, body layout, subject) and a [`State`] of what it remembers
//! between steps. All gains are per kilogram of body mass so the same file serves any subject.

pub mod cycle;
pub mod outer_loop;
pub mod params;
mod push_off_budget;
mod reflex;
pub mod reflex_ankle;
pub mod reflex_knee;
mod servo;
pub mod stance;
pub mod swing;
pub mod upper_body;

use glam::{DMat3, DVec3};
use musculo::{Model, Side, Sides};

pub use params::{DEFAULT_WALKING_RON, Gain, Gains, Posture, WalkingParams};

use self::cycle::{GaitCycle, Phase, StepTiming, Transition};
use self::outer_loop::OuterLoop;
use self::push_off_budget::{Belt, PushOffBudget};
use self::reflex_ankle::{AnkleMuscles, AnkleReflexState};
use self::reflex_knee::KneeReflexState;
use self::servo::Servo;
use self::swing::SwingTargets;
use super::strength::Strength;
use super::{Controller, Observation};
use crate::skeleton::{Leg, Skeleton};
use crate::spec::Direction;

/// What the walking controller knows that never changes during a trial.
#[derive(Debug, Clone)]
pub struct Setup {
    params: WalkingParams,
    skeleton: Skeleton,
    /// Contact spheres of the right foot (centre in the foot frame, radius) [m].
    foot_contacts: Vec<(DVec3, f64)>,
    mass_kg: f64,
    height_m: f64,
    /// The ankle muscles of each leg, if the model has them (for [`Posture::ankle_reflexes`];
    /// [`WalkingParams::check_model`] refuses a model without them when a posture asks).
    ankle_muscles: Option<Sides<AnkleMuscles>>,
    /// The vasti of each leg, if the model has them (for [`Posture::knee_reflexes`]).
    vasti: Option<Sides<musculo::MuscleId>>,
}

/// What the walking controller remembers from one control step to the next.
#[derive(Debug, Clone)]
pub struct State {
    cycle: GaitCycle,
    outer_loop: OuterLoop,
    swing_targets: SwingTargets,
    /// Current torque limits.
    strength: Strength,
    /// Each leg's reflex-driven ankle muscles.
    ankle_reflexes: Sides<AnkleReflexState>,
    /// Each leg's reflex-driven vasti.
    knee_reflexes: Sides<KneeReflexState>,
    /// Each leg's push-off work budget, if the posture has one.
    push_off_budget: PushOffBudget,
}

/// The walking controller: its setup and its state.
#[derive(Debug, Clone)]
pub struct WalkingController {
    setup: Setup,
    state: State,
}

/// The inputs all stages of one control step share.
struct Step<'a> {
    /// Posture targets of the walking direction.
    posture: &'a Posture,
    /// Planned swing and double-support times at this belt speed and grade.
    timing: StepTiming,
    /// Grade downhill in the direction of travel (rise over run; negative uphill).
    downhill: f64,
    /// Unit horizontal vector in the direction of travel.
    travel: DVec3,
    /// Pitch of the belt about the world z axis [rad].
    belt_pitch_rad: f64,
    /// Peak push-off torque at this belt speed [N·m/kg].
    push_off_per_kg: f64,
    /// Distance of the centre of mass ahead of the stance ankle at which the progress-triggered
    /// push-off starts at this belt speed and grade \[m\] (None without a progress trigger).
    push_off_progress_m: Option<f64>,
    /// Share of the push-off torque the stance leg's work budget still allows, 0…1.
    stance_push_off_share: f64,
    /// Likewise for the other leg (the trailing leg in double support).
    other_push_off_share: f64,
    /// The stance leg (in double support, the leading leg).
    stance: &'a Leg,
    /// The swing leg (in double support, the trailing leg).
    other: &'a Leg,
    /// Fraction of the planned swing elapsed (0 in double support).
    swing_phase: f64,
    /// Swing or double support.
    phase: Phase,
}

impl WalkingController {
    /// Builds the controller for a model with the body layout `skeleton`.
    pub fn new(model: &Model, skeleton: &Skeleton, params: WalkingParams) -> Self {
        let foot = &model.segments[skeleton.legs[Side::Right].foot.index()];
        let strength = Strength::new(model, skeleton, &params.strength);
        let knee_rad = params.forward.stance_knee_flexion_rad;
        let ankle_muscles = both_legs(|side| AnkleMuscles::resolve(model, side));
        let vasti = both_legs(|side| reflex_knee::resolve_vasti(model, side));
        Self {
            setup: Setup {
                params,
                skeleton: skeleton.clone(),
                foot_contacts: foot.contacts.iter().map(|c| (c.centre, c.radius)).collect(),
                mass_kg: model.subject.mass_kg,
                height_m: model.subject.height_m,
                ankle_muscles,
                vasti,
            },
            state: State {
                cycle: GaitCycle::new(knee_rad),
                outer_loop: OuterLoop::default(),
                swing_targets: SwingTargets::default(),
                strength,
                ankle_reflexes: Sides::default(),
                knee_reflexes: Sides::default(),
                push_off_budget: PushOffBudget::default(),
            },
        }
    }

    /// Number of completed steps.
    pub fn steps(&self) -> u64 {
        self.state.cycle.steps
    }
}

impl Controller for WalkingController {
    fn control(&mut self, obs: &Observation, torques: &mut [f64]) {
        self.setup.control(obs, &mut self.state, torques);
    }

    fn stance_side(&self) -> Option<Side> {
        Some(self.state.cycle.stance)
    }

    /// The posture's stance knee in both legs, the hip and ankle each flexed by half of it
    /// (right leg in stance).
    fn initial_pose(&self, model: &Model, direction: Direction) -> Vec<f64> {
        let posture = self.setup.params.posture(direction);
        let mut q = model.neutral_pose();
        for leg in &self.setup.skeleton.legs {
            q[leg.knee.index()] = posture.stance_knee_flexion_rad;
            q[leg.hip[0].index()] = 0.5 * posture.stance_knee_flexion_rad;
            q[leg.ankle.index()] = 0.5 * posture.stance_knee_flexion_rad;
        }
        q
    }

    /// Sideways towards the first stance (right) foot at the speed at which an inverted
    /// pendulum of the standing hip height comes to rest over that foot, `v = Δz √(g/h)`
    /// (linear inverted pendulum, Kajita et al. 2001), times 0.7: as in the lateral sway of a
    /// gait under way, without which the first swing would begin with the body falling away
    /// from its only support.
    fn initial_velocity(&self) -> DVec3 {
        let skeleton = &self.setup.skeleton;
        let dz = skeleton.legs[Side::Right].hip_in_pelvis.z;
        let h = skeleton.geometry.length_m();
        DVec3::new(
            0.0,
            0.0,
            0.7 * dz * (musculo::STANDARD_GRAVITY_MPS2 / h).sqrt(),
        )
    }
}

impl Setup {
    /// One control step: the stages in order.
    fn control(&self, obs: &Observation, state: &mut State, torques: &mut [f64]) {
        torques.fill(0.0);
        state.strength.update(obs.model, obs.q);
        let posture = self.params.posture(obs.direction);
        let downhill = downhill(obs);
        let timing = self.step_timing(posture, obs.belt_speed_mps, downhill);
        let legs = &self.skeleton.legs;
        let transition = state.cycle.update(obs, &self.params, legs, timing);
        if transition == Transition::LiftOff {
            state.swing_targets = SwingTargets::default();
        }
        let travel = travel_direction(obs);
        let velocities = state.outer_loop.update(obs, &self.params, posture, travel);
        let budgeted = posture.push_off_work_per_kg.is_some();
        if budgeted && transition == Transition::Touchdown {
            let speeds = (
                velocities.relative.dot(travel),
                velocities.desired.dot(travel),
            );
            let belt = Belt {
                speed_mps: obs.belt_speed_mps,
                gravity_mps2: obs.gravity.length(),
                uphill: -downhill,
                step_time_s: timing.step_s(),
            };
            let stance = state.cycle.stance;
            let budget = &mut state.push_off_budget;
            budget.open(stance, posture, &belt, speeds, self.mass_kg);
        }
        let step = self.step(obs, posture, (downhill, travel), state, timing);
        let servo = Servo::new(obs, self.mass_kg);
        let (swing_hip, other_push_off) = match step.phase {
            Phase::Swing => {
                let target = self.foot_target(obs, &step, &velocities, &state.cycle);
                let hip = self.swing_leg(&servo, &step, target, &mut state.swing_targets, torques);
                (hip, 0.0)
            }
            Phase::DoubleSupport => self.trailing_leg(&servo, &step, torques),
        };
        let inversion = step.other.inversion;
        torques[inversion.index()] = servo.pd(inversion, self.params.gains.ankle_inversion, 0.0);
        let stance_push_off = self.stance_leg(&servo, &step, &velocities, &state.cycle, torques);
        self.reflex_knees(obs, &step, &state.cycle, &mut state.knee_reflexes, torques);
        let reflex_state = &mut state.ankle_reflexes;
        self.reflex_ankles(obs, &step, &velocities, &state.cycle, reflex_state, torques);
        self.upper_body(&servo, &step, swing_hip, &state.strength, torques);
        for (i, t) in torques.iter_mut().enumerate() {
            *t = state.strength.clamp(musculo::CoordinateId(i as u32), *t);
        }
        if budgeted {
            for (leg, push_off) in [(step.stance, stance_push_off), (step.other, other_push_off)] {
                let rate = obs.qdot[leg.ankle.index()];
                state
                    .push_off_budget
                    .record(leg.side, push_off, rate, obs.dt_s);
            }
        }
    }

    /// The reflex knee stage, if the posture has one: both legs' vasti advance; in the stance
    /// leg (the leading leg in double support) their torque replaces the stance knee servo's.
    fn reflex_knees(
        &self,
        obs: &Observation,
        step: &Step,
        cycle: &GaitCycle,
        reflex_state: &mut Sides<KneeReflexState>,
        torques: &mut [f64],
    ) {
        let (Some(reflexes), Some(vasti)) = (&step.posture.knee_reflexes, &self.vasti) else {
            return;
        };
        for side in [Side::Right, Side::Left] {
            let leg = &self.skeleton.legs[side];
            let stance = side == cycle.stance;
            let swing_phase = (!stance && step.phase == Phase::Swing).then_some(step.swing_phase);
            let t = reflex_state[side].step(
                obs.model,
                vasti[side],
                leg,
                reflexes,
                stance,
                swing_phase,
                (obs.q, obs.qdot),
                (obs.time_s, obs.dt_s),
            );
            if stance {
                torques[leg.knee.index()] = t;
            }
        }
    }

    /// The reflex ankle stage, if the posture has one: both legs' ankle muscles advance; in
    /// each weight-bearing leg (the stance leg, and the trailing leg in double support) their
    /// torque replaces the ankle servo's and the gastrocnemius' is added to the knee's.
    fn reflex_ankles(
        &self,
        obs: &Observation,
        step: &Step,
        velocities: &outer_loop::Velocities,
        cycle: &GaitCycle,
        reflex_state: &mut Sides<AnkleReflexState>,
        torques: &mut [f64],
    ) {
        let (Some(reflexes), Some(muscles)) = (&step.posture.ankle_reflexes, &self.ankle_muscles)
        else {
            return;
        };
        for side in [Side::Right, Side::Left] {
            let leg = &self.skeleton.legs[side];
            let stance = side == cycle.stance || step.phase == Phase::DoubleSupport;
            let t = reflex_state[side].step(
                obs.model,
                muscles[side],
                leg,
                reflexes,
                stance,
                obs.q,
                (obs.time_s, obs.dt_s),
            );
            if stance {
                torques[leg.ankle.index()] = t.ankle;
                torques[leg.knee.index()] += t.knee;
            }
            if side == cycle.stance && reflexes.ankle_strategy {
                torques[leg.ankle.index()] +=
                    self.params.ankle_velocity_gain * self.mass_kg * velocities.x_error();
            }
        }
    }

    /// Planned swing and double-support times at the belt's speed and grade.
    fn step_timing(&self, posture: &Posture, speed_mps: f64, downhill: f64) -> StepTiming {
        let step_time = self.params.step_time_s(posture, speed_mps, downhill);
        StepTiming {
            swing_s: step_time * (1.0 - self.params.double_support_fraction),
            double_support_s: step_time * self.params.double_support_fraction,
        }
    }

    /// The inputs the stages share, once the cycle knows which leg stands (and, if the
    /// posture budgets the push-off, a landing leg's budget is open): `(downhill, travel)` are
    /// the belt's grade downhill and the unit direction of travel.
    fn step<'a>(
        &'a self,
        obs: &Observation,
        posture: &'a Posture,
        (downhill, travel): (f64, DVec3),
        state: &State,
        timing: StepTiming,
    ) -> Step<'a> {
        let cycle = &state.cycle;
        let share = |side| match posture.push_off_work_per_kg {
            Some(_) => state.push_off_budget.share(side),
            None => 1.0,
        };
        Step {
            posture,
            timing,
            downhill,
            travel,
            belt_pitch_rad: -obs.belt.normal.x.atan2(obs.belt.normal.y),
            push_off_per_kg: posture.push_off_torque_at(obs.belt_speed_mps),
            push_off_progress_m: self.params.push_off_progress_at(
                posture,
                obs.belt_speed_mps,
                timing.step_s(),
            ),
            stance_push_off_share: share(cycle.stance),
            other_push_off_share: share(cycle.other()),
            stance: &self.skeleton.legs[cycle.stance],
            other: &self.skeleton.legs[cycle.other()],
            swing_phase: cycle.swing_phase(obs.time_s, timing),
            phase: cycle.phase,
        }
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
}

/// Grade of the belt downhill in the direction of travel (rise over run; negative uphill).
fn downhill(obs: &Observation) -> f64 {
    let travel_axis = obs.belt.travel_axis;
    -travel_axis.y / horizontal(travel_axis).length()
}

/// Unit horizontal vector in the belt's direction of travel.
fn travel_direction(obs: &Observation) -> DVec3 {
    horizontal(obs.belt.travel_axis).normalize()
}

/// Smooth 0→1 ramp (cubic smoothstep) of `x` clamped to [0, 1].
fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// What `resolve` finds for each leg, if it finds it for both.
fn both_legs<T>(resolve: impl Fn(Side) -> Result<T, String>) -> Option<Sides<T>> {
    Some(Sides([
        resolve(Side::Right).ok()?,
        resolve(Side::Left).ok()?,
    ]))
}

/// Horizontal part of a vector (remove the world-vertical component).
fn horizontal(v: DVec3) -> DVec3 {
    DVec3::new(v.x, 0.0, v.z)
}
