//! `results.csv`: one row per trial of a sweep, built from the finished trial folders alone.
//!
//! Rows follow the scenario's trial order and columns are sorted, so the file is a function of
//! the trial folders: a resumed sweep, a merge of shards and an uninterrupted sweep give the
//! same bytes. For that reason the one wall-clock field of `summary.json`, `realtime_factor`,
//! is left out (it stays in each trial's `summary.json`).
//!
//! Columns: the trial's identity (`trial`, `status`, direction, speed, incline, subject,
//! seed, duration), then every other `summary.json` field, nested objects flattened with dots
//! (`muscles.quadriceps.eccentric_work_j_per_stride`, `joints.knee.peak_moment_nm_per_kg`,
//! arrays by index), then `error`. A field a trial lacks (a trial without the muscle analysis,
//! one that fell before the measures start, one that failed) is an empty cell.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gait::TrialSummary;
use serde_json::Value;

use crate::output::{ERROR_FILE, SUMMARY_FILE, TrialErrorRecord};
use crate::scenario::{PlannedTrial, Scenario};
use crate::sweep_dir::{SweepDir, TrialState};

/// `summary.json` fields that depend on the machine's speed, not on the trial.
pub const WALL_CLOCK_FIELDS: &[&str] = &["realtime_factor"];

/// Identity columns taken from the scenario; the same fields in `summary.json` are not
/// repeated.
const IDENTITY: &[&str] = &[
    "trial",
    "status",
    "direction",
    "speed_mps",
    "incline_pct",
    "subject",
    "subject_height_m",
    "subject_mass_kg",
    "seed",
    "duration_s",
];

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialStatus {
    /// Ran to its end.
    Ok,
    /// The walker fell (the measures cover the time before the fall).
    Fell,
    /// The simulation failed (see `error`).
    Error,
}

/// "N ok, N fell, N errors" of a set of trials, for the closing line of `sweep` and `report`.
pub fn status_counts(records: &[TrialRecord]) -> String {
    let n = |s: TrialStatus| records.iter().filter(|r| r.status == s).count();
    format!(
        "{} ok, {} fell, {} errors",
        n(TrialStatus::Ok),
        n(TrialStatus::Fell),
        n(TrialStatus::Error)
    )
}

impl TrialStatus {
    /// `ok`, `fell` or `error`, as in `results.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialStatus::Ok => "ok",
            TrialStatus::Fell => "fell",
            TrialStatus::Error => "error",
        }
    }
}

/// What a finished trial folder says.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRecord {
    /// How it ended.
    pub status: TrialStatus,
    /// `summary.json`, unless the trial failed.
    pub summary: Option<TrialSummary>,
    /// The error of a failed trial.
    pub error: Option<String>,
}

