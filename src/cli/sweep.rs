//! `retrogait sweep`: the trials of a scenario on a rayon pool, one folder per trial, then
//! `results.csv`.
//!
//! Order of events, so that nothing is lost and nothing half-done is kept:
//! 1. read, expand and check the scenario and load every model and the controller — any error
//!    stops here, before a file is written;
//! 2. check the output folder: empty, or holding the same scenario run on model and controller
//!    files of the same contents; register this shard as running there, refused while another
//!    sweep runs any of its trials; trials of this shard that are already there need
//!    `--resume`, which deletes their unfinished folders;
//! 3. run the remaining trials (a fall or a simulation error is a result, recorded in the
//!    trial's folder; the sweep goes on); each folder appears by one rename when complete;
//! 4. write `results.csv` and `report.html` from the folders when every trial of the scenario
//!    is there (the last shard to finish in a shared folder writes them; otherwise
//!    `retrogait report` merges).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};

use super::loaders::new_run_dir;
use crate::output::{TrialFiles, TrialInputs, write_atomic, write_trial_error, write_trial_inputs};
use crate::parallel::{jobs, pool_size, run_jobs};
use crate::progress::{Progress, format_duration};
use crate::results::{TrialStatus, gather, results_csv, status_counts};
use crate::scenario::{PlannedTrial, Scenario, ScenarioInputs};
use crate::shard::Shard;
use crate::sweep_dir::{RESULTS_FILE, SweepDir, TrialState};
use crate::sweep_lock::SweepLock;
use crate::trial_run::TrialOutput;

/// Options of `retrogait sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (RON), e.g. `assets/scenarios/retro-vs-forward.ron`.
    pub scenario: PathBuf,
    /// Output folder; a new folder under `runs/` if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Parallel trials; the number of cores if omitted.
    #[arg(long, allow_negative_numbers = true)]
    pub jobs: Option<usize>,
    /// Run only shard I of N: the trials whose index modulo N is I-1.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Continue the sweep in `--out`: keep finished trials, run the rest again.
    #[arg(long, requires = "out")]
    pub resume: bool,
}

/// Runs `retrogait sweep`.
pub fn run(args: SweepArgs) -> Result<()> {
    let file = &args.scenario;
    let (scenario, text) = Scenario::read(file)?;
    let trials = scenario.expand(file)?;
    let inputs = scenario.load_inputs(file, &trials)?;
    let jobs = jobs(args.jobs)?;
    let shard = args.shard.unwrap_or(Shard::ALL);
    let dir = SweepDir::new(args.out.clone().unwrap_or_else(new_run_dir));
    // Checked before the lock file goes into the folder (a foreign folder stays untouched),
    // and again once no other sweep can change the folder's trials.
    dir.check_scenario(&scenario)?;
    dir.check_inputs(&inputs.hashes)?;
    let _running = SweepLock::acquire(dir.root(), shard, trials.len())?;
    dir.check_scenario(&scenario)?;
    dir.check_inputs(&inputs.hashes)?;
    let mine: Vec<&PlannedTrial> = trials.iter().filter(|t| shard.contains(t.index)).collect();
    let states: Vec<TrialState> = mine.iter().map(|t| dir.state(&t.name)).collect();
    let count = |s: TrialState| states.iter().filter(|&&x| x == s).count();
    let (finished, unfinished) = (count(TrialState::Complete), count(TrialState::Partial));
    if !args.resume && finished + unfinished > 0 {
        bail!(
            "{} already holds {finished} finished and {unfinished} unfinished trials of this \
             sweep; add --resume to continue it, or choose another --out",
            dir.root().display()
        );
    }
    dir.write_scenario(&text)?;
    dir.write_inputs(&inputs.hashes)?;
    let mut todo = Vec::new();
    for (t, state) in mine.iter().zip(&states) {
        if *state != TrialState::Complete {
            dir.clear_partial(&t.name)?;
            todo.push(*t);
        }
    }
    let shard_note = if shard == Shard::ALL {
        String::new()
    } else {
        format!(", shard {shard} of them: {}", mine.len())
    };
    let jobs = pool_size(jobs, todo.len());
    eprintln!(
        "sweep {}: {} trials{shard_note}; {finished} already finished, {} to run on {jobs} job{}, \
         into {}",
        file.display(),
        trials.len(),
        todo.len(),
        if jobs == 1 { "" } else { "s" },
        dir.root().display()
    );
    let start = Instant::now();
    let write_failures = run_all(&todo, &scenario, &inputs, &dir, jobs)?;
    eprintln!(
        "ran {} trials in {}",
        todo.len() - write_failures.len(),
        format_duration(start.elapsed().as_secs_f64())
    );
    finish(&dir, &scenario, &trials, shard)?;
    if let Some((name, e)) = write_failures.first() {
        bail!(
            "{} trials could not be written (first: {name}: {e:#}); fix the cause and run the \
             sweep again with --resume",
            write_failures.len()
        );
    }
    Ok(())
}

