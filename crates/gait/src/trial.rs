//! A trial: the rapier world with the treadmill and the walker, and the fixed-step pipeline
//! `observe → control → apply torques → physics → contacts → record` (cf. MuJoCo's `mj_step`).
//!
//! Everything a trial uses lives in [`Trial`]: no globals, so trials run side by side on a
//! thread pool and the visualizer can hold two.

use glam::{DMat3, DVec3};
use musculo::{Model, STANDARD_GRAVITY_MPS2, SegmentId};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::Analyzer;
use crate::controller::walking::{WalkingController, WalkingParams};
use crate::controller::{BeltState, Controller, Observation, SegmentState};
use crate::dynamics::{ExternalForce, inverse_dynamics};
use crate::record::{EventDetector, Fall, Frame, GaitEvent};
use crate::spec::{SpecError, TrialSpec};
use crate::treadmill::{Treadmill, TreadmillParams};
use crate::walker::Walker;

/// Numerical settings of the physics, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsParams {
    /// Physics and control step [s]. Default 1 ms.
    pub dt_s: f64,
    /// rapier solver substeps per step. Default 2.
    pub solver_iterations: usize,
    /// Steps between refreshes of the joints' apparent inertia used by stable PD. Default 10.
    pub inertia_refresh_steps: usize,
}

impl Default for PhysicsParams {
    fn default() -> Self {
        Self {
            dt_s: 1e-3,
            solver_iterations: 2,
            inertia_refresh_steps: 10,
        }
    }
}

/// Why a trial cannot start or continue.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SimError {
    /// The trial specification is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The model lacks something the controller needs.
    #[error("model: {0}")]
    Model(String),
    /// The muscle analysis of a frame failed.
    #[error("muscle analysis failed at t = {time_s:.4} s: {source}")]
    Analysis {
        /// Simulation time.
        time_s: f64,
        /// The solver's error.
        source: musculo::SolveError,
    },
    /// The physics produced a non-finite state.
    #[error("the simulation became non-finite at t = {time_s:.4} s (step {step}) in body `{body}`")]
    NonFinite {
        /// Simulation time.
        time_s: f64,
        /// Step index.
        step: u64,
        /// The segment whose state is not finite.
        body: String,
    },
}

/// Per-foot contact with the belt over one physics step.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct FootContact {
    /// Whether any contact point of the foot is touching the belt.
    pub touching: bool,
    /// Heel spheres touching.
    pub heel: bool,
    /// Toe spheres touching.
    pub toe: bool,
    /// Normal force of the belt on the foot [N] (world vector).
    pub normal_force_n: DVec3,
    /// Friction estimate from the solver's last substep [N] (world vector), used to split the
    /// momentum-balance shear between the feet.
    pub friction_estimate_n: DVec3,
    /// Centre of pressure on the belt [m] (weighted by normal impulse); zero when not touching.
    pub centre_of_pressure_m: DVec3,
}

/// Forces and moments of one physics step (or, summed and scaled, their mean over several).
#[derive(Debug, Clone, PartialEq)]
pub struct StepKinetics {
    /// Ground reaction force per foot [N].
    pub grf_n: [DVec3; 2],
    /// Σ contact point × normal force per foot (centre of pressure numerator) [N m].
    pub cop_weighted_m: [DVec3; 2],
    /// Σ normal force per foot (centre of pressure denominator) [N].
    pub cop_weight_n: [f64; 2],
    /// Applied joint torques [N·m].
    pub applied_torques_nm: Vec<f64>,
    /// Net joint moments from inverse dynamics [N·m].
    pub net_moments_nm: Vec<f64>,
    /// Knee intersegmental force on each shank, shank frame [N].
    pub knee_force_on_shank_n: [DVec3; 2],
    /// Inverse-dynamics residual force at the root [N].
    pub residual_force_n: DVec3,
    /// Inverse-dynamics residual moment at the root [N·m].
    pub residual_moment_nm: DVec3,
}

impl StepKinetics {
    fn add(&mut self, o: &StepKinetics) {
        for s in 0..2 {
            self.grf_n[s] += o.grf_n[s];
            self.cop_weighted_m[s] += o.cop_weighted_m[s];
            self.cop_weight_n[s] += o.cop_weight_n[s];
            self.knee_force_on_shank_n[s] += o.knee_force_on_shank_n[s];
        }
        for (a, b) in self
            .applied_torques_nm
            .iter_mut()
            .zip(&o.applied_torques_nm)
        {
            *a += b;
        }
        for (a, b) in self.net_moments_nm.iter_mut().zip(&o.net_moments_nm) {
            *a += b;
        }
        self.residual_force_n += o.residual_force_n;
        self.residual_moment_nm += o.residual_moment_nm;
    }

