//! Whole trials, as `simulate` and `sweep` run them (`retrogait::trial_run::run_trial`: the
//! trial with the muscle analysis at the default 200 Hz, then its summary and gait-cycle
//! measures):
//!
//! - `trial_10s_*`: one 10 s trial at 1.0 m/s on the level, forward and backward;
//! - `compliant_trial_10s/{coupled_1ms,predicted_0.25ms,rigid_1ms}`: a 10 s forward trial at
//!   1.0 m/s, physics and controller only (no muscle analysis), on compliant (Hunt-Crossley)
//!   feet with the contact's default coupled integration at 1 ms and with the earlier predicted
//!   one at the 0.25 ms it needed (`gait::hunt_crossley::FrictionIntegration`), and on rigid
//!   feet with their controller (`rigid-feet.ron`, the defaults before December 2026) for
//!   comparison;
//! - `compliant_trial_analysis_10s/{dense_2substeps,sparse_2substeps,sparse_1substep}`: the
//!   10 s forward trial with the muscle analysis (as `trial_10s_forward`) on compliant feet at
//!   1 ms, with rapier's dense mass matrix or the tree-sparse one and 2 or 1 solver substeps
//!   (`gait::trial::PhysicsChoices`; not the defaults: they change results by rounding,
//!   `docs/performance.md`);
//! - `sweep_jobs/{1,2}`: a small sweep of 4 trials of 4 s (forward and backward at 0.8 and
//!   1.2 m/s) on 1 and 2 threads through `retrogait::parallel::run_jobs`, as
//!   `retrogait sweep --jobs N` runs them;
//!   criterion reports trials per second, and the ratio of the two is the sweep's scaling.
//!
//! Few samples: each iteration takes seconds.

mod common;

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gait::controller::walking::{WalkingController, WalkingParams};
use gait::hunt_crossley::FrictionIntegration;
use gait::trial::PhysicsChoices;
use gait::{Direction, Trial, TrialSettings, TrialSpec};
use retrogait::parallel::run_jobs;
use retrogait::trial_run::run_trial;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let model = common::model();
    let params = WalkingParams::default();

    let mut group = trials_group(c, "trial");
    for direction in [Direction::Forward, Direction::Backward] {
        let name = format!("trial_10s_{}", direction.as_str());
        let settings = TrialSettings::for_model(&model);
        bench_analysed(&mut group, &name, &model, &params, direction, settings);
    }
    group.finish();

    let compliant = common::compliant_model();
    let mut group = trials_group(c, "compliant_trial_10s");
    for (name, integration, dt_s) in [
        ("coupled_1ms", FrictionIntegration::Coupled, 1e-3),
        ("predicted_0.25ms", FrictionIntegration::Predicted, 2.5e-4),
    ] {
        let mut settings = TrialSettings::for_model(&compliant);
        settings.physics.friction_integration = integration;
        settings.physics.dt_s = dt_s;
        settings.physics.inertia_refresh_steps = (0.01 / dt_s).round() as usize;
        bench_walk(&mut group, name, &compliant, settings, &params);
    }
    let rigid = common::rigid_model();
    bench_walk(
        &mut group,
        "rigid_1ms",
        &rigid,
        TrialSettings::for_model(&rigid),
        &common::rigid_params(),
    );
    group.finish();

    let mut group = trials_group(c, "compliant_trial_analysis_10s");
    for (name, sparse, substeps) in [
        ("dense_2substeps", false, 2),
        ("sparse_2substeps", true, 2),
        ("sparse_1substep", true, 1),
    ] {
        let settings = PhysicsChoices {
            tree_sparse_multibody: Some(sparse),
            solver_iterations: Some(substeps),
            ..PhysicsChoices::default()
        }
        .settings_for(&compliant);
        bench_analysed(
            &mut group,
            name,
            &compliant,
            &params,
            Direction::Forward,
            settings,
        );
    }
    group.finish();

    let specs: Vec<TrialSpec> = [Direction::Forward, Direction::Backward]
        .into_iter()
        .flat_map(|direction| {
            [0.8, 1.2].map(|speed_mps| TrialSpec {
                speed_mps,
                ..common::spec(direction, 4.0)
            })
        })
        .collect();
    let settings = TrialSettings::for_model(&model);
    let mut group = c.benchmark_group("sweep_jobs");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Elements(specs.len() as u64));
    for jobs in [1, 2] {
        group.bench_with_input(BenchmarkId::from_parameter(jobs), &jobs, |b, &jobs| {
            b.iter(|| {
                run_jobs(jobs, &specs, |&spec| {
                    black_box(run_trial(
                        &model,
                        &params,
                        spec,
                        settings,
                        true,
                        None,
                        |_| {},
                    ))
                    .expect("measures kept")
                    .expect("trial runs")
                    .record
                    .steps
                })
                .expect("thread pool")
                .into_iter()
                .sum::<u64>()
            })
        });
    }
    group.finish();
}

/// Benches a 10 s forward trial of `model` with `settings` (no muscle analysis) as `name`.
type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// A group of whole trials: few samples, as each takes about a second.
fn trials_group<'a>(c: &'a mut Criterion, name: &str) -> Group<'a> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(20));
    group
}

/// A 10 s trial at 1.0 m/s with the muscle analysis and its measures, as `simulate` runs it.
fn bench_analysed(
    group: &mut Group<'_>,
    name: &str,
    model: &musculo::Model,
    params: &WalkingParams,
    direction: Direction,
    settings: TrialSettings,
) {
    group.bench_function(name, |b| {
        b.iter(|| {
            let spec = common::spec(direction, 10.0);
            run_trial(model, params, spec, settings, true, None, |_| {})
                .expect("measures kept")
                .expect("trial runs")
        })
    });
}

fn bench_walk(
    group: &mut Group<'_>,
    name: &str,
    model: &musculo::Model,
    settings: TrialSettings,
    params: &WalkingParams,
) {
    group.bench_function(name, |b| {
        b.iter(|| {
            let spec = common::spec(Direction::Forward, 10.0);
            let mut trial = Trial::with_controller(model.clone(), spec, settings, |m, s| {
                Box::new(WalkingController::new(m, s, params.clone()))
            })
            .expect("valid trial");
            let result = trial.run(|_| {}).expect("finite state");
            assert!(result.fall.is_none(), "{name} fell");
            black_box(result.frames.len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
