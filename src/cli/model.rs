//! `retrogait model`: loads, validates and describes a musculoskeletal model.

use anyhow::Result;

use super::loaders::{ModelOptions, load_model};
use super::terminal::print;

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

/// Runs `retrogait model`.
pub fn run(args: ModelArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    if args.json {
        print(format_args!("{}\n", serde_json::to_string_pretty(&model)?))?;
    } else {
        print(crate::model_report::describe(&model))?;
    }
    Ok(())
}