/// Runs `todo` on `jobs` threads, in scenario order (so a killed sweep has finished the first
/// ones). Returns the trials whose folder could not be written (the others are finished,
/// whatever their outcome).
fn run_all(
    todo: &[&PlannedTrial],
    scenario: &Scenario,
    inputs: &ScenarioInputs,
    dir: &SweepDir,
    jobs: usize,
) -> Result<Vec<(String, anyhow::Error)>> {
    let progress = Progress::new(todo.len());
    let not_written = run_jobs(jobs, todo, |&t| {
        let started = Instant::now();
        match run_and_write(t, scenario, inputs, dir) {
            Ok(outcome) => {
                let wall = format_duration(started.elapsed().as_secs_f64());
                let failed = outcome.status != TrialStatus::Ok;
                progress.trial_done(&t.name, &format!("{} ({wall})", outcome.text), failed);
                None
            }
            Err(e) => {
                progress.trial_done(&t.name, &format!("NOT WRITTEN: {e:#}"), true);
                Some((t.name.clone(), e))
            }
        }
    })?;
    progress.finish();
    Ok(not_written.into_iter().flatten().collect())
}

/// How a trial ended, for the progress report.
struct Outcome {
    status: TrialStatus,
    text: String,
}

/// Runs one trial in its temporary folder and publishes the folder. An error return means the
/// folder could not be written; a trial's own failure is an [`Outcome`].
fn run_and_write(
    t: &PlannedTrial,
    scenario: &Scenario,
    inputs: &ScenarioInputs,
    dir: &SweepDir,
) -> Result<Outcome> {
    let tmp = dir.begin_trial(&t.name)?;
    let model = &inputs.models[t.subject];
    let settings = inputs.settings[t.subject];
    write_trial_inputs(
        &tmp,
        &TrialInputs {
            model,
            controller_ron: &inputs.controller_ron,
            spec: &t.spec,
            settings: Some(&settings),
            subject: Some(&scenario.subjects[t.subject].name),
        },
    )?;
    let output = TrialOutput {
        dir: &tmp,
        files: TrialFiles {
            frames: scenario.output.frames,
        },
    };
    let ran = catch_unwind(AssertUnwindSafe(|| {
        crate::trial_run::run_trial(
            model,
            &inputs.controller,
            t.spec,
            settings,
            scenario.output.muscles,
            Some(output),
            |_| {},
        )
    }));
    let outcome = match ran {
        Ok(ran) => match ran? {
            Ok(done) => {
                crate::output::write_trial_results(&tmp, &done)?;
                let gait = &done.summary.gait;
                if gait.fell {
                    Outcome {
                        status: TrialStatus::Fell,
                        text: format!("fell at {:.1} s", gait.fall_time_s.unwrap_or(f64::NAN)),
                    }
                } else {
                    Outcome {
                        status: TrialStatus::Ok,
                        text: "ok".into(),
                    }
                }
            }
            Err(e) => failed(&tmp, &e.to_string())?,
        },
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            failed(&tmp, &format!("the simulation panicked: {what}"))?
        }
    };
    dir.commit_trial(&t.name)?;
    Ok(outcome)
}

fn failed(tmp: &Path, message: &str) -> Result<Outcome> {
    write_trial_error(tmp, message)?;
    Ok(Outcome {
        status: TrialStatus::Error,
        text: format!("error: {message}"),
    })
}

/// Writes `results.csv` and `report.html` when every trial of the scenario is in the folder;
/// otherwise says how to merge the shards.
fn finish(
    dir: &SweepDir,
    scenario: &Scenario,
    trials: &[PlannedTrial],
    shard: Shard,
) -> Result<()> {
    let (records, missing) = gather(&[dir.root().to_path_buf()], trials)?;
    if !missing.is_empty() {
        crate::outln!(
            "shard {shard} finished; {} trials of other shards are not in {}: when every shard \
             has run, merge the folders with `retrogait report DIR...`",
            missing.len(),
            dir.root().display()
        )?;
        return Ok(());
    }
    let path = dir.root().join(RESULTS_FILE);
    write_atomic(&path, &results_csv(scenario, trials, &records)?)?;
    let report = crate::report_html::write_report(
        &[dir.root().to_path_buf()],
        dir.root(),
        scenario,
        trials,
        &records,
    )?;
    crate::outln!(
        "{} trials: {}; wrote {} and {}",
        records.len(),
        status_counts(&records),
        path.display(),
        report.display()
    )?;
    Ok(())
}
