//! The newsidx binary: parses arguments, runs the command, maps the outcome to an exit code.

mod cli;
mod commands;

use std::io;
use std::process::ExitCode;

use clap::Parser;

/// Exit code of `index` when another run holds the index (EX_TEMPFAIL).
const EXIT_LOCKED: u8 = 75;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`newsidx search ... | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("newsidx: {err:#}");
            match err.downcast_ref::<newsidx::Error>() {
                Some(newsidx::Error::Locked { .. }) => ExitCode::from(EXIT_LOCKED),
                _ => ExitCode::from(EXIT_ERROR),
            }
        }
    }
}
