//! `retrogait gait-grid`: the walking grid of issue-level acceptance criteria, in parallel.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use gait::{Direction, GaitSummary, PushSpec, TrialSpec};

use super::loaders::{ModelOptions, PhysicsOptions, load_controller, load_model};
use crate::parallel::{jobs, pool_size, run_jobs};

/// Options of `retrogait gait-grid`.
#[derive(Debug, clap::Args)]
pub struct GridArgs {
    /// Simulated time of each trial \[s\].
    #[arg(long, default_value_t = 60.0, allow_negative_numbers = true)]
    pub duration: f64,
    /// Belt speeds [m/s], comma separated.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, default_values_t = [0.6, 0.8, 1.0, 1.2, 1.4])]
    pub speeds: Vec<f64>,
    /// Inclines [%], comma separated.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, default_values_t = [-10.0, -5.0, 0.0, 5.0, 10.0])]
    pub inclines: Vec<f64>,
    /// Directions, comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = ["forward".to_string(), "backward".to_string()])]
    pub directions: Vec<String>,
    /// Push force on the pelvis \[N\] (0 = none).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub push_force: f64,
    /// Seeds, comma separated (one trial per seed per condition).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, default_values_t = [1u64])]
    pub seeds: Vec<u64>,
    /// Parallel trials; the number of cores if omitted.
    #[arg(long, allow_negative_numbers = true)]
    pub jobs: Option<usize>,
    /// Write the table as CSV to this file (a regular file; replaced if it exists).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Model and controller.
    #[command(flatten)]
    pub model: ModelOptions,
    /// Physics settings.
    #[command(flatten)]
    pub physics: PhysicsOptions,
}

/// Runs the grid and prints the table with pass/fail per trial.
pub fn run(args: GridArgs) -> Result<()> {
    let requested_jobs = jobs(args.jobs)?;
    let model = load_model(&args.model)?;
    let (params, _) = load_controller(&args.model)?;
    if let Some(path) = &args.csv {
        crate::output::check_writable_file(path).context("--csv")?;
    }
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
    let settings = args.physics.settings_for(&model, &specs)?;
    let total = specs.len();
    let jobs = pool_size(requested_jobs, total);
    let done = AtomicUsize::new(0);
    let start = std::time::Instant::now();
    // Trials in parallel, results in grid order; the first simulation error is returned.
    let rows: Vec<GaitSummary> = run_jobs(jobs, &specs, |&spec| -> Result<GaitSummary> {
        let s = crate::trial_run::run_trial(&model, &params, spec, settings, false, None, |_| {})??
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
    })?
    .into_iter()
    .collect::<Result<_>>()?;
    crate::cli::terminal::print(format_args!("{}", crate::table::gait_table(&rows)))?;
    crate::cli::terminal::print(format_args!("\n{}", crate::table::pass_map(&rows)))?;
    let passed = rows.iter().filter(|s| s.meets_walking_criteria()).count();
    crate::outln!(
        "{passed}/{} trials meet the criteria ({:.0} s wall time, {jobs} job{})",
        rows.len(),
        start.elapsed().as_secs_f64(),
        if jobs == 1 { "" } else { "s" }
    )?;
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
