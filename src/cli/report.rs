//! `retrogait report DIR...`: merges the folders of one sweep — a whole sweep, or its shards
//! run on several machines or as a job array — into one `results.csv` and one `report.html`.
//!
//! The folders must record the same scenario run on model and controller files of the same
//! contents (a merge of different studies would be a table of unrelated rows), and together
//! they must hold every trial of it, each complete with its inputs. Rows are built from the
//! trial folders exactly as `sweep` builds them, so a merge of shards equals an unsharded run.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::input_hashes::{INPUTS_FILE, InputHashes};
use crate::output::write_atomic;
use crate::report_html::write_report;
use crate::results::{gather, results_csv, status_counts};
use crate::scenario::Scenario;
use crate::sweep_dir::{RESULTS_FILE, SCENARIO_FILE, SweepDir};

/// Options of `retrogait report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Folders of one sweep or of its shards.
    #[arg(required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// Where to write `results.csv`; the first folder if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `retrogait report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let Some(first) = args.dirs.first() else {
        bail!("report needs at least one sweep folder");
    };
    let (scenario, text) = read_scenario(first)?;
    for other in &args.dirs[1..] {
        let (s, _) = read_scenario(other)?;
        if let Some(field) = s.first_difference(&scenario) {
            bail!(
                "cannot merge {} with {}: they ran different scenarios ({field} differs)",
                other.display(),
                first.display()
            );
        }
    }
    let hashes = read_inputs(&args.dirs)?;
    let trials = scenario.expand(&first.join(SCENARIO_FILE))?;
    let (records, missing) = gather(&args.dirs, &trials)?;
    for name in &missing {
        for dir in args.dirs.iter().map(SweepDir::new) {
            if let (true, Some(what)) = (dir.trial_dir(name).exists(), dir.lacks(name)) {
                bail!(
                    "{} is an incomplete trial folder: it lacks {what}; run the sweep again \
                     with --resume to run it again",
                    dir.trial_dir(name).display()
                );
            }
        }
    }
    if let Some(example) = missing.first() {
        bail!(
            "{} of the {} trials are not finished in {} (e.g. {example}); run the missing \
             shards, or resume the sweep, first",
            missing.len(),
            trials.len(),
            list(&args.dirs)
        );
    }
    let out = SweepDir::new(args.out.clone().unwrap_or_else(|| first.clone()));
    if args.out.is_some() {
        out.check_scenario(&scenario)?;
    }
    // A separate output folder records the scenario too, so it describes itself.
    out.write_scenario(&text)?;
    if let Some((_, h)) = &hashes {
        if args.out.is_some() {
            out.check_inputs(h)?;
        }
        out.write_inputs(h)?;
    }
    let path = out.root().join(RESULTS_FILE);
    write_atomic(&path, &results_csv(&scenario, &trials, &records)?)?;
    let report = write_report(&args.dirs, out.root(), &scenario, &trials, &records)?;
    crate::outln!(
        "{} trials from {}: {}; wrote {} and {}",
        records.len(),
        list(&args.dirs),
        status_counts(&records),
        path.display(),
        report.display()
    )?;
    Ok(())
}

fn read_scenario(dir: &PathBuf) -> Result<(Scenario, String)> {
    match SweepDir::new(dir).read_scenario()? {
        Some(s) => Ok(s),
        None if !dir.is_dir() => bail!("{} is not a folder", dir.display()),
        None => bail!(
            "{} is not a sweep folder: it has no {SCENARIO_FILE}",
            dir.display()
        ),
    }
}

/// The input hashes the folders record (folders of older versions record none), refusing
/// folders whose sweeps ran on different model or controller files.
fn read_inputs(dirs: &[PathBuf]) -> Result<Option<(&PathBuf, InputHashes)>> {
    let mut found: Option<(&PathBuf, InputHashes)> = None;
    for dir in dirs {
        let Some(h) = SweepDir::new(dir).read_inputs()? else {
            continue;
        };
        if let Some((first, recorded)) = &found
            && let Some(change) = h.first_change(recorded)
        {
            bail!(
                "cannot merge {} with {}: they ran on different inputs: {change} in {}",
                dir.display(),
                first.display(),
                first.join(INPUTS_FILE).display()
            );
        }
        found.get_or_insert((dir, h));
    }
    Ok(found)
}

fn list(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
