//! The search itself: the start controller's evaluation, then generations of CMA-ES (Hansen &
//! Ostermeier 2001, Evol Comput 9:159; Hansen 2016, arXiv:1604.00772) from the `cmaes` crate
//! in the unit box of the fields' bounds, each generation's samples evaluated in parallel on
//! one rayon pool of `--jobs` threads ([`crate::parallel::in_pool`]).
//!
//! The crate draws a generation's samples from its own seeded generator and evaluates them in
//! parallel without saying in which order it drew them, so the evaluations of a generation are
//! recorded best first (ties by parameter values): the same search file and seed give the same
//! records, whatever the number of threads.

use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use cmaes::{CMAESOptions, DVector, ParallelObjectiveFunction};
use gait::controller::walking::WalkingParams;

use super::evaluate::Setup;
use super::objective::{ConditionMeasures, Terms, repair_into_box};
use super::search_file::Search;
use crate::param_paths;

/// One evaluation of the objective.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// 0 for the start controller, then 1, 2, … for the generations.
    pub generation: usize,
    /// Rank in its generation, best first.
    pub index: usize,
    /// The searched fields' values the trials ran with (inside the bounds).
    pub values: Vec<f64>,
    /// Each condition's measures.
    pub measures: Vec<ConditionMeasures>,
    /// The weighted terms, summed over the conditions (with the sample's bounds term).
    pub terms: Terms,
}

impl Evaluation {
    /// The objective.
    pub fn total(&self) -> f64 {
        self.terms.total()
    }
}

/// A search that ran.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every evaluation, generation by generation.
    pub evaluations: Vec<Evaluation>,
    /// Index in `evaluations` of the best (the first of equal totals).
    pub best: usize,
    /// Generations run after the start.
    pub generations: usize,
    /// Why the search stopped (the optimiser's reasons, or the evaluation limit).
    pub stopped_because: Vec<String>,
}

impl Outcome {
    /// The best evaluation.
    pub fn best(&self) -> &Evaluation {
        &self.evaluations[self.best]
    }
}

/// The controller of the fields' `values` (in [`Search::file`]'s field order).
pub fn controller(search: &Search, values: &[f64]) -> Result<WalkingParams> {
    let mut pairs: Vec<(String, f64)> = Vec::with_capacity(2 * values.len());
    for (f, &v) in search.file.fields.iter().zip(values) {
        pairs.push((f.path.clone(), v));
        if let (Some(k), Some(gain)) = (
            search.file.kd_per_kp,
            f.path
                .strip_prefix("gains.")
                .and_then(|p| p.strip_suffix(".kp")),
        ) {
            pairs.push((format!("gains.{gain}.kd"), k * v));
        }
    }
    let pairs: Vec<(&str, f64)> = pairs.iter().map(|(p, v)| (p.as_str(), *v)).collect();
    param_paths::set(&search.start, &pairs).map_err(|e| anyhow!("a sampled controller: {e}"))
}

/// The fields' values at unit-box coordinates `x` (inside the box).
fn values_at(search: &Search, x: &[f64]) -> Vec<f64> {
    search
        .file
        .fields
        .iter()
        .zip(x)
        .map(|(f, &u)| f.lo + (f.hi - f.lo) * u)
        .collect()
}

/// What the search reports after the start and after each generation.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The generation just done (0: the start controller).
    pub generation: usize,
    /// Every evaluation so far.
    pub evaluations: &'a [Evaluation],
    /// The best so far.
    pub best: &'a Evaluation,
    /// Wall-clock time since the search started \[s\].
    pub elapsed_s: f64,
}

