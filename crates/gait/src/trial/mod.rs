//! A trial: the rapier world with the treadmill and the walker, and the fixed-step pipeline
//! (cf. MuJoCo's `mj_step`), each stage a named method:
//!
//! ```text
//! Trial::step:    observe → control → actuate (torques, pushes) → physics → sense (kinematics, contacts)
//! Trial::advance: step → gait events → step kinetics ([`kinetics`]) → every sample: frame → muscle analysis
//! Trial::run:     advance until the duration or a fall (run_streaming: frames handed out, not kept)
//! ```
//!
//! Everything a trial uses lives in [`Trial`]: no globals, so trials run side by side on a
//! thread pool and the visualizer can hold two. The rapier world stays inside; the rest of the
//! workspace sees segment states, coordinates, contacts and frames.

mod kinetics;
mod push;
mod settings;

use glam::{DMat3, DVec3};
use musculo::{Model, STANDARD_GRAVITY_MPS2, SegmentId, Side};
use rapier3d::prelude::*;
use serde::Serialize;

pub use self::kinetics::StepKinetics;
use self::push::Pushes;
pub use self::settings::{PhysicsChoices, PhysicsParams, TrialSettings};
use crate::analysis::{AnalysisSettings, Analyzer};
use crate::contact::{ContactReader, Contacts};
use crate::controller::walking::{WalkingController, WalkingParams};
use crate::controller::{BeltState, Controller, Observation, SegmentState};
use crate::error::SimError;
use crate::hunt_crossley::{CompliantFeet, FootDynamics};
use crate::kinematics::SegmentMotion;
use crate::record::{EventDetector, Fall, Frame, GaitEvent};
use crate::skeleton::Skeleton;
use crate::spec::{SpecError, TrialSpec};
use crate::treadmill::{BeltSetting, Treadmill};
use crate::walker::Walker;

/// The running state of one trial.
pub struct Trial {
    model: Model,
    skeleton: Skeleton,
    spec: TrialSpec,
    settings: TrialSettings,
    world: PhysicsWorld,
    treadmill: Treadmill,
    walker: Walker,
    contact_reader: ContactReader,
    controller: Box<dyn Controller>,
    time_s: f64,
    step: u64,
    pushes: Pushes,
    // The sensed state after the last step: scratch buffers, reused every step.
    q: Vec<f64>,
    qdot: Vec<f64>,
    axes: Vec<DVec3>,
    segments: Vec<SegmentState>,
    torques: Vec<f64>,
    inverse_inertia: Vec<f64>,
    contacts: Contacts,
    /// The compliant feet, when the model's ground contact is Hunt-Crossley; their contacts
    /// and loads for the coming step are computed before the physics.
    compliant: Option<CompliantFeet>,
    compliant_contacts: Contacts,
    /// Scratch of the multibody's queries for the compliant feet.
    dynamics_scratch: DynamicsScratch,
    // The state at the start of the last step (for the ground reaction and inverse dynamics).
    momentum_before: DVec3,
    segments_before: Vec<SegmentState>,
    axes_before: Vec<DVec3>,
    /// Each segment's state at the start of the last step and its accelerations over it (what
    /// inverse dynamics needs; refilled in place every step).
    motion: Vec<SegmentMotion>,
    // Recording.
    events: EventDetector,
    standing_pelvis_height_m: f64,
    analyzer: Option<Analyzer>,
    /// Physics steps per recorded frame.
    steps_per_frame: u64,
    /// Kinetics summed over the steps since the last frame, and how many steps that is.
    pending_kinetics: Option<StepKinetics>,
    pending_steps: u32,
    /// Whole-body mass [kg].
    total_mass_kg: f64,
}

/// What one step of [`Trial::advance`] produced.
#[derive(Debug, Clone)]
pub struct Advance {
    /// The frame recorded at this step, if a sample was due.
    pub frame: Option<Frame>,
    /// Gait events confirmed at this step.
    pub events: Vec<GaitEvent>,
    /// The fall, if the walker has fallen.
    pub fall: Option<Fall>,
}

