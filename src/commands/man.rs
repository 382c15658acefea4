//! `newsidx man [--out DIR]`: the man pages, made from the clap definition the parser uses.

use std::io::Write;

use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::{Cli, ManArgs};
use crate::exit_codes::ExitCode;

pub fn run(args: ManArgs) -> anyhow::Result<ExitCode> {
    // `help` is clap's own; it has no page.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    match args.out {
        Some(dir) => {
            let mut written = Vec::new();
            for page in std::iter::once(cmd.clone()).chain(cmd.get_subcommands().cloned()) {
                let path = man(page)
                    .generate_to(&dir)
                    .map_err(|e| newsidx::Error::io(&dir, e))?;
                written.push(path);
            }
            let mut out = std::io::stdout().lock();
            for path in written {
                writeln!(out, "{}", path.display())?;
            }
            out.flush()?;
        }
        None => {
            let mut page = Vec::new();
            man(cmd).render(&mut page)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&page)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::Success)
}

/// A command's page, its footer naming newsidx and its version (clap's
/// default is the command's own name, and only newsidx has a version).
fn man(cmd: clap::Command) -> Man {
    Man::new(cmd).source(format!("newsidx {}", env!("CARGO_PKG_VERSION")))
}
