//! The layout of a sweep folder, and the crash-safety rules that go with it.
//!
//! ```text
//! OUT/scenario.ron                  the scenario text the sweep runs (written before any trial)
//! OUT/inputs.json                   SHA-256 of its model and controller files (input_hashes)
//! OUT/<trial>/                      a finished trial: inputs, results, summary.json or error.json
//! OUT/.<trial>.tmp/                 a trial being written (or left by a killed sweep)
//! OUT/results.csv                   one row per trial, written when every trial is finished
//! OUT/.sweep*.lock                  which sweeps run in the folder (sweep_lock)
//! ```
//!
//! A trial runs in its temporary folder and is renamed to its final name only when complete,
//! so a final folder is always whole, whenever the process is killed; a resumed sweep deletes
//! the temporary folders of its own trials and runs those trials again. Shards of one sweep
//! may share a folder: each only ever touches the folders of its own trials, and the locks
//! keep two sweeps off the same trials.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::input_hashes::{INPUTS_FILE, InputHashes};
use crate::output::{ERROR_FILE, INPUT_FILES, SUMMARY_FILE, write_atomic};
use crate::scenario::Scenario;

/// The scenario text recorded in a sweep folder.
pub const SCENARIO_FILE: &str = "scenario.ron";
/// One row per trial.
pub const RESULTS_FILE: &str = "results.csv";

/// Where a trial of the sweep stands in its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialState {
    /// Nothing written yet.
    Absent,
    /// Finished: its final folder holds `summary.json` or `error.json`, and its inputs.
    Complete,
    /// Started but not finished: a temporary folder, or a final folder without its marker
    /// or one of its inputs.
    Partial,
}

/// A sweep's output folder.
#[derive(Debug, Clone)]
pub struct SweepDir {
    root: PathBuf,
}

impl SweepDir {
    /// The sweep folder at `root` (nothing is read or written).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Final folder of a trial.
    pub fn trial_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Temporary folder a trial is written in (hidden, beside its final folder).
    pub fn temp_dir(&self, name: &str) -> PathBuf {
        self.root.join(format!(".{name}.tmp"))
    }

    /// Where a trial stands.
    pub fn state(&self, name: &str) -> TrialState {
        let dir = self.trial_dir(name);
        if self.lacks(name).is_none() {
            TrialState::Complete
        } else if dir.exists() || self.temp_dir(name).exists() {
            TrialState::Partial
        } else {
            TrialState::Absent
        }
    }

    /// What a trial's final folder lacks to be complete (`None` when complete), e.g.
    /// `run.json` or `summary.json or error.json`.
    pub fn lacks(&self, name: &str) -> Option<String> {
        let dir = self.trial_dir(name);
        let marked = dir.join(SUMMARY_FILE).is_file() || dir.join(ERROR_FILE).is_file();
        let mut missing: Vec<String> = INPUT_FILES
            .iter()
            .filter(|f| !dir.join(f).is_file())
            .map(|f| f.to_string())
            .collect();
        if !marked {
            missing.push(format!("{SUMMARY_FILE} or {ERROR_FILE}"));
        }
        (!missing.is_empty()).then(|| missing.join(", "))
    }

    /// Deletes what an unfinished run of a trial left (its temporary folder, an incomplete
    /// final folder); finished folders are never touched.
    pub fn clear_partial(&self, name: &str) -> Result<()> {
        remove_dir_if_present(&self.temp_dir(name))?;
        if self.state(name) != TrialState::Complete {
            remove_dir_if_present(&self.trial_dir(name))?;
        }
        Ok(())
    }

    /// Starts writing a trial: a fresh, empty temporary folder.
    pub fn begin_trial(&self, name: &str) -> Result<PathBuf> {
        let tmp = self.temp_dir(name);
        remove_dir_if_present(&tmp)?;
        fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(tmp)
    }

