//! `retrogait sweep`: the trials of a scenario on a rayon pool, one folder per trial, then
//! `results.csv`.
//!
//! Order of events, so that nothing is lost and nothing half-done is kept:
//! 1. read, expand and check the scenario and load every model and the controller — any error
//!    stops here, before a file is written;
//! 2. check the output folder: empty, or holding the same scenario; trials of this shard that
//!    are already there need `--resume`, which deletes their unfinished folders;
//! 3. run the remaining trials (a fall or a simulation error is a result, recorded in the
//!    trial's folder; the sweep goes on); each folder appears by one rename when complete;
//! 4. write `results.csv` and `report.html` from the folders when every trial of the scenario
//!    is there (the last shard to finish in a shared folder writes them; otherwise
//!    `retrogait report` merges).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cli::{SweepArgs, new_run_dir};
use crate::output::{TrialFiles, TrialInputs, write_atomic, write_trial_error, write_trial_inputs};
use crate::progress::{Progress, format_duration};
use crate::results::{TrialStatus, gather, results_csv, status_counts};
use crate::scenario::{PlannedTrial, Scenario, ScenarioInputs};
use crate::sweep_dir::{RESULTS_FILE, SweepDir, TrialState};

/// A deterministic slice of a sweep: shard `index` of `count` runs the trials whose index
/// modulo `count` is `index - 1`, so shards interleave and take similar mixes of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` (as given to `--shard`), with 1 ≤ I ≤ N.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not of the form I/N (shard I of N), e.g. 1/4"))?;
        let num = |v: &str, what: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{v}` in `{s}` is not a {what}"))
        };
        let (index, count) = (num(i, "shard number")?, num(n, "number of shards")?);
        if count == 0 {
            return Err(format!("`{s}`: the number of shards must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{s}`: the shard number must be between 1 and {count}"
            ));
        }
        Ok(Self { index, count })
    }

    /// Whether trial `trial_index` (0-based) belongs to this shard.
    pub fn contains(&self, trial_index: usize) -> bool {
        trial_index % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Runs `retrogait sweep`.
pub fn sweep(args: SweepArgs) -> Result<()> {
    let file = &args.scenario;
    let (scenario, text) = Scenario::read(file)?;
    let trials = scenario.expand(file)?;
    let inputs = scenario.load_inputs(file)?;
    let jobs = match args.jobs {
        Some(0) => bail!("--jobs 0: a sweep needs at least one job"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let shard = args.shard.unwrap_or(Shard::ALL);
    let dir = SweepDir::new(args.out.clone().unwrap_or_else(new_run_dir));
    dir.check_scenario(&scenario)?;
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

/// Runs `todo` on a pool of `jobs` threads. Returns the trials whose folder could not be
/// written (the others are finished, whatever their outcome).
fn run_all(
    todo: &[&PlannedTrial],
    scenario: &Scenario,
    inputs: &ScenarioInputs,
    dir: &SweepDir,
    jobs: usize,
) -> Result<Vec<(String, anyhow::Error)>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|k| format!("trial-{k}"))
        .build()
        .context("cannot start the thread pool")?;
    let progress = Progress::new(todo.len());
    let failures = Mutex::new(Vec::new());
    // FIFO, so trials start in scenario order and a killed sweep has finished the first ones.
    pool.scope_fifo(|s| {
        for &t in todo {
            let (progress, failures) = (&progress, &failures);
            s.spawn_fifo(move |_| {
                let started = Instant::now();
                match run_and_write(t, scenario, inputs, dir) {
                    Ok(outcome) => {
                        let wall = format_duration(started.elapsed().as_secs_f64());
                        let failed = outcome.status != TrialStatus::Ok;
                        progress.trial_done(&t.name, &format!("{} ({wall})", outcome.text), failed);
                    }
                    Err(e) => {
                        progress.trial_done(&t.name, &format!("NOT WRITTEN: {e:#}"), true);
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((t.name.clone(), e));
                    }
                }
            });
        }
    });
    progress.finish();
    Ok(failures.into_inner().unwrap_or_else(|e| e.into_inner()))
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
    write_trial_inputs(
        &tmp,
        &TrialInputs {
            model,
            controller_ron: &inputs.controller_ron,
            spec: &t.spec,
            subject: Some(&scenario.subjects[t.subject].name),
        },
    )?;
    let ran = catch_unwind(AssertUnwindSafe(|| {
        crate::trial_run::run_trial(
            model,
            &inputs.controller,
            t.spec,
            scenario.output.muscles,
            |_| {},
        )
    }));
    let outcome = match ran {
        Ok(Ok(done)) => {
            crate::output::write_trial_results(
                &tmp,
                model,
                &done,
                TrialFiles {
                    frames: scenario.output.frames,
                },
            )?;
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
        Ok(Err(e)) => failed(&tmp, &e.to_string())?,
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
        println!(
            "shard {shard} finished; {} trials of other shards are not in {}: when every shard \
             has run, merge the folders with `retrogait report DIR...`",
            missing.len(),
            dir.root().display()
        );
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
    println!(
        "{} trials: {}; wrote {} and {}",
        records.len(),
        status_counts(&records),
        path.display(),
        report.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_trials() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/2", "3/2", "1/0", "a/2", "1", "1/2/3", "-1/2"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains(bad) || e.contains("shard"), "{bad}: {e}");
        }
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for trial in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.contains(trial)).count(), 1);
        }
        assert!((0..5).all(|t| Shard::ALL.contains(t)));
    }
}
