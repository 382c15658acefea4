//! One index run, from its request to its summary: what it starts from, the threads it runs, and how it ends.
//!
//! A walker lists the files (`feed`), parser workers (one per core with
//! entity extraction, one per two cores without, beside tantivy's indexing
//! threads; `worker`) sort unchanged files from the rest and parse the
//! others, and this thread, the single writer, applies what they send and
//! commits index and catalog together (`writer`).
//!
//! The workers stat every file the walk lists and compare it with the
//! catalog: an unchanged file costs nothing more. Other files they hash (a
//! file whose bytes did not change is not parsed), read what the index
//! holds for them, parse, and send the writer only what differs.
//! The writer applies it, commits every so often, and at the end deletes the
//! documents of files that are gone (`vanished`).

mod feed;
mod stat;
mod vanished;
mod worker;
mod writer;

use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use serde::Serialize;

use super::rules::LazyRules;
use super::walk::{self, Archive};
use super::{Limits, Skip};
use crate::catalog::Catalog;
use crate::entities::LazyExtractor;
use crate::error::{Error, Result};
use crate::index::{NewsIndex, Snapshot};
use feed::{Batch, WalkReport};
use writer::{ToWriter, WriterState};

/// What to index and with which resources.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// Archive folders as given; checked (and given id prefixes) by the run.
    pub archives: Vec<std::path::PathBuf>,
    /// Cores to use: as many tantivy indexing threads, and as many parser
    /// workers with entities, half as many without (see `workers`).
    pub threads: usize,
    /// The tantivy writer's memory budget, shared by its threads.
    pub writer_memory: usize,
    pub limits: Limits,
    /// Finds each article's entities; `None` indexes none.
    pub extractor: Option<Arc<LazyExtractor>>,
    /// Rebuild from nothing: every file is read, and the new index replaces
    /// the old in the run's one commit.
    pub full: bool,
    /// Commit after this many changed documents ...
    pub commit_every: u64,
    /// ... or this long after the last commit, whichever comes first.
    pub commit_interval: Duration,
    /// Set (to the exit code the caller wants) to stop the run: no more
    /// files are read, and what is done is committed.
    pub stop: Arc<AtomicUsize>,
    /// The text of the user's entity overrides, kept with each commit.
    pub overrides: Option<String>,
}

impl IngestRequest {
    /// Whether `stop` was set: every thread of the run asks it between steps.
    fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed) != 0
    }
}

/// The outcome of a run, as `index --json` prints it. Counts are articles.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    /// Files and records of the archive that are not in the index, with the
    /// reason; files skipped in earlier runs and unchanged since are listed
    /// again, so every run tells the whole truth.
    pub skipped: Vec<Skip>,
    /// Per file read this run, its records that are no article by their
    /// nature (`Item::NotArticles`): no failure, the run exits 0 for them.
    pub not_articles: Vec<Skip>,
    /// Documents in the index after the run.
    pub docs_total: u64,
    pub elapsed_ms: u64,
    /// Files read (and hashed) this run; the others only had their metadata checked.
    pub files_read: u64,
    /// Files whose metadata changed but whose bytes had not.
    pub files_touched: u64,
    /// A `--full` rebuild.
    pub full: bool,
    /// Stopped by a signal: what was done is committed, deletions were not
    /// looked for.
    pub interrupted: bool,
    /// Commits made (periodic and final).
    pub commits: u32,
    /// A file could not be read through: its old documents were kept.
    #[serde(skip)]
    pub failed_reads: bool,
}

/// Told of the run's progress, from several threads.
pub trait Progress: Sync {
    /// The walk found a file.
    fn found(&self) {}
    /// The walk is over: no more files will be found.
    fn walk_done(&self) {}
    /// A file was checked (and read, if it changed).
    fn file_done(&self) {}
    fn skipped(&self, _skip: &Skip) {}
}

/// Channel depths, so that memory does not depend on the archive: jobs (in
/// files, a path each, sent `feed::BATCH` at a time; the walk lists
/// folders, the workers stat the files, and the walk stays this far ahead
/// of them) and the workers' output.
const JOB_QUEUE: usize = 4096;
const DOC_QUEUE: usize = 512;

