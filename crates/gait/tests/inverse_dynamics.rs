//! Inverse dynamics of the simulated walker reproduces the torques the controller applied
//! (the two are independent paths: one is what was commanded, the other is recomputed from the
//! recorded kinematics and ground reaction forces), and the ground reaction force carries the
//! body weight on average.

use gait::controller::walking::WalkingParams;
use gait::{Direction, Trial, TrialSpec};
use musculo::Model;

fn run(direction: Direction) -> gait::TrialResult {
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    let spec = TrialSpec {
        direction,
        speed_mps: 1.0,
        duration_s: 8.0,
        sample_rate_hz: 200.0,
        ..Default::default()
    };
    Trial::new(model, spec, WalkingParams::default())
        .unwrap()
        .run(|_| {})
        .unwrap()
}

#[test]
fn net_moments_from_inverse_dynamics_match_applied_torques() {
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    for direction in [Direction::Forward, Direction::Backward] {
        let r = run(direction);
        assert!(r.fall.is_none(), "{direction:?} fell: {:?}", r.fall);
        let frames: Vec<_> = r.frames.iter().filter(|f| f.time_s > 4.0).collect();
        // Impacts and joint-limit contacts add constraint torques that the controller did not
        // apply, so compare robust statistics: the median and the 80th percentile of the error.
        for name in [
            "hip_flexion_r",
            "knee_flexion_r",
            "ankle_dorsiflexion_r",
            "hip_adduction_l",
            "knee_flexion_l",
        ] {
            let c = model.coordinate_id(name).unwrap().index();
            let peak = frames
                .iter()
                .map(|f| f.applied_torques_nm[c].abs())
                .fold(0.0, f64::max);
            let mut err: Vec<f64> = frames
                .iter()
                .map(|f| (f.net_moments_nm[c] - f.applied_torques_nm[c]).abs())
                .collect();
            err.sort_by(f64::total_cmp);
            let (median, p80) = (err[err.len() / 2], err[err.len() * 4 / 5]);
            eprintln!(
                "{direction:?} {name}: peak applied {peak:.1} N m, |ID - applied| median {median:.2}, 80th percentile {p80:.2} N m"
            );
            assert!(
                median < 0.03 * peak && p80 < 0.10 * peak,
                "{direction:?} {name}"
            );
        }
        let mut residual: Vec<f64> = frames.iter().map(|f| f.residual_force_n.length()).collect();
        residual.sort_by(f64::total_cmp);
        eprintln!(
            "{direction:?}: median residual force at the pelvis {:.2} N",
            residual[residual.len() / 2]
        );
        assert!(residual[residual.len() / 2] < 0.02 * model.subject.weight_n());
        let weight = model.subject.weight_n();
        let mean_vertical = frames
            .iter()
            .map(|f| f.grf_n.iter().map(|g| g.y).sum::<f64>())
            .sum::<f64>()
            / frames.len() as f64;
        assert!(
            (mean_vertical / weight - 1.0).abs() < 0.05,
            "mean vertical GRF {mean_vertical} vs weight {weight}"
        );
    }
}

/// Without contacts (the walker floating in free fall), inverse dynamics has no unknown external
/// force: it must return exactly the applied torques, and zero residual at the root.
#[test]
fn inverse_dynamics_recovers_applied_torques_of_a_floating_walker() {
    use gait::controller::SegmentState;
    use gait::dynamics::inverse_dynamics;
    use gait::kinematics::SegmentMotion;
    use gait::walker::Walker;
    use glam::DVec3;
    use rapier3d::prelude::*;
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    let mut world = PhysicsWorld::default();
    world.integration_parameters.dt = 1e-3;
    let walker = Walker::build(&mut world, &model, DVec3::new(0.0, 5.0, 0.0), 0.8);
    let n = model.coordinates.len();
    let mut q = model.neutral_pose();
    for (i, c) in model.coordinates.iter().enumerate() {
        q[i] = 0.3 * (c.range_rad.0 + c.range_rad.1) * 0.5 + 0.05;
    }
    walker.set_initial_state(
        &mut world,
        &q,
        DVec3::new(0.0, 5.0, 0.0),
        DVec3::new(0.3, 0.0, 0.0),
    );
    let states = |w: &PhysicsWorld| -> Vec<SegmentState> {
        (0..model.segments.len())
            .map(|i| walker.segment_state(&w.bodies, musculo::SegmentId(i as u32)))
            .collect()
    };
    let g = DVec3::new(0.0, f64::from(world.gravity.y), 0.0);
    let mut errors: Vec<Vec<f64>> = vec![vec![]; n];
    for step in 0..300 {
        let t = step as f64 * 1e-3;
        let tau: Vec<f64> = (0..n).map(|i| 5.0 * (7.0 * t + i as f64).sin()).collect();
        let before = states(&world);
        let axes: Vec<DVec3> = (0..n)
            .map(|i| walker.world_axis(&world.bodies, musculo::CoordinateId(i as u32)))
            .collect();
        walker.apply_torques(&mut world.bodies, &tau);
        world.step();
        let after = states(&world);
        let motion: Vec<SegmentMotion> = before
            .iter()
            .zip(&after)
            .map(|(b, a)| SegmentMotion::over_step(b, a, 1e-3))
            .collect();
        let id = inverse_dynamics(&model, &motion, &axes, g, &[]);
        if step == 0 {
            // The rapier-free forward kinematics poses the model as the walker does (to rapier's
            // single precision and its joint read-back: a few milliradians; a wrong axis or
            // rotation order would be off by the coordinates themselves, 0.05-0.5 rad here).
            let mut q_now = vec![0.0; n];
            let mut qdot_now = vec![0.0; n];
            walker.coordinates(&world.multibody_joints, &mut q_now, &mut qdot_now);
            let root = &before[model.root.index()];
            let pose = gait::kinematics::pose(&model, root.rotation, root.origin, &q_now);
            let _ = qdot_now;
            for (s, state) in before.iter().enumerate() {
                assert!(
                    (pose.origin[s] - state.origin).length() < 1e-4,
                    "segment {s}"
                );
                assert!(
                    (pose.rotation[s] - state.rotation)
                        .abs()
                        .to_cols_array()
                        .iter()
                        .all(|e| *e < 5e-3),
                    "segment {s} {}: {} vs {}",
                    model.segments[s].name,
                    pose.rotation[s],
                    state.rotation
                );
            }
            for (i, a) in axes.iter().enumerate() {
                assert!((pose.axes[i] - *a).length() < 5e-3, "coordinate {i}");
            }
        }
        if step > 5 {
            for i in 0..n {
                errors[i].push((id.moments_nm[i] - tau[i]).abs());
            }
        }
    }
    // Apart from joint-limit impacts (constraint torques), the moments agree to a few percent
    // of the 5 N m applied; the difference left is rapier's linearly implicit treatment of
    // gyroscopic terms, largest for the light, fast-spinning feet.
    for (i, e) in errors.iter_mut().enumerate() {
        e.sort_by(f64::total_cmp);
        let median = e[e.len() / 2];
        let limit = if model.coordinates[i].name.starts_with("ankle") {
            5.0
        } else {
            0.5
        };
        assert!(
            median < limit,
            "{}: median |ID - applied| {median}",
            model.coordinates[i].name
        );
    }
}
