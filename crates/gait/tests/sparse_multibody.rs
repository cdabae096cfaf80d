//! The patched rapier's tree-sparse multibody mass matrix (`vendor/rapier3d.patch`: the
//! composite-rigid-body algorithm and `LᵀDL`/`UDL` factorisations, Featherstone 2008 "Rigid Body
//! Dynamics Algorithms" ch. 6; MuJoCo's `mj_crb`/`mj_factorM`) against references, on random
//! multibodies (random trees of revolute, spherical, prismatic and free joints, random masses,
//! inertias, poses and velocities, floating or fixed roots) and on the walker itself.
//!
//! References: the mass matrix `Σ_links JᵀMJ` summed here in `f64` from rapier's body Jacobians
//! and the links' mass properties; the matrix with the semi-implicit gyroscopic and Coriolis
//! terms from rapier's dense path (`set_dense_mass_matrix(true)`, in `f32`: its Coriolis
//! matrices are private); solves checked by their backward error in `f64` and against `f64`
//! solves of the reference.
//!
//! Tolerances. rapier's `Real` is `f32` (ε = 1.2e-7), so the "equal to 1e-10" cannot
//! hold; what can be asked is agreement to a small multiple of `f32` rounding:
//! - an entry of the mass matrix is compared relative to `√(M_ii·M_jj)`, which bounds it (the
//!   matrix is positive definite) and is the scale of the terms summed into it (entries of a
//!   21-DoF body span five orders of magnitude, so a scale common to all would hide the small
//!   ones); the sum has some 20 terms of products of a few `f32` numbers, so 5e-6 (~40 ε) holds
//!   for rounding (measured: at most 3.6e-7, dense path included) but not for a wrong term (a
//!   transposed gyroscopic block gives 2e-4);
//! - a solve must have a normwise backward error `‖Ax − b‖ / (‖A‖‖x‖ + ‖b‖)` below 2.5e-6 ≈ n·ε
//!   for n = 21, the order a backward-stable factorisation guarantees whatever the conditioning
//!   (measured: at most 9e-8; a wrong triangular factor gives 2e-5 and more);
//! - its forward error against the `f64` solve is bounded by the condition number times that, so
//!   it is checked at `κ(M) · 2.5e-6`, and so are `diag(M⁻¹)` and the free accelerations.
//!
//! The dense path is held to the same tolerances, which shows they are rounding-level.

use gait::controller::walking::{WalkingController, WalkingParams};
use gait::{Direction, Trial, TrialSettings, TrialSpec};
use musculo::{ADULT_MODEL_RON, Model};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapier3d::na::{DMatrix, DVector};
use rapier3d::prelude::*;

const DT: f32 = 0.0005;
/// Entrywise tolerance of the mass matrices, relative to `√(M_ii·M_jj)`.
const ENTRY_TOL: f64 = 5e-6;
/// Normwise backward error allowed of a solve.
const BACKWARD_TOL: f64 = 2.5e-6;

fn to_f64(m: &DMatrix<f32>) -> DMatrix<f64> {
    m.map(f64::from)
}

/// `Σ_links JᵀMJ` in `f64` from rapier's body Jacobians (mass at the centre of mass, world
/// inertia), plus `dt·damping + armature` on the diagonal: rapier's `augmented_mass` (the walker
/// and the random bodies have no joint springs).
fn reference_mass(mb: &Multibody, bodies: &RigidBodySet, dt: f32) -> DMatrix<f64> {
    let n = mb.ndofs();
    let mut m = DMatrix::<f64>::zeros(n, n);
    for l in 0..mb.num_links() {
        let link = mb.link(l).expect("link");
        let rb = &bodies[link.rigid_body_handle()];
        let mass = rb.mass_properties().effective_mass();
        let i = rb.mass_properties().effective_angular_inertia();
        let inertia = [
            [i.m11, i.m12, i.m13],
            [i.m12, i.m22, i.m23],
            [i.m13, i.m23, i.m33],
        ];
        let mut mc = DMatrix::<f64>::zeros(6, 6);
        for a in 0..3 {
            mc[(a, a)] = f64::from(mass[a]);
            for b in 0..3 {
                mc[(3 + a, 3 + b)] = f64::from(inertia[a][b]);
            }
        }
        let j = mb.body_jacobian(l).map(f64::from);
        m += j.transpose() * mc * j;
    }
    for i in 0..n {
        m[(i, i)] += f64::from(mb.damping()[i] * dt + mb.armature()[i]);
    }
    m
}

