//! The newsidx binary: parses arguments, runs the command, maps the outcome to an exit code.

mod alloc;
mod cli;
mod commands;
mod exit_codes;
mod printer;
mod serve;

use std::io;
use std::process;

use clap::Parser;

use crate::exit_codes::ExitCode;

fn main() -> process::ExitCode {
    commands::quiet_panics();
    let cli = cli::Cli::parse();
    let code = match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`newsidx search ... | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::Success.into();
            }
            eprintln!("newsidx: {}", message(&err));
            match err.downcast_ref::<newsidx::Error>() {
                Some(newsidx::Error::Locked { .. } | newsidx::Error::ExportLocked { .. }) => ExitCode::Locked,
                _ => ExitCode::Error,
            }
        }
    };
    code.into()
}

/// The error and its causes, joined by ": ". The library's errors already
/// say their cause in their own words, so the chain stops at the first one
/// (else "no such file or directory: No such file or directory (os error 2)").
fn message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        parts.push(cause.to_string());
        if cause.downcast_ref::<newsidx::Error>().is_some() {
            break;
        }
    }
    parts.join(": ")
}
