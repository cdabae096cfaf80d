//! `retrogait simulate` writes a self-describing trial folder (summary, frames, events, the
//! exact inputs), rejects invalid trial specifications before writing anything, and is
//! bit-for-bit reproducible for the same specification and seed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn retrogait() -> Command {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn simulate(out: &Path, extra: &[&str]) -> std::process::Output {
    retrogait()
        .args([
            "simulate",
            "--direction",
            "forward",
            "--duration",
            "2",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn simulate_writes_summary_frames_events_and_inputs() {
    let out = temp_dir("files");
    let o = simulate(&out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "summary.json",
        "frames.csv",
        "events.json",
        "run.json",
        "model.ron",
        "controller.ron",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "direction",
        "speed_mps",
        "incline_pct",
        "duration_s",
        "seed",
        "fell",
        "fall_time_s",
        "strides",
        "cadence_steps_per_min",
        "stride_length_m",
        "mean_speed_rel_belt_mps",
        "peak_knee_ext_moment_nm_per_kg",
        "peak_vertical_grf_bw",
        "realtime_factor",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["direction"], "forward");
    assert!(summary["realtime_factor"].as_f64().unwrap() > 0.0);
    let frames = std::fs::read_to_string(out.join("frames.csv")).unwrap();
    let mut lines = frames.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "time_s");
    assert!(
        header.contains(&"q_knee_flexion_r_rad")
            && header.contains(&"moment_hip_flexion_l_nm")
            && header.contains(&"grf_r_y_n")
    );
    let rows: Vec<&str> = lines.collect();
    // 2 s at the default 200 Hz.
    assert!((399..=401).contains(&rows.len()), "{} rows", rows.len());
    assert!(rows.iter().all(|r| r.split(',').count() == header.len()));
    // Written as the trial ran: no temporary file is left, and each storage file's header
    // counts the rows that follow it.
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(!name.to_string_lossy().starts_with('.'), "{name:?} left");
    }
    for sto in ["coordinates.sto", "activations.sto"] {
        let text = std::fs::read_to_string(out.join(sto)).unwrap();
        assert!(text.contains(&format!("\nnRows={}\n", rows.len())), "{sto}");
        assert_eq!(text.lines().count(), 7 + rows.len(), "{sto}");
    }
}

