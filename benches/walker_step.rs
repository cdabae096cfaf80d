//! Time of one 1 ms step of the walker on the moving belt at 1.0 m/s, forward and backward,
//! split so that the overhead of everything retrogait adds to rapier is a ratio measured in one
//! run:
//!
//! - `physics_step_mid_stance_*`: rapier alone (multibody, contacts, belt hook) stepping a copy
//!   of the trial's world taken at right mid-stance, restored before every step;
//!   `physics_step_mid_stance_sparse_*` the same step with the vendored rapier's tree-sparse
//!   mass matrix (`PhysicsParams::tree_sparse_multibody`: trials on compliant feet use it by
//!   default, on rigid feet not);
//! - `bare_rapier_step_*`: the baseline: rapier alone stepping a copy of the trial's world at
//!   every state of steady walking, so it sees the same states as the full step below (the
//!   copy keeps its own pipeline workspaces from step to step, as the trial's world does);
//! - `full_step_*`: `Trial::step` in steady walking (observe, controller with torque limits,
//!   torques, rapier, contacts) plus the per-step recording of `Trial::run` (gait events, step
//!   kinetics with inverse dynamics); no muscle analysis.
//!
//! - `solver_iterations/N`: the mid-stance physics step with rapier's solver substeps set to
//!   N = 1 (the default on compliant feet, the default model), 2 (on rigid feet), 4, to show
//!   how the cost scales with them (other values change the results).
//!
//! The trial is first walked for 5 s so the measured steps are steady gait; it is rebuilt
//! whenever it falls or nears its end, outside the timed region.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gait::{Direction, Trial};
use musculo::Model;

/// One step of the trial as `Trial::run` takes it without the analysis (`Trial::advance`:
/// the step, gait events, the step's kinetics with inverse dynamics and, every 5th step (200
/// Hz), a frame from the mean kinetics). Returns whether the walker is still up.
fn full_step(trial: &mut Trial) -> bool {
    trial.advance().is_ok_and(|a| black_box(a).fall.is_none())
}

fn bench(c: &mut Criterion) {
    let model: Model = common::model();
    for direction in [Direction::Forward, Direction::Backward] {
        let name = direction.as_str();
        for (path, sparse) in [("", false), ("sparse_", true)] {
            c.bench_function(&format!("physics_step_mid_stance_{path}{name}"), |b| {
                let trial = common::mid_stance_trial(&model, direction);
                let hooks = trial.treadmill().hooks(trial.belt_fraction());
                let mut world = common::stepped_copy(trial.world(), &hooks);
                b.iter_custom(|iters| {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        common::copy_state(&mut world, trial.world());
                        common::select_mass_matrix(&mut world, sparse);
                        let start = Instant::now();
                        world.step_with_events(&hooks, &());
                        elapsed += start.elapsed();
                        black_box(&world);
                    }
                    elapsed
                });
            });
        }

        c.bench_function(&format!("bare_rapier_step_{name}"), |b| {
            let mut trial = common::warmed_trial(&model, direction);
            let mut world = common::stepped_copy(
                trial.world(),
                &trial.treadmill().hooks(trial.belt_fraction()),
            );
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    common::copy_state(&mut world, trial.world());
                    let hooks = trial.treadmill().hooks(trial.belt_fraction());
                    let start = Instant::now();
                    world.step_with_events(&hooks, &());
                    elapsed += start.elapsed();
                    black_box(&world);
                    if !full_step(&mut trial) || trial.time_s() > 3000.0 {
                        trial = common::warmed_trial(&model, direction);
                    }
                }
                elapsed
            });
        });

        c.bench_function(&format!("full_step_{name}"), |b| {
            let mut trial = common::warmed_trial(&model, direction);
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let ok = full_step(&mut trial);
                    elapsed += start.elapsed();
                    if !ok || trial.time_s() > 3000.0 {
                        trial = common::warmed_trial(&model, direction);
                    }
                }
                elapsed
            });
        });
    }
}

/// The mid-stance physics step with other numbers of solver substeps (forward walking).
fn bench_solver_iterations(c: &mut Criterion) {
    let model: Model = common::model();
    let trial = common::mid_stance_trial(&model, Direction::Forward);
    let hooks = trial.treadmill().hooks(trial.belt_fraction());
    let mut group = c.benchmark_group("solver_iterations");
    for iterations in [1, 2, 4] {
        let mut world = common::stepped_copy(trial.world(), &hooks);
        group.bench_function(iterations.to_string(), |b| {
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    common::copy_state(&mut world, trial.world());
                    world.integration_parameters.num_solver_iterations = iterations;
                    let start = Instant::now();
                    world.step_with_events(&hooks, &());
                    elapsed += start.elapsed();
                    black_box(&world);
                }
                elapsed
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Shorter than criterion's defaults: every iteration also copies a world or rebuilds a
    // trial outside the timed region, so the default settings take minutes per bench.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench, bench_solver_iterations
}
criterion_main!(benches);
