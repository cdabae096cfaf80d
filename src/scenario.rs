//! Sweep scenarios (`assets/scenarios/*.ron`): which trials a `retrogait sweep` runs.
//!
//! A scenario is the cross product direction × speed × incline × subject × seed, with one
//! duration, recording rate, push setting, controller, physics and set of output options for
//! all its trials. Everything is checked when the file is read — syntax (with line and column),
//! every expanded trial against [`TrialSpec::validate`], folder-name clashes, and (in
//! [`Scenario::load_inputs`]) every subject's model, the controller and the physics against
//! every trial — so a sweep never stops on a bad input after hours of trials.
//!
//! The expansion order (directions outermost, seeds innermost) gives each trial its index;
//! shards and `results.csv` rows follow it, so both are a pure function of the file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use gait::controller::walking::{DEFAULT_WALKING_RON, WalkingParams};
use gait::trial::PhysicsChoices;
use gait::{Direction, PushSpec, TrialSettings, TrialSpec};
use musculo::{MAX_RON_BYTES, Model, ModelError, ReadError, Subject, input_file};
use serde::{Deserialize, Serialize};

use crate::input_hashes::{HashedFile, InputHashes};

mod values;
pub use values::{AxisValue, MAX_AXIS_VALUES, Values};

/// Most trials one scenario may expand to.
pub const MAX_TRIALS: usize = 100_000;

/// One scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Walking directions, e.g. `[forward, backward]`.
    pub directions: Vec<Direction>,
    /// Belt speeds [m/s]: a list or a range.
    pub speeds_mps: Values<f64>,
    /// Belt grades [%], positive uphill in the direction of travel: a list or a range.
    pub inclines_pct: Values<f64>,
    /// The subjects, each with its own (scaled) model.
    pub subjects: Vec<SubjectEntry>,
    /// Seeds of the trials' random choices: a list or a range.
    pub seeds: Values<u64>,
    /// Simulated time of every trial \[s\].
    pub duration_s: f64,
    /// Recording rate \[Hz\]. Default 200, as `simulate`.
    #[serde(default = "default_sample_rate_hz")]
    pub sample_rate_hz: f64,
    /// Pelvis pushes. Default none.
    #[serde(default)]
    pub pushes: PushSpec,
    /// Walking-controller parameters (RON), relative to the scenario file. Default: the
    /// built-in ones.
    #[serde(default)]
    pub controller: Option<PathBuf>,
    /// Step, contact integration and solver, each given or left out
    /// ([`gait::trial::PhysicsChoices`]): `physics: (dt_s: 0.001, friction_integration:
    /// Coupled)`. Left out, each subject's model decides ([`TrialSettings::for_model`]), so a
    /// scenario that names them runs the same physics after a default changes; every trial's
    /// `run.json` records what it ran on.
    #[serde(default)]
    pub physics: PhysicsChoices,
    /// What each trial computes and writes.
    #[serde(default)]
    pub output: OutputOptions,
}

fn default_sample_rate_hz() -> f64 {
    TrialSpec::default().sample_rate_hz
}

/// One subject of a scenario.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectEntry {
    /// Short name used in trial folder names and `results.csv` (letters, digits, `-`, `_`).
    pub name: String,
    /// Stature \[m\].
    pub height_m: f64,
    /// Body mass \[kg\].
    pub mass_kg: f64,
    /// Model file (RON), relative to the scenario file. Default: the built-in adult model.
    #[serde(default)]
    pub model: Option<PathBuf>,
}

/// What each trial of a sweep computes and writes.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputOptions {
    /// Write `frames.csv` and the OpenSim `.sto` files (the large files). Default true.
    pub frames: bool,
    /// Run the muscle analysis (muscle and joint fields of `summary.json`, `cycles.csv`).
    /// Default true; without it a trial runs about three times faster.
    pub muscles: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        Self {
            frames: true,
            muscles: true,
        }
    }
}

