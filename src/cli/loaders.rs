//! What several subcommands load from their options: the model, the walking controller and a
//! new run folder.

use std::path::PathBuf;

use anyhow::{Context, Result};
use gait::controller::walking::{DEFAULT_WALKING_RON, WalkingParams};
use musculo::input_file::read_text;
use musculo::spec::ContactLaw;
use musculo::{MAX_RON_BYTES, Model, ModelError, ModelSpec, Subject};

/// Options shared by commands that load a model and a controller.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelOptions {
    /// Model and subject.
    #[command(flatten)]
    pub subject: SubjectModelOptions,
    /// Walking-controller parameters (RON); the built-in ones if omitted.
    #[arg(long)]
    pub controller: Option<PathBuf>,
}

/// Options of commands that load a model scaled to a subject.
#[derive(Debug, Clone, clap::Args)]
pub struct SubjectModelOptions {
    /// Model file (RON); the built-in adult model if omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Subject stature \[m\]; the model's default subject if omitted.
    #[arg(long, requires = "mass", allow_negative_numbers = true)]
    pub height: Option<f64>,
    /// Subject body mass \[kg\].
    #[arg(long, requires = "height", allow_negative_numbers = true)]
    pub mass: Option<f64>,
    /// How the feet meet the belt: `rigid` spheres or compliant `hunt-crossley` spheres (the
    /// model file's `ground_contact`); the model file's choice if omitted.
    #[arg(long, value_enum)]
    pub ground_contact: Option<GroundContactArg>,
}

/// The `--ground-contact` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroundContactArg {
    /// Rigid contact spheres.
    Rigid,
    /// Compliant Hunt-Crossley spheres.
    HuntCrossley,
}

/// Options of commands that run trials: the physics settings they may choose instead of the
/// model's defaults ([`gait::trial::PhysicsChoices`]; every trial folder's `run.json` records
/// what was used).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PhysicsOptions {
    /// Physics and control step \[ms\] (0.01-2; the recording interval must be a whole number
    /// of steps); 1 ms if omitted.
    #[arg(long, allow_negative_numbers = true)]
    pub step_ms: Option<f64>,
    /// How compliant feet integrate their contact forces: `coupled` (all touching spheres
    /// together, the default) or `predicted` (each sphere alone, as before 5 December 2026,
    /// which needs `--step-ms 0.25`). Rigid feet ignore it.
    #[arg(long, value_enum)]
    pub contact_integration: Option<ContactIntegrationArg>,
    /// rapier's solver substeps per step (1-16); if omitted 1 with compliant feet, 2 with
    /// rigid ones.
    #[arg(long, allow_negative_numbers = true)]
    pub solver_substeps: Option<usize>,
    /// Assemble and factorise the walker's mass matrix tree-sparsely: the default with
    /// compliant feet; with rigid feet faster than their default dense path, with results
    /// that differ by rounding, which walking amplifies.
    #[arg(long, conflicts_with = "dense_multibody")]
    pub tree_sparse_multibody: bool,
    /// Assemble and factorise the walker's mass matrix with rapier's dense path: the default
    /// with rigid feet; with compliant feet slower than their default tree-sparse path, with
    /// results that differ by rounding.
    #[arg(long)]
    pub dense_multibody: bool,
}

/// The `--contact-integration` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ContactIntegrationArg {
    /// All touching spheres of both feet by backward Euler together.
    Coupled,
    /// Each sphere alone, the other forces predicted from the last step.
    Predicted,
}

impl PhysicsOptions {
    /// The choices these options make.
    pub fn choices(&self) -> gait::trial::PhysicsChoices {
        use gait::hunt_crossley::FrictionIntegration;
        gait::trial::PhysicsChoices {
            dt_s: self.step_ms.map(|ms| ms * 1e-3),
            friction_integration: self.contact_integration.map(|c| match c {
                ContactIntegrationArg::Coupled => FrictionIntegration::Coupled,
                ContactIntegrationArg::Predicted => FrictionIntegration::Predicted,
            }),
            tree_sparse_multibody: match (self.tree_sparse_multibody, self.dense_multibody) {
                (true, _) => Some(true),
                (false, true) => Some(false),
                (false, false) => None,
            },
            solver_iterations: self.solver_substeps,
            inertia_refresh_steps: None,
        }
    }