    fn scale(&mut self, f: f64) {
        for s in 0..2 {
            self.grf_n[s] *= f;
            self.knee_force_on_shank_n[s] *= f;
        }
        for a in self
            .applied_torques_nm
            .iter_mut()
            .chain(self.net_moments_nm.iter_mut())
        {
            *a *= f;
        }
        self.residual_force_n *= f;
        self.residual_moment_nm *= f;
    }
}

/// The running state of one trial.
pub struct Trial {
    model: Model,
    spec: TrialSpec,
    physics: PhysicsParams,
    treadmill_params: TreadmillParams,
    world: PhysicsWorld,
    treadmill: Treadmill,
    walker: Walker,
    controller: Box<dyn Controller>,
    time_s: f64,
    step: u64,
    rng: ChaCha8Rng,
    next_push_s: f64,
    push: Option<(f64, DVec3)>,
    // Scratch buffers, reused every step.
    q: Vec<f64>,
    qdot: Vec<f64>,
    axes: Vec<DVec3>,
    segments: Vec<SegmentState>,
    torques: Vec<f64>,
    inverse_inertia: Vec<f64>,
    contacts: [FootContact; 2],
    /// Each touching contact sphere of the last step: (side, point, normal force, friction
    /// estimate).
    sphere_contacts: Vec<(usize, DVec3, DVec3, DVec3)>,
    body_contact: Option<SegmentId>,
    momentum_before: DVec3,
    /// Segment states and coordinate axes at the start of the last step (for inverse dynamics).
    segments_before: Vec<SegmentState>,
    axes_before: Vec<DVec3>,
    events: EventDetector,
    standing_pelvis_height_m: f64,
    analyzer: Option<Analyzer>,
    /// Physics steps per recorded frame.
    steps_per_frame: u64,
    /// Kinetics summed over the steps since the last frame, and how many steps that is.
    pending_kinetics: Option<StepKinetics>,
    pending_steps: u32,
    // Constants of the model, looked up once.
    /// Whole-body mass [kg].
    total_mass_kg: f64,
    /// Knee joint and shank segment of each side (right, left), if the model has knees.
    knees: [Option<(usize, usize)>; 2],
    /// Whether each contact sphere of each foot is a heel sphere (else a toe sphere).
    heel_spheres: [Vec<bool>; 2],
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

/// Everything a finished trial produced.
#[derive(Debug, Clone, Serialize)]
pub struct TrialResult {
    /// The specification it ran.
    pub spec: TrialSpec,
    /// Recorded frames.
    pub frames: Vec<Frame>,
    /// Foot strikes and foot-offs.
    pub events: Vec<GaitEvent>,
    /// The fall, if the walker fell.
    pub fall: Option<Fall>,
    /// Wall-clock time of the simulation [s].
    pub wall_time_s: f64,
    /// Physics steps taken.
    pub steps: u64,
    /// Physics step [s].
    pub dt_s: f64,
    /// Seconds of belt start-up at the beginning of the trial.
    pub start_ramp_s: f64,
}

impl Trial {
    /// Sets up a trial of `model` under `spec` with the walking controller.
    pub fn new(model: Model, spec: TrialSpec, params: WalkingParams) -> Result<Self, SimError> {
        Self::with_settings(
            model,
            spec,
            params,
            TreadmillParams::default(),
            PhysicsParams::default(),
        )
    }

