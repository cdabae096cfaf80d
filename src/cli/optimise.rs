//! `retrogait optimise`: a CMA-ES search for walking-controller parameters, driven by a search
//! file (`assets/searches/*.ron`) and recorded in its output folder (see
//! [`crate::optimise::records`]).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use super::loaders::new_run_dir;
use crate::optimise::cma_search::{self, Evaluation, Report};
use crate::optimise::objective::{ConditionMeasures, Terms};
use crate::optimise::{records, search_file};
use crate::progress::format_duration;

/// Options of `retrogait optimise`.
#[derive(Debug, clap::Args)]
pub struct OptimiseArgs {
    /// Search file (RON), e.g. `assets/searches/effort.ron`.
    pub search: PathBuf,
    /// Output folder (must not exist or be empty: earlier results are never overwritten); a
    /// new folder under `runs/` if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Parallel trials; the number of cores if omitted.
    #[arg(long, allow_negative_numbers = true)]
    pub jobs: Option<usize>,
}

/// Runs `retrogait optimise`.
pub fn run(args: OptimiseArgs) -> Result<()> {
    let started = Instant::now();
    let threads = crate::parallel::jobs(args.jobs)?;
    let search = search_file::load(&args.search)?;
    let out = args.out.clone().unwrap_or_else(new_run_dir);
    crate::staging::claim_empty(&out, "--out")?;
    records::write_inputs(&out, &search, &args.search)?;
    let cma = search.file.cma;
    eprintln!(
        "searching {} field{} over {} condition{} ({} s trials): population {}, up to {} \
         generations, seed {}",
        search.file.fields.len(),
        plural(search.file.fields.len()),
        search.conditions.len(),
        plural(search.conditions.len()),
        search.file.duration_s,
        cma.population,
        cma.max_generations,
        search.file.seed
    );
    let outcome = cma_search::run(&search, threads, |r| {
        records::write_progress(&out, &search, r.evaluations, r.best)?;
        eprintln!("{}", progress_line(&r, cma.max_generations));
        Ok(())
    })?;
    let wall = started.elapsed().as_secs_f64();
    records::write_summary(&out, &search, &outcome, threads, wall)?;
    crate::outln!("{}", terms_table(&outcome.evaluations[0], outcome.best()))?;
    let labels: Vec<String> = search
        .conditions
        .iter()
        .map(records::condition_label)
        .collect();
    crate::outln!(
        "{}",
        conditions_table(&labels, &outcome.evaluations[0], outcome.best())
    )?;
    crate::outln!(
        "{} evaluations in {} ({} generations; stopped: {}); wrote {}",
        outcome.evaluations.len(),
        format_duration(wall),
        outcome.generations,
        outcome.stopped_because.join(", "),
        out.display()
    )?;
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `generation 2/4: best of generation 12.3, best so far 10.1 (generation 1, index 0); 3m
/// 10s elapsed, ETA 6m 20s`.
fn progress_line(r: &Report<'_>, max_generations: usize) -> String {
    let this = r
        .evaluations
        .iter()
        .filter(|e| e.generation == r.generation)
        .map(Evaluation::total)
        .fold(f64::INFINITY, f64::min);
    let eta = (r.generation > 0).then(|| {
        r.elapsed_s / (r.generation as f64 + 1.0) * (max_generations - r.generation) as f64
    });
    format!(
        "generation {}/{max_generations}: {} evaluations, best of generation {this:.3}, best so \
         far {:.3} (generation {}, index {}); {} elapsed, ETA {}",
        r.generation,
        r.evaluations.len(),
        r.best.total(),
        r.best.generation,
        r.best.index,
        format_duration(r.elapsed_s),
        eta.map_or("?".into(), format_duration)
    )
}

/// Each condition of the start and the best side by side, whether it fell or how far off the
/// pace and the belt's centre it walked, and how many conditions each meets the gait criteria
/// in over the objective's window: a search that trades falls for drifting off the belt shows
/// here, not in the objective's total.
fn conditions_table(labels: &[String], start: &Evaluation, best: &Evaluation) -> String {
    let width = labels.iter().map(String::len).max().unwrap_or(0).max(9);
    let mut rows = vec![format!(
        "{:<width$} {:<28} {:<28}",
        "condition", "start", "best"
    )];
    for ((label, s), b) in labels.iter().zip(&start.measures).zip(&best.measures) {
        rows.push(format!(
            "{label:<width$} {:<28} {:<28}",
            condition_cell(s),
            condition_cell(b)
        ));
    }
    let met = |e: &Evaluation| {
        e.measures
            .iter()
            .filter(|m| m.meets_walking_criteria())
            .count()
    };
    rows.push(format!(
        "walking criteria met (no fall, pace within {:.0} %, within {:.1} m of the belt's centre): \
         start {} of {n}, best {} of {n}",
        100.0 * gait::summary::SPEED_TOLERANCE,
        gait::summary::MAX_DISTANCE_FROM_CENTRE_M,
        met(start),
        met(best),
        n = labels.len()
    ));
    rows.join("\n")
}

/// `fell at 4.22 s`, or `walks: pace 3.1 %, 0.21 m` (`off:` when outside the criteria).
fn condition_cell(m: &ConditionMeasures) -> String {
    if let Some(t) = m.fall_time_s {
        return format!("fell at {t:.2} s");
    }
    let verdict = if m.meets_walking_criteria() {
        "walks"
    } else {
        "off"
    };
    let pace = m
        .pace_error
        .map_or("pace ?".into(), |e| format!("pace {:.1} %", 100.0 * e));
    let off = m
        .max_distance_m
        .map_or("? m".into(), |d| format!("{d:.2} m"));
    format!("{verdict}: {pace}, {off}")
}

/// The start's and the best's terms side by side.
fn terms_table(start: &Evaluation, best: &Evaluation) -> String {
    let mut rows = vec![format!("{:<18} {:>12} {:>12}", "term", "start", "best")];
    for ((name, s), b) in Terms::NAMES
        .iter()
        .zip(start.terms.values())
        .zip(best.terms.values())
    {
        rows.push(format!("{name:<18} {s:>12.4} {b:>12.4}"));
    }
    rows.push(format!(
        "{:<18} {:>12.4} {:>12.4}",
        "total",
        start.total(),
        best.total()
    ));
    rows.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(measures: Vec<ConditionMeasures>) -> Evaluation {
        Evaluation {
            generation: 0,
            index: 0,
            values: vec![],
            measures,
            terms: Terms::default(),
        }
    }

    fn walked(pace_error: f64, max_distance_m: f64) -> ConditionMeasures {
        ConditionMeasures {
            fall_time_s: None,
            failure: None,
            pace_error: Some(pace_error),
            max_distance_m: Some(max_distance_m),
            cost_of_transport_j_per_kg_m: Some(5.0),
            grf_excess_bw2: Some(0.0),
        }
    }

    #[test]
    fn the_conditions_table_tells_falls_drift_and_walking_apart_and_counts_the_criteria() {
        let labels = [
            "forward_0.60mps_-10.0pct".to_string(),
            "backward_1.40mps_+10.0pct".into(),
        ];
        let fell = ConditionMeasures {
            fall_time_s: Some(4.2225),
            failure: Some("pelvis_low".into()),
            pace_error: None,
            max_distance_m: None,
            cost_of_transport_j_per_kg_m: None,
            grf_excess_bw2: None,
        };
        let start = evaluation(vec![walked(0.01, 0.2), fell]);
        let best = evaluation(vec![walked(0.01, 0.2), walked(0.4, 3.0)]);
        let table = conditions_table(&labels, &start, &best);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(lines[1].starts_with("forward_0.60mps_-10.0pct"), "{table}");
        assert!(lines[1].contains("walks: pace 1.0 %, 0.20 m"), "{table}");
        assert!(lines[2].contains("fell at 4.22 s"), "{table}");
        assert!(lines[2].contains("off: pace 40.0 %, 3.00 m"), "{table}");
        assert!(lines[3].ends_with("start 1 of 2, best 1 of 2"), "{table}");
    }
}
