//! Command-line interface (the contract is in the README).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use gait::controller::walking::{DEFAULT_WALKING_RON, WalkingParams};
use gait::{Direction, PushSpec, TrialSpec};
use musculo::{Model, Subject};

/// Physics-based simulation of forward and backward treadmill walking.
#[derive(Debug, Parser)]
#[command(name = "retrogait", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate treadmill walking; with no options, forward and backward at 1.0 m/s on a level
    /// belt.
    #[command(args_override_self = true)]
    Simulate(SimulateArgs),
    /// Run the direction × speed × incline grid of walking trials and check each against the
    /// gait criteria (no fall, speed within ±5 % of the belt, within ±0.5 m of its centre).
    #[command(args_override_self = true)]
    GaitGrid(GridArgs),
    /// Load, validate and describe a musculoskeletal model (segments, joints, muscles).
    Model(ModelArgs),
    /// Run the trials of a scenario file in parallel, one folder per trial, and collect them
    /// in `results.csv`.
    Sweep(SweepArgs),
    /// Merge the folders of a sweep (or of its shards) into one `results.csv`.
    Report(ReportArgs),
}

/// Options shared by commands that load a model and a controller.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelOptions {
    /// Model file (RON); the built-in adult model if omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Subject stature [m]; the model's default subject if omitted.
    #[arg(long, requires = "mass")]
    pub height: Option<f64>,
    /// Subject body mass [kg].
    #[arg(long, requires = "height")]
    pub mass: Option<f64>,
    /// Walking-controller parameters (RON); the built-in ones if omitted.
    #[arg(long)]
    pub controller: Option<PathBuf>,
}

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
    /// Simulated time [s].
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Seed of the trial's random choices (pushes).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Push force on the pelvis [N] (0 = no pushes); pushes last 0.2 s every 3-5 s.
    #[arg(long, default_value_t = 0.0)]
    pub push_force: f64,
    /// Recording rate [Hz].
    #[arg(long, default_value_t = 200.0)]
    pub sample_rate: f64,
    /// Output folder; a new folder under `runs/` if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the muscle analysis (physics and inverse dynamics only).
    #[arg(long)]
    pub no_muscles: bool,
    /// Model and controller.
    #[command(flatten)]
    pub model: ModelOptions,
}

/// Options of `retrogait gait-grid`.
#[derive(Debug, clap::Args)]
pub struct GridArgs {
    /// Simulated time of each trial [s].
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Belt speeds [m/s], comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = [0.6, 0.8, 1.0, 1.2, 1.4])]
    pub speeds: Vec<f64>,
    /// Inclines [%], comma separated.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, default_values_t = [-10.0, -5.0, 0.0, 5.0, 10.0])]
    pub inclines: Vec<f64>,
    /// Directions, comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = ["forward".to_string(), "backward".to_string()])]
    pub directions: Vec<String>,
    /// Push force on the pelvis [N] (0 = none).
    #[arg(long, default_value_t = 0.0)]
    pub push_force: f64,
    /// Seeds, comma separated (one trial per seed per condition).
    #[arg(long, value_delimiter = ',', default_values_t = [1u64])]
    pub seeds: Vec<u64>,
    /// Parallel trials; the number of cores if omitted.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Write the table as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Model and controller.
    #[command(flatten)]
    pub model: ModelOptions,
}

/// Options of `retrogait model`.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model options.
    #[command(flatten)]
    pub model: ModelOptions,
    /// Print the compiled model as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `retrogait sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (RON), e.g. `assets/scenarios/retro-vs-forward.ron`.
    pub scenario: PathBuf,
    /// Output folder; a new folder under `runs/` if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Parallel trials; the number of cores if omitted.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard I of N: the trials whose index modulo N is I-1.
    #[arg(long, value_name = "I/N", value_parser = crate::sweep::Shard::parse)]
    pub shard: Option<crate::sweep::Shard>,
    /// Continue the sweep in `--out`: keep finished trials, run the rest again.
    #[arg(long, requires = "out")]
    pub resume: bool,
}

