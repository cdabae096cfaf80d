//! `retrogait`: command-line entry point.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = retrogait::cli::Cli::parse();
    match retrogait::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
