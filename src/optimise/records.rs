//! The record of a search in its `--out` folder, every file written atomically
//! ([`crate::output::write_atomic`]):
//!
//! | file | contents | written |
//! |---|---|---|
//! | `search.ron` | the search file as run, its controller pointing at `start.ron` and its model path absolute: `retrogait optimise OUT/search.ron` runs it again | first |
//! | `start.ron` | the start controller's text | first |
//! | `evaluations.csv` | one row per evaluation: generation, index, the fields' values, the summed terms and total, each condition's measures | after every generation |
//! | `best.ron` | the best controller so far, loadable by `simulate --controller` | after every generation |
//! | `search.json` | seed, evaluations, start and best totals and terms, why it stopped, crate versions, wall time | at the end |
//!
//! `evaluations.csv` and `best.ron` are a function of the search file and seed; only
//! `search.json`'s times depend on the machine.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use super::cma_search::{Evaluation, Outcome, controller};
use super::objective::{ConditionMeasures, Terms};
use super::search_file::Search;
use crate::output::{PROGRAM, write_atomic};

/// The `cmaes` crate's version (checked against `Cargo.lock` by a test).
pub const CMAES_VERSION: &str = "0.2.2";

/// Name of the start controller's copy in the folder.
pub const START_FILE: &str = "start.ron";

/// Writes `search.ron` and `start.ron`; `file` is the search file as named on the command
/// line (its folder anchors a relative model path).
pub fn write_inputs(out: &Path, search: &Search, file: &Path) -> Result<()> {
    let mut recorded = search.file.clone();
    recorded.controller = Some(START_FILE.into());
    // The physics as run, not as defaulted: a later default must not change a rerun.
    recorded.physics = gait::trial::PhysicsChoices::all(&search.settings.physics);
    if let Some(model) = &recorded.model {
        let base = file.parent().unwrap_or(Path::new("."));
        let path = base.join(model);
        recorded.model = Some(
            path.canonicalize()
                .with_context(|| format!("cannot resolve the model path {}", path.display()))?,
        );
    }
    let header = format!(
        "// The search as run by {PROGRAM} (from {}); `retrogait optimise` runs this file\n\
         // again to the same evaluations (its paths are relative to this folder or absolute).\n",
        file.display()
    );
    write_atomic(
        &out.join("search.ron"),
        format!("{header}{}\n", recorded.to_ron()).as_bytes(),
    )?;
    write_atomic(&out.join(START_FILE), search.start_ron.as_bytes())
}

/// Writes `evaluations.csv` and `best.ron` as they stand.
pub fn write_progress(
    out: &Path,
    search: &Search,
    evaluations: &[Evaluation],
    best: &Evaluation,
) -> Result<()> {
    write_atomic(
        &out.join("evaluations.csv"),
        &evaluations_csv(search, evaluations)?,
    )?;
    write_atomic(&out.join("best.ron"), best_ron(search, best)?.as_bytes())
}

/// A condition's label in column names: `forward_1.00mps_+0.0pct`.
pub fn condition_label(spec: &gait::TrialSpec) -> String {
    format!(
        "{}_{:.2}mps_{:+.1}pct",
        spec.direction.as_str(),
        spec.speed_mps,
        spec.incline_pct
    )
}

/// Per-condition columns, after the label and a dot.
const CONDITION_COLUMNS: [&str; 6] = [
    "fall_time_s",
    "ended",
    "pace_error",
    "max_distance_m",
    "cost_of_transport_j_per_kg_m",
    "grf_excess_bw2",
];

