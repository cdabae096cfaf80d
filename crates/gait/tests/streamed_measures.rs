//! A trial run with its frames handed out as they are recorded (`Trial::run_streaming`), its
//! measures accumulated on the fly with their records in temporary files, gives the summary
//! and gait-cycle curves of the same trial's frames kept in memory, bit for bit, while the
//! measures hold about one stride of samples.

mod common;

use gait::measures::muscle_measures;
use gait::{Direction, SimError, TrialMeasures, TrialResult, summarise};

#[test]
fn streamed_measures_are_the_kept_frames_measures_with_one_stride_buffered() {
    let (model, mut trial) = common::walking_trial(Direction::Forward, 10.0);
    let dir = std::env::temp_dir().join(format!("gait-streamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut measures = TrialMeasures::new(
        &model,
        trial.skeleton(),
        trial.analysis_start_s(),
        true,
        Some(&dir),
    )
    .unwrap();
    let (mut frames, mut most_buffered) = (Vec::new(), 0);
    let record = trial
        .run_streaming(
            |_| {},
            |events, frame| {
                for e in events {
                    measures.event(e).unwrap();
                }
                if let Some(f) = frame {
                    measures.frame(&f).unwrap();
                    frames.push(f);
                }
                most_buffered = most_buffered.max(measures.buffered());
                Ok::<_, SimError>(())
            },
        )
        .unwrap();
    assert!(record.fall.is_none(), "{:?}", record.fall);
    let (summary, curves) = measures.finish(&record).unwrap();
    // The spools were anonymous files: nothing is left in the folder.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir(&dir).unwrap();

    let kept = TrialResult::new(record, frames);
    let (muscles, kept_curves) = muscle_measures(&model, &kept).unwrap();
    assert_eq!(summary.gait, summarise(&model, &kept));
    // Debug prints every number exactly (shortest round trip), NaN included.
    assert_eq!(
        format!("{:?}", summary.muscle_analysis),
        format!("{:?}", Some(&muscles))
    );
    let curves = curves.unwrap();
    assert_eq!(format!("{curves:?}"), format!("{kept_curves:?}"));
    assert!(
        muscles.strides_per_leg.iter().all(|&n| n >= 3),
        "{muscles:?}"
    );
    assert!(curves.len() > 30 && curves.iter().all(|c| c.strides >= 3));

    // Three per-stride accumulators, each about one stride (≈1.1 s) plus the look-back at
    // 200 Hz, while the analysis window holds 5 s of frames.
    let window = kept
        .frames
        .iter()
        .filter(|f| f.time_s >= kept.analysis_start_s())
        .count();
    assert!(window > 990, "{window} frames in the window");
    assert!(most_buffered <= 3 * 300, "{most_buffered} samples buffered");
}