    /// Sets up a trial with explicit treadmill and physics settings.
    pub fn with_settings(
        model: Model,
        spec: TrialSpec,
        params: WalkingParams,
        treadmill: TreadmillParams,
        physics: PhysicsParams,
    ) -> Result<Self, SimError> {
        spec.validate()?;
        WalkingController::check_model(&model).map_err(SimError::Model)?;
        let wc = WalkingController::new(&model, params);
        let mut world = PhysicsWorld {
            gravity: Vector::new(0.0, -STANDARD_GRAVITY_MPS2 as f32, 0.0),
            ..Default::default()
        };
        world.integration_parameters.dt = physics.dt_s as f32;
        world.integration_parameters.num_solver_iterations = physics.solver_iterations;
        let treadmill_built = Treadmill::build(
            &mut world.bodies,
            &mut world.colliders,
            &treadmill,
            spec.direction,
            spec.speed_mps,
            spec.incline_pct,
        );
        let q0 = wc.initial_pose(&model, spec.direction);
        let standing_height = standing_pelvis_height(&model, &q0);
        let root = DVec3::new(0.0, standing_height + 0.002, 0.0);
        let walker = Walker::build(&mut world, &model, root, treadmill.friction);
        // Start standing on the still belt with the body swaying towards the first stance foot
        // (right), as in the lateral sway of a gait already under way; without it the first
        // swing would begin with the body falling away from its only support.
        let sway = DVec3::new(0.0, 0.0, wc.initial_sway_mps(&model));
        // Feet flat on the tilted belt, the lowest contact sphere 1 mm above it.
        let mut q0 = q0;
        let tilt = -treadmill_built.normal.x.atan2(treadmill_built.normal.y);
        for side in [musculo::Side::Right, musculo::Side::Left] {
            if let Some(a) = model.side_coordinate("ankle_dorsiflexion", Some(side)) {
                q0[a.index()] += tilt;
            }
        }
        walker.set_initial_state(&mut world, &q0, root, sway);
        let clearance = walker.sole_clearance(&world.bodies, &model, &treadmill_built);
        let root = root + DVec3::Y * (0.001 - clearance) / treadmill_built.normal.y;
        walker.set_initial_state(&mut world, &vec![0.0; q0.len()], root, sway);
        let n = model.coordinates.len();
        let seg_count = model.segments.len();
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let next_push_s = spec.pushes.start_s
            + rng.random_range(0.0..=1.0)
                * (spec.pushes.max_interval_s - spec.pushes.min_interval_s);
        let total_mass_kg = model.segments.iter().map(|s| s.mass_kg).sum();
        let knees = [musculo::Side::Right, musculo::Side::Left].map(|side| {
            model
                .side_coordinate(musculo::knee::KNEE_FLEXION, Some(side))
                .map(|c| {
                    let joint = model.coordinates[c.index()].joint.index();
                    (joint, model.joints[joint].child.index())
                })
        });
        let heel_spheres = walker.feet.map(|foot| {
            model.segments[foot.index()]
                .contacts
                .iter()
                .map(|c| c.name.starts_with("heel"))
                .collect()
        });
        let mut trial = Self {
            model,
            spec,
            physics,
            treadmill_params: treadmill,
            world,
            treadmill: treadmill_built,
            walker,
            controller: Box::new(wc),
            time_s: 0.0,
            step: 0,
            rng,
            next_push_s,
            push: None,
            q: vec![0.0; n],
            qdot: vec![0.0; n],
            axes: vec![DVec3::ZERO; n],
            segments: vec![
                SegmentState {
                    rotation: DMat3::IDENTITY,
                    origin: DVec3::ZERO,
                    com: DVec3::ZERO,
                    com_velocity: DVec3::ZERO,
                    angular_velocity: DVec3::ZERO,
                };
                seg_count
            ],
            torques: vec![0.0; n],
            inverse_inertia: vec![0.0; n],
            contacts: [FootContact::default(); 2],
            sphere_contacts: Vec::new(),
            body_contact: None,
            momentum_before: DVec3::ZERO,
            segments_before: Vec::new(),
            axes_before: Vec::new(),
            events: EventDetector::default(),
            standing_pelvis_height_m: standing_height,
            analyzer: None,
            steps_per_frame: ((1.0 / spec.sample_rate_hz) / physics.dt_s)
                .round()
                .max(1.0) as u64,
            pending_kinetics: None,
            pending_steps: 0,
            total_mass_kg,
            knees,
            heel_spheres,
        };
        trial.observe_kinematics();
        Ok(trial)
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The trial specification.
    pub fn spec(&self) -> &TrialSpec {
        &self.spec
    }

    /// Simulated time [s].
    pub fn time_s(&self) -> f64 {
        self.time_s
    }

    /// Physics step [s].
    pub fn dt_s(&self) -> f64 {
        self.physics.dt_s
    }

    /// Physics steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The rapier world (read only): for viewers, and for benchmarks that step a copy of it
    /// with bare rapier as the baseline of the full pipeline (`benches/walker_step.rs`).
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

    /// Coordinates after the last step [rad].
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

    /// Foot contacts during the last step (right, left).
    pub fn foot_contacts(&self) -> &[FootContact; 2] {
        &self.contacts
    }

    /// A segment other than a foot that touched the belt in the last step.
    pub fn body_contact(&self) -> Option<SegmentId> {
        self.body_contact
    }

    /// Whole-body centre of mass and its velocity.
    pub fn centre_of_mass(&self) -> (DVec3, DVec3) {
        let mut m = 0.0;
        let (mut c, mut v) = (DVec3::ZERO, DVec3::ZERO);
        for (s, seg) in self.segments.iter().zip(&self.model.segments) {
            m += seg.mass_kg;
            c += s.com * seg.mass_kg;
            v += s.com_velocity * seg.mass_kg;
        }
        (c / m, v / m)
    }

    /// Fraction of its speed the belt runs at now (it ramps up from rest at the start).
    pub fn belt_fraction(&self) -> f64 {
        let ramp = self.treadmill_params.start_ramp_s;
        if ramp <= 0.0 {
            1.0
        } else {
            (self.time_s / ramp).min(1.0)
        }
    }

    /// Belt surface velocity now [m/s].
    pub fn belt_velocity(&self) -> DVec3 {
        self.treadmill.belt_velocity * self.belt_fraction()
    }

    /// The push force acting on the pelvis now [N].
    pub fn push_force(&self) -> DVec3 {
        self.push.map_or(DVec3::ZERO, |(_, f)| f)
    }

    /// Stance side of the controller (0 right, 1 left).
    pub fn stance_side(&self) -> Option<usize> {
        self.controller.stance_side()
    }

    fn observe_kinematics(&mut self) {
        self.walker
            .coordinates(&self.world.multibody_joints, &mut self.q, &mut self.qdot);
        for (i, axis) in self.axes.iter_mut().enumerate() {
            *axis = self
                .walker
                .world_axis(&self.world.bodies, musculo::CoordinateId(i as u32));
        }
        for (i, state) in self.segments.iter_mut().enumerate() {
            let b = &self.world.bodies[self.walker.segment_bodies[i]];
            *state = SegmentState {
                rotation: DMat3::from_quat(b.rotation().as_dquat()),
                origin: b.translation().as_dvec3(),
                com: b.center_of_mass().as_dvec3(),
                com_velocity: b.linvel().as_dvec3(),
                angular_velocity: b.angvel().as_dvec3(),
            };
        }
    }

    /// Advances the trial by one physics step.
    pub fn step(&mut self) -> Result<(), SimError> {
        let dt = self.physics.dt_s;
        if self
            .step
            .is_multiple_of(self.physics.inertia_refresh_steps as u64)
        {
            self.walker
                .inverse_inertia(&mut self.world, &mut self.inverse_inertia);
        }
        // Observe and control.
        let (com, com_velocity) = self.centre_of_mass();
        let obs = Observation {
            time_s: self.time_s,
            dt_s: dt,
            model: &self.model,
            direction: self.spec.direction,
            belt_speed_mps: self.spec.speed_mps * self.belt_fraction(),
            q: &self.q,
            qdot: &self.qdot,
            axes: &self.axes,
            segments: &self.segments,
            com,
            com_velocity,
            foot_contact: [self.contacts[0].touching, self.contacts[1].touching],
            inverse_inertia: &self.inverse_inertia,
            belt: BeltState {
                velocity: self.belt_velocity(),
                normal: self.treadmill.normal,
                travel_axis: self.treadmill.travel_axis,
            },
            gravity: DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0),
        };
        self.controller.control(&obs, &mut self.torques);
        self.walker
            .apply_torques(&mut self.world.bodies, &self.torques);
        self.update_push();
        if let Some((_, f)) = self.push {
            let pelvis = self.walker.segment_bodies[self.model.root.index()];
            self.world.bodies[pelvis].add_force(f.as_vec3(), true);
        }
        self.momentum_before = self.momentum();
        self.segments_before.clone_from(&self.segments);
        self.axes_before.clone_from(&self.axes);

        // Physics.
        let hooks = self.treadmill.hooks(self.belt_fraction());
        self.world.step_with_events(&hooks, &());
        self.time_s += dt;
        self.step += 1;

        // Contacts and the new kinematic state.
        self.observe_kinematics();
        if let Some((i, _)) = self.segments.iter().enumerate().find(|(_, s)| {
            !(s.com.is_finite() && s.com_velocity.is_finite() && s.angular_velocity.is_finite())
        }) {
            return Err(SimError::NonFinite {
                time_s: self.time_s,
                step: self.step,
                body: self.model.segments[i].name.clone(),
            });
        }
        self.read_contacts();
        Ok(())
    }