/// Why a scenario cannot be run: the file, where in it, and why.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario: {cause}")]
    Io {
        /// Scenario file.
        file: PathBuf,
        /// Why (missing, not a regular file, too large, ...).
        cause: ReadError,
    },
    /// Not valid RON, or not the shape of a scenario (unknown or missing field, wrong type).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// Scenario file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A value that parses but cannot be run.
    #[error("{file}: {field}: {reason}")]
    Invalid {
        /// Scenario file.
        file: PathBuf,
        /// Field path, e.g. `speeds_mps[3]` or `subjects[0].name`.
        field: String,
        /// Why, with the value and what is accepted.
        reason: String,
    },
    /// A subject's model cannot be loaded or scaled to the subject.
    #[error("{file}: {field}: cannot load the musculoskeletal model: {cause}")]
    Model {
        /// Scenario file.
        file: PathBuf,
        /// Field path of the subject, e.g. `subjects[1]`.
        field: String,
        /// The model loader's error (its own file, field and reason); part of the message,
        /// so the error stays one sentence.
        cause: Box<ModelError>,
    },
}

/// One trial of an expanded scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTrial {
    /// Position in the expansion order (0-based); shards select on it.
    pub index: usize,
    /// Folder name, unique in the scenario and a function of the trial alone.
    pub name: String,
    /// Index into [`Scenario::subjects`].
    pub subject: usize,
    /// The trial.
    pub spec: TrialSpec,
}

/// What the trials of a scenario share, loaded and checked once before any trial starts.
#[derive(Debug, Clone)]
pub struct ScenarioInputs {
    /// One model per subject, scaled to it, in [`Scenario::subjects`] order.
    pub models: Vec<Model>,
    /// Walking-controller parameters.
    pub controller: WalkingParams,
    /// Their RON text (recorded in every trial folder).
    pub controller_ron: String,
    /// Content hashes of the model and controller files (recorded in the sweep folder).
    pub hashes: InputHashes,
    /// Each subject's trial settings: its model's defaults with the scenario's physics, in
    /// [`Scenario::subjects`] order.
    pub settings: Vec<TrialSettings>,
}

/// Folder name of a trial: `<direction>_<speed>mps_<incline>pct[_<subject>]_seed<seed>`, with
/// speed to 0.01 m/s and incline to 0.1 % (`simulate` leaves the subject out).
pub fn trial_dir_name(spec: &TrialSpec, subject: Option<&str>) -> String {
    let subject = subject.map_or(String::new(), |s| format!("_{s}"));
    format!(
        "{}_{:.2}mps_{:+.1}pct{subject}_seed{}",
        spec.direction.as_str(),
        spec.speed_mps,
        spec.incline_pct,
        spec.seed
    )
}

impl Scenario {
    /// Parses a scenario; `file` names it in errors. Checks the syntax only: see
    /// [`Scenario::expand`] for the values.
    pub fn parse(text: &str, file: &Path) -> Result<Self, ScenarioError> {
        musculo::spec::ron_options()
            .from_str(text)
            .map_err(|e| ScenarioError::Syntax {
                file: file.to_owned(),
                line: e.span.start.line,
                column: e.span.start.col,
                message: e.code.to_string(),
            })
    }

    /// Reads and parses a scenario file; returns it with its text.
    pub fn read(file: &Path) -> Result<(Self, String), ScenarioError> {
        let text =
            input_file::read_text(file, MAX_RON_BYTES).map_err(|cause| ScenarioError::Io {
                file: file.to_owned(),
                cause,
            })?;
        Ok((Self::parse(&text, file)?, text))
    }

