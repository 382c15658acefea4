//! `newsidx index ARCHIVE_DIR...`: builds or updates the index under the run lock, reports progress, what changed and what was skipped.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use newsidx::entities::LazyExtractor;
use newsidx::index::{NewsIndex, RunLock};
use newsidx::ingest::{self, IngestRequest, IngestSummary, Limits, Progress, Skip};

use super::{print_json, Context};
use crate::cli::IndexArgs;
use crate::exit_codes::ExitCode;
use crate::printer;

/// Skipped files listed on standard error before the rest is summarised
/// (all of them with -v, and always in --json).
const SKIPS_SHOWN: usize = 20;

pub fn run(ctx: &Context, args: IndexArgs) -> anyhow::Result<ExitCode> {
    // The summary's time is the whole run's, the entity table included.
    let started = std::time::Instant::now();
    let threads = args.threads.map(usize::from).unwrap_or_else(super::cores);
    // Archive folders are checked before anything is written.
    ingest::walk::plan(&args.archives, &[])?;
    let mapping = ctx.mapping()?;
    let overrides = ctx.overrides()?;

    // The dictionaries are loaded when an article needs them, so a run that
    // finds nothing changed is quick. An override file the index has not
    // used yet is checked now, before anything is written.
    let extractor = LazyExtractor::new(overrides.clone(), mapping.rules.entities.settings());
    if let Some(o) = overrides.as_ref().filter(|_| !args.no_entities) {
        let used =
            NewsIndex::committed_overrides(&ctx.index_dir).and_then(|p| std::fs::read_to_string(p).ok());
        if used.as_deref() != Some(o.text.as_str()) {
            extractor.get()?;
        }
    }

    std::fs::create_dir_all(&ctx.index_dir).map_err(|e| newsidx::Error::io(&ctx.index_dir, e))?;
    let _lock = RunLock::acquire(&ctx.index_dir)?;
    let stop = stop_on_signals()?;
    let request = IngestRequest {
        archives: args.archives,
        threads,
        writer_memory: args.writer_memory.saturating_mul(1 << 20),
        limits: Limits {
            max_article_bytes: args.max_article_size.saturating_mul(1 << 20),
        },
        extractor: (!args.no_entities).then(|| Arc::new(extractor)),
        full: args.full,
        commit_every: args.commit_every,
        commit_interval: Duration::from_secs(args.commit_interval),
        stop: Arc::clone(&stop),
        overrides: overrides.as_ref().map(|o| o.text.clone()),
    };
    let show_progress = !ctx.quiet && !args.json && std::io::stderr().is_terminal();
    let progress = Bar::new(show_progress);
    let attempt = |mapping: newsidx::schema::Mapping| -> newsidx::Result<(NewsIndex, IngestSummary)> {
        let index = NewsIndex::open_or_create(&ctx.index_dir, mapping)?;
        // Opening a reader opens every file of every segment and checks its
        // footer: a run over a damaged index says so (and --full rebuilds)
        // rather than reporting "unchanged" over an index no search can read.
        index.reader()?;
        let summary = ingest::run(&index, &request, &progress)?;
        Ok((index, summary))
    };
    let (index, mut summary) = match attempt(mapping.clone()) {
        // A damaged index is what --full is the way out of: it is built
        // again from the archive, in its folder. (Without --full, nothing
        // is written to it.)
        Err(err) if args.full && super::diagnose(&ctx.index_dir, &err).is_some() => {
            NewsIndex::clear_damaged(&ctx.index_dir)?;
            attempt(mapping)?
        }
        other => other?,
    };
    progress.finish();
    // The tagger and its dictionaries are not needed by the table: freed
    // before it, whose build is the run's largest.
    drop(request);
    crate::alloc::return_freed_memory(summary.docs_total >= LARGE_TABLE_ARTICLES);
    // The archive-wide entity names follow the committed index.
    index.refresh_entity_table(threads)?;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;

    if args.json {
        print_json(&summary)?;
    } else {
        report(&summary.skipped, "skipped ", "skipped", ctx.verbose > 0);
        if !ctx.quiet {
            report(
                &summary.not_articles,
                "",
                "files with records that are not articles",
                ctx.verbose > 0,
            );
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", printer::summary_line(&summary))?;
            out.flush()?;
        }
    }
    if summary.interrupted {
        let (code, name) = if stop.load(Ordering::Relaxed) == usize::from(ExitCode::Terminated.code()) {
            (ExitCode::Terminated, "SIGTERM")
        } else {
            (ExitCode::Interrupted, "SIGINT")
        };
        if summary.full {
            eprintln!("newsidx: stopped by {name}; the rebuild was abandoned, the index is as it was");
        } else {
            eprintln!(
                "newsidx: stopped by {name}; the work done is committed ({} articles in the index), \
                 the next run goes on from there",
                summary.docs_total
            );
        }
        return Ok(code);
    }
    Ok(exit_code(&summary))
}

/// Articles from which the entity table's build returns the memory it frees
/// at once (`return_freed_memory`): at a million articles that lowered
/// the run's peak, on Reuters' 45,000 it made a re-run slower.
const LARGE_TABLE_ARTICLES: u64 = 250_000;

fn exit_code(summary: &IngestSummary) -> ExitCode {
    if summary.skipped.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::SomeLeftOut
    }
}

/// The first SIGINT or SIGTERM asks the run to stop and commit (the flag
/// holds the exit code); a second one ends the process at once, which is
/// safe too: the index stays at its last commit.
fn stop_on_signals() -> anyhow::Result<Arc<AtomicUsize>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let stop = Arc::new(AtomicUsize::new(0));
    let asked = Arc::new(AtomicBool::new(false));
    for (signal, code) in [(SIGINT, ExitCode::Interrupted), (SIGTERM, ExitCode::Terminated)] {
        let code = code.code();
        flag::register_conditional_shutdown(signal, i32::from(code), Arc::clone(&asked))?;
        flag::register(signal, Arc::clone(&asked))?;
        flag::register_usize(signal, Arc::clone(&stop), usize::from(code))?;
    }
    Ok(stop)
}

/// Lines on standard error, `newsidx: {label}PATH: REASON`, the first
/// `SKIPS_SHOWN` unless `all`, then how many more `what`. Skips, and the
/// lines of files that also held records that are not articles (a crawl's
/// requests, metadata ...: worth telling, but no failure).
fn report(lines: &[Skip], label: &str, what: &str, all: bool) {
    let shown = if all {
        lines.len()
    } else {
        lines.len().min(SKIPS_SHOWN)
    };
    for line in &lines[..shown] {
        eprintln!("newsidx: {label}{}: {}", line.path, line.reason);
    }
    if shown < lines.len() {
        eprintln!(
            "newsidx: ... and {} more {what} (-v lists them all, --json too)",
            lines.len() - shown
        );
    }
}

/// A progress bar over the files, with rate and ETA, on a terminal; silent
/// otherwise. Its length grows while the walk finds files (listing folders
/// is quick: the total is known early).
struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} files, {rate}, ETA {eta} {msg}",
            )
            .map(|style| {
                style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} files/s", state.per_sec());
                })
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message("(looking for changes)");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Bar { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn found(&self) {
        if let Some(bar) = &self.bar {
            bar.inc_length(1);
        }
    }

    fn walk_done(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message("");
        }
    }

    fn file_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn skipped(&self, skip: &Skip) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("(skipped {})", skip.path));
        }
    }
}
