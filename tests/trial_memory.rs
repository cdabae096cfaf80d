//! A trial's memory does not grow with its length (issue 25): its frames go to the trial's
//! files and to the measures as they are recorded and are never kept, so a trial of 11 s
//! peaks no higher than one of 3 s. Kept, the 8 s more of frames with the muscle analysis
//! (1600 frames of about 3 kB) add some 5 MB; streamed, the peak rises by about 0.3 MB.
//!
//! One test in its own process, so no other test's allocations move the peak; Linux only (it
//! reads the peak resident set size, `VmHWM`, from `/proc/self/status`).

#![cfg(target_os = "linux")]

use gait::controller::walking::WalkingParams;
use gait::{Direction, TrialSpec};
use musculo::Model;
use retrogait::output::TrialFiles;
use retrogait::trial_run::{FinishedTrial, TrialOutput, run_trial};

/// The process's peak resident set size so far \[kB\].
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_longer_trial_does_not_raise_the_peak_memory() {
    let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
    let params = WalkingParams::default();
    let root = std::env::temp_dir().join(format!("retrogait-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let settings = gait::TrialSettings::for_model(&model);
    let run = |duration_s: f64| -> FinishedTrial {
        let spec = TrialSpec {
            direction: Direction::Forward,
            speed_mps: 1.0,
            duration_s,
            sample_rate_hz: 200.0,
            ..Default::default()
        };
        let dir = root.join(format!("{duration_s}s"));
        let output = TrialOutput {
            dir: &dir,
            files: TrialFiles::default(),
        };
        let done = run_trial(&model, &params, spec, settings, true, Some(output), |_| {})
            .expect("files written")
            .expect("trial runs");
        retrogait::output::write_trial_results(&dir, &done).unwrap();
        done
    };
    // The short trial reaches the steady state of every buffer (the muscle measures start at
    // 5 s: the belt's start-up and the settling time), the long one runs on.
    let short = run(3.0);
    let after_short = peak_rss_kb();
    let long = run(11.0);
    let after_long = peak_rss_kb();
    assert!(short.summary.muscle_analysis.is_none());
    assert!(long.summary.muscle_analysis.is_some() && !long.summary.gait.fell);
    let frames = std::fs::read_to_string(root.join("11s/frames.csv")).unwrap();
    // 11 s at 200 Hz, and the header.
    assert!((2200..=2202).contains(&frames.lines().count()));
    let _ = std::fs::remove_dir_all(&root);
    assert!(
        after_long <= after_short + 2000,
        "peak resident set {after_short} kB after 3 s, {after_long} kB after 11 s"
    );
}