/// Options of `retrogait report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Folders of one sweep or of its shards.
    #[arg(required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// Where to write `results.csv`; the first folder if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate(args),
        Command::GaitGrid(args) => crate::grid::gait_grid(args),
        Command::Model(args) => model(args),
        Command::Sweep(args) => crate::sweep::sweep(args),
        Command::Report(args) => crate::report::report(args),
    }
}

/// Loads the model named on the command line, or the built-in one.
pub fn load_model(opts: &ModelOptions) -> Result<Model> {
    let subject = match (opts.height, opts.mass) {
        (Some(height_m), Some(mass_kg)) => Some(Subject { height_m, mass_kg }),
        _ => None,
    };
    match &opts.model {
        Some(p) => Model::load(p, subject).map_err(anyhow::Error::from),
        None => Model::from_ron_str(musculo::ADULT_MODEL_RON, "<built-in adult model>", subject)
            .map_err(anyhow::Error::from),
    }
    .context("cannot load the musculoskeletal model")
}

/// Loads the walking-controller parameters named on the command line, or the built-in ones;
/// returns them with their RON text (recorded in each output folder).
pub fn load_controller(opts: &ModelOptions) -> Result<(WalkingParams, String)> {
    let (text, name) = match &opts.controller {
        Some(p) => (
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read controller file {}", p.display()))?,
            p.display().to_string(),
        ),
        None => (
            DEFAULT_WALKING_RON.to_owned(),
            "<built-in walking controller>".to_owned(),
        ),
    };
    let params = WalkingParams::from_ron_str(&text, &name).map_err(anyhow::Error::msg)?;
    Ok((params, text))
}

fn model(args: ModelArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&model)?);
    } else {
        print!("{}", crate::model_report::describe(&model));
    }
    Ok(())
}

/// A new, unused folder under `runs/` named after the current time.
pub fn new_run_dir() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = PathBuf::from("runs").join(format!("run-{secs}"));
    let mut dir = base.clone();
    let mut k = 1;
    while dir.exists() {
        dir = PathBuf::from(format!("{}-{k}", base.display()));
        k += 1;
    }
    dir
}

/// Folder name of one trial inside a `simulate` run.
pub fn trial_dir_name(spec: &TrialSpec) -> String {
    crate::scenario::trial_dir_name(spec, None)
}

fn simulate(args: SimulateArgs) -> Result<()> {
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
    if out.join("summary.json").exists() {
        bail!(
            "{} already holds a finished trial; choose another --out",
            out.display()
        );
    }
    let results = Mutex::new(Vec::new());
    let error = Mutex::new(None);
    let nested = specs.len() > 1;
    std::thread::scope(|sc| {
        for spec in &specs {
            let (model, params, controller_ron, out, results, error) =
                (&model, &params, &controller_ron, &out, &results, &error);
            sc.spawn(move || {
                let r = run_one(
                    model,
                    params,
                    controller_ron,
                    *spec,
                    out,
                    nested,
                    !args.no_muscles,
                );
                match r {
                    Ok(s) => results.lock().expect("results lock").push(s),
                    Err(e) => *error.lock().expect("error lock") = Some(e),
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("error lock") {
        return Err(e);
    }
    let mut results = results.into_inner().expect("results lock");
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

/// Runs one trial and writes its folder (a subfolder per trial when `nested`).
fn run_one(
    model: &Model,
    params: &WalkingParams,
    controller_ron: &str,
    spec: TrialSpec,
    out: &Path,
    nested: bool,
    muscles: bool,
) -> Result<(PathBuf, gait::TrialSummary)> {
    let dir = if nested {
        out.join(trial_dir_name(&spec))
    } else {
        out.to_path_buf()
    };
    let label = trial_dir_name(&spec);
    eprintln!("{label}: simulating {:.0} s", spec.duration_s);
    let done = crate::trial_run::run_trial(model, params, spec, muscles, |t| {
        if (t as u64).is_multiple_of(10) {
            eprintln!("{label}: {t:.0}/{:.0} s", spec.duration_s);
        }
    })?;
    crate::output::write_trial(&dir, model, controller_ron, &done)?;
    Ok((dir, done.summary))
}