#[test]
fn run_json_records_the_physics_chosen_on_the_command_line() {
    let physics = |out: &Path| -> serde_json::Value {
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
        run["settings"]["physics"].clone()
    };
    let out = temp_dir("physics-default");
    let o = simulate(&out, &["--no-muscles", "--ground-contact", "hunt-crossley"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = physics(&out);
    assert_eq!(p["dt_s"], 0.001);
    assert_eq!(p["friction_integration"], "Coupled");
    assert_eq!(p["tree_sparse_multibody"], true);
    assert_eq!(p["solver_iterations"], 1);
    let out = temp_dir("physics-chosen");
    let o = simulate(
        &out,
        &[
            "--no-muscles",
            "--ground-contact",
            "hunt-crossley",
            "--step-ms",
            "0.5",
            "--contact-integration",
            "predicted",
            // The predicted integration at 0.5 ms needs two substeps: on one the walker falls
            // within a second.
            "--solver-substeps",
            "2",
            "--dense-multibody",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = physics(&out);
    assert_eq!(p["dt_s"], 0.0005);
    assert_eq!(p["friction_integration"], "Predicted");
    assert_eq!(p["solver_iterations"], 2);
    assert_eq!(p["tree_sparse_multibody"], false);
    // Still 200 Hz: 2 s of frames at 0.5 ms steps.
    let frames = std::fs::read_to_string(out.join("frames.csv")).unwrap();
    let rows = frames.lines().count() - 1;
    assert!((399..=401).contains(&rows), "{rows} rows");
}

#[test]
fn invalid_trial_specs_are_clear_errors_and_write_nothing() {
    for (args, field) in [
        (vec!["--speed", "40"], "speed_mps"),
        (vec!["--incline=-20"], "incline_pct"),
        (vec!["--duration", "0"], "duration_s"),
        (vec!["--speed", "NaN"], "speed_mps"),
        (vec!["--step-ms", "0.3"], "--step-ms"),
        (vec!["--step-ms", "5"], "--step-ms"),
        (vec!["--step-ms", "NaN"], "--step-ms"),
        (vec!["--solver-substeps", "0"], "--solver-substeps"),
    ] {
        let out = temp_dir("invalid");
        let o = simulate(&out, &args);
        assert!(!o.status.success(), "{args:?} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(field), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    let out = temp_dir("direction");
    let o = retrogait()
        .args(["simulate", "--direction", "sideways", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("sideways"));
    assert!(!out.exists());
}

#[test]
fn a_controller_file_out_of_range_names_file_and_field_and_writes_nothing() {
    let dir = temp_dir("bad-controller");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("controller.ron");
    let text = gait::controller::walking::DEFAULT_WALKING_RON.replacen(
        "step_time_at_1mps_s: 0.465",
        "step_time_at_1mps_s: -0.465",
        1,
    );
    assert_ne!(text, gait::controller::walking::DEFAULT_WALKING_RON);
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    let o = simulate(&out, &["--controller", file.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("controller.ron"), "{err}");
    assert!(
        err.contains("step_time_at_1mps_s: -0.465 is not a positive number"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn same_spec_and_seed_give_bit_identical_frames() {
    let (a, b) = (temp_dir("det-a"), temp_dir("det-b"));
    assert!(
        simulate(&a, &["--seed", "7", "--push-force", "40"])
            .status
            .success()
    );
    assert!(
        simulate(&b, &["--seed", "7", "--push-force", "40"])
            .status
            .success()
    );
    let fa = std::fs::read(a.join("frames.csv")).unwrap();
    let fb = std::fs::read(b.join("frames.csv")).unwrap();
    assert!(!fa.is_empty());
    assert!(fa == fb, "frames.csv differ between identical runs");
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn a_non_empty_or_unwritable_out_is_refused_before_the_simulation() {
    let dir = temp_dir("out-guard");
    // A folder holding someone's file: refused, the file untouched, nothing added.
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    let o = simulate(&mine, &["--no-muscles"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "wrote into a non-empty folder");
    assert!(
        err.contains("--out") && err.contains("not empty (it holds notes.txt)"),
        "{err}"
    );
    assert!(
        !err.contains("simulating"),
        "refused only after simulating: {err}"
    );
    assert_eq!(names(&mine), ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep"
    );

    // A finished run is not overwritten by a rerun with other options (whose files would
    // differ: no activations.sto without the muscle analysis).
    let run = dir.join("run");
    assert!(simulate(&run, &[]).status.success());
    let before: Vec<(String, Vec<u8>)> = names(&run)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(run.join(&n)).unwrap()))
        .collect();
    assert!(before.iter().any(|(n, _)| n == "activations.sto"));
    let o = simulate(&run, &["--no-muscles", "--seed", "2"]);
    assert!(!o.status.success());
    let after: Vec<(String, Vec<u8>)> = names(&run)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(run.join(&n)).unwrap()))
        .collect();
    assert!(after == before, "the earlier run changed");

    // A folder that cannot be made fails before the simulation, not after it.
    let file = dir.join("file");
    std::fs::write(&file, "").unwrap();
    let o = simulate(&file.join("out"), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("cannot create the folder"), "{err}");
    assert!(
        !err.contains("simulating"),
        "failed only after simulating: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_simulation_leaves_no_folder() {
    let dir = temp_dir("failed-run");
    std::fs::create_dir_all(&dir).unwrap();
    // A model that compiles but lacks the trunk segment the walking controller needs.
    let model = dir.join("renamed.ron");
    std::fs::write(
        &model,
        musculo::ADULT_MODEL_RON.replace("\"hat\"", "\"trunk\""),
    )
    .unwrap();
    let out = dir.join("out");
    let o = retrogait()
        .args(["simulate", "--duration", "1", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("needs segment `hat`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists(), "left {:?}", names(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn runs_started_together_without_out_get_a_folder_each() {
    let cwd = temp_dir("default-out");
    std::fs::create_dir_all(&cwd).unwrap();
    let start = || {
        retrogait()
            .args(["simulate", "--direction", "forward", "--duration", "1"])
            .arg("--no-muscles")
            .current_dir(&cwd)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let runs = names(&cwd.join("runs"));
    assert_eq!(runs.len(), 2, "{runs:?}");
    for r in &runs {
        for f in ["summary.json", "run.json", "model.ron", "controller.ron"] {
            assert!(cwd.join("runs").join(r).join(f).is_file(), "{r}/{f}");
        }
    }
    let _ = std::fs::remove_dir_all(&cwd);
}