/// Everything a finished trial produced: its record and its frames. The record's fields
/// read through it (`result.spec`, `result.events`, ...).
#[derive(Debug, Clone, Serialize)]
pub struct TrialResult {
    /// Everything but the frames.
    #[serde(flatten)]
    pub record: TrialRecord,
    /// Recorded frames.
    pub frames: Vec<Frame>,
}

impl TrialResult {
    /// The recording with these frames.
    pub fn new(record: TrialRecord, frames: Vec<Frame>) -> Self {
        Self { record, frames }
    }
}

impl std::ops::Deref for TrialResult {
    type Target = TrialRecord;

    fn deref(&self) -> &TrialRecord {
        &self.record
    }
}

/// What a finished trial produced apart from its frames, which [`Trial::run_streaming`] hands
/// out as they are recorded: a long trial's frames need not fit in memory.
#[derive(Debug, Clone, Serialize)]
pub struct TrialRecord {
    /// The specification it ran.
    pub spec: TrialSpec,
    /// The walker's body layout (which coordinates are the knees, ...), for the measures.
    pub skeleton: Skeleton,
    /// Foot strikes and foot-offs.
    pub events: Vec<GaitEvent>,
    /// The fall, if the walker fell.
    pub fall: Option<Fall>,
    /// Wall-clock time of the simulation \[s\] (not counting the consumer of its frames).
    pub wall_time_s: f64,
    /// Physics steps taken.
    pub steps: u64,
    /// Physics step \[s\].
    pub dt_s: f64,
    /// Seconds of belt start-up at the beginning of the trial.
    pub start_ramp_s: f64,
    /// Seconds after the start-up before the measures begin (the gait settles).
    pub settle_s: f64,
}

impl TrialRecord {
    /// Time the measures begin: the start-up and the settling time after it \[s\].
    pub fn analysis_start_s(&self) -> f64 {
        self.start_ramp_s + self.settle_s
    }
}

impl Trial {
    /// Sets up a trial of `model` under `spec` with the walking controller and the default
    /// treadmill and physics for the model ([`TrialSettings::for_model`]).
    pub fn new(model: Model, spec: TrialSpec, params: WalkingParams) -> Result<Self, SimError> {
        let settings = TrialSettings::for_model(&model);
        Self::with_settings(model, spec, settings, params)
    }

    /// Sets up a trial of `model` under `spec` with the walking controller and explicit
    /// `settings` (e.g. [`PhysicsChoices::settings_for`]).
    pub fn with_settings(
        model: Model,
        spec: TrialSpec,
        settings: TrialSettings,
        params: WalkingParams,
    ) -> Result<Self, SimError> {
        params.check_model(&model)?;
        Self::with_controller(model, spec, settings, |model, skeleton| {
            Box::new(WalkingController::new(model, skeleton, params))
        })
    }

