//! Joint limits of a multibody in the patched rapier (`vendor/rapier3d.patch`): a limit that
//! neither bound enforces in a substep is kept as an empty constraint, without the solve with the
//! mass matrix that building it used to cost. These tests pin down what that must not change: an
//! inactive limit leaves the motion exactly as without a limit, and a limit that is reached still
//! holds.

use rapier3d::prelude::*;

/// A two-link pendulum hanging from a fixed base by revolute joints about x, released from
/// `start_rad` at both joints; the first joint limited to `limits` if given. Returns the first
/// joint's angle at every step of `steps` steps of 1 ms.
fn swing(limits: Option<[f32; 2]>, start_rad: f32, steps: usize) -> Vec<f32> {
    let mut world = PhysicsWorld::new();
    world.integration_parameters.dt = 0.001;
    let base = world.insert_body(RigidBodyBuilder::fixed());
    let mut parent = base;
    let mut handles = Vec::new();
    for k in 0..2 {
        let link = world.insert_body(
            RigidBodyBuilder::dynamic()
                .can_sleep(false)
                .translation(Vector::new(0.0, -0.5 * (k + 1) as f32, 0.0))
                .additional_mass_properties(MassProperties::new(
                    Vector::new(0.0, -0.25, 0.0),
                    2.0,
                    Vector::new(0.05, 0.01, 0.05),
                )),
        );
        let mut joint = RevoluteJointBuilder::new(Vector::X)
            .local_anchor1(Vector::new(0.0, if k == 0 { 0.0 } else { -0.5 }, 0.0))
            .local_anchor2(Vector::ZERO)
            .contacts_enabled(false);
        if let (0, Some(l)) = (k, limits) {
            joint = joint.limits(l);
        }
        world
            .insert_multibody_joint(parent, link, joint.build())
            .expect("a chain");
        handles.push(link);
        parent = link;
    }
    let link = *world
        .multibody_joints
        .rigid_body_link(handles[0])
        .expect("link");
    let mb = world
        .multibody_joints
        .get_multibody_mut(link.multibody)
        .expect("multibody");
    // The root link is the fixed base; forward kinematics makes its joint a fixed one (no DoF),
    // after which the two revolute DoFs are the multibody's only ones.
    mb.forward_kinematics(&world.bodies, true);
    assert_eq!(mb.ndofs(), 2);
    mb.apply_displacements(&[start_rad, start_rad]);
    mb.forward_kinematics(&world.bodies, true);
    let mut angles = Vec::with_capacity(steps);
    for _ in 0..steps {
        world.step();
        let mb = world
            .multibody_joints
            .get_multibody(link.multibody)
            .expect("multibody");
        // A revolute joint's angle is its angular-x coordinate (the walker reads it so too).
        angles.push(mb.link(link.id).expect("first link").joint().coords()[3]);
    }
    angles
}

#[test]
fn an_inactive_limit_leaves_the_motion_exactly_as_without_one() {
    let free = swing(None, 0.6, 2000);
    // The swing stays within ±0.6 rad of the first joint's start, far from ±3.
    assert!(free.iter().all(|q| q.abs() < 3.0), "{:?}", &free[..10]);
    let amplitude = free.iter().fold(0.0_f32, |m, q| m.max(q.abs()));
    assert!(amplitude > 0.3, "the pendulum swings: {amplitude}");
    let limited = swing(Some([-3.0, 3.0]), 0.6, 2000);
    assert_eq!(free, limited);
}

#[test]
fn a_reached_limit_still_holds() {
    // Released at +0.6 rad, the first joint swings through 0 towards −0.6; a lower limit at
    // −0.2 rad stops it.
    let free = swing(None, 0.6, 2000);
    let lowest_free = free.iter().fold(f32::MAX, |m, &q| m.min(q));
    assert!(
        lowest_free < -0.4,
        "without the limit it passes −0.2: {lowest_free}"
    );
    let limited = swing(Some([-0.2, 3.0]), 0.6, 2000);
    let lowest = limited.iter().fold(f32::MAX, |m, &q| m.min(q));
    // rapier's limits are soft (ERP/CFM): a small overshoot, not a pass-through.
    assert!(lowest > -0.25, "the limit holds: lowest {lowest} rad");
    assert_ne!(free, limited);
}