/// Largest `|a_ij − b_ij| / √(M_ii·M_jj)`.
fn scaled_difference(a: &DMatrix<f64>, b: &DMatrix<f64>, scale: &DMatrix<f64>) -> f64 {
    let mut worst: f64 = 0.0;
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            let s = (scale[(i, i)] * scale[(j, j)]).sqrt();
            worst = worst.max((a[(i, j)] - b[(i, j)]).abs() / s);
        }
    }
    worst
}

fn backward_error(a: &DMatrix<f64>, x: &DVector<f64>, b: &DVector<f64>) -> f64 {
    let r = a * x - b;
    r.amax() / (a.abs().row_sum().amax() * x.amax() + b.amax())
}

fn condition_number(a: &DMatrix<f64>) -> f64 {
    let sv = a.clone().svd(false, false).singular_values;
    sv.max() / sv.min()
}

/// What one multibody is checked for; returns the largest errors seen, for the messages.
fn check_multibody(
    label: &str,
    mb: &mut Multibody,
    bodies: &mut RigidBodySet,
    rng: &mut ChaCha8Rng,
) -> [f64; 5] {
    let n = mb.ndofs();
    // rapier's dense path at this state ...
    mb.set_dense_mass_matrix(true);
    mb.recompute_dynamics(DT, bodies);
    assert!(!mb.uses_tree_sparse_mass_matrix(), "{label}: dense path");
    let dense_m = to_f64(mb.augmented_mass());
    let dense_acc = to_f64(mb.acc_augmented_mass());
    let dense_free_acc: Vec<f64> = mb
        .generalized_acceleration()
        .iter()
        .map(|&a| f64::from(a))
        .collect();
    let reference = reference_mass(mb, bodies, DT);
    // ... and the sparse path at the same state.
    mb.set_dense_mass_matrix(false);
    mb.recompute_dynamics(DT, bodies);
    assert!(mb.uses_tree_sparse_mass_matrix(), "{label}: sparse path");
    let sparse_m = to_f64(mb.augmented_mass());
    let sparse_acc = to_f64(mb.acc_augmented_mass());

    let e_dense = scaled_difference(&dense_m, &reference, &reference);
    let e_mass = scaled_difference(&sparse_m, &reference, &reference);
    let e_acc = scaled_difference(&sparse_acc, &dense_acc, &reference);
    assert!(
        e_dense < ENTRY_TOL,
        "{label}: dense M vs f64 reference {e_dense:e}"
    );
    assert!(
        e_mass < ENTRY_TOL,
        "{label}: sparse M vs f64 reference {e_mass:e}"
    );
    assert!(
        e_acc < ENTRY_TOL,
        "{label}: sparse vs dense M+dt·C {e_acc:e}"
    );

    // Solves with both factorisations, of random right-hand sides and of unit vectors (what the
    // joint-limit constraints solve).
    let kappa = condition_number(&reference);
    let x_ref_solver = reference.clone().lu();
    let mut worst_backward: f64 = 0.0;
    let mut worst_forward: f64 = 0.0;
    for trial in 0..(n + 4) {
        let b32: DVector<f32> = if trial < n {
            DVector::from_fn(n, |i, _| if i == trial { 1.0 } else { 0.0 })
        } else {
            DVector::from_fn(n, |_, _| rng.random_range(-10.0..10.0))
        };
        let b = b32.map(f64::from);
        for (what, solver, matrix) in [
            ("M", mb.inv_augmented_mass(), &sparse_m),
            ("M+dt·C", mb.acc_inv_augmented_mass(), &sparse_acc),
        ] {
            let mut x32 = b32.clone();
            assert!(solver.solve_mut(&mut x32), "{label}: {what} solve");
            let x = x32.map(f64::from);
            let eta = backward_error(matrix, &x, &b);
            assert!(eta < BACKWARD_TOL, "{label}: {what} backward error {eta:e}");
            worst_backward = worst_backward.max(eta);
            if what == "M" {
                let x_ref = x_ref_solver.solve(&b).expect("reference is invertible");
                let fwd = (&x - &x_ref).amax() / x_ref.amax();
                assert!(
                    fwd < kappa * BACKWARD_TOL,
                    "{label}: M solve forward error {fwd:e} (κ = {kappa:e})"
                );
                worst_forward = worst_forward.max(fwd / kappa);
            }
        }
    }

    // The free accelerations (one solve with M+dt·C, maybe the energy guard's with M) agree
    // with the dense path's to the same relative accuracy.
    let sparse_free_acc: Vec<f64> = mb
        .generalized_acceleration()
        .iter()
        .map(|&a| f64::from(a))
        .collect();
    let scale = dense_free_acc.iter().fold(1e-3_f64, |m, a| m.max(a.abs()));
    for (s, d) in sparse_free_acc.iter().zip(&dense_free_acc) {
        assert!(
            (s - d).abs() <= kappa * BACKWARD_TOL * scale,
            "{label}: free acceleration {s} vs dense {d}"
        );
    }

    // diag(M⁻¹) at dt = 0 (no damping term), as the walker's stable PD reads it.
    let inv_diag = mb.dof_inverse_inertia(bodies);
    let m0 = reference_mass(mb, bodies, 0.0);
    let m0_inv = m0.clone().try_inverse().expect("invertible");
    let mut worst_diag: f64 = 0.0;
    for i in 0..n {
        let exact = m0_inv[(i, i)];
        let rel = (f64::from(inv_diag[i]) - exact).abs() / exact;
        worst_diag = worst_diag.max(rel / kappa);
        assert!(
            rel < kappa * BACKWARD_TOL,
            "{label}: diag(M⁻¹)[{i}] {} vs {exact} (κ = {kappa:e})",
            inv_diag[i]
        );
    }
    [e_mass, e_acc, worst_backward, worst_forward, worst_diag]
}