    /// Sets up a trial with explicit settings and any controller: `controller` builds it from
    /// the model and its body layout, which the trial resolves once here.
    pub fn with_controller(
        model: Model,
        spec: TrialSpec,
        settings: TrialSettings,
        controller: impl FnOnce(&Model, &Skeleton) -> Box<dyn Controller>,
    ) -> Result<Self, SimError> {
        spec.validate()?;
        settings.physics.validate(&spec)?;
        let skeleton = Skeleton::resolve(&model)?;
        let controller = controller(&model, &skeleton);
        let physics = settings.physics;
        let mut world = PhysicsWorld {
            gravity: Vector::new(0.0, -STANDARD_GRAVITY_MPS2 as f32, 0.0),
            ..Default::default()
        };
        world.integration_parameters.dt = physics.dt_s as f32;
        world.integration_parameters.num_solver_iterations = physics.solver_iterations;
        let treadmill = Treadmill::build(
            &mut world.bodies,
            &mut world.colliders,
            &settings.treadmill,
            spec.direction,
            spec.speed_mps,
            spec.incline_pct,
        );
        let q0 = controller.initial_pose(&model, spec.direction);
        let friction = settings.treadmill.friction;
        let (walker, standing_height) = stand_on_belt(
            &mut world,
            &model,
            &skeleton,
            &treadmill,
            friction,
            &*controller,
            q0,
        );
        walker.select_mass_matrix(&mut world, physics.tree_sparse_multibody);
        let n = model.coordinates.len();
        let still = SegmentState {
            rotation: DMat3::IDENTITY,
            origin: DVec3::ZERO,
            com: DVec3::ZERO,
            com_velocity: DVec3::ZERO,
            angular_velocity: DVec3::ZERO,
        };
        let compliant = CompliantFeet::new(&model, walker.feet(), physics.friction_integration);
        let mut trial = Self {
            contact_reader: ContactReader::new(
                &model,
                &walker,
                physics.dt_s,
                physics.solver_iterations,
            ),
            total_mass_kg: model.segments.iter().map(|s| s.mass_kg).sum(),
            segments: vec![still; model.segments.len()],
            model,
            skeleton,
            spec,
            settings,
            world,
            treadmill,
            walker,
            controller,
            time_s: 0.0,
            step: 0,
            pushes: Pushes::new(spec.pushes, spec.seed),
            q: vec![0.0; n],
            qdot: vec![0.0; n],
            axes: vec![DVec3::ZERO; n],
            torques: vec![0.0; n],
            inverse_inertia: vec![0.0; n],
            contacts: Contacts::default(),
            compliant,
            compliant_contacts: Contacts::default(),
            dynamics_scratch: DynamicsScratch::default(),
            momentum_before: DVec3::ZERO,
            segments_before: Vec::new(),
            axes_before: Vec::new(),
            motion: Vec::new(),
            events: EventDetector::default(),
            standing_pelvis_height_m: standing_height,
            analyzer: None,
            steps_per_frame: ((1.0 / spec.sample_rate_hz) / physics.dt_s)
                .round()
                .max(1.0) as u64,
            pending_kinetics: None,
            pending_steps: 0,
        };
        trial.sense_kinematics();
        Ok(trial)
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The walker's body layout.
    pub fn skeleton(&self) -> &Skeleton {
        &self.skeleton
    }

    /// The trial specification as requested (live belt changes do not alter it; see
    /// [`Trial::belt`]).
    pub fn spec(&self) -> &TrialSpec {
        &self.spec
    }

    /// Simulated time \[s\].
    pub fn time_s(&self) -> f64 {
        self.time_s
    }

    /// Physics step \[s\].
    pub fn dt_s(&self) -> f64 {
        self.settings.physics.dt_s
    }

    /// Physics steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The rapier world (read only): for benchmarks that step a copy of it with bare rapier
    /// as the baseline of the full pipeline (`benches/walker_step.rs`).
    pub fn world(&self) -> &PhysicsWorld {
        &self.world
    }

    /// The treadmill.
    pub fn treadmill(&self) -> &Treadmill {
        &self.treadmill
    }

    /// Segment states after the last step.
    pub fn segments(&self) -> &[SegmentState] {
        &self.segments
    }

    /// Coordinates after the last step \[rad\].
    pub fn q(&self) -> &[f64] {
        &self.q
    }

    /// Coordinate speeds after the last step [rad/s].
    pub fn qdot(&self) -> &[f64] {
        &self.qdot
    }

    /// Torques applied during the last step [N·m].
    pub fn torques(&self) -> &[f64] {
        &self.torques
    }

    /// What touched the belt during the last step.
    pub fn contacts(&self) -> &Contacts {
        &self.contacts
    }

    /// Whole-body centre of mass and its velocity.
    pub fn centre_of_mass(&self) -> (DVec3, DVec3) {
        crate::kinematics::centre_of_mass(&self.model, &self.segments)
    }

    /// Fraction of its speed the belt runs at now (it ramps up from rest at the start).
    pub fn belt_fraction(&self) -> f64 {
        self.treadmill.motor().fraction(self.time_s)
    }

    /// The belt's speed and incline now (they follow [`Trial::set_belt`] gradually), before
    /// the start-up ramp.
    pub fn belt(&self) -> BeltSetting {
        self.treadmill.motor().current()
    }

    /// Belt surface velocity now [m/s].
    pub fn belt_velocity(&self) -> DVec3 {
        self.treadmill.surface_velocity(self.time_s)
    }

    /// The push force acting on the pelvis now \[N\].
    pub fn push_force(&self) -> DVec3 {
        self.pushes.force().unwrap_or(DVec3::ZERO)
    }

    /// Stance side of the controller.
    pub fn stance_side(&self) -> Option<Side> {
        self.controller.stance_side()
    }

    /// Switches the online muscle analysis on (with these settings) or off (`None`, the
    /// default: pure physics).
    pub fn set_analysis(&mut self, settings: Option<AnalysisSettings>) -> Result<(), SimError> {
        self.analyzer = match settings {
            Some(s) => Some(
                Analyzer::new(&self.model, &self.skeleton, s, self.spec.sample_rate_hz).map_err(
                    |source| SimError::Analysis {
                        time_s: self.time_s,
                        source,
                    },
                )?,
            ),
            None => None,
        };
        Ok(())
    }

    /// Asks the treadmill for a new belt speed and incline while the trial runs (the
    /// visualizer's live controls), validated as a [`TrialSpec`] is; the belt follows at the
    /// rates of its motor and lift ([`crate::treadmill::TreadmillParams`]), and the controller sees the belt as
    /// it is at each step. The trial's spec keeps the requested start setting.
    pub fn set_belt(&mut self, speed_mps: f64, incline_pct: f64) -> Result<(), SpecError> {
        TrialSpec {
            speed_mps,
            incline_pct,
            ..self.spec
        }
        .validate()?;
        self.treadmill.set_target(BeltSetting {
            speed_mps,
            incline_pct,
        });
        Ok(())
    }

    /// Pushes the pelvis with `force` \[N\] for `duration_s` from now (the visualizer's push
    /// button), in addition to the spec's seeded pushes.
    pub fn push_now(&mut self, force: DVec3, duration_s: f64) {
        self.pushes.push_now(self.time_s, force, duration_s);
    }

    /// Whether the walker has fallen: pelvis below 65 % of its standing height above the belt,
    /// or a segment other than a foot touching the belt.
    pub fn fall(&self) -> Option<Fall> {
        if let Some(s) = self.contacts.body {
            return Some(Fall {
                time_s: self.time_s,
                reason: format!("contact:{}", self.model.segments[s.index()].name),
            });
        }
        let pelvis = self.segments[self.skeleton.pelvis.index()].origin;
        if self.treadmill.height_above(pelvis) < 0.65 * self.standing_pelvis_height_m {
            return Some(Fall {
                time_s: self.time_s,
                reason: "pelvis_low".into(),
            });
        }
        None
    }

    /// Advances the trial by one physics step: observe and control, actuate, physics, sense.
    pub fn step(&mut self) -> Result<(), SimError> {
        if self
            .step
            .is_multiple_of(self.settings.physics.inertia_refresh_steps as u64)
        {
            self.walker
                .inverse_inertia(&mut self.world, &mut self.inverse_inertia);
        }
        self.treadmill
            .advance(&mut self.world.bodies, self.settings.physics.dt_s);
        self.control();
        self.actuate();
        let hooks = self.treadmill.hooks(self.belt_fraction());
        self.world.step_with_events(&hooks, &());
        self.time_s += self.settings.physics.dt_s;
        self.step += 1;
        self.sense_kinematics();
        self.check_finite()?;
        self.contact_reader.read(
            &self.world,
            &self.walker,
            &self.treadmill,
            &mut self.contacts,
        );
        if self.compliant.is_some() {
            // The feet's contacts are the compliant spheres' of this step (rapier saw no foot
            // collider); rapier still reports any other segment touching the belt.
            self.contacts.feet = self.compliant_contacts.feet;
            self.contacts
                .spheres
                .clone_from(&self.compliant_contacts.spheres);
        }
        Ok(())
    }

    /// Observe and control: the controller's torques for this step from the sensed state.
    fn control(&mut self) {
        let (com, com_velocity) = self.centre_of_mass();
        let obs = Observation {
            time_s: self.time_s,
            dt_s: self.settings.physics.dt_s,
            model: &self.model,
            direction: self.spec.direction,
            belt_speed_mps: self.belt().speed_mps * self.belt_fraction(),
            q: &self.q,
            qdot: &self.qdot,
            axes: &self.axes,
            segments: &self.segments,
            com,
            com_velocity,
            foot_contact: self.contacts.feet.map(|f| f.touching),
            foot_load_n: self.contacts.foot_loads(self.treadmill.normal),
            inverse_inertia: &self.inverse_inertia,
            belt: BeltState {
                velocity: self.belt_velocity(),
                normal: self.treadmill.normal,
                travel_axis: self.treadmill.travel_axis,
            },
            gravity: DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0),
        };
        self.controller.control(&obs, &mut self.torques);
    }

