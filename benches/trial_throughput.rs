//! Whole trials, as `simulate` and `sweep` run them (`retrogait::trial_run::run_trial`: the
//! trial with the muscle analysis at the default 200 Hz, then its summary and gait-cycle
//! measures):
//!
//! - `trial_10s_*`: one 10 s trial at 1.0 m/s on the level, forward and backward;
//! - `compliant_trial_10s/{coupled_1ms,predicted_0.25ms,rigid_1ms}`: a 10 s forward trial at
//!   1.0 m/s, physics and controller only (no muscle analysis), on compliant (Hunt-Crossley)
//!   feet with the contact's default coupled integration at 1 ms and with the earlier predicted
//!   one at the 0.25 ms it needed (`gait::hunt_crossley::FrictionIntegration`), and on the
//!   default rigid feet for comparison;
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
use gait::{Direction, Trial, TrialSettings, TrialSpec};
use retrogait::parallel::run_jobs;
use retrogait::trial_run::run_trial;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let model = common::model();
    let params = WalkingParams::default();

    let mut group = c.benchmark_group("trial");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(20));
    for direction in [Direction::Forward, Direction::Backward] {
        group.bench_function(format!("trial_10s_{}", direction.as_str()), |b| {
            b.iter(|| {
                run_trial(
                    &model,
                    &params,
                    common::spec(direction, 10.0),
                    TrialSettings::for_model(&model),
                    true,
                    None,
                    |_| {},
                )
                .expect("measures kept")
                .expect("trial runs")
            })
        });
    }
    group.finish();

    let compliant = common::compliant_model();
    let mut group = c.benchmark_group("compliant_trial_10s");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(20));
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
    bench_walk(
        &mut group,
        "rigid_1ms",
        &model,
        TrialSettings::for_model(&model),
        &params,
    );
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
fn bench_walk(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
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
