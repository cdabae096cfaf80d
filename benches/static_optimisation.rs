//! Time of one static-optimisation frame of the full model (both legs, 22 muscles), at a
//! mid-stance-like frame with realistic moments and speeds, for both cost exponents, each from a
//! cold start (a fresh optimiser, as the first frame of a trial): `_p2` is the default solver
//! (dual semismooth Newton), `_p2_clarabel` the interior-point reference, `_p3` Clarabel's
//! power-cone program. `_p2_resolve` solves the frame again warm-started at its own solution
//! (no Newton step): the part of a frame that is not the QP (paths, fibre states, the outputs).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use musculo::{
    ADULT_MODEL_RON, ForceSharingSolver, Model, StaticOptimizationSettings, StaticOptimizer,
};
use std::hint::black_box;

fn frame(model: &Model) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = model.coordinate_count();
    let (mut q, mut qd, mut m) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut set = |name: &str, angle_deg: f64, speed: f64, moment: f64| {
        let i = model.coordinate_id(name).expect("coordinate").index();
        q[i] = angle_deg.to_radians();
        qd[i] = speed;
        m[i] = moment;
    };
    // Right leg in loading response, left leg in swing (moments in N·m, speeds in rad/s;
    // magnitudes as in Winter 2009's normative walking data for a 70 kg adult).
    set("hip_flexion_r", 20.0, -0.8, -45.0);
    set("hip_adduction_r", 5.0, 0.2, -50.0);
    set("knee_flexion_r", 15.0, 1.0, -40.0);
    set("ankle_dorsiflexion_r", -3.0, 0.5, -10.0);
    set("hip_flexion_l", 10.0, 2.5, 15.0);
    set("hip_adduction_l", -3.0, 0.0, -2.0);
    set("knee_flexion_l", 55.0, -3.0, 8.0);
    set("ankle_dorsiflexion_l", -5.0, 1.5, 1.0);
    (q, qd, m)
}

fn bench(c: &mut Criterion) {
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("built-in model");
    let (q, qd, m) = frame(&model);
    for (name, p, solver) in [
        ("p2", 2.0, ForceSharingSolver::Auto),
        ("p2_clarabel", 2.0, ForceSharingSolver::Clarabel),
        ("p3", 3.0, ForceSharingSolver::Auto),
    ] {
        let so = StaticOptimizer::new(
            &model,
            StaticOptimizationSettings {
                activation_exponent: p,
                solver,
                ..Default::default()
            },
        )
        .expect("settings");
        c.bench_function(&format!("static_optimisation_frame_{name}"), |b| {
            b.iter_batched(
                || so.clone(),
                |mut so| {
                    so.solve(
                        black_box(&model),
                        black_box(&q),
                        black_box(&qd),
                        black_box(&m),
                    )
                    .expect("solves")
                },
                BatchSize::SmallInput,
            )
        });
    }
}

fn resolve(c: &mut Criterion) {
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("built-in model");
    let (q, qd, m) = frame(&model);
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).expect("ok");
    so.solve(&model, &q, &qd, &m).expect("solves");
    c.bench_function("static_optimisation_frame_p2_resolve", |b| {
        b.iter(|| {
            let sol = so
                .solve(
                    black_box(&model),
                    black_box(&q),
                    black_box(&qd),
                    black_box(&m),
                )
                .expect("solves");
            assert_eq!(sol.iterations, 0);
            sol
        })
    });
}

criterion_group!(benches, bench, resolve);
criterion_main!(benches);