    /// Applies the torques and any push, and keeps the state the step starts from.
    fn actuate(&mut self) {
        self.walker
            .apply_torques(&mut self.world.bodies, &self.torques);
        self.pushes.update(self.time_s);
        if let Some(f) = self.pushes.force() {
            let pelvis = self.walker.segment_body(self.skeleton.pelvis);
            self.world.bodies[pelvis].add_force(f.as_vec3(), true);
        }
        if let Some(feet) = &mut self.compliant {
            let belt = BeltState {
                velocity: self.treadmill.surface_velocity(self.time_s),
                normal: self.treadmill.normal,
                travel_axis: self.treadmill.travel_axis,
            };
            let mut dynamics = RapierFeet {
                walker: &self.walker,
                world: &mut self.world,
                dt_s: self.settings.physics.dt_s,
                scratch: &mut self.dynamics_scratch,
            };
            feet.contacts(
                &self.segments,
                &belt,
                self.settings.physics.dt_s,
                &mut dynamics,
                &mut self.compliant_contacts,
            );
        }
        self.momentum_before = self.momentum();
        self.segments_before.clone_from(&self.segments);
        self.axes_before.clone_from(&self.axes);
    }

    /// Reads the coordinates, their axes and every segment's state from the world.
    fn sense_kinematics(&mut self) {
        self.walker
            .coordinates(&self.world.multibody_joints, &mut self.q, &mut self.qdot);
        for (i, axis) in self.axes.iter_mut().enumerate() {
            *axis = self
                .walker
                .world_axis(&self.world.bodies, musculo::CoordinateId(i as u32));
        }
        for (i, state) in self.segments.iter_mut().enumerate() {
            *state = self
                .walker
                .segment_state(&self.world.bodies, SegmentId(i as u32));
        }
        let dt = self.settings.physics.dt_s;
        self.motion.clear();
        self.motion.extend(
            self.segments_before
                .iter()
                .zip(&self.segments)
                .map(|(before, after)| SegmentMotion::over_step(before, after, dt)),
        );
    }

