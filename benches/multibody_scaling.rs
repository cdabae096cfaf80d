//! What drives the cost of rapier's step for the walker: the same rapier step as
//! `walker_step`'s `physics_step_*` (one 1 ms step, 2 solver substeps, the moving belt's contact
//! hook), timed for variants of the built-in adult model that differ in one thing at a time:
//!
//! - `multibody_dofs/N`: fewer coordinates, so fewer degrees of freedom and fewer links (every
//!   extra axis of a multi-axis joint is one massless frame link, see `gait::walker`): the full
//!   model (21 DoF, 16 links), lumbar extension only (19, 14), hips without rotation (17, 12),
//!   ankles without inversion (15, 10), hips with flexion only (13, 8; the hip ab/adductors,
//!   whose paths need hip adduction, are dropped, which the physics does not see);
//! - `multibody_dofs_sparse/N`: the same variants on the vendored rapier's tree-sparse mass
//!   matrix (composite-rigid-body assembly and `LᵀDL`; `gait::PhysicsParams::
//!   tree_sparse_multibody`), where `multibody_dofs` runs rapier's dense path;
//! - `contact_spheres/N`: the full model with N contact spheres per foot (1, 2, 4, the model's
//!   6, and 12 with six more on the sole between heel and toe).
//!
//! The walker has rigid feet (rapier's contacts; the model's default compliant feet leave rapier
//! none). The state timed is the walker standing on both feet on the belt at 1.0 m/s, 30 ms after
//! touching down with no joint torques (so every sphere on the sole is in contact), copied and
//! restored before every step as in `walker_step`. It is not steady walking (the mid-stance
//! benches are), but it is the same state for every variant, which is what the comparison needs.
//! The variants only exist here: trials always use the model as written.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gait::Direction;
use gait::treadmill::{Treadmill, TreadmillParams};
use gait::trial::PhysicsParams;
use gait::walker::Walker;
use glam::DVec3;
use musculo::spec::{ContactLaw, ContactSpec, ModelSpec};
use musculo::{ADULT_MODEL_RON, Model};
use rapier3d::prelude::{PhysicsWorld, Vector};

mod common;

/// Settling time on the belt before the state is taken [s].
const SETTLE_S: f64 = 0.03;

/// The adult model's description with rigid feet, to derive variants from: the contact
/// spheres are then rapier's colliders, whose contacts the step solves (compliant feet, the
/// model's default, leave rapier no contact, and their cost is retrogait's).
fn adult_spec() -> ModelSpec {
    let mut spec = ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").expect("built-in model");
    spec.ground_contact.law = ContactLaw::Rigid;
    spec
}

/// Keeps only the named coordinates of joint `joint` (in the axial or leg section) and drops
/// the muscles that span a removed coordinate.
fn keep_coordinates(spec: &mut ModelSpec, joint: &str, keep: &[&str]) {
    let joints = spec
        .axial
        .joints
        .iter_mut()
        .chain(spec.leg.joints.iter_mut());
    for j in joints.filter(|j| j.name == joint) {
        j.coordinates.retain(|c| keep.contains(&c.name.as_str()));
    }
    let remaining: Vec<String> = spec
        .axial
        .joints
        .iter()
        .chain(&spec.leg.joints)
        .flat_map(|j| j.coordinates.iter().map(|c| c.name.clone()))
        .collect();
    spec.leg
        .muscles
        .retain(|m| m.path.coordinates.iter().all(|c| remaining.contains(c)));
}

/// The model variants of `multibody_dofs`, each adding one reduction to the previous one.
fn dof_variants() -> Vec<ModelSpec> {
    let mut spec = adult_spec();
    let mut variants = vec![spec.clone()];
    keep_coordinates(&mut spec, "lumbar", &["lumbar_extension"]);
    variants.push(spec.clone());
    keep_coordinates(&mut spec, "hip", &["hip_flexion", "hip_adduction"]);
    variants.push(spec.clone());
    keep_coordinates(&mut spec, "ankle", &["ankle_dorsiflexion"]);
    variants.push(spec.clone());
    keep_coordinates(&mut spec, "hip", &["hip_flexion"]);
    variants.push(spec);
    variants
}