    fn momentum(&self) -> DVec3 {
        self.model
            .segments
            .iter()
            .zip(&self.walker.segment_bodies)
            .map(|(s, &b)| self.world.bodies[b].linvel().as_dvec3() * s.mass_kg)
            .sum()
    }

    /// Total ground reaction force over the last step from whole-body momentum balance,
    /// `F = ΔP/Δt − M g − F_push` [N] (rapier reports normal impulses only per contact; the
    /// momentum balance is exact for the total).
    pub fn total_ground_reaction_n(&self) -> DVec3 {
        let dp = self.momentum() - self.momentum_before;
        dp / self.physics.dt_s
            - DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0) * self.total_mass_kg
            - self.push_force()
    }

    fn read_contacts(&mut self) {
        let dt = self.physics.dt_s;
        let belt = self.treadmill.collider;
        self.sphere_contacts.clear();
        for side in 0..2 {
            let foot = self.walker.feet[side];
            let contacts = &self.model.segments[foot.index()].contacts;
            let mut fc = FootContact::default();
            let mut cop_weight = 0.0;
            for (k, &collider) in self.walker.foot_colliders[side].iter().enumerate() {
                let Some(pair) = self.world.narrow_phase.contact_pair(collider, belt) else {
                    continue;
                };
                if !pair.has_any_active_contact() {
                    continue;
                }
                let sign = if pair.collider1 == collider {
                    1.0
                } else {
                    -1.0
                };
                let mut impulse = 0.0;
                let mut friction = DVec3::ZERO;
                let mut normal_force = DVec3::ZERO;
                for m in pair.solver_manifolds() {
                    for p in &m.points {
                        impulse += f64::from(p.data.impulse);
                        friction += p.data.warmstart_tangent_world.as_dvec3();
                    }
                    // Force on the foot: the normal points from collider 1 to collider 2, and the
                    // impulses are those applied to collider 1.
                    normal_force += -m.data.normal.as_dvec3()
                        * f64::from(m.points.iter().map(|p| p.data.impulse).sum::<f32>())
                        * sign
                        / dt;
                }
                if impulse <= 0.0 {
                    continue;
                }
                fc.normal_force_n += normal_force;
                fc.touching = true;
                if self.heel_spheres[side][k] {
                    fc.heel = true;
                } else {
                    fc.toe = true;
                }
                let friction_estimate =
                    friction * sign * self.physics.solver_iterations as f64 / dt;
                fc.friction_estimate_n += friction_estimate;
                let collider_pos = self.world.colliders[collider]
                    .position()
                    .translation
                    .as_dvec3();
                let point = collider_pos - self.treadmill.normal * contacts[k].radius;
                self.sphere_contacts
                    .push((side, point, normal_force, friction_estimate));
                fc.centre_of_pressure_m += point * impulse;
                cop_weight += impulse;
            }
            if cop_weight > 0.0 {
                fc.centre_of_pressure_m /= cop_weight;
            }
            self.contacts[side] = fc;
        }
        self.body_contact = self
            .walker
            .body_colliders
            .iter()
            .find(|(c, _)| {
                self.world
                    .narrow_phase
                    .contact_pair(*c, belt)
                    .is_some_and(|p| p.has_any_active_contact())
            })
            .map(|&(_, s)| s);
    }