    /// A non-finite segment state is an error naming the segment.
    fn check_finite(&self) -> Result<(), SimError> {
        let bad = self.segments.iter().position(|s| {
            !(s.com.is_finite() && s.com_velocity.is_finite() && s.angular_velocity.is_finite())
        });
        match bad {
            Some(i) => Err(SimError::NonFinite {
                time_s: self.time_s,
                step: self.step,
                body: self.model.segments[i].name.clone(),
            }),
            None => Ok(()),
        }
    }

    fn momentum(&self) -> DVec3 {
        self.model
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let body = self.walker.segment_body(SegmentId(i as u32));
                self.world.bodies[body].linvel().as_dvec3() * s.mass_kg
            })
            .sum()
    }

    /// Advances one physics step and records as [`Trial::run`] does: gait events, and a frame
    /// (with the muscle analysis, if on) whenever a sample is due. For callers that interleave
    /// stepping with other work, such as the visualizer; [`Trial::run`] is a loop over it.
    pub fn advance(&mut self) -> Result<Advance, SimError> {
        self.step()?;
        let feet = &self.contacts.feet;
        // The force-plate threshold that measured walking's events use too.
        let threshold = crate::measured::CONTACT_THRESHOLD_N;
        let loads = self.contacts.foot_loads(self.treadmill.normal);
        let loaded = loads.map(|f| f > threshold);
        let events = self.events.update_loaded(
            self.time_s,
            feet.map(|f| f.touching),
            loaded,
            feet.map(|f| f.heel),
        );
        let k = self.step_kinetics();
        let pending = match self.pending_kinetics.take() {
            Some(mut sum) => {
                sum.add(&k);
                sum
            }
            None => k,
        };
        self.pending_steps += 1;
        let frame = if self.step.is_multiple_of(self.steps_per_frame) {
            Some(self.record_frame(pending)?)
        } else {
            self.pending_kinetics = Some(pending);
            None
        };
        Ok(Advance {
            frame,
            events,
            fall: self.fall(),
        })
    }

    /// The frame of the steps since the last one (`sum`: their kinetics summed), analysed when
    /// the analysis is on.
    fn record_frame(&mut self, mut sum: StepKinetics) -> Result<Frame, SimError> {
        sum.scale(1.0 / f64::from(self.pending_steps));
        self.pending_steps = 0;
        let mut frame = self.frame(&sum);
        if let Some(a) = &mut self.analyzer {
            let muscles = a
                .analyse(&self.model, &frame)
                .map_err(|source| SimError::Analysis {
                    time_s: self.time_s,
                    source,
                })?;
            frame.muscles = Some(muscles);
        }
        Ok(frame)
    }

    /// Runs the trial to its duration or to a fall, recording frames at the spec's rate, and
    /// keeps them. `progress` is called about every simulated second with the simulated time.
    pub fn run(&mut self, progress: impl FnMut(f64)) -> Result<TrialResult, SimError> {
        let mut frames = Vec::with_capacity(
            (self.total_steps().saturating_sub(self.step) / self.steps_per_frame + 1) as usize,
        );
        let record = self.run_streaming(progress, |_, frame| {
            frames.extend(frame);
            Ok::<_, SimError>(())
        })?;
        Ok(TrialResult::new(record, frames))
    }

    /// Runs the trial to its duration or to a fall as [`Trial::run`] does, but hands each
    /// step's gait events and frame (if a sample was due) to `record` instead of keeping the
    /// frames, so that memory does not grow with the trial's length; an error of `record`
    /// stops the trial. The time `record` takes is not part of the trial's wall-clock time.
    pub fn run_streaming<E: From<SimError>>(
        &mut self,
        mut progress: impl FnMut(f64),
        mut record: impl FnMut(&[GaitEvent], Option<Frame>) -> Result<(), E>,
    ) -> Result<TrialRecord, E> {
        let start = std::time::Instant::now();
        let dt = self.settings.physics.dt_s;
        let total_steps = self.total_steps();
        let report_every = (1.0 / dt).round() as u64;
        let mut events = Vec::new();
        let mut fall = None;
        // Time spent in `record` (writing files): not the simulation's.
        let mut recording = std::time::Duration::ZERO;
        while self.step < total_steps {
            let a = self.advance()?;
            let recorded = std::time::Instant::now();
            record(&a.events, a.frame)?;
            recording += recorded.elapsed();
            events.extend(a.events);
            if self.step.is_multiple_of(report_every) {
                progress(self.time_s);
            }
            if a.fall.is_some() {
                fall = a.fall;
                break;
            }
        }
        Ok(TrialRecord {
            spec: self.spec,
            skeleton: self.skeleton.clone(),
            events,
            fall,
            wall_time_s: start.elapsed().saturating_sub(recording).as_secs_f64(),
            steps: self.step,
            dt_s: dt,
            start_ramp_s: self.settings.treadmill.start_ramp_s,
            settle_s: crate::summary::SETTLE_S,
        })
    }

    /// Physics steps of the whole trial.
    fn total_steps(&self) -> u64 {
        (self.spec.duration_s / self.settings.physics.dt_s).round() as u64
    }

    /// Time the measures begin: the belt's start-up and the settling time after it \[s\]
    /// ([`TrialRecord::analysis_start_s`]), known before the trial runs.
    pub fn analysis_start_s(&self) -> f64 {
        self.settings.treadmill.start_ramp_s + crate::summary::SETTLE_S
    }
}