    /// Expands the scenario into its trials, in index order, checking every trial with
    /// [`TrialSpec::validate`] and that every trial gets its own folder name.
    pub fn expand(&self, file: &Path) -> Result<Vec<PlannedTrial>, ScenarioError> {
        let invalid = |(field, reason): (String, String)| ScenarioError::Invalid {
            file: file.to_owned(),
            field,
            reason,
        };
        if self.directions.is_empty() {
            return Err(invalid(("directions".into(), "the list is empty".into())));
        }
        if self.subjects.is_empty() {
            return Err(invalid(("subjects".into(), "the list is empty".into())));
        }
        let speeds = self.speeds_mps.expand("speeds_mps").map_err(invalid)?;
        let inclines = self.inclines_pct.expand("inclines_pct").map_err(invalid)?;
        let seeds = self.seeds.expand("seeds").map_err(invalid)?;
        // Values that would share a folder name are duplicates (or differ below its resolution).
        let directions: Vec<&str> = self.directions.iter().map(|d| d.as_str()).collect();
        no_duplicates("directions", &directions, |d| d.to_string()).map_err(invalid)?;
        no_duplicates("speeds_mps", &speeds, |v| format!("{v:.2}")).map_err(invalid)?;
        no_duplicates("inclines_pct", &inclines, |v| format!("{v:+.1}")).map_err(invalid)?;
        no_duplicates("seeds", &seeds, u64::to_string).map_err(invalid)?;
        for (k, s) in self.subjects.iter().enumerate() {
            check_subject_name(&s.name).map_err(|r| invalid((format!("subjects[{k}].name"), r)))?;
        }
        let names: Vec<&str> = self.subjects.iter().map(|s| s.name.as_str()).collect();
        no_duplicates("subjects", &names, |n| n.to_string())
            .map_err(|(f, r)| invalid((format!("{f}.name"), r)))?;
        let total = directions.len() * speeds.len() * inclines.len() * names.len() * seeds.len();
        if total > MAX_TRIALS {
            return Err(invalid((
                "speeds_mps".into(),
                format!("the scenario expands to {total} trials, more than {MAX_TRIALS}"),
            )));
        }
        let mut trials = Vec::with_capacity(total);
        for &direction in &self.directions {
            for (si, &speed_mps) in speeds.iter().enumerate() {
                for (ii, &incline_pct) in inclines.iter().enumerate() {
                    for (subject, entry) in self.subjects.iter().enumerate() {
                        for &seed in &seeds {
                            let spec = TrialSpec {
                                direction,
                                speed_mps,
                                incline_pct,
                                duration_s: self.duration_s,
                                seed,
                                sample_rate_hz: self.sample_rate_hz,
                                pushes: self.pushes,
                            };
                            spec.validate().map_err(|e| {
                                let field = match e.field {
                                    "speed_mps" => format!("speeds_mps[{si}]"),
                                    "incline_pct" => format!("inclines_pct[{ii}]"),
                                    other => other.to_owned(),
                                };
                                invalid((field, e.reason))
                            })?;
                            trials.push(PlannedTrial {
                                index: trials.len(),
                                name: trial_dir_name(&spec, Some(&entry.name)),
                                subject,
                                spec,
                            });
                        }
                    }
                }
            }
        }
        Ok(trials)
    }

