//! Time to analyse OpenSim's example subject01 (2.5 s of treadmill walking, 151 coordinate
//! samples, 1501 ground-reaction samples), as `retrogait analyze` does it:
//! - `analyze_subject01_read`: reading and checking the three files;
//! - `analyze_subject01_analyse`: filtering, splines, inverse dynamics, static optimisation of
//!   every frame, knee loads and the measures (the budget: under 1 s).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use gait::measured::{MeasuredSettings, analyse};
use musculo::{Model, Subject};
use retrogait::opensim::{
    CoordinateMap, check_overlap, load_external_loads, load_grf, load_motion,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/opensim")
        .join(name)
}

fn bench(c: &mut Criterion) {
    let subject = Subject {
        height_m: 1.8,
        mass_kg: 72.6,
    };
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", Some(subject)).unwrap();
    let map = CoordinateMap::builtin("gait2392").unwrap();
    let read = || {
        let spec = load_external_loads(data("subject01_walk_grf.xml")).unwrap();
        let motion = load_motion(data("subject01_walk_IK.mot"), &model, &map).unwrap();
        let grf = load_grf(data("subject01_walk_grf.mot"), &spec).unwrap();
        check_overlap(&motion.motion, &grf.loads, &spec, &data("a"), &data("b")).unwrap();
        (motion.motion, grf.loads)
    };
    let (motion, loads) = read();
    let mut g = c.benchmark_group("analyze");
    g.sample_size(10);
    g.bench_function("analyze_subject01_read", |b| b.iter(|| black_box(read())));
    g.bench_function("analyze_subject01_analyse", |b| {
        b.iter(|| {
            let result = analyse(&model, &motion, &loads, &MeasuredSettings::default()).unwrap();
            black_box(retrogait::trial_run::measure(&model, result))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
