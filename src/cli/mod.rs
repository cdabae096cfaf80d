//! Command-line interface (the contract is in the README): the parse types and the dispatch.
//! Each subcommand owns its module and its options; what several of them load (model,
//! controller, run folder) is in [`loaders`].

use anyhow::Result;
use clap::{Parser, Subcommand};

pub mod analyze;
pub mod gait_grid;
pub mod loaders;
pub mod model;
pub mod optimise;
pub mod report;
pub mod simulate;
pub mod sweep;
pub mod terminal;

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
    Simulate(simulate::SimulateArgs),
    /// Run the direction × speed × incline grid of walking trials and check each against the
    /// gait criteria (no fall, speed within ±5 % of the belt, within ±0.5 m of its centre).
    #[command(args_override_self = true)]
    GaitGrid(gait_grid::GridArgs),
    /// Load, validate and describe a musculoskeletal model (segments, joints, muscles).
    Model(model::ModelArgs),
    /// Run the trials of a scenario file in parallel, one folder per trial, and collect them
    /// in `results.csv`.
    Sweep(sweep::SweepArgs),
    /// Merge the folders of a sweep (or of its shards) into one `results.csv`.
    Report(report::ReportArgs),
    /// Analyse measured walking: OpenSim coordinates and ground reactions through the same
    /// inverse dynamics, muscle analysis, knee loads and measures as a simulated trial.
    Analyze(analyze::AnalyzeArgs),
    /// Search for walking-controller parameters with CMA-ES: falls, pace, centring, metabolic
    /// cost of transport and ground reaction force above a limit, over the trial conditions of
    /// a search file; the search is recorded in its output folder.
    Optimise(optimise::OptimiseArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::GaitGrid(args) => gait_grid::run(args),
        Command::Model(args) => model::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Report(args) => report::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Optimise(args) => optimise::run(args),
    }
}
