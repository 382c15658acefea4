//! `newsidx index ARCHIVE_DIR...`: builds or updates the index, reports progress and what was skipped.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use newsidx::index::NewsIndex;
use newsidx::ingest::{self, IngestRequest, Limits, Progress, Skip};
use newsidx::output;

use super::{print_json, Context};
use crate::cli::IndexArgs;

/// Skipped files listed on standard error before the rest is summarised
/// (all of them with -v, and always in --json).
const SKIPS_SHOWN: usize = 20;

pub fn run(ctx: &Context, args: IndexArgs) -> anyhow::Result<ExitCode> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    // Archive folders are checked before anything is written.
    let archives = ingest::walk::plan(&args.archives)?;
    let mapping = ctx.mapping()?;
    let overrides = ctx.overrides()?;
    let extractor = ctx.extractor(&mapping, overrides.as_ref())?;
    let request = IngestRequest {
        archives,
        threads,
        writer_memory: args.writer_memory.saturating_mul(1 << 20),
        limits: Limits {
            max_article_bytes: args.max_article_size.saturating_mul(1 << 20),
        },
        extractor: Some(Arc::new(extractor)),
    };
    let index = NewsIndex::open_or_create(&ctx.index_dir, mapping)?;
    let show_progress = !ctx.quiet && !args.json && std::io::stderr().is_terminal();
    let progress = Spinner::new(show_progress);
    let summary = ingest::run(&index, &request, &progress)?;
    progress.finish();
    // Searches resolve --entity with the overrides the articles were indexed with.
    index.save_entity_overrides(overrides.as_ref().map(|o| o.text.as_str()))?;

    if args.json {
        print_json(&summary)?;
    } else {
        report_skips(&summary.skipped, ctx.verbose > 0);
        if !ctx.quiet {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", output::summary_line(&summary))?;
            out.flush()?;
        }
    }
    Ok(if summary.skipped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report_skips(skipped: &[Skip], all: bool) {
    let shown = if all {
        skipped.len()
    } else {
        skipped.len().min(SKIPS_SHOWN)
    };
    for skip in &skipped[..shown] {
        eprintln!("newsidx: skipped {}: {}", skip.path, skip.reason);
    }
    if shown < skipped.len() {
        eprintln!(
            "newsidx: ... and {} more skipped (-v lists them all, --json too)",
            skipped.len() - shown
        );
    }
}

/// A spinner with counts and rate on a terminal; silent otherwise.
struct Spinner {
    bar: Option<ProgressBar>,
}

impl Spinner {
    fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {human_pos} files {msg} [{elapsed}, {rate}]")
                .map(|style| {
                    style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} files/s", state.per_sec());
                    })
                })
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Spinner { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Spinner {
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