/// `evaluations.csv`.
pub fn evaluations_csv(search: &Search, evaluations: &[Evaluation]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["generation".into(), "index".into()];
    header.extend(search.file.fields.iter().map(|f| f.path.clone()));
    header.extend(Terms::NAMES.iter().map(|t| (*t).to_owned()));
    header.push("total".into());
    for spec in &search.conditions {
        let label = condition_label(spec);
        header.extend(CONDITION_COLUMNS.iter().map(|c| format!("{label}.{c}")));
    }
    w.write_record(&header)?;
    for e in evaluations {
        let mut row: Vec<String> = vec![e.generation.to_string(), e.index.to_string()];
        row.extend(e.values.iter().map(f64::to_string));
        row.extend(e.terms.values().iter().map(f64::to_string));
        row.push(e.total().to_string());
        for m in &e.measures {
            row.extend(condition_cells(m));
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn condition_cells(m: &ConditionMeasures) -> [String; 6] {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    [
        opt(m.fall_time_s),
        m.failure.clone().unwrap_or_default(),
        opt(m.pace_error),
        opt(m.max_distance_m),
        opt(m.cost_of_transport_j_per_kg_m),
        opt(m.grf_excess_bw2),
    ]
}

/// `best.ron`: the best controller with a header saying where it came from.
pub fn best_ron(search: &Search, best: &Evaluation) -> Result<String> {
    let params = controller(search, &best.values)?;
    let body = ron::ser::to_string_pretty(&params, ron::ser::PrettyConfig::default())
        .context("cannot write the best controller as RON")?;
    Ok(format!(
        "// The best controller of a search by {PROGRAM} (search.ron in this folder):\n\
         // generation {}, index {}, objective {}\n\
         // ({}).\n\
         // Load it with `retrogait simulate --controller`.\n{body}\n",
        best.generation,
        best.index,
        best.total(),
        Terms::NAMES
            .iter()
            .zip(best.terms.values())
            .map(|(n, v)| format!("{n} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// `search.json`.
#[derive(Debug, Serialize)]
pub struct SearchSummary<'a> {
    /// Program and version.
    pub program: &'a str,
    /// The optimiser crate and its version.
    pub optimiser: String,
    /// The search's seed.
    pub seed: u64,
    /// The trials' physics (step, solver, contact integration).
    pub physics: gait::trial::PhysicsParams,
    /// Searched fields.
    pub fields: Vec<&'a str>,
    /// Trial conditions.
    pub conditions: Vec<String>,
    /// Generations run after the start.
    pub generations: usize,
    /// Evaluations, the start's included.
    pub evaluations: usize,
    /// Why the search stopped.
    pub stopped_because: &'a [String],
    /// The start controller's evaluation.
    pub start: EvaluationSummary,
    /// The best evaluation.
    pub best: EvaluationSummary,
    /// Threads of the pool.
    pub jobs: usize,
    /// Wall-clock time of the whole search \[s\].
    pub wall_time_s: f64,
    /// Wall-clock time per evaluation, `wall_time_s / evaluations` \[s\] (evaluations and
    /// their trials run `jobs` at a time).
    pub wall_time_per_evaluation_s: f64,
}

/// Totals and terms of one evaluation in `search.json`.
#[derive(Debug, Serialize)]
pub struct EvaluationSummary {
    /// Generation (0: the start).
    pub generation: usize,
    /// Rank in its generation.
    pub index: usize,
    /// The objective.
    pub total: f64,
    /// Its terms, summed over the conditions.
    pub terms: Terms,
    /// The fields' values.
    pub values: Vec<f64>,
}

impl From<&Evaluation> for EvaluationSummary {
    fn from(e: &Evaluation) -> Self {
        Self {
            generation: e.generation,
            index: e.index,
            total: e.total(),
            terms: e.terms,
            values: e.values.clone(),
        }
    }
}

/// Writes `search.json`.
pub fn write_summary(
    out: &Path,
    search: &Search,
    outcome: &Outcome,
    jobs: usize,
    wall_time_s: f64,
) -> Result<()> {
    let n = outcome.evaluations.len();
    let summary = SearchSummary {
        program: PROGRAM,
        optimiser: format!("cmaes {CMAES_VERSION}"),
        seed: search.file.seed,
        physics: search.settings.physics,
        fields: search.file.fields.iter().map(|f| f.path.as_str()).collect(),
        conditions: search.conditions.iter().map(condition_label).collect(),
        generations: outcome.generations,
        evaluations: n,
        stopped_because: &outcome.stopped_because,
        start: (&outcome.evaluations[0]).into(),
        best: outcome.best().into(),
        jobs,
        wall_time_s,
        wall_time_per_evaluation_s: wall_time_s / n as f64,
    };
    let json = serde_json::to_vec_pretty(&summary)?;
    write_atomic(&out.join("search.json"), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_optimiser_version_is_the_locked_one() {
        let lock = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
        let entry = format!("name = \"cmaes\"\nversion = \"{CMAES_VERSION}\"");
        assert!(lock.contains(&entry), "Cargo.lock has no {entry}");
    }

    #[test]
    fn condition_labels_match_trial_folder_names() {
        let spec = gait::TrialSpec {
            direction: gait::Direction::Backward,
            incline_pct: -5.0,
            ..Default::default()
        };
        assert_eq!(condition_label(&spec), "backward_1.00mps_-5.0pct");
    }
}
