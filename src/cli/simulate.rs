//! `retrogait simulate`: one trial per direction (both at once when no direction is given),
//! each written to its own folder, and the gait and muscle tables on stdout.
//!
//! The output folder must not exist or be empty; it is claimed before the first trial runs and
//! its files appear when every trial is done (see [`crate::staging`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gait::controller::walking::WalkingParams;
use gait::{Direction, PushSpec, TrialSpec, TrialSummary};
use musculo::Model;

use super::loaders::{
    ModelOptions, PhysicsOptions, check_muscles, load_controller, load_model, new_run_dir,
};
use crate::scenario::trial_dir_name;
use crate::staging::StagedFolder;

/// Options of `retrogait simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// `forward` or `backward`; both if omitted.
    #[arg(long)]
    pub direction: Option<String>,
    /// Belt speed [m/s] (0.3-2.0).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub speed: f64,
    /// Belt grade [%], positive uphill in the direction of travel (-15 to 15).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub incline: f64,
    /// Simulated time \[s\].
    #[arg(long, default_value_t = 60.0, allow_negative_numbers = true)]
    pub duration: f64,
    /// Seed of the trial's random choices (pushes).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub seed: u64,
    /// Push force on the pelvis \[N\] (0 = no pushes); pushes last 0.2 s every 3-5 s.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub push_force: f64,
    /// Recording rate \[Hz\].
    #[arg(long, default_value_t = 200.0, allow_negative_numbers = true)]
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
    /// Physics settings.
    #[command(flatten)]
    pub physics: PhysicsOptions,
}

/// Runs `retrogait simulate`.
pub fn run(args: SimulateArgs) -> Result<()> {
    let directions: Vec<Direction> = match &args.direction {
        Some(d) => vec![d.parse().map_err(anyhow::Error::from)?],
        None => vec![Direction::Forward, Direction::Backward],
    };
    let model = load_model(&args.model)?;
    check_muscles(&model, &args.model.subject, !args.no_muscles)?;
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
    let settings = args.physics.settings_for(&model, &specs)?;
    let out = args.out.clone().unwrap_or_else(new_run_dir);
    // Before the simulation: a folder that cannot be written fails now, not after it.
    let folder = StagedFolder::create(&out, "--out")?;
    let nested = specs.len() > 1;
    let setup = Setup {
        model: &model,
        params: &params,
        controller_ron: &controller_ron,
        settings,
        out: &out,
        staging: folder.staging(),
        nested,
        muscles: !args.no_muscles,
    };
    // Every direction at once: one thread per trial.
    let outcomes = crate::parallel::run_jobs(specs.len(), &specs, |&spec| setup.run_one(spec))?;
    let (mut results, failures) = split_outcomes(outcomes);
    if !failures.is_empty() {
        // Each failed trial by name; nothing is published, not even the trials that finished
        // (a failed run leaves no folder at all).
        let message = failures
            .iter()
            .map(crate::cli::terminal::error_message)
            .collect::<Vec<_>>()
            .join("; ");
        bail!(message);
    }
    // Only when every trial is done.
    folder.publish()?;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    crate::outln!(
        "{}",
        crate::table::gait_table(results.iter().map(|(_, s)| &s.gait))
    )?;
    let analysed: Vec<_> = results
        .iter()
        .filter_map(|(_, s)| Some((s.gait.direction, s.muscle_analysis.as_ref()?)))
        .collect();
    if !analysed.is_empty() {
        crate::outln!("{}", crate::table::muscle_table(&analysed))?;
    }
    for (dir, _) in &results {
        crate::outln!("wrote {}", dir.display())?;
    }
    Ok(())
}

/// The trials that ran and were written, and the errors of the others.
fn split_outcomes<T>(outcomes: Vec<Result<T>>) -> (Vec<T>, Vec<anyhow::Error>) {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for o in outcomes {
        match o {
            Ok(t) => done.push(t),
            Err(e) => failed.push(e),
        }
    }
    (done, failed)
}

/// What every trial of one `simulate` shares.
struct Setup<'a> {
    model: &'a Model,
    params: &'a WalkingParams,
    controller_ron: &'a str,
    settings: gait::TrialSettings,
    out: &'a Path,
    /// Where the files of `out` are written until every trial is done.
    staging: &'a Path,
    /// A subfolder per trial (more than one trial).
    nested: bool,
    muscles: bool,
}

impl Setup<'_> {
    /// Runs one trial and writes its folder into the staging folder; returns the folder it
    /// will have and the summary. An error names the trial (with two directions, which one
    /// failed).
    fn run_one(&self, spec: TrialSpec) -> Result<(PathBuf, TrialSummary)> {
        let label = trial_dir_name(&spec, None);
        self.run_labelled(spec, &label)
            .with_context(|| format!("trial {label}"))
    }

    fn run_labelled(&self, spec: TrialSpec, label: &str) -> Result<(PathBuf, TrialSummary)> {
        let (dir, published) = if self.nested {
            (self.staging.join(label), self.out.join(label))
        } else {
            (self.staging.to_path_buf(), self.out.to_path_buf())
        };
        eprintln!("{label}: simulating {:.0} s", spec.duration_s);
        let created = !dir.exists();
        let output = crate::trial_run::TrialOutput {
            dir: &dir,
            files: crate::output::TrialFiles::default(),
        };
        let ran = crate::trial_run::run_trial(
            self.model,
            self.params,
            spec,
            self.settings,
            self.muscles,
            Some(output),
            |t| {
                if (t as u64).is_multiple_of(10) {
                    eprintln!("{label}: {t:.0}/{:.0} s", spec.duration_s);
                }
            },
        )
        .and_then(|ran| Ok(ran?));
        let done = match ran {
            Ok(done) => done,
            Err(e) => {
                // The frame files are gone with the failed trial; so is a folder made for it.
                if created {
                    std::fs::remove_dir(&dir).ok();
                }
                return Err(e);
            }
        };
        crate::output::write_trial(&dir, self.model, self.controller_ron, &done)?;
        Ok((published, done.summary))
    }
}