    /// Ground reaction force on every touching contact sphere, from the last step, split from
    /// the whole-body momentum balance's total by [`split_ground_reaction`]. Returns the forces
    /// and their sum per foot.
    pub fn ground_forces(&self) -> (Vec<(usize, DVec3, DVec3)>, [DVec3; 2]) {
        split_ground_reaction(
            self.total_ground_reaction_n(),
            self.treadmill.normal,
            &self.sphere_contacts,
        )
    }

    /// Switches the online muscle analysis on (with these settings) or off (`None`, the
    /// default: pure physics).
    pub fn set_analysis(
        &mut self,
        settings: Option<crate::analysis::AnalysisSettings>,
    ) -> Result<(), SimError> {
        self.analyzer = match settings {
            Some(s) => Some(
                Analyzer::new(&self.model, s, self.spec.sample_rate_hz).map_err(|source| {
                    SimError::Analysis {
                        time_s: self.time_s,
                        source,
                    }
                })?,
            ),
            None => None,
        };
        Ok(())
    }

    /// Kinetics of the last step: ground reaction, applied torques and inverse dynamics.
    pub fn step_kinetics(&self) -> StepKinetics {
        let (sphere_forces, grf) = self.ground_forces();
        let mut cop_moment = [DVec3::ZERO; 2];
        let mut cop_weight = [0.0; 2];
        let n = self.treadmill.normal;
        let mut external: Vec<ExternalForce> = Vec::with_capacity(sphere_forces.len() + 1);
        for &(side, point, force) in &sphere_forces {
            let w = force.dot(n).max(0.0);
            cop_moment[side] += point * w;
            cop_weight[side] += w;
            external.push(ExternalForce {
                segment: self.walker.feet[side],
                force,
                point,
            });
        }
        if let Some((_, f)) = self.push {
            external.push(ExternalForce {
                segment: self.model.root,
                force: f,
                point: self.segments_before[self.model.root.index()].com,
            });
        }
        let nq = self.q.len();
        let mut k = StepKinetics {
            grf_n: grf,
            cop_weighted_m: cop_moment,
            cop_weight_n: cop_weight,
            applied_torques_nm: self.torques.clone(),
            net_moments_nm: vec![0.0; nq],
            knee_force_on_shank_n: [DVec3::ZERO; 2],
            residual_force_n: DVec3::ZERO,
            residual_moment_nm: DVec3::ZERO,
        };
        if self.segments_before.is_empty() {
            return k;
        }
        let id = inverse_dynamics(
            &self.model,
            &self.segments_before,
            &self.segments,
            self.physics.dt_s,
            &self.axes_before,
            DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0),
            &external,
        );
        for (s, knee) in self.knees.iter().enumerate() {
            if let Some((joint, shank)) = *knee {
                k.knee_force_on_shank_n[s] =
                    self.segments[shank].rotation.transpose() * id.joint_forces_n[joint];
            }
        }
        k.net_moments_nm = id.moments_nm;
        k.residual_force_n = id.residual_force_n;
        k.residual_moment_nm = id.residual_moment_nm;
        k
    }

    /// A frame from the current kinematics and the mean kinetics of the steps since the last
    /// frame (`kinetics`): forces are impulse means over the frame interval, as a force plate
    /// integrates, so a single-step contact transient is not sampled as if it lasted a frame.
    pub fn frame(&self, kinetics: &StepKinetics) -> Frame {
        let (com, com_velocity) = self.centre_of_mass();
        let pelvis = &self.segments[self.model.root.index()];
        let cop = |s: usize| {
            if kinetics.cop_weight_n[s] > 0.0 {
                kinetics.cop_weighted_m[s] / kinetics.cop_weight_n[s]
            } else {
                DVec3::ZERO
            }
        };
        Frame {
            time_s: self.time_s,
            q_rad: self.q.clone(),
            qdot_rad_s: self.qdot.clone(),
            applied_torques_nm: kinetics.applied_torques_nm.clone(),
            net_moments_nm: kinetics.net_moments_nm.clone(),
            grf_n: kinetics.grf_n,
            cop_m: [cop(0), cop(1)],
            heel_contact: [self.contacts[0].heel, self.contacts[1].heel],
            toe_contact: [self.contacts[0].toe, self.contacts[1].toe],
            pelvis_position_m: pelvis.origin,
            pelvis_velocity_mps: pelvis.com_velocity,
            com_m: com,
            com_velocity_mps: com_velocity,
            belt_velocity_mps: self.belt_velocity(),
            push_force_n: self.push_force(),
            knee_force_on_shank_n: kinetics.knee_force_on_shank_n,
            residual_force_n: kinetics.residual_force_n,
            residual_moment_nm: kinetics.residual_moment_nm,
            stance_side: self.controller.stance_side(),
            muscles: None,
        }
    }

    /// Whether the walker has fallen: pelvis below 65 % of its standing height above the belt,
    /// or a segment other than a foot touching the belt.
    pub fn fall(&self) -> Option<Fall> {
        if let Some(s) = self.body_contact {
            return Some(Fall {
                time_s: self.time_s,
                reason: format!("contact:{}", self.model.segments[s.index()].name),
            });
        }
        let pelvis = self.segments[self.model.root.index()].origin;
        if self.treadmill.height_above(pelvis) < 0.65 * self.standing_pelvis_height_m {
            return Some(Fall {
                time_s: self.time_s,
                reason: "pelvis_low".into(),
            });
        }
        None
    }

    /// Advances one physics step and records as [`Trial::run`] does: gait events, and a frame
    /// (with the muscle analysis, if on) whenever a sample is due. For callers that interleave
    /// stepping with other work, such as the visualizer; [`Trial::run`] is a loop over it.
    pub fn advance(&mut self) -> Result<Advance, SimError> {
        self.step()?;
        let touching = [self.contacts[0].touching, self.contacts[1].touching];
        let heel = [self.contacts[0].heel, self.contacts[1].heel];
        let events = self.events.update(self.time_s, touching, heel);
        let k = self.step_kinetics();
        match &mut self.pending_kinetics {
            Some(acc) => acc.add(&k),
            None => self.pending_kinetics = Some(k),
        }
        self.pending_steps += 1;
        let mut frame = None;
        if self.step.is_multiple_of(self.steps_per_frame) {
            let mut mean = self
                .pending_kinetics
                .take()
                .expect("at least one step since the last frame");
            mean.scale(1.0 / f64::from(self.pending_steps));
            self.pending_steps = 0;
            let mut f = self.frame(&mean);
            if let Some(a) = &mut self.analyzer {
                f.muscles =
                    Some(
                        a.analyse(&self.model, &f)
                            .map_err(|source| SimError::Analysis {
                                time_s: self.time_s,
                                source,
                            })?,
                    );
            }
            frame = Some(f);
        }
        Ok(Advance {
            frame,
            events,
            fall: self.fall(),
        })
    }

    /// Runs the trial to its duration or to a fall, recording frames at the spec's rate.
    /// `progress` is called about every simulated second with the simulated time.
    pub fn run(&mut self, mut progress: impl FnMut(f64)) -> Result<TrialResult, SimError> {
        let start = std::time::Instant::now();
        let total_steps = (self.spec.duration_s / self.physics.dt_s).round() as u64;
        let report_every = (1.0 / self.physics.dt_s).round() as u64;
        let mut frames = Vec::with_capacity((total_steps / self.steps_per_frame + 1) as usize);
        let mut events = Vec::new();
        let mut fall = None;
        while self.step < total_steps {
            let a = self.advance()?;
            events.extend(a.events);
            frames.extend(a.frame);
            if self.step.is_multiple_of(report_every) {
                progress(self.time_s);
            }
            if a.fall.is_some() {
                fall = a.fall;
                break;
            }
        }
        Ok(TrialResult {
            spec: self.spec,
            frames,
            events,
            fall,
            wall_time_s: start.elapsed().as_secs_f64(),
            steps: self.step,
            dt_s: self.physics.dt_s,
            start_ramp_s: self.treadmill_params.start_ramp_s,
        })
    }

    /// Changes belt speed and incline while the trial runs (the visualizer's live controls),
    /// validated as a [`TrialSpec`] is. The controller sees the new belt at the next step; the
    /// caller should change them gradually, as a treadmill's motor and lift do.
    pub fn set_belt(&mut self, speed_mps: f64, incline_pct: f64) -> Result<(), SpecError> {
        let spec = TrialSpec {
            speed_mps,
            incline_pct,
            ..self.spec
        };
        spec.validate()?;
        self.spec = spec;
        self.treadmill.set(
            &mut self.world.bodies,
            spec.direction,
            speed_mps,
            incline_pct,
        );
        Ok(())
    }

    /// Pushes the pelvis with `force` [N] for `duration_s` from now (the visualizer's push
    /// button), in addition to the spec's seeded pushes.
    pub fn push_now(&mut self, force: DVec3, duration_s: f64) {
        self.push = Some((self.time_s + duration_s, force));
    }

    fn update_push(&mut self) {
        let p = self.spec.pushes;
        if p.force_n <= 0.0 {
            return;
        }
        if let Some((end, _)) = self.push
            && self.time_s >= end
        {
            self.push = None;
        }
        if self.push.is_none() && self.time_s >= self.next_push_s {
            let angle = self.rng.random_range(0.0..std::f64::consts::TAU);
            let f = DVec3::new(angle.cos(), 0.0, angle.sin()) * p.force_n;
            self.push = Some((self.time_s + p.duration_s, f));
            self.next_push_s =
                self.time_s + self.rng.random_range(p.min_interval_s..=p.max_interval_s);
        }
    }
}

