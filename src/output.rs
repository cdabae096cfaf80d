//! Writers of a trial's folder: `summary.json`, `cycles.csv`, `events.json` and the exact inputs
//! that produced them (model, trial, controller, program version), so each run describes
//! itself; the frame files are written as the trial runs ([`crate::frame_files`]).
//!
//! Every file is written to a temporary name and renamed into place, so a reader (or a crash)
//! never sees half a file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use gait::measures::CycleCurve;
use musculo::Model;
use serde::Serialize;

use crate::trial_run::FinishedTrial;

/// Program name and version recorded in every output folder.
pub const PROGRAM: &str = concat!("retrogait ", env!("CARGO_PKG_VERSION"));

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
///
/// The temporary name carries the process id and a counter, so processes that write the same
/// file at once (shards of one sweep sharing a folder) never write into each other's file.
/// A path that is not a regular file (a symbolic link, FIFO, device or folder) is refused: the
/// rename would replace it rather than write to it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    refuse_non_regular(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    let tmp = temp_path(path);
    let written = (|| -> Result<()> {
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
        fs::rename(&tmp, path)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
    })();
    if written.is_err() {
        fs::remove_file(&tmp).ok();
    }
    written
}

/// A temporary name beside `path` that no other writer uses: it carries the process id and a
/// counter.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        ".{}.{}-{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A file written bit by bit under a temporary name and renamed into place by
/// [`AtomicFile::commit`], as [`write_atomic`] writes a whole file at once: for files written
/// while a trial runs. Dropped uncommitted, the temporary file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> Result<Self> {
        let tmp = temp_path(path);
        let file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// Writes the rest out and moves the file into place; on failure the temporary file is
    /// removed.
    pub fn commit(mut self) -> Result<PathBuf> {
        let file = self.file.take().expect("an uncommitted file is open");
        let moved = (|| {
            let file = file
                .into_inner()
                .map_err(io::IntoInnerError::into_error)
                .with_context(|| format!("cannot write {}", self.tmp.display()))?;
            file.sync_all().ok();
            drop(file);
            fs::rename(&self.tmp, &self.path).with_context(|| {
                format!(
                    "cannot move {} to {}",
                    self.tmp.display(),
                    self.path.display()
                )
            })
        })();
        if moved.is_err() {
            fs::remove_file(&self.tmp).ok();
        }
        moved.map(|()| self.path.clone())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file
            .as_mut()
            .expect("an uncommitted file is open")
            .write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file
            .as_mut()
            .expect("an uncommitted file is open")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            fs::remove_file(&self.tmp).ok();
        }
    }
}

/// The run's self-description written beside the results.
#[derive(Debug, Serialize)]
struct RunInfo<'a> {
    program: &'a str,
    /// The subject's name in a sweep; absent for `simulate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    model: &'a str,
    subject_height_m: f64,
    subject_mass_kg: f64,
    trial: &'a gait::TrialSpec,
    /// The treadmill and the physics (step, contact integration) the trial ran on.
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<&'a gait::TrialSettings>,
}

/// `cycles.csv`: one row per variable, leg and percent of the gait cycle.
fn cycles_csv(curves: &[CycleCurve]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["variable", "side", "strides", "percent_cycle", "mean", "sd"])?;
    for c in curves {
        for (k, (m, s)) in c.mean.iter().zip(&c.sd).enumerate() {
            let pct = 100.0 * k as f64 / (c.mean.len() - 1) as f64;
            w.write_record([
                c.variable.clone(),
                c.side.clone(),
                c.strides.to_string(),
                pct.to_string(),
                m.to_string(),
                s.to_string(),
            ])?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// Which of a trial folder's optional files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialFiles {
    /// `frames.csv` and the OpenSim `.sto` files (the large files).
    pub frames: bool,
}

impl Default for TrialFiles {
    fn default() -> Self {
        Self { frames: true }
    }
}

/// What a trial ran on: written into its folder before it starts, so even a trial that fails
/// (or a folder left by a killed sweep) says what it was.
#[derive(Debug, Clone, Copy)]
pub struct TrialInputs<'a> {
    /// The scaled model.
    pub model: &'a Model,
    /// The walking controller's parameters as RON text.
    pub controller_ron: &'a str,
    /// The trial.
    pub spec: &'a gait::TrialSpec,
    /// Its treadmill and physics (none for a measured recording, which ran no physics).
    pub settings: Option<&'a gait::TrialSettings>,
    /// The subject's name (sweeps).
    pub subject: Option<&'a str>,
}

