//! Time of the muscle analysis of one recorded frame at right mid-stance of steady walking at
//! 1.0 m/s, forward and backward: `analysis_frame_*` is all `Analyzer::analyse` does per frame
//! (kinetics filter, static optimisation of the 22 muscles, knee loads, muscle energetics);
//! `static_optimisation_mid_stance_*` is the static optimisation alone on the same frame's
//! filtered moments, warm-started (as in a trial) from the frame before.
//!
//! The frames come from a real trial (5 s of walking, recorded at the default 200 Hz); the
//! analyser is primed on every frame before the measured one, so its filter holds the state it
//! has at that point of a trial.

mod common;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gait::analysis::{AnalysisSettings, Analyzer};
use gait::controller::walking::WalkingParams;
use gait::{Direction, Frame, Skeleton, Trial};
use musculo::{Model, Side};
use std::hint::black_box;

/// The recorded frames of a trial and the index of the first right mid-stance after the warm
/// up: right foot alone on the belt, heel and toe down, the centre of mass just passing over
/// the right foot's centre of pressure along the direction of travel.
fn mid_stance_frame(model: &Model, direction: Direction) -> (Vec<Frame>, Skeleton, usize) {
    let mut trial = Trial::new(
        model.clone(),
        common::spec(direction, common::WARM_UP_S + 3.0),
        WalkingParams::default(),
    )
    .expect("valid trial");
    let travel = trial.treadmill().travel_axis;
    let result = trial.run(|_| {}).expect("trial runs");
    let mut was_behind = false;
    for (i, f) in result.frames.iter().enumerate() {
        let (r, l) = (Side::Right, Side::Left);
        let single_right =
            f.heel_contact[r] && f.toe_contact[r] && !f.heel_contact[l] && !f.toe_contact[l];
        let ahead = (f.com_m - f.cop_m[r]).dot(travel) >= 0.0;
        if f.time_s > common::WARM_UP_S && single_right && ahead && was_behind {
            return (result.frames, result.record.skeleton, i);
        }
        was_behind = single_right && !ahead;
    }
    panic!("no right mid-stance frame in the trial ({direction:?})")
}

fn bench(c: &mut Criterion) {
    let model = common::model();
    for direction in [Direction::Forward, Direction::Backward] {
        let (frames, skeleton, at) = mid_stance_frame(&model, direction);
        let mut analyzer = Analyzer::new(&model, &skeleton, AnalysisSettings::default(), 200.0)
            .expect("default analysis settings");
        for f in &frames[..at] {
            analyzer.analyse(&model, f).expect("frame solves");
        }
        let frame = &frames[at];
        c.bench_function(&format!("analysis_frame_{}", direction.as_str()), |b| {
            b.iter_batched(
                || analyzer.clone(),
                |mut a| {
                    a.analyse(black_box(&model), black_box(frame))
                        .expect("solves")
                },
                BatchSize::SmallInput,
            )
        });
        let moments = analyzer
            .clone()
            .analyse(&model, frame)
            .expect("solves")
            .filtered_moments_nm;
        c.bench_function(
            &format!("static_optimisation_mid_stance_{}", direction.as_str()),
            |b| {
                b.iter_batched(
                    || analyzer.optimizer().clone(),
                    |mut so| {
                        so.solve(
                            black_box(&model),
                            black_box(&frame.q_rad),
                            black_box(&frame.qdot_rad_s),
                            black_box(&moments),
                        )
                        .expect("solves")
                    },
                    BatchSize::SmallInput,
                )
            },
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