/// Builds the walker standing in the controller's pose `q0` on the still belt: feet turned
/// flat on the tilted belt, the lowest contact sphere 1 mm above it, and the pelvis moving at
/// the controller's initial velocity. Returns it with its standing pelvis height \[m\].
fn stand_on_belt(
    world: &mut PhysicsWorld,
    model: &Model,
    skeleton: &Skeleton,
    treadmill: &Treadmill,
    friction: f64,
    controller: &dyn Controller,
    mut q0: Vec<f64>,
) -> (Walker, f64) {
    let standing_height = skeleton.standing_pelvis_height_m(&q0);
    let root = DVec3::new(0.0, standing_height + 0.002, 0.0);
    let walker = Walker::build(world, model, root, friction);
    let velocity = controller.initial_velocity();
    let tilt = -treadmill.normal.x.atan2(treadmill.normal.y);
    for leg in &skeleton.legs {
        q0[leg.ankle.index()] += tilt;
    }
    walker.set_initial_state(world, &q0, root, velocity);
    let clearance = walker.sole_clearance(&world.bodies, model, treadmill);
    let root = root + DVec3::Y * (0.001 - clearance) / treadmill.normal.y;
    walker.set_initial_state(world, &vec![0.0; q0.len()], root, velocity);
    (walker, standing_height)
}