/// A random tree of `nlinks` bodies: each joins a random earlier body by a revolute, spherical,
/// prismatic or free joint at random anchors; random masses, centres of mass and inertias (with
/// random principal axes); the root floating or fixed. Then random joint velocities, and a few
/// steps under gravity to a random pose.
fn random_multibody(rng: &mut ChaCha8Rng, nlinks: usize) -> PhysicsWorld {
    let mut world = PhysicsWorld::new();
    let mut r = |lo: f32, hi: f32| rng.random_range(lo..hi);
    let mut handles = Vec::new();
    let vec3 =
        |r: &mut dyn FnMut(f32, f32) -> f32, s: f32| Vector::new(r(-s, s), r(-s, s), r(-s, s));
    for k in 0..nlinks {
        let com = vec3(&mut r, 0.2);
        let mass = r(0.2, 10.0);
        let inertia = Vector::new(r(0.005, 0.5), r(0.005, 0.5), r(0.005, 0.5));
        let axis = vec3(&mut r, 1.0).normalize();
        let frame = Rotation::from_axis_angle(axis, r(0.0, 3.0));
        let mprops = MassProperties::with_principal_inertia_frame(com, mass, inertia, frame);
        let fixed_root = k == 0 && r(0.0, 1.0) < 0.3;
        let builder = if fixed_root {
            RigidBodyBuilder::fixed()
        } else {
            RigidBodyBuilder::dynamic()
        };
        let h = world.insert_body(
            builder
                .can_sleep(false)
                .translation(vec3(&mut r, 1.0))
                .additional_mass_properties(mprops),
        );
        if k > 0 {
            let parent = handles[(r(0.0, k as f32) as usize).min(k - 1)];
            let a1 = vec3(&mut r, 0.5);
            let a2 = vec3(&mut r, 0.3);
            let axis = vec3(&mut r, 1.0).normalize();
            let kind = r(0.0, 4.0) as u32;
            let joint: GenericJoint = match kind {
                0 | 1 => RevoluteJointBuilder::new(axis)
                    .local_anchor1(a1)
                    .local_anchor2(a2)
                    .contacts_enabled(false)
                    .build()
                    .into(),
                2 => SphericalJointBuilder::new()
                    .local_anchor1(a1)
                    .local_anchor2(a2)
                    .contacts_enabled(false)
                    .build()
                    .into(),
                _ if r(0.0, 1.0) < 0.5 => PrismaticJointBuilder::new(axis)
                    .local_anchor1(a1)
                    .local_anchor2(a2)
                    .contacts_enabled(false)
                    .build()
                    .into(),
                _ => GenericJointBuilder::new(JointAxesMask::empty())
                    .local_anchor1(a1)
                    .local_anchor2(a2)
                    .contacts_enabled(false)
                    .build(),
            };
            world
                .insert_multibody_joint(parent, h, joint)
                .expect("a tree");
        }
        handles.push(h);
    }
    let root = handles[1];
    let link = *world.multibody_joints.rigid_body_link(root).expect("link");
    let mb = world
        .multibody_joints
        .get_multibody_mut(link.multibody)
        .expect("multibody");
    mb.forward_kinematics(&world.bodies, true);
    for v in mb.generalized_velocity_mut().iter_mut() {
        *v = r(-2.0, 2.0);
    }
    world.integration_parameters.dt = 0.001;
    for _ in 0..5 {
        world.step();
    }
    world
}

