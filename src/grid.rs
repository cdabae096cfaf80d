//! `retrogait gait-grid`: the walking grid of issue-level acceptance criteria, in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use gait::{Direction, GaitSummary, PushSpec, TrialSpec};
use rayon::prelude::*;

use crate::cli::{GridArgs, load_controller, load_model};

/// Runs the grid and prints the table with pass/fail per trial.
pub fn gait_grid(args: GridArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    let (params, _) = load_controller(&args.model)?;
    let mut specs = Vec::new();
    for d in &args.directions {
        let direction: Direction = d.parse()?;
        for &speed_mps in &args.speeds {
            for &incline_pct in &args.inclines {
                for &seed in &args.seeds {
                    let spec = TrialSpec {
                        direction,
                        speed_mps,
                        incline_pct,
                        duration_s: args.duration,
                        seed,
                        sample_rate_hz: 100.0,
                        pushes: PushSpec {
                            force_n: args.push_force,
                            ..PushSpec::default()
                        },
                    };
                    spec.validate()?;
                    specs.push(spec);
                }
            }
        }
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let total = specs.len();
    let done = AtomicUsize::new(0);
    let start = std::time::Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the thread pool: {e}"))?;
    // Trials in parallel, results in grid order; the first simulation error is returned.
    let rows: Vec<GaitSummary> = pool.install(|| {
        specs
            .par_iter()
            .map(|&spec| {
                let s = crate::trial_run::run_trial(&model, &params, spec, false, |_| {})?
                    .summary
                    .gait;
                eprintln!(
                    "[{}/{total}] {} {:.2} m/s {:+.1} %: {}",
                    done.fetch_add(1, Ordering::Relaxed) + 1,
                    spec.direction.as_str(),
                    spec.speed_mps,
                    spec.incline_pct,
                    if s.meets_walking_criteria() {
                        "pass"
                    } else {
                        "FAIL"
                    }
                );
                Ok(s)
            })
            .collect::<Result<_>>()
    })?;
    print!("{}", crate::table::gait_table(&rows));
    let passed = rows.iter().filter(|s| s.meets_walking_criteria()).count();
    println!(
        "{passed}/{} trials meet the criteria ({:.0} s wall time, {jobs} jobs)",
        rows.len(),
        start.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &rows {
            w.serialize(CsvRow::from(r))?;
        }
        crate::output::write_atomic(path, &w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct CsvRow<'a> {
    direction: &'a str,
    speed_mps: f64,
    incline_pct: f64,
    seed: u64,
    fell: bool,
    fall_time_s: Option<f64>,
    strides: usize,
    cadence_steps_per_min: Option<f64>,
    stride_length_m: Option<f64>,
    mean_speed_rel_belt_mps: Option<f64>,
    max_distance_from_centre_m: Option<f64>,
    passes: bool,
}

impl<'a> From<&'a GaitSummary> for CsvRow<'a> {
    fn from(s: &'a GaitSummary) -> Self {
        Self {
            direction: s.direction.as_str(),
            speed_mps: s.speed_mps,
            incline_pct: s.incline_pct,
            seed: s.seed,
            fell: s.fell,
            fall_time_s: s.fall_time_s,
            strides: s.strides,
            cadence_steps_per_min: s.cadence_steps_per_min,
            stride_length_m: s.stride_length_m,
            mean_speed_rel_belt_mps: s.mean_speed_rel_belt_mps,
            max_distance_from_centre_m: s.max_distance_from_centre_m,
            passes: s.meets_walking_criteria(),
        }
    }
}