/// Writes `run.json`, `model.ron` and `controller.ron`: the exact inputs of a trial.
pub fn write_trial_inputs(dir: &Path, inputs: &TrialInputs<'_>) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let info = RunInfo {
        program: PROGRAM,
        subject: inputs.subject,
        model: &inputs.model.name,
        subject_height_m: inputs.model.subject.height_m,
        subject_mass_kg: inputs.model.subject.mass_kg,
        trial: inputs.spec,
        settings: inputs.settings,
    };
    let [run, model, controller] = INPUT_FILES;
    let files = [
        (run, serde_json::to_vec_pretty(&info)?),
        (
            model,
            ron::ser::to_string_pretty(&inputs.model.spec, Default::default())?.into_bytes(),
        ),
        (controller, inputs.controller_ron.as_bytes().to_vec()),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        let p = dir.join(name);
        write_atomic(&p, &bytes)?;
        written.push(p);
    }
    Ok(written)
}

/// Writes what a finished trial produced apart from its frame files (which
/// [`crate::trial_run::run_trial`] writes as the trial runs): cycles, events and, last,
/// `summary.json`, whose presence marks a complete folder.
pub fn write_trial_results(dir: &Path, trial: &FinishedTrial) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let p = dir.join(name);
        write_atomic(&p, bytes)?;
        written.push(p);
        Ok(())
    };
    if let Some(curves) = &trial.cycle_curves {
        put("cycles.csv", &cycles_csv(curves)?)?;
    }
    let events = serde_json::to_vec_pretty(&trial.record.events)?;
    put("events.json", &events)?;
    put(SUMMARY_FILE, &serde_json::to_vec_pretty(&trial.summary)?)?;
    Ok(written)
}

/// Writes a finished trial's inputs and results beside its frame files. Returns the files
/// written.
pub fn write_trial(
    dir: &Path,
    model: &Model,
    controller_ron: &str,
    trial: &FinishedTrial,
) -> Result<Vec<PathBuf>> {
    let inputs = TrialInputs {
        model,
        controller_ron,
        spec: &trial.record.spec,
        settings: trial.settings.as_ref(),
        subject: None,
    };
    let mut written = write_trial_inputs(dir, &inputs)?;
    written.extend(write_trial_results(dir, trial)?);
    Ok(written)
}

/// The inputs written into every trial folder before it runs: `run.json`, `model.ron`,
/// `controller.ron`.
pub const INPUT_FILES: [&str; 3] = ["run.json", "model.ron", "controller.ron"];
/// Name of the file that marks a trial folder complete with a result.
pub const SUMMARY_FILE: &str = "summary.json";
/// Name of the file that marks a trial folder complete with an error.
pub const ERROR_FILE: &str = "error.json";

/// `error.json`: a trial that could not run to its end (not a fall: a simulation error).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TrialErrorRecord {
    /// The error, one sentence.
    pub error: String,
}

/// Writes `error.json` into a trial folder whose inputs are written; it marks the folder
/// complete, so a resumed sweep does not run the (deterministic) failure again.
pub fn write_trial_error(dir: &Path, message: &str) -> Result<PathBuf> {
    let p = dir.join(ERROR_FILE);
    let record = TrialErrorRecord {
        error: message.to_owned(),
    };
    write_atomic(&p, &serde_json::to_vec_pretty(&record)?)?;
    Ok(p)
}

/// Refuses an existing `path` that is not a regular file, naming what it is.
pub fn refuse_non_regular(path: &Path) -> Result<()> {
    let kind = match fs::symlink_metadata(path) {
        Ok(m) => file_kind(&m.file_type()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
    };
    match kind {
        None => Ok(()),
        Some(kind) => anyhow::bail!(
            "cannot write {}: it is {kind}, not a regular file; results are written to regular \
             files only",
            path.display()
        ),
    }
}

/// Checks, before hours of work, that `path` can take the file written there at the end: not
/// something other than a regular file, in a folder that takes new files (made if missing).
pub fn check_writable_file(path: &Path) -> Result<()> {
    refuse_non_regular(path)?;
    let probe = path.with_file_name(format!(
        ".{}.{}.probe",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    let dir = probe.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    fs::File::create(&probe).with_context(|| format!("cannot write into {}", dir.display()))?;
    fs::remove_file(&probe).ok();
    Ok(())
}

/// What a file type is, for an error message; `None` for a regular file.
fn file_kind(t: &fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    if t.is_file() {
        None
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else if t.is_dir() {
        Some("a folder")
    } else {
        Some("a special file")
    }
}