/// Pelvis height above the sole when standing in pose `q` on level ground: hip to ankle along
/// the legs plus the ankle's height above the foot's lowest contact point.
fn standing_pelvis_height(model: &Model, q: &[f64]) -> f64 {
    let thigh = model.segment_id("thigh_r").expect("thigh");
    let knee_joint = model.segments[model.segment_id("shank_r").expect("shank").index()]
        .parent_joint
        .expect("knee");
    let ankle_joint = model.segments[model.segment_id("foot_r").expect("foot").index()]
        .parent_joint
        .expect("ankle");
    let l1 = -model.joints[knee_joint.index()].location_in_parent_m.y;
    let l2 = -model.joints[ankle_joint.index()].location_in_parent_m.y;
    let _ = thigh;
    let hip = q[model
        .side_coordinate("hip_flexion", Some(musculo::Side::Right))
        .expect("hip")
        .index()];
    let knee = q[model
        .side_coordinate("knee_flexion", Some(musculo::Side::Right))
        .expect("knee")
        .index()];
    let foot = &model.segments[model.segment_id("foot_r").expect("foot").index()];
    let ankle_height = -foot
        .contacts
        .iter()
        .map(|c| c.centre.y - c.radius)
        .fold(0.0, f64::min);
    l1 * hip.cos() + l2 * (hip - knee).cos() + ankle_height
}