/// Reads a finished trial folder (`summary.json` or `error.json`).
pub fn read_record(dir: &Path) -> Result<TrialRecord> {
    let summary_path = dir.join(SUMMARY_FILE);
    if summary_path.is_file() {
        let summary: TrialSummary = read_json(&summary_path)?;
        return Ok(TrialRecord {
            status: if summary.gait.fell {
                TrialStatus::Fell
            } else {
                TrialStatus::Ok
            },
            summary: Some(summary),
            error: None,
        });
    }
    let e: TrialErrorRecord = read_json(&dir.join(ERROR_FILE))?;
    Ok(TrialRecord {
        status: TrialStatus::Error,
        summary: None,
        error: Some(e.error),
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not valid", path.display()))
}

/// The finished records of `trials` found in the sweep folders `dirs` (the first folder that
/// has a trial finished wins), and the names of the trials none of them has finished.
pub fn gather(
    dirs: &[PathBuf],
    trials: &[PlannedTrial],
) -> Result<(Vec<TrialRecord>, Vec<String>)> {
    let dirs: Vec<SweepDir> = dirs.iter().map(SweepDir::new).collect();
    let mut records = Vec::with_capacity(trials.len());
    let mut missing = Vec::new();
    for t in trials {
        match dirs
            .iter()
            .find(|d| d.state(&t.name) == TrialState::Complete)
        {
            Some(d) => records.push(read_record(&d.trial_dir(&t.name))?),
            None => missing.push(t.name.clone()),
        }
    }
    Ok((records, missing))
}

/// `results.csv` of a scenario's trials and their records (same order and length).
pub fn results_csv(
    scenario: &Scenario,
    trials: &[PlannedTrial],
    records: &[TrialRecord],
) -> Result<Vec<u8>> {
    let flat: Vec<BTreeMap<String, String>> = records
        .iter()
        .map(|r| {
            let mut cells = BTreeMap::new();
            if let Some(s) = &r.summary {
                flatten("", &serde_json::to_value(s)?, &mut cells);
            }
            for key in IDENTITY.iter().chain(WALL_CLOCK_FIELDS) {
                cells.remove(*key);
            }
            Ok(cells)
        })
        .collect::<Result<_>>()?;
    let fields: BTreeSet<&String> = flat.iter().flat_map(BTreeMap::keys).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(
        IDENTITY
            .iter()
            .copied()
            .chain(fields.iter().map(|f| f.as_str()))
            .chain(["error"]),
    )?;
    for ((t, r), cells) in trials.iter().zip(records).zip(&flat) {
        let subject = &scenario.subjects[t.subject];
        let mut row = vec![
            t.name.clone(),
            r.status.as_str().to_owned(),
            t.spec.direction.as_str().to_owned(),
            number(t.spec.speed_mps),
            number(t.spec.incline_pct),
            subject.name.clone(),
            number(subject.height_m),
            number(subject.mass_kg),
            t.spec.seed.to_string(),
            number(t.spec.duration_s),
        ];
        row.extend(
            fields
                .iter()
                .map(|f| cells.get(*f).cloned().unwrap_or_default()),
        );
        row.push(r.error.clone().unwrap_or_default());
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// A number written as `summary.json` writes it (shortest round-trip form, `1.0` not `1`).
fn number(v: f64) -> String {
    Value::from(v).to_string()
}

/// Flattens nested objects and arrays into dotted keys; `null` becomes an empty cell.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(a) => {
            for (k, v) in a.iter().enumerate() {
                flatten(&key(&k.to_string()), v, out);
            }
        }
        Value::Null => {
            out.insert(prefix.to_owned(), String::new());
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        Value::Bool(b) => {
            out.insert(prefix.to_owned(), b.to_string());
        }
        Value::Number(n) => {
            out.insert(prefix.to_owned(), n.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_summaries_flatten_to_dotted_columns() {
        let v: Value = serde_json::json!({
            "fell": false,
            "fall_time_s": null,
            "strides_per_leg": [3, 4],
            "muscles": {"soleus": {"peak_activation": 0.5}},
        });
        let mut out = BTreeMap::new();
        flatten("", &v, &mut out);
        assert_eq!(out["fell"], "false");
        assert_eq!(out["fall_time_s"], "");
        assert_eq!(out["strides_per_leg.1"], "4");
        assert_eq!(out["muscles.soleus.peak_activation"], "0.5");
        assert_eq!(number(1.0), "1.0");
        assert_eq!(number(-10.0), "-10.0");
    }

    /// `summary.json` files written before the summary was one type (keys sorted, with and
    /// without the muscle analysis).
    const OLD_SUMMARIES: [(&str, bool); 2] = [
        (
            include_str!("../tests/data/summary/with_muscles.json"),
            true,
        ),
        (
            include_str!("../tests/data/summary/without_muscles.json"),
            false,
        ),
    ];

    #[test]
    fn old_summaries_read_back_field_for_field() {
        for (text, analysed) in OLD_SUMMARIES {
            let old: Value = serde_json::from_str(text).unwrap();
            let typed: TrialSummary = serde_json::from_str(text).unwrap();
            assert_eq!(typed.muscle_analysis.is_some(), analysed);
            assert_eq!(serde_json::to_value(&typed).unwrap(), old);
            for field in WALL_CLOCK_FIELDS {
                assert!(old.get(field).is_some(), "{field} is not a summary field");
            }
        }
    }

    #[test]
    fn a_null_number_reads_back_as_a_gap() {
        let mut old: Value = serde_json::from_str(OLD_SUMMARIES[0].0).unwrap();
        old["realtime_factor"] = Value::Null;
        old["muscles"]["soleus"]["eccentric_work_j_per_stride"] = Value::Null;
        old["joints"]["knee"]["peak_moment_nm_per_kg"] = Value::Null;
        old["reserve_rms_by_coordinate_nm"]["knee_flexion_r"] = Value::Null;
        let typed: TrialSummary = serde_json::from_value(old.clone()).unwrap();
        let m = typed.muscle_analysis.as_ref().unwrap();
        assert!(typed.gait.realtime_factor.is_nan());
        assert!(
            m.muscles[&musculo::MuscleGroup::Soleus]
                .eccentric_work_j_per_stride
                .is_nan()
        );
        assert_eq!(serde_json::to_value(&typed).unwrap(), old);
        let mut cells = BTreeMap::new();
        flatten("", &serde_json::to_value(&typed).unwrap(), &mut cells);
        assert_eq!(cells["joints.knee.peak_moment_nm_per_kg"], "");
    }
}
