//! `retrogait`: command-line entry point.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use retrogait::cli::terminal::{error_message, is_broken_pipe, shorten_echoes};

fn main() -> ExitCode {
    let cli = match retrogait::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return command_line_error(&e),
    };
    match retrogait::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output has gone (`| head`): it has what it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing is left to report to if standard error fails too.
            let _ = writeln!(std::io::stderr(), "error: {}", error_message(&e));
            ExitCode::FAILURE
        }
    }
}

/// Help and version on standard output; a command-line error on standard error with the
/// echoed argument cut short. Neither panics on a closed stream.
fn command_line_error(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        let text = e.to_string();
        let _ = write!(std::io::stderr(), "{}", shorten_echoes(&text));
    } else {
        let _ = e.print();
    }
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}
