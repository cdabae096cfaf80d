//! The sweep as a Slurm job array, end to end: `tests/slurm/run-test.sh` starts a one-node
//! Slurm cluster on this machine (installing Debian's `slurm-wlm` and `munge` if needed),
//! submits the smoke scenario as 2 shards with `examples/slurm/sweep-array.sbatch` plus the
//! dependent `retrogait report` job, and checks the merged `results.csv` against a local run.
//!
//! Where Slurm cannot be installed or started (no root, no apt-get, no network, no daemons),
//! the script exits with 77 and the test passes, saying `skipped: <reason>`.
//! `RETROGAIT_SLURM_TEST=skip` skips it; `RETROGAIT_SLURM_TEST=require` makes a skip a failure.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/slurm/run-test.sh");
/// The script's exit status when the test cannot run here.
const SKIPPED: i32 = 77;

#[test]
fn sweep_as_a_slurm_job_array_equals_a_local_run() {
    let start = Instant::now();
    let out = Command::new("bash")
        .arg(SCRIPT)
        .arg(env!("CARGO_BIN_EXE_retrogait"))
        .output()
        .expect("cannot run bash tests/slurm/run-test.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let seconds = start.elapsed().as_secs_f64();
    // Written to the process's stderr, not through the test harness's captured output, so the
    // outcome shows in a plain `cargo test` run.
    let mut tty = std::io::stderr();
    match out.status.code() {
        Some(0) => {
            let _ = writeln!(tty, "slurm_array: passed in {seconds:.0} s");
        }
        Some(SKIPPED) => {
            let reason = stderr
                .lines()
                .rev()
                .find_map(|l| l.split_once("skipped: ").map(|(_, reason)| reason))
                .unwrap_or("see the script's output");
            let _ = writeln!(tty, "slurm_array: skipped: {reason}");
        }
        _ => panic!(
            "tests/slurm/run-test.sh failed ({}) after {seconds:.0} s\n\
             --- stdout\n{stdout}\n--- stderr\n{stderr}",
            out.status
        ),
    }
}
