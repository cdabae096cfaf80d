//! `retrogait optimise`: a CMA-ES search for walking-controller parameters, driven by a search
//! file (`assets/searches/*.ron`) and recorded in its output folder (see
//! [`crate::optimise::records`]).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use super::loaders::new_run_dir;
use crate::optimise::cma_search::{self, Evaluation, Report};
use crate::optimise::objective::Terms;
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