fn with_multibody<T>(
    world: &mut PhysicsWorld,
    body: RigidBodyHandle,
    f: impl FnOnce(&mut Multibody, &mut RigidBodySet) -> T,
) -> T {
    let link = *world.multibody_joints.rigid_body_link(body).expect("link");
    let mb = world
        .multibody_joints
        .get_multibody_mut(link.multibody)
        .expect("multibody");
    f(mb, &mut world.bodies)
}

#[test]
fn random_multibodies_match_the_dense_path() {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    let mut worst = [0.0_f64; 5];
    for case in 0..40 {
        let nlinks = rng.random_range(2..14);
        let mut world = random_multibody(&mut rng, nlinks);
        let body = world.bodies.iter().nth(1).expect("two bodies").0;
        let errors = with_multibody(&mut world, body, |mb, bodies| {
            check_multibody(&format!("case {case}"), mb, bodies, &mut rng)
        });
        for (w, e) in worst.iter_mut().zip(errors) {
            *w = w.max(e);
        }
    }
    // For the record (cargo test -- --nocapture): the worst errors against the tolerances.
    println!(
        "worst: M {:e}, M+dt·C {:e}, backward {:e}, forward/κ {:e}, diag(M⁻¹)/κ {:e}",
        worst[0], worst[1], worst[2], worst[3], worst[4]
    );
}

#[test]
fn walker_matches_the_dense_path() {
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("model");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for direction in [Direction::Forward, Direction::Backward] {
        let spec = TrialSpec {
            direction,
            speed_mps: 1.0,
            duration_s: 60.0,
            ..Default::default()
        };
        let mut trial =
            Trial::new(model.clone(), spec, WalkingParams::default()).expect("valid trial");
        // Into walking (the belt starts at once; by 2.5 s the walker is stepping).
        while trial.time_s() < 2.5 {
            trial.step().expect("finite state");
        }
        let from = trial.world();
        let mut world = PhysicsWorld::new();
        world.bodies.clone_from(&from.bodies);
        world.multibody_joints.clone_from(&from.multibody_joints);
        let root = world
            .bodies
            .iter()
            .find(|(h, _)| world.multibody_joints.rigid_body_link(*h).is_some())
            .expect("walker body")
            .0;
        let n = with_multibody(&mut world, root, |mb, bodies| {
            let e = check_multibody(&format!("walker {direction:?}"), mb, bodies, &mut rng);
            println!("walker {direction:?}: {e:?}");
            mb.ndofs()
        });
        assert_eq!(n, 21, "the walker has 21 DoFs");
    }
}

/// `PhysicsParams::tree_sparse_multibody` reaches rapier; compliant feet (the default model)
/// take the tree-sparse path by default and rigid feet rapier's dense one.
#[test]
fn trials_select_the_mass_matrix_path_from_their_settings() {
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("model");
    for sparse in [false, true] {
        let mut settings = TrialSettings::for_model(&model);
        settings.physics.tree_sparse_multibody = sparse;
        let spec = TrialSpec {
            duration_s: 1.0,
            ..Default::default()
        };
        let mut trial = Trial::with_controller(model.clone(), spec, settings, |m, s| {
            Box::new(WalkingController::new(m, s, WalkingParams::default()))
        })
        .expect("valid trial");
        trial.step().expect("finite state");
        let world = trial.world();
        let multibodies: Vec<_> = world.multibody_joints.multibodies().collect();
        assert_eq!(multibodies.len(), 1, "the walker is one multibody");
        assert_eq!(multibodies[0].uses_tree_sparse_mass_matrix(), sparse);
    }
    assert!(
        TrialSettings::for_model(&model)
            .physics
            .tree_sparse_multibody
    );
    let mut spec = musculo::ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").expect("model");
    spec.ground_contact.law = musculo::spec::ContactLaw::Rigid;
    let rigid = Model::compile(spec, "adult.ron".as_ref(), None).expect("rigid model");
    assert!(
        !TrialSettings::for_model(&rigid)
            .physics
            .tree_sparse_multibody
    );
}
