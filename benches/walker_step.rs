//! Time of one physics step of the walker on the moving belt (controller, rapier step with
//! the multibody and contacts, contact readout), in steady walking at 1.0 m/s, forward and
//! backward. The trial is first walked for 5 s so the measured steps are steady gait; it is
//! rebuilt whenever it falls or nears its end, outside the timed region.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gait::controller::walking::WalkingParams;
use gait::{Direction, Trial, TrialSpec};
use musculo::{ADULT_MODEL_RON, Model};

fn warmed_trial(model: &Model, direction: Direction) -> Trial {
    let spec = TrialSpec {
        direction,
        speed_mps: 1.0,
        duration_s: 3600.0,
        ..Default::default()
    };
    let mut t = Trial::new(model.clone(), spec, WalkingParams::default()).expect("valid trial");
    while t.time_s() < 5.0 {
        t.step().expect("finite state");
    }
    t
}

fn bench(c: &mut Criterion) {
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("built-in model");
    for direction in [Direction::Forward, Direction::Backward] {
        c.bench_function(&format!("walker_step_{}", direction.as_str()), |b| {
            let mut trial = warmed_trial(&model, direction);
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    if trial.fall().is_some() || trial.time_s() > 3000.0 {
                        trial = warmed_trial(&model, direction);
                    }
                    let start = Instant::now();
                    if trial.step().is_err() {
                        trial = warmed_trial(&model, direction);
                    }
                    elapsed += start.elapsed();
                }
                elapsed
            });
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