/// Reused buffers of [`RapierFeet`].
#[derive(Debug, Clone, Default)]
struct DynamicsScratch {
    one: rapier3d::math::DVector,
    rows: Vec<rapier3d::math::DVector>,
}

/// The compliant feet's view of the walker's rapier multibody over the coming step.
struct RapierFeet<'a> {
    walker: &'a Walker,
    world: &'a mut PhysicsWorld,
    dt_s: f64,
    scratch: &'a mut DynamicsScratch,
}

impl FootDynamics for RapierFeet<'_> {
    fn inverse_mass(&mut self, segment: SegmentId, point: DVec3, direction: DVec3) -> f64 {
        self.walker
            .point_inverse_mass(self.world, segment, point, direction, &mut self.scratch.one)
    }

    fn apply(&mut self, segment: SegmentId, force_n: DVec3, point_m: DVec3) {
        let body = self.walker.segment_body(segment);
        self.world.bodies[body].add_force_at_point(force_n.as_vec3(), point_m.as_vec3(), false);
    }

    fn response(
        &mut self,
        rows: &[(SegmentId, DVec3, DVec3)],
        free_mps2: &mut Vec<f64>,
        coupling: &mut Vec<f64>,
    ) {
        self.walker.contact_response(
            self.world,
            self.dt_s,
            rows,
            &mut self.scratch.rows,
            free_mps2,
            coupling,
        );
    }
}