/// What the run starts from: the index as it was, the catalog it builds on
/// and the archives it walks.
struct Baseline<'a> {
    /// The index as the run found it, asked what it holds for each file.
    snapshot: Snapshot<'a>,
    /// The archives of this run, with their id prefixes.
    archives: Vec<Arc<Archive>>,
    /// The catalog the workers trust, its settings and archives already
    /// those of this run: the last commit's, or empty for `--full`, when
    /// the settings changed (every article may come out differently) or
    /// when it is lost.
    catalog: Catalog,
    /// `settings_fingerprint` of this run.
    settings: u64,
    /// The last commit's catalog is the one the workers trust: a run under
    /// these very settings (the same mapping) wrote it.
    trusted: bool,
    /// The catalog this run would write, if nothing changed, is the one
    /// the last commit holds: a no-op run then commits nothing.
    catalog_unchanged: bool,
}

impl<'a> Baseline<'a> {
    fn new(index: &'a NewsIndex, req: &IngestRequest) -> Result<Baseline<'a>> {
        let settings = settings_fingerprint(index, req);
        let stored = index.catalog()?;
        let snapshot = Snapshot::new(index)?;
        // The archives the index knows keep their id prefixes, whether the
        // catalog is trusted or not (but --full).
        let known_archives = match (&stored, req.full) {
            (Some(c), false) => c.archives.clone(),
            // A lost catalog: the commit's own list of the archives.
            (None, false) => index.committed_archives()?,
            (_, true) => Vec::new(),
        };
        let archives = walk::plan(&req.archives, &known_archives)?;
        let (mut catalog, trusted) = match stored {
            Some(c) if !req.full && c.settings == settings => (c, true),
            _ => (Catalog::default(), false),
        };
        let archives_after = walk::merged(&known_archives, &archives);
        let catalog_unchanged = catalog.complete && catalog.archives == archives_after;
        catalog.settings = settings;
        catalog.archives = archives_after;
        Ok(Baseline {
            snapshot,
            archives,
            catalog,
            settings,
            trusted,
            catalog_unchanged,
        })
    }
}

/// What the walker and the parser workers read while the run lasts; every
/// thread holds its own copy of these references.
#[derive(Clone, Copy)]
struct RunContext<'a> {
    index: &'a NewsIndex,
    req: &'a IngestRequest,
    /// `Baseline::catalog`.
    catalog: &'a Catalog,
    snapshot: &'a Snapshot<'a>,
    /// Compiled when a file first needs parsing.
    rules: &'a LazyRules<'a>,
    /// `settings_fingerprint` of this run, part of each article's content hash.
    settings: u64,
    /// The index had documents when the run began: only then do the
    /// workers look up what it holds for a file.
    index_had_docs: bool,
    progress: &'a dyn Progress,
}

/// Runs one index run over `req.archives`. The caller holds the run lock.
pub fn run(index: &NewsIndex, req: &IngestRequest, progress: &dyn Progress) -> Result<IngestSummary> {
    let started = Instant::now();
    let baseline = Baseline::new(index, req)?;
    let rules = LazyRules::new(index.mapping());
    // A trusted catalog was written by a run under this mapping, which
    // compiled its patterns; any other run checks them before it writes
    // anything, so that a bad pattern is reported whether or not a file
    // needs parsing.
    if !baseline.trusted {
        rules.get()?;
    }
    // The walk leaves out the index's own folder, should it be inside an
    // archive.
    let index_dir = std::fs::metadata(index.dir()).ok().map(|m| (m.dev(), m.ino()));
    let threads = req.threads.max(1);
    let mut state = WriterState::new(index, req, &baseline.catalog, threads, progress)?;
    let ctx = RunContext {
        index,
        req,
        catalog: &baseline.catalog,
        snapshot: &baseline.snapshot,
        rules: &rules,
        settings: baseline.settings,
        index_had_docs: baseline.snapshot.num_docs() > 0,
        progress,
    };
    let report = index_files(ctx, &baseline.archives, index_dir, threads, &mut state)?;
    finish(state, &report, &baseline, req, started)
}

