//! The rapier multibody reproduces the model's joint conventions: coordinates read back as set,
//! segments sit where the model's kinematics (and the controller's leg IK) say, for both legs.

use gait::controller::leg_ik::leg_fk;
use gait::walker::Walker;
use glam::DVec3;
use musculo::Model;
use rapier3d::prelude::*;

#[test]
fn ankle_positions_match_leg_kinematics_on_both_sides() {
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    let mut world = PhysicsWorld::default();
    let root = DVec3::new(0.0, 1.0, 0.0);
    let walker = Walker::build(&mut world, &model, root, 0.8);
    let mut q = model.neutral_pose();
    let set = |q: &mut Vec<f64>, n: &str, v: f64| q[model.coordinate_id(n).unwrap().index()] = v;
    for s in ["_r", "_l"] {
        set(&mut q, &format!("hip_flexion{s}"), 0.3);
        set(&mut q, &format!("hip_adduction{s}"), 0.15);
        set(&mut q, &format!("knee_flexion{s}"), 0.5);
        set(&mut q, &format!("ankle_dorsiflexion{s}"), 0.1);
    }
    walker.set_initial_state(&mut world, &q, root, DVec3::ZERO);
    let (mut q2, mut qd) = (vec![0.0; q.len()], vec![0.0; q.len()]);
    walker.coordinates(&world.multibody_joints, &mut q2, &mut qd);
    for (a, b) in q.iter().zip(&q2) {
        assert!((a - b).abs() < 1e-6, "{q:?} vs {q2:?}");
    }
    let thigh = 0.242504 * 1.75;
    let shank = 0.249282 * 1.75;
    for (side, mirror) in [("r", 1.0), ("l", -1.0)] {
        let foot = model.segment_id(&format!("foot_{side}")).unwrap();
        let ankle = walker.segment_pose(&world.bodies, foot).1;
        let hip = root + DVec3::new(0.0, 0.0, mirror * 0.0464 * 1.75);
        let expected = leg_fk(0.3, 0.15, 0.5, thigh, shank);
        let expected = DVec3::new(expected.x, expected.y, expected.z * mirror);
        assert!(
            ((ankle - hip) - expected).length() < 1e-4,
            "{side}: {} vs {}",
            ankle - hip,
            expected
        );
        // Adduction brings the foot towards the midline, flexion forwards.
        assert!((ankle.z - hip.z) * mirror < 0.0 && ankle.x > hip.x);
    }
}

#[test]
fn both_feet_touch_the_belt_when_standing() {
    use gait::treadmill::{Treadmill, TreadmillParams};
    // The rigid feet: their contact spheres are the physics engine's colliders (compliant feet,
    // the model's default, are a force law of their own, `compliant_feet.rs`).
    let mut spec = musculo::ModelSpec::parse(musculo::ADULT_MODEL_RON, "adult.ron").unwrap();
    spec.ground_contact.law = musculo::spec::ContactLaw::Rigid;
    let model = Model::compile(spec, "adult.ron".as_ref(), None).unwrap();
    let mut world = PhysicsWorld::default();
    world.integration_parameters.dt = 1e-3;
    let tm = Treadmill::build(
        &mut world.bodies,
        &mut world.colliders,
        &TreadmillParams::default(),
        gait::Direction::Forward,
        0.0,
        0.0,
    );
    let h = 1.75 * (0.242504 + 0.249282) + 0.0683;
    let root = DVec3::new(0.0, h + 0.001, 0.0);
    let walker = Walker::build(&mut world, &model, root, 0.8);
    walker.set_initial_state(&mut world, &model.neutral_pose(), root, DVec3::ZERO);
    let hooks = tm.hooks(1.0);
    for _ in 0..20 {
        world.step_with_events(&hooks, &());
    }
    for side in musculo::Side::BOTH {
        let touching = walker.foot_touches(&world, side, &tm);
        let y = walker.segment_pose(&world.bodies, walker.feet()[side]).1.y;
        assert!(touching, "foot {side:?} not touching; ankle height {y}");
    }
}
