//! Every input file is read one way: a device (`/dev/zero` never ends), a FIFO (blocks until a
//! writer comes), a directory or an oversized file given as the model, the controller, a
//! scenario, a file a scenario names or an OpenSim input is refused at once with an error
//! naming the file and what it is, and nothing is written. A model without muscles walks with
//! physics and inverse dynamics; only its muscle analysis is refused, with the way out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SMOKE: &str = "assets/scenarios/smoke.ron";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-inputs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `retrogait args` with its memory capped at 2 GB (reading `/dev/zero` used to grow
/// without bound) and killed if still running after a minute (a FIFO used to block forever),
/// so that a regression fails the test instead of the machine.
fn run(args: &[&str]) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_retrogait"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("retrogait {args:?} still ran after a minute: it waited on its input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The command failed with one line naming `file` and containing `reason`.
fn assert_refused(o: &Output, file: &str, reason: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(file) && err.contains(reason), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success());
}

/// The built-in model without its muscles.
fn model_without_muscles(dir: &Path) -> PathBuf {
    let mut spec = musculo::ModelSpec::parse(musculo::ADULT_MODEL_RON, "adult.ron").unwrap();
    spec.leg.muscles.clear();
    let file = dir.join("no-muscles.ron");
    std::fs::write(
        &file,
        ron::ser::to_string_pretty(&spec, Default::default()).unwrap(),
    )
    .unwrap();
    file
}

#[test]
fn devices_fifos_folders_and_oversized_files_are_refused_by_name() {
    let dir = temp_dir("kinds");
    let fifo = dir.join("model.fifo");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    let big = dir.join("big.ron");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(musculo::MAX_RON_BYTES + 1)
        .unwrap();
    let big = big.to_str().unwrap();
    let folder = dir.to_str().unwrap();
    let out = dir.join("out");
    let out_arg = out.to_str().unwrap();
    for (args, file, reason) in [
        (
            vec!["model", "--model", "/dev/zero"],
            "/dev/zero",
            "it is a character device, not a regular file",
        ),
        (
            vec!["model", "--model", fifo],
            fifo,
            "it is a FIFO (named pipe), not a regular file",
        ),
        (
            vec!["model", "--model", folder],
            folder,
            "it is a directory, not a regular file",
        ),
        (
            vec!["model", "--model", big],
            big,
            "16777217 bytes, more than the 16777216 bytes accepted",
        ),
        (
            vec!["simulate", "--controller", "/dev/zero", "--out", out_arg],
            "/dev/zero: cannot read the controller file",
            "character device",
        ),
        (
            vec!["simulate", "--controller", fifo, "--out", out_arg],
            fifo,
            "FIFO",
        ),
        (vec!["sweep", fifo, "--out", out_arg], fifo, "FIFO"),
        (
            vec![
                "analyze",
                "--coordinates",
                fifo,
                "--grf",
                "tests/data/opensim/subject01_walk_grf.mot",
                "--out",
                out_arg,
            ],
            fifo,
            "FIFO",
        ),
    ] {
        let o = run(&args);
        assert_refused(&o, file, reason);
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_scenario_naming_a_device_or_fifo_is_refused_before_anything_runs() {
    let dir = temp_dir("scenario");
    let fifo = dir.join("controller.fifo");
    mkfifo(&fifo);
    let smoke = std::fs::read_to_string(SMOKE).unwrap();
    let out = dir.join("out");
    for (name, text, needle) in [
        (
            "model.ron",
            smoke.replace("mass_kg: 70.0)", "mass_kg: 70.0, model: \"/dev/zero\")"),
            "model.ron: subjects[0].model: cannot load the musculoskeletal model: /dev/zero: \
             cannot read the model file: it is a character device",
        ),
        (
            "controller.ron",
            smoke.replace("seeds:", &format!("controller: {:?},\n    seeds:", fifo)),
            "controller.ron: controller: cannot read",
        ),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let o = run(&[
            "sweep",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_refused(&o, name, needle);
        assert!(!out.exists(), "{name} wrote {}", out.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_model_without_muscles_simulates_physics_only_and_refuses_the_muscle_analysis() {
    let dir = temp_dir("no-muscles");
    let model = model_without_muscles(&dir);
    let model = model.to_str().unwrap();
    let out = dir.join("out");
    let out_arg = out.to_str().unwrap();
    let trial = ["simulate", "--direction", "forward", "--duration", "1"];
    let o = run(&[&trial[..], &["--model", model, "--out", out_arg]].concat());
    assert_refused(&o, model, "the model has no muscles");
    assert!(stderr(&o).contains("--no-muscles"), "{}", stderr(&o));
    assert!(!out.exists());

    let o = run(&[
        &trial[..],
        &["--model", model, "--out", out_arg, "--no-muscles"],
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("summary.json").is_file());

    // A sweep that asks for the muscle analysis is refused before any trial runs.
    let scenario = dir.join("scenario.ron");
    let text = std::fs::read_to_string(SMOKE).unwrap().replace(
        "mass_kg: 70.0)",
        "mass_kg: 70.0, model: \"no-muscles.ron\")",
    );
    std::fs::write(&scenario, text).unwrap();
    let sweep_out = dir.join("sweep");
    let o = run(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--out",
        sweep_out.to_str().unwrap(),
    ]);
    assert_refused(&o, "subjects[0].model", "muscles: false");
    assert!(!sweep_out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