    /// Publishes a trial whose temporary folder is complete: one rename.
    pub fn commit_trial(&self, name: &str) -> Result<PathBuf> {
        let (tmp, dir) = (self.temp_dir(name), self.trial_dir(name));
        remove_dir_if_present(&dir)?;
        fs::rename(&tmp, &dir)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), dir.display()))?;
        Ok(dir)
    }

    /// The scenario recorded in the folder, if any, with its text.
    pub fn read_scenario(&self) -> Result<Option<(Scenario, String)>> {
        let path = self.root.join(SCENARIO_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some((Scenario::parse(&text, &path)?, text))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Checks that the folder can take trials of `scenario`: it does not exist, is empty (but
    /// for hidden entries), or records the same scenario. Writes nothing.
    pub fn check_scenario(&self, scenario: &Scenario) -> Result<()> {
        match self.read_scenario()? {
            Some((recorded, _)) => match recorded.first_difference(scenario) {
                None => Ok(()),
                Some(field) => bail!(
                    "{} holds a sweep of another scenario ({field} differs from {}); choose another --out",
                    self.root.display(),
                    SCENARIO_FILE
                ),
            },
            None if is_empty_or_absent(&self.root)? => Ok(()),
            None => bail!(
                "{} is not empty and holds no {SCENARIO_FILE}, so it is not a sweep folder; \
                 choose another --out",
                self.root.display()
            ),
        }
    }

    /// The input hashes recorded in the folder, if any.
    pub fn read_inputs(&self) -> Result<Option<InputHashes>> {
        let path = self.root.join(INPUTS_FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a valid {INPUTS_FILE}", path.display())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Checks that the model and controller files have the contents the folder's trials ran
    /// on (a folder without `inputs.json`, new or from an older version, takes any). Writes
    /// nothing.
    pub fn check_inputs(&self, hashes: &InputHashes) -> Result<()> {
        let Some(recorded) = self.read_inputs()? else {
            return Ok(());
        };
        match hashes.first_change(&recorded) {
            None => Ok(()),
            Some(change) => bail!(
                "{} holds a sweep that ran on other inputs: {change} in its {INPUTS_FILE}; \
                 restore the file, or choose another --out",
                self.root.display()
            ),
        }
    }

    /// Records the input hashes, unless the folder already has them.
    pub fn write_inputs(&self, hashes: &InputHashes) -> Result<()> {
        let path = self.root.join(INPUTS_FILE);
        if !path.exists() {
            write_atomic(&path, &serde_json::to_vec_pretty(hashes)?)?;
        }
        Ok(())
    }

    /// Records the scenario text, unless the folder already has it (another shard, or the
    /// run being resumed, wrote it).
    pub fn write_scenario(&self, text: &str) -> Result<()> {
        let path = self.root.join(SCENARIO_FILE);
        if !path.exists() {
            write_atomic(&path, text.as_bytes())?;
        }
        Ok(())
    }
}

fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", dir.display())),
    }
}

/// Whether `dir` is absent or holds only hidden entries: the temporary files of a shard that
/// is writing `scenario.ron` into a shared folder at this moment must not make it look foreign.
fn is_empty_or_absent(dir: &Path) -> Result<bool> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries
            .filter_map(|e| e.ok())
            .all(|e| e.file_name().to_string_lossy().starts_with('.'))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("cannot read folder {}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> SweepDir {
        let d =
            std::env::temp_dir().join(format!("retrogait-sweepdir-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        SweepDir::new(d)
    }

    #[test]
    fn a_trial_is_partial_until_committed_with_its_marker() {
        let d = temp("states");
        assert_eq!(d.state("t"), TrialState::Absent);
        let tmp = d.begin_trial("t").unwrap();
        assert_eq!(d.state("t"), TrialState::Partial);
        for f in INPUT_FILES.iter().chain([&SUMMARY_FILE]) {
            fs::write(tmp.join(f), "{}").unwrap();
        }
        assert_eq!(d.state("t"), TrialState::Partial, "not yet renamed");
        d.commit_trial("t").unwrap();
        assert_eq!(d.state("t"), TrialState::Complete);
        assert_eq!(d.lacks("t"), None);
        assert!(!d.temp_dir("t").exists());
        // A final folder without its marker (not written by a sweep) is partial and cleared.
        fs::create_dir_all(d.trial_dir("u")).unwrap();
        assert_eq!(d.state("u"), TrialState::Partial);
        // So is one with its marker but not the inputs it ran on (two sweeps on one folder).
        fs::write(d.trial_dir("u").join(ERROR_FILE), "{}").unwrap();
        fs::write(d.trial_dir("u").join("model.ron"), "()").unwrap();
        assert_eq!(d.state("u"), TrialState::Partial);
        assert_eq!(d.lacks("u").unwrap(), "run.json, controller.ron");
        d.clear_partial("u").unwrap();
        assert_eq!(d.state("u"), TrialState::Absent);
        // Clearing never touches a finished trial.
        d.clear_partial("t").unwrap();
        assert_eq!(d.state("t"), TrialState::Complete);
        fs::remove_dir_all(d.root()).unwrap();
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused() {
        let d = temp("foreign");
        let s = Scenario::parse(
            "(directions: [forward], speeds_mps: [1.0], inclines_pct: [0], \
             subjects: [(name: \"a\", height_m: 1.75, mass_kg: 70)], seeds: [1], duration_s: 1)",
            Path::new("s.ron"),
        )
        .unwrap();
        d.check_scenario(&s).unwrap();
        fs::create_dir_all(d.root()).unwrap();
        d.check_scenario(&s).unwrap();
        fs::write(d.root().join("notes.txt"), "mine").unwrap();
        let e = d.check_scenario(&s).unwrap_err().to_string();
        assert!(e.contains("not a sweep folder"), "{e}");
        fs::remove_dir_all(d.root()).unwrap();
    }
}