/// Splits the total ground reaction force of a step among the touching contact spheres
/// `(side, point, normal force, friction estimate)`. The total is the whole-body momentum
/// balance's (exact: rapier's contact impulses also contain position-stabilisation impulses
/// that change no momentum, and it reports no per-contact friction total). The normal part is
/// shared in proportion to the spheres' normal impulses. The shear part is the solver's
/// friction estimates plus the smallest correction, weighted by normal force, that makes them
/// sum to the exact total shear (a weighted least-squares adjustment with one linear
/// constraint): the correction is shared in proportion to normal force. Scaling the estimates
/// onto the total instead is ill-conditioned when the feet push in opposite directions and
/// their estimates nearly cancel (double support): it blew single frames up to ±10 kN per
/// foot with a total of a few hundred newtons. Returns the forces and their sum per foot.
pub fn split_ground_reaction(
    total: DVec3,
    normal: DVec3,
    contacts: &[(usize, DVec3, DVec3, DVec3)],
) -> (Vec<(usize, DVec3, DVec3)>, [DVec3; 2]) {
    let shear = total - normal * total.dot(normal);
    let impulse_normal: f64 = contacts.iter().map(|c| c.2.dot(normal)).sum();
    let normal_scale = if impulse_normal > 1e-6 {
        total.dot(normal).max(0.0) / impulse_normal
    } else {
        0.0
    };
    let estimate: DVec3 = contacts.iter().map(|c| c.3).sum();
    let correction = shear - estimate;
    let normal_sum: f64 = contacts.iter().map(|c| c.2.length()).sum();
    let mut forces = Vec::with_capacity(contacts.len());
    let mut per_foot = [DVec3::ZERO; 2];
    for &(side, point, normal_force, friction) in contacts {
        let share = if normal_sum > 0.0 {
            friction + correction * (normal_force.length() / normal_sum)
        } else {
            shear / contacts.len() as f64
        };
        let f = normal_force * normal_scale + share;
        per_foot[side] += f;
        forces.push((side, point, f));
    }
    (forces, per_foot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sphere(side: usize, normal_n: f64, friction_x: f64) -> (usize, DVec3, DVec3, DVec3) {
        (
            side,
            DVec3::ZERO,
            DVec3::Y * normal_n,
            DVec3::X * friction_x,
        )
    }

    #[test]
    fn the_split_sums_to_the_exact_total() {
        let total = DVec3::new(120.0, 700.0, -15.0);
        let contacts = [sphere(0, 300.0, 80.0), sphere(1, 500.0, 10.0)];
        let (forces, per_foot) = split_ground_reaction(total, DVec3::Y, &contacts);
        let sum: DVec3 = forces.iter().map(|f| f.2).sum();
        assert!((sum - total).length() < 1e-9, "{sum}");
        assert!((per_foot[0] + per_foot[1] - total).length() < 1e-9);
    }

    /// Double support with the feet pushing against each other: the estimates nearly cancel
    /// while the total shear is small. Each foot keeps about its own estimate.
    #[test]
    fn opposing_feet_are_not_blown_up() {
        let total = DVec3::new(-140.0, 1400.0, 0.0);
        let contacts = [sphere(0, 700.0, -600.0), sphere(1, 700.0, 590.0)];
        let (_, per_foot) = split_ground_reaction(total, DVec3::Y, &contacts);
        assert!((per_foot[0].x + 665.0).abs() < 1e-9, "{}", per_foot[0]);
        assert!((per_foot[1].x - 525.0).abs() < 1e-9, "{}", per_foot[1]);
        assert!((per_foot[0].y - 700.0).abs() < 1e-9);
    }

    #[test]
    fn without_friction_estimates_the_shear_follows_the_normal_forces() {
        let total = DVec3::new(100.0, 800.0, 0.0);
        let contacts = [sphere(0, 200.0, 0.0), sphere(1, 600.0, 0.0)];
        let (_, per_foot) = split_ground_reaction(total, DVec3::Y, &contacts);
        assert!((per_foot[0].x - 25.0).abs() < 1e-9);
        assert!((per_foot[1].x - 75.0).abs() < 1e-9);
    }
}
