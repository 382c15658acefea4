//! One file per command: turns parsed arguments into library requests, prints the results, picks the exit code.

mod entities;
mod evaluate;
mod export;
mod extract;
mod index;
mod search;
mod show;
mod stats;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use newsidx::entities::dictionary::{self, Overrides};
use newsidx::entities::{Dictionary, Extractor};
use newsidx::output::Style;
use newsidx::schema::Mapping;

use crate::cli::{Cli, ColorChoice, Command, GlobalArgs};

/// The global options, resolved: what every command needs to know.
pub struct Context {
    pub index_dir: PathBuf,
    pub schema: Option<PathBuf>,
    pub entities: Option<PathBuf>,
    pub quiet: bool,
    pub verbose: u8,
    /// Colour on standard output.
    pub style: Style,
}

impl Context {
    fn new(global: GlobalArgs) -> Self {
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
            }
        };
        Context {
            index_dir: global.index,
            schema: global.schema,
            entities: global.entities,
            quiet: global.quiet,
            verbose: global.verbose,
            style: Style { color },
        }
    }

    pub fn mapping(&self) -> newsidx::Result<Mapping> {
        Mapping::load(self.schema.as_deref())
    }

    /// The entity override file: `--entities`, else the default path when
    /// a file is there.
    pub fn entities_file(&self) -> Option<PathBuf> {
        self.entities
            .clone()
            .or_else(|| dictionary::default_user_file().filter(|p| p.is_file()))
    }

    /// The user's overrides, read once.
    pub fn overrides(&self) -> newsidx::Result<Option<Overrides>> {
        self.entities_file().map(|p| Overrides::read(&p)).transpose()
    }

    /// The extractor with the user's overrides, for `index` and `extract`.
    pub fn extractor(&self, mapping: &Mapping, overrides: Option<&Overrides>) -> newsidx::Result<Extractor> {
        Extractor::new(
            Dictionary::with_overrides(overrides)?,
            mapping.rules.entities.settings(),
        )
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Index(args) => index::run(&ctx, args),
        Command::Search(args) => search::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Stats(args) => stats::run(&ctx, args),
        Command::Extract(args) => extract::run(&ctx, args),
        Command::Entities(args) => entities::run(&ctx, args),
        Command::Evaluate(args) => evaluate::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
    }
}

/// Writes one JSON value and a newline to standard output.
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    // Serialised first, so a closed pipe surfaces as the io::Error it is.
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}
