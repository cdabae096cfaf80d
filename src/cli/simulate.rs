//! `retrogait simulate`: one trial per direction (both at once when no direction is given),
//! each written to its own folder, and the gait and muscle tables on stdout.
//!
//! The output folder must not exist or be empty; it is claimed before the first trial runs and
//! its files appear when every trial is done (see [`crate::staging`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use gait::controller::walking::WalkingParams;
use gait::{Direction, PushSpec, TrialSpec, TrialSummary};
use musculo::Model;

use super::loaders::{ModelOptions, load_controller, load_model, new_run_dir};
use crate::scenario::trial_dir_name;
use crate::staging::StagedFolder;

/// Options of `retrogait simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// `forward` or `backward`; both if omitted.
    #[arg(long)]
    pub direction: Option<String>,
    /// Belt speed [m/s] (0.3-2.0).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Belt grade [%], positive uphill in the direction of travel (-15 to 15).
    #[arg(long, default_value_t = 0.0)]
    pub incline: f64,
    /// Simulated time \[s\].
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Seed of the trial's random choices (pushes).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Push force on the pelvis \[N\] (0 = no pushes); pushes last 0.2 s every 3-5 s.
    #[arg(long, default_value_t = 0.0)]
    pub push_force: f64,
    /// Recording rate \[Hz\].
    #[arg(long, default_value_t = 200.0)]
    pub sample_rate: f64,
    /// Output folder (must not exist or be empty: earlier results are never overwritten); a
    /// new folder under `runs/` if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the muscle analysis (physics and inverse dynamics only).
    #[arg(long)]
    pub no_muscles: bool,
    /// Model and controller.
    #[command(flatten)]
    pub model: ModelOptions,
}

/// Runs `retrogait simulate`.
pub fn run(args: SimulateArgs) -> Result<()> {
    let directions: Vec<Direction> = match &args.direction {
        Some(d) => vec![d.parse().map_err(anyhow::Error::from)?],
        None => vec![Direction::Forward, Direction::Backward],
    };
    let model = load_model(&args.model)?;
    let (params, controller_ron) = load_controller(&args.model)?;
    let specs: Vec<TrialSpec> = directions
        .iter()
        .map(|&direction| TrialSpec {
            direction,
            speed_mps: args.speed,
            incline_pct: args.incline,
            duration_s: args.duration,
            seed: args.seed,
            sample_rate_hz: args.sample_rate,
            pushes: PushSpec {
                force_n: args.push_force,
                ..PushSpec::default()
            },
        })
        .collect();
    // Check every spec before running anything.
    for s in &specs {
        s.validate()?;
    }
    let out = args.out.clone().unwrap_or_else(new_run_dir);
    // Before the simulation: a folder that cannot be written fails now, not after it.
    let folder = StagedFolder::create(&out, "--out")?;
    let nested = specs.len() > 1;
    let setup = Setup {
        model: &model,
        params: &params,
        controller_ron: &controller_ron,
        out: &out,
        staging: folder.staging(),
        nested,
        muscles: !args.no_muscles,
    };
    // Every direction at once: one thread per trial.
    let mut results = crate::parallel::run_jobs(specs.len(), &specs, |&spec| setup.run_one(spec))?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    // Only when every trial is done (a failed one leaves no folder at all).
    folder.publish()?;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    println!(
        "{}",
        crate::table::gait_table(results.iter().map(|(_, s)| &s.gait))
    );
    let analysed: Vec<_> = results
        .iter()
        .filter_map(|(_, s)| Some((s.gait.direction, s.muscle_analysis.as_ref()?)))
        .collect();
    if !analysed.is_empty() {
        println!("{}", crate::table::muscle_table(&analysed));
    }
    for (dir, _) in &results {
        println!("wrote {}", dir.display());
    }
    Ok(())
}

/// What every trial of one `simulate` shares.
struct Setup<'a> {
    model: &'a Model,
    params: &'a WalkingParams,
    controller_ron: &'a str,
    out: &'a Path,
    /// Where the files of `out` are written until every trial is done.
    staging: &'a Path,
    /// A subfolder per trial (more than one trial).
    nested: bool,
    muscles: bool,
}

impl Setup<'_> {
    /// Runs one trial and writes its folder into the staging folder; returns the folder it
    /// will have and the summary.
    fn run_one(&self, spec: TrialSpec) -> Result<(PathBuf, TrialSummary)> {
        let label = trial_dir_name(&spec, None);
        let (dir, published) = if self.nested {
            (self.staging.join(&label), self.out.join(&label))
        } else {
            (self.staging.to_path_buf(), self.out.to_path_buf())
        };
        eprintln!("{label}: simulating {:.0} s", spec.duration_s);
        let done = crate::trial_run::run_trial(self.model, self.params, spec, self.muscles, |t| {
            if (t as u64).is_multiple_of(10) {
                eprintln!("{label}: {t:.0}/{:.0} s", spec.duration_s);
            }
        })?;
        crate::output::write_trial(&dir, self.model, self.controller_ron, &done)?;
        Ok((published, done.summary))
    }
}