/// The full model with `n` contact spheres per foot: a subset of the model's six (heels first,
/// then the toe tips, then the metatarsal heads), or the six plus six midway between each heel
/// sphere and the forefoot spheres.
fn contact_variant(n: usize) -> ModelSpec {
    let mut spec = adult_spec();
    let foot = spec
        .leg
        .segments
        .iter_mut()
        .find(|s| !s.contacts.is_empty())
        .expect("the foot has contact spheres");
    let by_name = |name: &str| {
        foot.contacts
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .expect("adult model sphere")
    };
    let order = [
        "heel_lateral",
        "toe_tip_medial",
        "heel_medial",
        "toe_tip_lateral",
        "toe_medial",
        "toe_lateral",
    ];
    let mut contacts: Vec<ContactSpec> = order.iter().map(|n| by_name(n)).collect();
    if n > contacts.len() {
        let heels = [by_name("heel_medial"), by_name("heel_lateral")];
        let fronts = [
            "toe_medial",
            "toe_lateral",
            "toe_tip_medial",
            "toe_tip_lateral",
        ];
        for (k, front) in fronts.iter().enumerate() {
            let (h, f) = (&heels[k % 2], by_name(front));
            contacts.push(ContactSpec {
                name: format!("mid_{front}"),
                centre: [0, 1, 2].map(|i| 0.5 * (h.centre[i] + f.centre[i])),
                radius: h.radius,
            });
        }
        for (k, h) in heels.iter().enumerate() {
            contacts.push(ContactSpec {
                name: format!("mid_heel_{k}"),
                centre: [h.centre[0] + 0.03, h.centre[1], h.centre[2]],
                radius: h.radius,
            });
        }
    }
    contacts.truncate(n);
    foot.contacts = contacts;
    spec
}

/// A world with the belt at 1.0 m/s (level, forward) and `model` standing on it, settled for
/// [`SETTLE_S`]; returns it with the treadmill and the number of links, DoF and contact points.
fn standing_world(model: &Model) -> (PhysicsWorld, Treadmill, [usize; 3]) {
    let physics = PhysicsParams::default();
    let mut world = PhysicsWorld {
        gravity: Vector::new(0.0, -9.81, 0.0),
        ..Default::default()
    };
    world.integration_parameters.dt = physics.dt_s as f32;
    world.integration_parameters.num_solver_iterations = physics.solver_iterations;
    let params = TreadmillParams::default();
    let treadmill = Treadmill::build(
        &mut world.bodies,
        &mut world.colliders,
        &params,
        Direction::Forward,
        1.0,
        0.0,
    );
    let start = DVec3::new(0.0, 1.5, 0.0);
    let walker = Walker::build(&mut world, model, start, params.friction);
    let q = vec![0.0; model.coordinates.len()];
    walker.set_initial_state(&mut world, &q, start, DVec3::ZERO);
    let lowest = walker.sole_clearance(&world.bodies, model, &treadmill);
    let root = start - DVec3::Y * (lowest - 0.001);
    walker.set_initial_state(&mut world, &q, root, DVec3::ZERO);
    let hooks = treadmill.hooks(1.0);
    for _ in 0..(SETTLE_S / physics.dt_s).round() as usize {
        world.step_with_events(&hooks, &());
    }
    let links = walker.link_count();
    let contacts = world
        .narrow_phase
        .contact_pairs()
        .flat_map(|p| p.manifolds().iter())
        .map(|m| m.data.solver_contacts.len())
        .sum();
    (world, treadmill, [links, links - 1 + 6, contacts])
}

/// The model of a variant's description.
fn compile(spec: ModelSpec) -> Model {
    Model::compile(spec, Path::new("adult.ron (variant)"), None).expect("variant")
}

/// Times one rapier step of the settled world of `model`, labelled `label` in `group`, with
/// the tree-sparse mass matrix if `sparse` (the state is settled on the dense path either way).
fn bench_variant(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    label: &str,
    model: &Model,
    sparse: bool,
) {
    let (world, treadmill, [links, dofs, contacts]) = standing_world(model);
    assert_eq!(
        dofs,
        6 + model.coordinates.len(),
        "a floating root and one DoF per coordinate"
    );
    eprintln!("{label}: {links} links, {dofs} DoF, {contacts} contact points");
    assert!(contacts > 0, "{label}: the feet stand on the belt");
    let hooks = treadmill.hooks(1.0);
    let mut copy = common::stepped_copy(&world, &hooks);
    group.bench_function(BenchmarkId::from_parameter(label), |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                common::copy_state(&mut copy, &world);
                common::select_mass_matrix(&mut copy, sparse);
                let start = Instant::now();
                copy.step_with_events(&hooks, &());
                elapsed += start.elapsed();
                black_box(&copy);
            }
            elapsed
        });
    });
}

fn bench(c: &mut Criterion) {
    for (name, sparse) in [("multibody_dofs", false), ("multibody_dofs_sparse", true)] {
        let mut group = c.benchmark_group(name);
        for spec in dof_variants() {
            let model = compile(spec);
            let dofs = 6 + model.coordinates.len();
            bench_variant(&mut group, &dofs.to_string(), &model, sparse);
        }
        group.finish();
    }

    let mut group = c.benchmark_group("contact_spheres");
    for n in [1, 2, 4, 6, 12] {
        bench_variant(
            &mut group,
            &n.to_string(),
            &compile(contact_variant(n)),
            false,
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
