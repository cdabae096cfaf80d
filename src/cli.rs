//! Command-line interface (the contract is in the README).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
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
    /// Load, validate and describe a musculoskeletal model (segments, joints, muscles).
    Model(ModelArgs),
}

/// Options of `retrogait model`.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Model file (RON); the built-in adult model if omitted.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Subject stature [m]; the model's default subject if omitted.
    #[arg(long, requires = "mass")]
    pub height: Option<f64>,
    /// Subject body mass [kg].
    #[arg(long, requires = "height")]
    pub mass: Option<f64>,
    /// Print the compiled model as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Model(args) => model(args),
    }
}

/// Loads the model named on the command line, or the built-in one.
pub fn load_model(path: Option<&PathBuf>, subject: Option<Subject>) -> Result<Model> {
    match path {
        Some(p) => Model::load(p, subject).map_err(anyhow::Error::from),
        None => Model::from_ron_str(musculo::ADULT_MODEL_RON, "<built-in adult model>", subject)
            .map_err(anyhow::Error::from),
    }
    .context("cannot load the musculoskeletal model")
}

fn model(args: ModelArgs) -> Result<()> {
    let subject = match (args.height, args.mass) {
        (Some(height_m), Some(mass_kg)) => Some(Subject { height_m, mass_kg }),
        _ => None,
    };
    let model = load_model(args.model.as_ref(), subject)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&model)?);
    } else {
        print!("{}", crate::model_report::describe(&model));
    }
    Ok(())
}
