//! `newsidx completions SHELL`: the shell's completion script, made from the clap definition the parser uses.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit_codes::ExitCode;

pub fn run(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    // Made in memory first: clap_complete panics when its writer fails,
    // and a closed pipe must surface as the io::Error it is.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "newsidx", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::Success)
}
