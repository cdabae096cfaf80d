//! The command line's small promises: negative numbers are values; a closed or full standard
//! output is not a panic; a failed trial of `simulate` is named and the finished one is kept
//! and said so; each cause of an error is printed once and echoed input is cut short; `--jobs`
//! starts no more threads than trials and is never 0.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn retrogait() -> Command {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-errors-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str]) -> Output {
    retrogait().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One grid trial of one simulated second: quick.
const ONE_TRIAL: [&str; 8] = [
    "--duration",
    "1",
    "--speeds",
    "1",
    "--inclines",
    "0",
    "--directions",
    "forward",
];

#[test]
fn a_negative_number_after_a_space_is_a_value() {
    // Parsed, then checked against the range: the message is the range, not the parser's.
    let o = run(&["simulate", "--incline", "-50"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("incline_pct: -50 % is outside"),
        "{}",
        stderr(&o)
    );
    // The case: `--incline -5` is taken, so the speed is what is wrong.
    let o = run(&["simulate", "--incline", "-5", "--speed", "9"]);
    assert!(
        stderr(&o).contains("speed_mps: 9 m/s is outside"),
        "{}",
        stderr(&o)
    );
    let o = run(&["model", "--height", "-1.7", "--mass", "70"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("subject.height_m"), "{}", stderr(&o));
    let o = run(&["gait-grid", "--inclines", "-5", "--speeds", "-1"]);
    assert!(
        stderr(&o).contains("speed_mps: -1 m/s is outside"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_an_error() {
    // The reader is gone before the first byte (`retrogait model | head -c 0`).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = retrogait()
        .arg("model")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = retrogait()
        .arg("model")
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "error: cannot write to standard output: No space left on device (os error 28)"
    );
}

/// One direction fails (its folder cannot be written): the error names that trial, and the
/// run publishes nothing, not even the direction that finished (`simulate` is all or nothing).
#[test]
fn a_failed_direction_is_named_and_nothing_is_published() {
    let out = temp_dir("one-direction");
    let mut child = retrogait()
        .args(["simulate", "--duration", "4", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the backward trial runs, a file takes the place of its folder (made when the trial
    // starts, for the frames streamed to it) in the staging folder that `simulate` fills
    // before publishing.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.starts_with("backward_1.00mps_+0.0pct_seed1: simulating");
        seen.push(line);
        if started {
            break;
        }
    }
    let staging = out.join(format!(".retrogait-{}.tmp", child.id()));
    assert!(staging.is_dir(), "{}", staging.display());
    let backward = staging.join("backward_1.00mps_+0.0pct_seed1");
    // The folder appears just after the trial says it starts.
    for _ in 0..1000 {
        if backward.is_dir() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::fs::remove_dir_all(&backward).unwrap();
    std::fs::write(&backward, "in the way").unwrap();
    seen.extend(lines.map(Result::unwrap));
    let status = child.wait().unwrap();
    let err = seen.join("\n");
    assert!(!status.success(), "{err}");
    assert!(
        err.contains("error: trial backward_1.00mps_+0.0pct_seed1: "),
        "{err}"
    );
    assert!(!out.join("forward_1.00mps_+0.0pct_seed1").exists());
    assert!(!staging.exists(), "the staging folder is removed");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn each_cause_is_printed_once() {
    let missing = temp_dir("missing").join("model.ron");
    let o = run(&["model", "--model", missing.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(
        err.contains("model.ron: cannot read the model file"),
        "{err}"
    );
}

#[test]
fn echoed_input_is_cut_short() {
    let long = format!("{}END", "x".repeat(100_000));
    for args in [
        vec!["simulate", "--direction", &long],
        vec!["simulate", &long],
        vec!["model", "--model", &long],
    ] {
        let o = run(&args);
        let err = stderr(&o);
        assert!(!o.status.success());
        assert!(err.len() < 1000, "{} characters", err.len());
        assert!(
            err.contains("characters left out)…") && err.contains("END"),
            "{err}"
        );
    }
}

#[test]
fn jobs_are_at_least_one_and_no_more_than_the_trials() {
    let o = run(&[&["gait-grid", "--jobs", "64"][..], &ONE_TRIAL].concat());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(text.contains("wall time, 1 job)"), "{text}");
    let o = run(&[&["gait-grid", "--jobs", "0"][..], &ONE_TRIAL].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--jobs 0"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing ran");
}
