//! One file per command: turns parsed arguments into library requests, prints the results, picks the exit code.

mod check;
mod completions;
mod entities;
mod evaluate;
mod export;
mod extract;
mod index;
mod man;
mod search;
mod serve;
mod show;
mod stats;

use std::io::{IsTerminal, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

use newsidx::entities::dictionary::{self, Overrides};
use newsidx::entities::{Dictionary, Extractor};
use newsidx::schema::Mapping;

use crate::cli::{Cli, ColorChoice, Command, GlobalArgs};
use crate::exit_codes::ExitCode;
use crate::printer::Style;

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
    let reads_index = !matches!(
        cli.command,
        Command::Extract(_) | Command::Evaluate(_) | Command::Completions(_) | Command::Man(_)
    );
    let command = cli.command;
    let panic = match catch_unwind(AssertUnwindSafe(|| dispatch(&ctx, command))) {
        Ok(Ok(code)) => return Ok(code),
        Ok(Err(err)) => {
            // A read that failed on what tantivy wrote: damage is the
            // likeliest cause, and naming the damaged file says the way out.
            let damage = match err.downcast_ref::<newsidx::Error>() {
                Some(e @ newsidx::Error::Index { .. }) if reads_index => diagnose(&ctx.index_dir, e),
                _ => None,
            };
            return Err(damage.map_or(err, Into::into));
        }
        Err(_) => anyhow::anyhow!("internal error: {}; please report it", panic_note()),
    };
    // So is a read that panicked (tantivy trusts its own files).
    let damage = reads_index
        .then(|| newsidx::index::NewsIndex::damage(&ctx.index_dir))
        .flatten();
    Err(damage.map_or(panic, Into::into))
}

/// The damage an error of the index at `dir` comes from, when it does:
/// the error itself, or a read failure whose cause the checksums find.
fn diagnose(dir: &std::path::Path, err: &newsidx::Error) -> Option<newsidx::Error> {
    match err {
        newsidx::Error::Damaged { dir, detail } => Some(newsidx::Error::Damaged {
            dir: dir.clone(),
            detail: detail.clone(),
        }),
        newsidx::Error::Index { .. } => newsidx::index::NewsIndex::damage(dir),
        _ => None,
    }
}

/// The last panic's message and place, kept by the hook `quiet_panics` sets.
static PANIC_NOTE: Mutex<String> = Mutex::new(String::new());

/// A panic is a bug, reported once in one line by `run`, not as Rust's
/// several lines on standard error; RUST_BACKTRACE brings Rust's report
/// (and its backtrace) back.
pub fn quiet_panics() {
    if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let place = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        if let Ok(mut note) = PANIC_NOTE.lock() {
            *note = format!("{}{place}", message.lines().next().unwrap_or(""));
        }
    }));
}

fn panic_note() -> String {
    PANIC_NOTE
        .lock()
        .map(|n| n.clone())
        .unwrap_or_else(|_| "a panic".into())
}

fn dispatch(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Index(args) => index::run(ctx, args),
        Command::Search(args) => search::run(ctx, args),
        Command::Show(args) => show::run(ctx, args),
        Command::Stats(args) => stats::run(ctx, args),
        Command::Check => check::run(ctx),
        Command::Extract(args) => extract::run(ctx, args),
        Command::Entities(args) => entities::run(ctx, args),
        Command::Evaluate(args) => evaluate::run(ctx, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Serve(args) => serve::run(ctx, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// The cores newsidx may use: what the system gives this process.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Writes one JSON value and a newline to standard output.
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    // Serialised first, so a closed pipe surfaces as the io::Error it is.
    let text = crate::printer::json_text(value)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