/// Runs `search` on `threads` threads; `report` is called after the start's evaluation and
/// after each generation (to write the records and show progress), and its error stops the
/// search.
pub fn run(
    search: &Search,
    threads: usize,
    mut report: impl FnMut(Report<'_>) -> Result<()>,
) -> Result<Outcome> {
    let started = Instant::now();
    let cma = search.file.cma;
    let setup = Setup {
        model: &search.model,
        settings: search.settings,
        conditions: &search.conditions,
        window_start_s: search.window_start_s,
        weights: &search.file.weights,
    };
    let sampler = Sampler {
        search,
        setup,
        done: Mutex::new(Vec::new()),
    };
    let width = cma.population * search.conditions.len();
    let mut evaluations = vec![
        crate::parallel::in_pool(threads, width, || sampler.evaluate(&search.x0))?
            .context("the start controller")?,
    ];
    let mut best = 0;
    report(Report {
        generation: 0,
        evaluations: &evaluations,
        best: &evaluations[0],
        elapsed_s: started.elapsed().as_secs_f64(),
    })?;
    let mut cmaes = CMAESOptions::new(search.x0.clone(), cma.initial_sigma)
        .population_size(cma.population)
        .seed(search.file.seed)
        .max_generations(cma.max_generations)
        .build(&sampler)
        .map_err(|e| anyhow!("cma: the optimiser refuses its settings: {e:?}"))?;
    let mut stopped_because = Vec::new();
    let mut generations = 0;
    while generations < cma.max_generations {
        if let Some(limit) = cma.max_evaluations
            && evaluations.len() - 1 + cma.population > limit
        {
            stopped_because.push(format!("max_evaluations ({limit})"));
            break;
        }
        let ended = crate::parallel::in_pool(threads, width, || cmaes.next_parallel())?;
        generations += 1;
        let mut drawn =
            std::mem::take(&mut *sampler.done.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect::<Result<Vec<_>>>()?;
        drawn.sort_by(|a, b| {
            a.total()
                .total_cmp(&b.total())
                .then_with(|| compare_values(&a.values, &b.values))
        });
        for (index, mut e) in drawn.into_iter().enumerate() {
            e.generation = generations;
            e.index = index;
            if e.total() < evaluations[best].total() {
                best = evaluations.len();
            }
            evaluations.push(e);
        }
        report(Report {
            generation: generations,
            evaluations: &evaluations,
            best: &evaluations[best],
            elapsed_s: started.elapsed().as_secs_f64(),
        })?;
        if let Some(data) = ended {
            stopped_because.extend(data.reasons.iter().map(|r| format!("{r:?}")));
            break;
        }
    }
    if stopped_because.is_empty() {
        stopped_because.push(format!("max_generations ({})", cma.max_generations));
    }
    Ok(Outcome {
        evaluations,
        best,
        generations,
        stopped_because,
    })
}

/// Lexicographic order of two value lists (ties of the objective are rare; this only makes
/// the record's order a function of the samples).
fn compare_values(a: &[f64], b: &[f64]) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The objective as the optimiser sees it: it evaluates a sample and keeps the evaluation.
struct Sampler<'a> {
    search: &'a Search,
    setup: Setup<'a>,
    /// The evaluations of the generation being drawn.
    done: Mutex<Vec<Result<Evaluation>>>,
}

impl Sampler<'_> {
    /// Evaluates unit-box coordinates `x`: repaired into the box, run, charged for the repair.
    fn evaluate(&self, x: &[f64]) -> Result<Evaluation> {
        let (inside, bounds) = repair_into_box(x, self.search.file.weights.bounds);
        let values = values_at(self.search, &inside);
        let params = controller(self.search, &values)?;
        let (measures, terms) = self.setup.evaluate(&params)?;
        Ok(Evaluation {
            generation: 0,
            index: 0,
            values,
            measures,
            terms: terms.plus(Terms {
                bounds,
                ..Terms::default()
            }),
        })
    }
}

impl ParallelObjectiveFunction for &Sampler<'_> {
    fn evaluate_parallel(&self, x: &DVector<f64>) -> f64 {
        let e = self.evaluate(x.as_slice());
        // An error stops the search once the generation is back; the optimiser only needs
        // a finite value meanwhile.
        let total = e.as_ref().map_or(f64::MAX, Evaluation::total);
        self.done.lock().unwrap_or_else(|e| e.into_inner()).push(e);
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn records_are_ordered_by_their_values_when_totals_tie() {
        assert_eq!(compare_values(&[1.0, 2.0], &[1.0, 3.0]), Ordering::Less);
        assert_eq!(compare_values(&[1.0, 2.0], &[1.0, 2.0]), Ordering::Equal);
        assert_eq!(compare_values(&[2.0], &[1.0]), Ordering::Greater);
    }
}
