//! Inputs shared by the benches: the built-in adult model, a trial walked into steady gait and
//! the same trial stopped at right mid-stance, and a copy of a rapier world for the bare-rapier
//! baseline. Each bench uses some of these, so the unused rest is allowed.
#![allow(dead_code)]

use gait::controller::walking::WalkingParams;
use gait::{Direction, Trial, TrialSpec};
use musculo::{ADULT_MODEL_RON, Model, Side};
use rapier3d::prelude::{PhysicsHooks, PhysicsWorld};

/// Simulated time walked before anything is measured [s]: past the 3 s belt start-up, in
/// steady gait.
pub const WARM_UP_S: f64 = 5.0;

/// The built-in adult model (compliant feet, its default ground contact).
pub fn model() -> Model {
    Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("built-in model")
}

/// The built-in adult model with rigid feet, the default ground contact before December 2026.
pub fn rigid_model() -> Model {
    let mut spec = musculo::ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").expect("built-in model");
    spec.ground_contact.law = musculo::spec::ContactLaw::Rigid;
    Model::compile(spec, "adult.ron".as_ref(), None).expect("built-in model")
}

/// The controller for rigid feet, the default before December 2026
/// (`assets/controllers/rigid-feet.ron`).
pub fn rigid_params() -> WalkingParams {
    WalkingParams::from_ron_str(
        include_str!("../../assets/controllers/rigid-feet.ron"),
        "rigid-feet.ron",
    )
    .expect("shipped controller")
}

/// The built-in adult model with compliant (Hunt-Crossley) feet.
pub fn compliant_model() -> Model {
    let mut spec = musculo::ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").expect("built-in model");
    spec.ground_contact.law = musculo::spec::ContactLaw::HuntCrossley;
    Model::compile(spec, "adult.ron".as_ref(), None).expect("built-in model")
}

/// The spec of the benches' trials: 1.0 m/s on the level, long enough never to end while
/// measured.
pub fn spec(direction: Direction, duration_s: f64) -> TrialSpec {
    TrialSpec {
        direction,
        speed_mps: 1.0,
        duration_s,
        ..Default::default()
    }
}

/// A trial at 1.0 m/s walked for [`WARM_UP_S`] (no muscle analysis), so the steps measured
/// next are steady gait.
pub fn warmed_trial(model: &Model, direction: Direction) -> Trial {
    let mut t = Trial::new(
        model.clone(),
        spec(direction, 3600.0),
        WalkingParams::default(),
    )
    .expect("valid trial");
    while t.time_s() < WARM_UP_S {
        t.step().expect("finite state");
    }
    t
}

/// A warmed trial stepped on to right mid-stance: the right foot alone on the belt with heel
/// and toe down, and the centre of mass just passing over the right ankle along the direction
/// of travel.
pub fn mid_stance_trial(model: &Model, direction: Direction) -> Trial {
    let mut t = warmed_trial(model, direction);
    let foot = t.skeleton().legs[Side::Right].foot.index();
    let travel = t.treadmill().travel_axis;
    let limit_s = t.time_s() + 10.0;
    let mut was_behind = false;
    while t.time_s() < limit_s {
        t.step().expect("finite state");
        let c = &t.contacts().feet;
        let (right, left) = (c[Side::Right], c[Side::Left]);
        let single_right = right.heel && right.toe && !left.touching;
        let ahead = (t.centre_of_mass().0 - t.segments()[foot].origin).dot(travel) >= 0.0;
        if single_right && ahead && was_behind {
            return t;
        }
        was_behind = single_right && !ahead;
    }
    panic!("no right mid-stance within 10 s of steady walking ({direction:?})")
}

/// Copies `from`'s state (bodies, colliders, joints, contacts, islands, broad phase, CCD) into
/// `world`, keeping `world`'s own pipelines and their workspaces, as a world that has been
/// stepping all along has them: stepping `world` with bare rapier then repeats `from`'s next
/// physics step without anything retrogait adds.
pub fn copy_state(world: &mut PhysicsWorld, from: &PhysicsWorld) {
    world.gravity = from.gravity;
    world.integration_parameters = from.integration_parameters;
    world.islands.clone_from(&from.islands);
    world.broad_phase.clone_from(&from.broad_phase);
    world.narrow_phase.clone_from(&from.narrow_phase);
    world.bodies.clone_from(&from.bodies);
    world.colliders.clone_from(&from.colliders);
    world.impulse_joints.clone_from(&from.impulse_joints);
    world.multibody_joints.clone_from(&from.multibody_joints);
    world.soft_bodies.clone_from(&from.soft_bodies);
    world.ccd_solver.clone_from(&from.ccd_solver);
}

/// A world holding `from`'s state and fresh pipelines, stepped once so its workspaces are
/// allocated (see [`copy_state`]).
pub fn stepped_copy(from: &PhysicsWorld, hooks: &dyn PhysicsHooks) -> PhysicsWorld {
    let mut world = PhysicsWorld::default();
    copy_state(&mut world, from);
    world.step_with_events(hooks, &());
    world
}

/// Switches every multibody of `world` to the vendored rapier's tree-sparse mass matrix
/// (`sparse`) or to rapier's dense one (`gait::PhysicsParams::tree_sparse_multibody`).
pub fn select_mass_matrix(world: &mut PhysicsWorld, sparse: bool) {
    let multibodies: Vec<_> = world
        .bodies
        .iter()
        .filter_map(|(h, _)| {
            world
                .multibody_joints
                .rigid_body_link(h)
                .map(|l| l.multibody)
        })
        .collect();
    for m in multibodies {
        if let Some(mb) = world.multibody_joints.get_multibody_mut(m) {
            mb.set_dense_mass_matrix(!sparse);
        }
    }
}
