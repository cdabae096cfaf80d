//! `retrogait gait-grid --csv PATH` writes the table to a regular file only: a named pipe, a
//! device or a symbolic link at PATH is refused before the grid runs and left as it was (the
//! file is written by a rename, which would replace it). A physics step the grid cannot record
//! at its rate is refused before any trial. The pass map follows the table.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-grid-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A one-trial grid of one simulated second, its table written to `csv`.
fn grid(csv: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
        .args(["gait-grid", "--duration", "1", "--speeds", "1.0"])
        .args(["--inclines", "0", "--directions", "forward", "--csv"])
        .arg(csv)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn csv_to_a_fifo_a_device_or_a_symlink_is_refused_and_left_alone() {
    let dir = temp_dir("special");
    let fifo = dir.join("fifo.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let o = grid(&fifo);
    assert!(!o.status.success(), "a FIFO was accepted");
    assert!(
        stderr(&o).contains(&format!("{}: it is a named pipe (FIFO)", fifo.display())),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("[1/1]"), "refused only after the grid");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");

    let target = dir.join("target.csv");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = grid(&link);
    assert!(!o.status.success(), "a symbolic link was accepted");
    assert!(
        stderr(&o).contains("it is a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");

    let o = grid(Path::new("/dev/full"));
    assert!(!o.status.success(), "a device was accepted");
    assert!(stderr(&o).contains("it is a device"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_to_a_regular_file_replaces_it_with_the_table() {
    let dir = temp_dir("regular");
    let csv = dir.join("grid.csv");
    std::fs::write(&csv, "old").unwrap();
    let o = grid(&csv);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("direction,speed_mps,"), "{text}");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("forward,1.0,0.0,"), "{text}");
    // The pass map follows the table on standard output: a row for the one speed.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("\nforward (") && out.contains("m/s | %"),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("1.00 ")), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_step_that_does_not_divide_the_grids_recording_interval_is_refused_before_any_trial() {
    let dir = temp_dir("step");
    let csv = dir.join("grid.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_retrogait"))
        .args(["gait-grid", "--duration", "1", "--speeds", "1.0"])
        .args([
            "--inclines",
            "0",
            "--directions",
            "forward",
            "--step-ms",
            "0.3",
        ])
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(!o.status.success(), "a 0.3 ms step was accepted");
    let e = stderr(&o);
    assert!(
        e.contains("--step-ms") && e.contains("not a whole number of 0.3 ms steps"),
        "{e}"
    );
    assert!(!e.contains("[1/1]"), "refused only after a trial ran: {e}");
    assert!(!csv.exists());
    std::fs::remove_dir_all(&dir).ok();
}