    /// Loads every subject's model (scaled to the subject) and the controller, with paths
    /// relative to the scenario file, and checks the physics against each of `trials` (the
    /// scenario's expansion).
    pub fn load_inputs(
        &self,
        file: &Path,
        trials: &[PlannedTrial],
    ) -> Result<ScenarioInputs, ScenarioError> {
        let base = file.parent().unwrap_or(Path::new("."));
        let mut models: Vec<Model> = Vec::with_capacity(self.subjects.len());
        // Subjects that share a model file share its parse (the scaling differs).
        let mut texts: BTreeMap<Option<PathBuf>, (String, String)> = BTreeMap::new();
        let mut model_hashes = BTreeMap::new();
        for (k, s) in self.subjects.iter().enumerate() {
            let field = format!("subjects[{k}]");
            let path = s.model.as_ref().map(|m| base.join(m));
            if !texts.contains_key(&path) {
                let text = match &path {
                    Some(p) => (
                        input_file::read_text(p, MAX_RON_BYTES).map_err(|cause| {
                            ScenarioError::Model {
                                file: file.to_owned(),
                                field: format!("{field}.model"),
                                cause: Box::new(ModelError::Io {
                                    file: p.clone(),
                                    cause,
                                }),
                            }
                        })?,
                        p.display().to_string(),
                    ),
                    None => (
                        musculo::ADULT_MODEL_RON.to_owned(),
                        "<built-in adult model>".to_owned(),
                    ),
                };
                texts.insert(path.clone(), text);
            }
            let (text, name) = &texts[&path];
            model_hashes.insert(s.name.clone(), HashedFile::of(name, text.as_bytes()));
            let subject = Subject {
                height_m: s.height_m,
                mass_kg: s.mass_kg,
            };
            let model = Model::from_ron_str(text, name, Some(subject)).map_err(|cause| {
                ScenarioError::Model {
                    file: file.to_owned(),
                    field: field.clone(),
                    cause: Box::new(cause),
                }
            })?;
            if self.output.muscles && model.muscles.is_empty() {
                return Err(ScenarioError::Invalid {
                    file: file.to_owned(),
                    field: format!("{field}.model"),
                    reason: format!(
                        "{name}: the model has no muscles, so the muscle analysis cannot run; \
                         set `output: (muscles: false)` for physics and inverse dynamics only"
                    ),
                });
            }
            models.push(model);
        }
        let (controller_ron, name) = match &self.controller {
            Some(c) => {
                let p = base.join(c);
                let text = input_file::read_text(&p, MAX_RON_BYTES).map_err(|e| {
                    ScenarioError::Invalid {
                        file: file.to_owned(),
                        field: "controller".into(),
                        reason: format!("cannot read {}: {e}", p.display()),
                    }
                })?;
                (text, p.display().to_string())
            }
            None => (
                DEFAULT_WALKING_RON.to_owned(),
                "<built-in walking controller>".into(),
            ),
        };
        let controller = WalkingParams::from_ron_str(&controller_ron, &name).map_err(|reason| {
            ScenarioError::Invalid {
                file: file.to_owned(),
                field: "controller".into(),
                reason,
            }
        })?;
        let hashes = InputHashes {
            controller: HashedFile::of(&name, controller_ron.as_bytes()),
            models: model_hashes,
        };
        let settings = models
            .iter()
            .enumerate()
            .map(|(k, model)| {
                let specs: Vec<TrialSpec> = trials
                    .iter()
                    .filter(|t| t.subject == k)
                    .map(|t| t.spec)
                    .collect();
                self.physics
                    .checked_settings_for(model, &specs)
                    .map_err(|e| ScenarioError::Invalid {
                        file: file.to_owned(),
                        field: e.field.to_owned(),
                        reason: e.reason,
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(ScenarioInputs {
            models,
            controller,
            controller_ron,
            hashes,
            settings,
        })
    }

    /// The first top-level field in which two scenarios differ, if any (to say why two sweep
    /// folders cannot be merged).
    pub fn first_difference(&self, other: &Self) -> Option<&'static str> {
        let fields: [(&'static str, bool); 11] = [
            ("directions", self.directions == other.directions),
            ("speeds_mps", self.speeds_mps == other.speeds_mps),
            ("inclines_pct", self.inclines_pct == other.inclines_pct),
            ("subjects", self.subjects == other.subjects),
            ("seeds", self.seeds == other.seeds),
            ("duration_s", self.duration_s == other.duration_s),
            (
                "sample_rate_hz",
                self.sample_rate_hz == other.sample_rate_hz,
            ),
            ("pushes", self.pushes == other.pushes),
            ("controller", self.controller == other.controller),
            ("physics", self.physics == other.physics),
            ("output", self.output == other.output),
        ];
        fields.iter().find(|(_, same)| !same).map(|(f, _)| *f)
    }
}

/// Rejects two values of one axis that give the same text in a folder name.
fn no_duplicates<T: fmt::Display>(
    field: &str,
    values: &[T],
    key: impl Fn(&T) -> String,
) -> Result<(), (String, String)> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (k, v) in values.iter().enumerate() {
        if let Some(first) = seen.insert(key(v), k) {
            return Err((
                format!("{field}[{k}]"),
                format!(
                    "{v} repeats {field}[{first}] ({}) in trial folder names",
                    values[first]
                ),
            ));
        }
    }
    Ok(())
}

/// Subject names become part of folder names: keep them short and portable.
fn check_subject_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a subject name: use 1 to 40 letters, digits, `-` or `_`"
        ))
    }
}

#[cfg(test)]
mod tests;