    /// The trial settings of `model` with these choices, checked against `specs` before
    /// anything runs (an error names the option).
    pub fn settings_for(
        &self,
        model: &Model,
        specs: &[gait::TrialSpec],
    ) -> Result<gait::TrialSettings> {
        self.choices()
            .checked_settings_for(model, specs)
            .map_err(|e| {
                let option = match e.field {
                    "physics.dt_s" => "--step-ms",
                    "physics.solver_iterations" => "--solver-substeps",
                    other => other,
                };
                anyhow::anyhow!("{option}: {}", e.reason)
            })
    }
}

/// Loads the model named on the command line, or the built-in one.
pub fn load_model(opts: &ModelOptions) -> Result<Model> {
    load_subject_model(&opts.subject)
}

/// Loads the model file named on the command line (the built-in adult model if none), scaled
/// to the subject when both height and mass are given.
pub fn load_subject_model(opts: &SubjectModelOptions) -> Result<Model> {
    let subject = match (opts.height, opts.mass) {
        (Some(height_m), Some(mass_kg)) => Some(Subject { height_m, mass_kg }),
        _ => None,
    };
    let (text, file) = match &opts.model {
        Some(p) => (
            read_text(p, MAX_RON_BYTES)
                .map_err(|cause| ModelError::Io {
                    file: p.clone(),
                    cause,
                })
                .context("cannot load the musculoskeletal model")?,
            p.clone(),
        ),
        None => (
            musculo::ADULT_MODEL_RON.to_owned(),
            PathBuf::from("<built-in adult model>"),
        ),
    };
    let load = || {
        let mut spec = ModelSpec::parse(&text, &file)?;
        if let Some(law) = opts.ground_contact {
            spec.ground_contact.law = match law {
                GroundContactArg::Rigid => ContactLaw::Rigid,
                GroundContactArg::HuntCrossley => ContactLaw::HuntCrossley,
            };
        }
        Model::compile(spec, &file, subject)
    };
    load().context("cannot load the musculoskeletal model")
}

/// Refuses, before anything runs, a muscle analysis (`muscles`) of a model without muscles,
/// naming the way out (`--no-muscles`).
pub fn check_muscles(model: &Model, opts: &SubjectModelOptions, muscles: bool) -> Result<()> {
    if muscles && model.muscles.is_empty() {
        let file = opts
            .model
            .as_ref()
            .map_or("the model".to_owned(), |p| p.display().to_string());
        anyhow::bail!(
            "{file}: the model has no muscles, so the muscle analysis cannot run; add \
             --no-muscles for physics and inverse dynamics only"
        );
    }
    Ok(())
}

/// Loads the walking-controller parameters named on the command line, or the built-in ones;
/// returns them with their RON text (recorded in each output folder).
pub fn load_controller(opts: &ModelOptions) -> Result<(WalkingParams, String)> {
    let (text, name) = match &opts.controller {
        Some(p) => (
            read_text(p, MAX_RON_BYTES).map_err(|cause| {
                anyhow::anyhow!("{}: cannot read the controller file: {cause}", p.display())
            })?,
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

/// A new, unused folder under `runs/` (the default `--out`), `run-<seconds>-<process id>`:
/// the time orders runs, the process id keeps apart runs started in the same second.
pub fn new_run_dir() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = PathBuf::from("runs").join(format!("run-{secs}-{}", std::process::id()));
    let mut dir = base.clone();
    let mut k = 1;
    while dir.exists() {
        dir = PathBuf::from(format!("{}-{k}", base.display()));
        k += 1;
    }
    dir
}