/// Runs the walker and the parser workers, and applies what they send on
/// this thread until they are done, a signal comes or something fails.
/// Returns what the walk saw.
fn index_files(
    ctx: RunContext<'_>,
    archives: &[Arc<Archive>],
    index_dir: Option<(u64, u64)>,
    threads: usize,
    state: &mut WriterState<'_>,
) -> Result<WalkReport> {
    let (job_tx, job_rx) = bounded::<Batch>(JOB_QUEUE / feed::BATCH);
    let (to_writer, inbox) = bounded::<ToWriter>(DOC_QUEUE);
    let mut failure: Option<Error> = None;

    let walked = thread::scope(|scope| {
        let walk_to_writer = to_writer.clone();
        let walker = scope.spawn(move || feed::walk_all(ctx, archives, index_dir, job_tx, walk_to_writer));
        let count = worker::workers(threads, ctx.req.extractor.is_some());
        if let Err(e) = worker::spawn(scope, ctx, count, &job_rx, &to_writer) {
            failure = Some(e);
        }
        drop(to_writer);
        drop(job_rx);
        if let Err(e) = state.receive(&inbox, ctx.req) {
            failure = Some(e);
        }
        // Dropping the receiver stops the workers and the walker early when
        // the writer failed or a signal came.
        drop(inbox);
        walker.join()
    });
    if let Some(e) = failure {
        return Err(e);
    }
    // A walk that ended on a bug is no interrupted run (exit 130, as if a
    // signal came): it is an error, and nothing after the last commit is
    // applied.
    walked.map_err(|_| {
        Error::Invalid(
            "internal error while walking the archive (please report it); \
             the index is as its last commit left it"
                .into(),
        )
    })
}

/// Ends the run once the files are done: deletes the documents of files
/// that are gone (unless the run was cut short), makes the last commit
/// (unless there is nothing to commit) and records the run.
fn finish(
    mut state: WriterState<'_>,
    report: &WalkReport,
    baseline: &Baseline<'_>,
    req: &IngestRequest,
    started: Instant,
) -> Result<IngestSummary> {
    state.summary.interrupted = req.stop_requested() || !report.complete;

    if state.summary.interrupted && req.full {
        // A half-built index must never replace a whole one.
        drop(state.writer);
        let mut summary = state.summary;
        summary.docs_total = baseline.snapshot.num_docs();
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(summary);
    }
    if !state.summary.interrupted {
        state.committer.pending +=
            state.delete_vanished(&baseline.snapshot, &baseline.archives, report, &baseline.catalog)?;
    }

    let complete = !state.summary.interrupted && !state.summary.failed_reads;
    let nothing_to_commit = state.committer.commits == 0
        && state.committer.pending == 0
        && state.changes.is_empty()
        && baseline.catalog_unchanged
        && complete;
    state.summary.elapsed_ms = started.elapsed().as_millis() as u64;
    if !nothing_to_commit {
        state.commit_last(complete)?;
    }
    let index = state.index;
    let mut summary = state.summary;
    summary.commits = state.committer.commits;
    summary.docs_total = index.reader()?.searcher().num_docs();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    index.save_last_run(&run_record(&summary))?;
    Ok(summary)
}

/// What `last-run.json` records of a run.
fn run_record(summary: &IngestSummary) -> serde_json::Value {
    serde_json::json!({
        "finished_at": crate::rfc3339::format(&chrono::Utc::now()),
        "complete": !summary.interrupted,
        "full": summary.full,
        "added": summary.added,
        "updated": summary.updated,
        "deleted": summary.deleted,
        "unchanged": summary.unchanged,
        "skipped": summary.skipped.len(),
        "docs_total": summary.docs_total,
        "elapsed_ms": summary.elapsed_ms,
    })
}

/// Everything besides the files that decides what the index holds for them.
fn settings_fingerprint(index: &NewsIndex, req: &IngestRequest) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&index.mapping().fingerprint.to_le_bytes());
    h.update(
        &req.extractor
            .as_ref()
            .map_or(0, |e| e.fingerprint())
            .to_le_bytes(),
    );
    h.update(&req.limits.max_article_bytes.to_le_bytes());
    h.digest()
}
