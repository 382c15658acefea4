//! One index run: a walker that lists the files, parser workers (one per core with entity extraction, one per two cores without, beside tantivy's indexing threads) that sort unchanged files from the rest and parse the others, and the single writer that commits index and catalog together.
//!
//! The workers stat every file the walk lists and compare it with the
//! catalog: an unchanged file costs nothing more. Other files they hash (a
//! file whose bytes did not change is not parsed), read what the index
//! holds for them, parse, and send the writer only what differs.
//! The writer applies it, commits every so often, and at the end deletes the
//! documents of files that are gone.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, RecvTimeoutError};
use serde::Serialize;
use tantivy::{IndexWriter, TantivyDocument};

use super::walk::{self, Archive, FileTask, Walked};
use super::{read, read_file_hashing, Item, Limits, ReadEnd, Rules, Skip};
use crate::catalog::{Catalog, Changes, Entry, Fingerprint};
use crate::crashtest;
use crate::entities::LazyExtractor;
use crate::error::{Error, Result};
use crate::index::{NewsIndex, Snapshot};

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

/// A file the walk found.
struct Job {
    task: FileTask,
    source: String,
}

/// How an article compares with what the index held under its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Was {
    New,
    Changed,
    Same,
}

enum Out {
    /// An article to add (`doc` is `None` for one that is already there as it is).
    Doc {
        id: String,
        doc: Option<TantivyDocument>,
        was: Was,
    },
    /// A record of a changed file that is gone.
    Delete(String),
    /// A file's documents are about to change: until its `FileDone`, a
    /// commit must not keep its old catalog entry.
    Reading(String),
    Skipped(Skip),
    NotArticles(Skip),
    /// A file whose metadata matches the catalog, with its documents.
    Kept(u64),
    /// A file is done; `entry` is `None` when it could not be read (its old
    /// documents and catalog entry stay).
    FileDone {
        source: String,
        entry: Option<Entry>,
        touched: bool,
    },
    Failed(Error),
}

/// What the walk saw, handed over when it ends.
#[derive(Default)]
struct WalkReport {
    /// Every regular file found, by the xxh3 of its source: 8 bytes a file
    /// instead of its path, so memory stays flat at millions of files. Two
    /// sources sharing a hash (about 1 in 10^7 at a million files) would
    /// keep a vanished file's articles, never lose a present one's.
    seen: Seen,
    /// Id prefixes under which nothing could be seen.
    unreadable: Vec<String>,
    /// The walk went through every archive.
    complete: bool,
}

#[derive(Default)]
struct Seen(HashSet<u64>);

impl Seen {
    fn insert(&mut self, source: &str) {
        self.0.insert(xxhash_rust::xxh3::xxh3_64(source.as_bytes()));
    }

    fn contains(&self, source: &str) -> bool {
        self.0.contains(&xxhash_rust::xxh3::xxh3_64(source.as_bytes()))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Channel depths, so that memory does not depend on the archive: jobs (a
/// path each; the walk lists folders, the workers stat the files, and the
/// walk stays this far ahead of them) and the workers' output.
const JOB_QUEUE: usize = 4096;
/// Stack of each reader thread.
const WORKER_STACK: usize = 64 << 20;
const DOC_QUEUE: usize = 512;

/// Parser workers for a run on `threads` cores, beside as many indexing
/// threads. Without entities, parsing takes about half the CPU of
/// tantivy's indexing, so one worker per two cores (rounded up) keeps them
/// all busy; a worker per core put four busy threads on two cores, and each
/// core switching between a worker and an indexing thread kept neither's
/// tables in its cache. With entity extraction a worker takes as much CPU
/// as an indexing thread or more: with half as many, the workers were the
/// bottleneck while the indexing threads waited for documents (and spun
/// and slept on the channel), so there are as many workers as cores.
fn workers(threads: usize, entities: bool) -> usize {
    if entities {
        threads.max(1)
    } else {
        threads.div_ceil(2).max(1)
    }
}

/// Runs one index run over `req.archives`. The caller holds the run lock.
pub fn run(index: &NewsIndex, req: &IngestRequest, progress: &dyn Progress) -> Result<IngestSummary> {
    let started = Instant::now();
    let rules = Rules::compile(index.mapping())?;
    let settings = settings_fingerprint(index, req);
    let stored = index.catalog()?;
    let snapshot = Snapshot::new(index)?;
    // The catalog the workers trust: empty for --full, when the settings
    // changed (every article may come out differently) or when it is lost.
    // The archives it names keep their id prefixes either way (but --full).
    let known = match (&stored, req.full) {
        (Some(c), false) => c.archives.clone(),
        // A lost catalog: the commit's own list of the archives.
        (None, false) => index.committed_archives()?,
        (_, true) => Vec::new(),
    };
    let archives = walk::plan(&req.archives, &known)?;
    let mut base = match stored {
        Some(c) if !req.full && c.settings == settings => c,
        _ => Catalog::default(),
    };
    let archives_after = walk::merged(&known, &archives);
    // A no-op run commits nothing: the catalog would be written unchanged.
    let unchanged_catalog = base.complete && base.archives == archives_after;
    base.settings = settings;
    base.archives = archives_after;

    let exclude = std::fs::metadata(index.dir()).ok().map(|m| (m.dev(), m.ino()));
    let threads = req.threads.max(1);
    let mut writer = LazyWriter {
        index,
        threads,
        heap: req.writer_memory,
        writer: None,
    };
    if req.full {
        writer
            .get()?
            .delete_all_documents()
            .map_err(|e| Error::tantivy(index.dir(), "cannot start the rebuild", e))?;
    }
    let stopped = || req.stop.load(Ordering::Relaxed) != 0;
    let lookup = snapshot.num_docs() > 0;

    let (job_tx, job_rx) = bounded::<Job>(JOB_QUEUE);
    let (out_tx, out_rx) = bounded::<Out>(DOC_QUEUE);
    let mut summary = IngestSummary {
        full: req.full,
        ..IngestSummary::default()
    };
    let mut changes = Changes::new();
    let mut committer = Committer {
        index,
        base: &base,
        every: if req.full {
            u64::MAX
        } else {
            req.commit_every.max(1)
        },
        interval: if req.full {
            Duration::MAX
        } else {
            req.commit_interval
        },
        pending: 0,
        written: 0,
        last: Instant::now(),
        commits: 0,
        overrides: req.overrides.as_deref(),
        in_flight: HashSet::new(),
    };
    let mut failure: Option<Error> = None;

    let report = thread::scope(|scope| {
        let walk_out = out_tx.clone();
        let archives = &archives;
        let base = &base;
        let snapshot = &snapshot;
        let walker = scope.spawn(move || {
            let mut report = WalkReport::default();
            for archive in archives {
                let found = report.seen.len();
                let finished = walk_archive(
                    archive,
                    exclude,
                    &job_tx,
                    &walk_out,
                    progress,
                    &stopped,
                    &mut report,
                );
                if !finished {
                    return report;
                }
                if report.seen.len() == found && !req.full {
                    if let Some(skip) = empty_archive(archive, base, snapshot) {
                        report.unreadable.push(archive.prefix.clone());
                        if walk_out.send(Out::Skipped(skip)).is_err() {
                            return report;
                        }
                    }
                }
            }
            report.complete = true;
            progress.walk_done();
            report
        });
        for _ in 0..workers(threads, req.extractor.is_some()) {
            let jobs = job_rx.clone();
            let out = out_tx.clone();
            let rules = &rules;
            let work = move || {
                let worker = Worker {
                    index,
                    base,
                    snapshot,
                    rules,
                    req,
                    settings,
                    lookup,
                    out: &out,
                };
                for job in jobs {
                    if stopped() || !worker.file(job) {
                        return;
                    }
                }
            };
            // A parser's stack grows with the nesting of what it reads
            // (HTML is bounded by `[html] max_depth`, checked before
            // extraction); the margin costs address space, not memory.
            if let Err(e) = thread::Builder::new()
                .name("newsidx-reader".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, work)
            {
                failure = Some(Error::io("cannot start a reader thread", e));
                break;
            }
        }
        drop(out_tx);
        drop(job_rx);

        loop {
            let msg = match out_rx.recv_timeout(committer.wait()) {
                Ok(msg) => msg,
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = committer.maybe(&mut writer, &changes) {
                        failure = Some(e);
                        break;
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if let Err(e) = apply(
                index,
                &mut writer,
                msg,
                &mut summary,
                &mut changes,
                &mut committer,
                req.full,
                progress,
            ) {
                failure = Some(e);
                break;
            }
            if stopped() {
                break;
            }
            if let Err(e) = committer.maybe(&mut writer, &changes) {
                failure = Some(e);
                break;
            }
        }
        // Dropping the receiver stops the workers and the walker early when
        // the writer failed or a signal came.
        drop(out_rx);
        walker.join()
    });
    if let Some(e) = failure {
        return Err(e);
    }
    // A walk that ended on a bug is no interrupted run (exit 130, as if a
    // signal came): it is an error, and nothing after the last commit is
    // applied.
    let Ok(report) = report else {
        return Err(Error::Invalid(
            "internal error while walking the archive (please report it); \
             the index is as its last commit left it"
                .into(),
        ));
    };
    summary.interrupted = stopped() || !report.complete;

    if summary.interrupted && req.full {
        // A half-built index must never replace a whole one.
        drop(writer);
        summary.docs_total = snapshot.num_docs();
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(summary);
    }
    if !summary.interrupted {
        let scan_index = !base.complete;
        committer.pending += delete_vanished(
            index,
            &snapshot,
            &mut writer,
            &archives,
            &report,
            &base,
            scan_index,
            &mut changes,
            &mut summary,
            req.full,
        )?;
    }

    let complete = !summary.interrupted && !summary.failed_reads;
    let nothing_to_commit = committer.commits == 0
        && committer.pending == 0
        && changes.is_empty()
        && unchanged_catalog
        && complete;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    if !nothing_to_commit {
        committer.commit(&mut writer, &changes, complete)?;
        if let Some(writer) = writer.writer.take() {
            writer
                .wait_merging_threads()
                .map_err(|e| Error::tantivy(index.dir(), "cannot finish merging segments", e))?;
        }
    }
    summary.commits = committer.commits;
    summary.docs_total = index.reader()?.searcher().num_docs();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    index.save_last_run(&run_record(&summary))?;
    Ok(summary)
}

/// An archive folder with no files at all, when the index holds articles
/// from it, is far more likely unmounted than emptied: its articles are kept
/// and the run says so.
fn empty_archive(archive: &Archive, base: &Catalog, snapshot: &Snapshot) -> Option<Skip> {
    let ours = |source: &str| source.starts_with(&archive.prefix);
    let mut held: u64 = base
        .files
        .iter()
        .filter(|(s, _)| ours(s))
        .map(|(_, e)| e.docs)
        .sum();
    if held == 0 {
        let mut sources = Vec::new();
        let _ = snapshot.sources(|s| {
            if ours(s) {
                sources.push(s.to_string());
            }
        });
        held = sources.iter().map(|s| snapshot.count_of(s).unwrap_or(0)).sum();
    }
    (held > 0).then(|| Skip {
        path: archive.given.display().to_string(),
        reason: format!(
            "archive folder has no files, but the index holds {held} articles from it: \
             kept (is it mounted?); `index --full` empties the index"
        ),
    })
}

/// What `last-run.json` records of a run.
fn run_record(summary: &IngestSummary) -> serde_json::Value {
    serde_json::json!({
        "finished_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
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

/// Walks one archive, queueing every file. Returns false when the run is
/// stopping.
fn walk_archive(
    archive: &Arc<Archive>,
    exclude: Option<(u64, u64)>,
    jobs: &crossbeam_channel::Sender<Job>,
    out: &crossbeam_channel::Sender<Out>,
    progress: &dyn Progress,
    stopped: &dyn Fn() -> bool,
    report: &mut WalkReport,
) -> bool {
    let mut running = true;
    walk::walk(archive, exclude, |walked| {
        if stopped() {
            running = false;
            return false;
        }
        running = match walked {
            Walked::File(task) => {
                let source = task.id();
                report.seen.insert(&source);
                progress.found();
                crashtest::point("walk");
                jobs.send(Job { task, source }).is_ok()
            }
            Walked::Skipped(skip) => out.send(Out::Skipped(skip)).is_ok(),
            Walked::Unreadable { skip, source } => {
                report.unreadable.push(source);
                out.send(Out::Skipped(skip)).is_ok()
            }
        };
        running
    });
    running
}

fn skip_of(task: &FileTask, suffix: &str, reason: &str) -> Skip {
    Skip {
        path: format!("{}{suffix}", task.display()),
        reason: reason.to_string(),
    }
}

/// A parser thread's view of the run.
struct Worker<'a> {
    index: &'a NewsIndex,
    /// The catalog as the run began (empty when it cannot be trusted).
    base: &'a Catalog,
    snapshot: &'a Snapshot<'a>,
    rules: &'a Rules,
    req: &'a IngestRequest,
    settings: u64,
    /// The index had documents when the run began.
    lookup: bool,
    out: &'a crossbeam_channel::Sender<Out>,
}

impl Worker<'_> {
    /// Handles one file. Returns false when the writer is gone.
    fn file(&self, job: Job) -> bool {
        let fingerprint = match std::fs::symlink_metadata(&job.task.path) {
            Ok(meta) => Fingerprint::of(&meta),
            Err(e) => {
                // Its documents stay; it is tried again next run.
                let skip = skip_of(
                    &job.task,
                    "",
                    &format!("cannot stat: {}", crate::error::io_reason(&e)),
                );
                return self.send(Out::Skipped(skip)) && self.done(job.source, None, false);
            }
        };
        let old = self.base.files.get(&job.source);
        if let Some(old) = old.filter(|old| old.fingerprint == fingerprint) {
            // The common case of a scheduled run: nothing to read.
            for (suffix, reason) in &old.skips {
                if !self.send(Out::Skipped(skip_of(&job.task, suffix, reason))) {
                    return false;
                }
            }
            return self.send(Out::Kept(old.docs));
        }
        // A file the catalog knows is hashed before it is parsed: if only
        // its times changed, it need not be. Every file is hashed as it is
        // read, and that hash is the one recorded.
        let known = old.filter(|_| !self.req.full);
        let hashed_first = match known.map(|_| read::hash_file(&job.task.path)) {
            None => None,
            Some(Ok(hash)) => Some(hash),
            Some(Err(refused)) => {
                let skip = skip_of(&job.task, "", &refused.reason);
                return self.send(Out::Skipped(skip)) && self.done(job.source, None, false);
            }
        };
        if let Some(old) = known.filter(|old| Some(old.hash) == hashed_first) {
            // Touched, not changed: its documents stand as they are.
            for (suffix, reason) in &old.skips {
                if !self.send(Out::Skipped(skip_of(&job.task, suffix, reason))) {
                    return false;
                }
            }
            let entry = Entry {
                fingerprint,
                ..old.clone()
            };
            return self.done(job.source, Some(entry), true);
        }
        if !self.send(Out::Reading(job.source.clone())) {
            return false;
        }
        let mut existing = if self.lookup {
            match self.snapshot.documents_of(&job.source) {
                Ok(docs) => docs,
                Err(e) => {
                    self.send(Out::Failed(e));
                    return false;
                }
            }
        } else {
            Default::default()
        };

        let mut docs = 0u64;
        let mut skips = Vec::new();
        let mut open = true;
        let parsed = catch_unwind(AssertUnwindSafe(|| {
            read_file_hashing(&job.task, self.rules, &self.req.limits, &mut |item| {
                if self.req.stop.load(Ordering::Relaxed) != 0 {
                    return false;
                }
                let msg = match item {
                    Item::Article(article) => {
                        docs += 1;
                        let hash = article.content_hash(self.settings);
                        let was = match existing.remove(&article.id) {
                            None => Was::New,
                            Some(old) if old == hash => Was::Same,
                            Some(_) => Was::Changed,
                        };
                        let mut doc = None;
                        if was != Was::Same || self.req.full {
                            let found = match self.req.extractor.as_deref().map(LazyExtractor::get) {
                                None => Default::default(),
                                Some(Ok(extractor)) => article.entities(extractor),
                                Some(Err(e)) => {
                                    open = false;
                                    self.send(Out::Failed(e));
                                    return false;
                                }
                            };
                            doc = Some(self.index.to_document(&article, &found, &job.source, hash));
                        }
                        Out::Doc {
                            id: article.id,
                            doc,
                            was,
                        }
                    }
                    Item::Skipped(skip) => {
                        let suffix = skip
                            .path
                            .strip_prefix(&job.task.display())
                            .unwrap_or("")
                            .to_string();
                        skips.push((suffix, skip.reason.clone()));
                        Out::Skipped(skip)
                    }
                    Item::NotArticles(note) => Out::NotArticles(note),
                };
                open = self.send(msg);
                open
            })
        }));
        let (end, hashed_reading) = match parsed {
            Ok(read) => read,
            Err(_) => {
                // A parser bug must cost one file, not the run.
                let reason = "internal error while parsing (please report this file)";
                open = self.send(Out::Skipped(skip_of(&job.task, "", reason)));
                (ReadEnd::Failed, None)
            }
        };
        crashtest::point("parsed");
        if !open {
            return false;
        }
        match end {
            ReadEnd::Stopped => false,
            ReadEnd::Failed => self.done(job.source, None, false),
            ReadEnd::Complete => {
                // Records the file no longer has.
                for id in existing.into_keys() {
                    if !self.send(Out::Delete(id)) {
                        return false;
                    }
                }
                // The hash of the bytes parsed, never of the file as it is
                // after the parse (it may have grown or been rewritten).
                // A file refused unread (empty, an archive, too large) has
                // none: the one taken before reading, if any, else one no
                // file has, so that any change to it is read.
                let hash = hashed_reading.or(hashed_first).unwrap_or(NOT_HASHED);
                let entry = Entry {
                    fingerprint,
                    hash,
                    docs,
                    skips,
                };
                self.done(job.source, Some(entry), false)
            }
        }
    }

    fn send(&self, msg: Out) -> bool {
        self.out.send(msg).is_ok()
    }

    fn done(&self, source: String, entry: Option<Entry>, touched: bool) -> bool {
        self.send(Out::FileDone {
            source,
            entry,
            touched,
        })
    }
}

/// The catalog's hash of a file refused before any of it was read: no
/// file is taken for unchanged by it, as the touched-file shortcut needs
/// equal hashes (xxh3 gives 0 for one input in 2^64).
const NOT_HASHED: u64 = 0;

/// Documents between two `release_free_memory` calls.
const TRIM_EVERY: u64 = 4096;

/// Gives the memory allocator's free pages back to the system. When tantivy
/// flushes a segment it frees its indexing arena and serializing buffers,
/// and glibc keeps them in its per-thread arenas, so the freed and the next
/// arenas were both resident: a million generated articles peaked at 657 MB
/// without this and at 497 MB with it (244 calls in that run). The newsidx
/// binary allocates with mimalloc, which returns freed pages itself (524 MB
/// at a million); there the call finds glibc's heap empty and costs little.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel; it
    // has no preconditions and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Applies one message from the workers.
#[allow(clippy::too_many_arguments)]
fn apply(
    index: &NewsIndex,
    writer: &mut LazyWriter,
    msg: Out,
    summary: &mut IngestSummary,
    changes: &mut Changes,
    committer: &mut Committer,
    full: bool,
    progress: &dyn Progress,
) -> Result<()> {
    match msg {
        Out::Doc { id, doc, was } => {
            match was {
                Was::New => summary.added += 1,
                Was::Changed => summary.updated += 1,
                Was::Same => summary.unchanged += 1,
            }
            if let Some(doc) = doc {
                let writer = writer.get()?;
                if was != Was::New && !full {
                    writer.delete_term(index.id_term(&id));
                }
                writer
                    .add_document(doc)
                    .map_err(|e| Error::tantivy(index.dir(), "cannot add a document", e))?;
                committer.pending += 1;
                committer.written += 1;
                if committer.written.is_multiple_of(TRIM_EVERY) {
                    release_free_memory();
                }
                crashtest::point("doc");
            }
        }
        Out::Delete(id) => {
            writer.get()?.delete_term(index.id_term(&id));
            summary.deleted += 1;
            committer.pending += 1;
        }
        Out::Skipped(skip) => {
            progress.skipped(&skip);
            summary.skipped.push(skip);
        }
        Out::NotArticles(note) => summary.not_articles.push(note),
        Out::Kept(docs) => {
            summary.unchanged += docs;
            progress.file_done();
        }
        Out::Reading(source) => {
            committer.in_flight.insert(source);
        }
        Out::FileDone {
            source,
            entry,
            touched,
        } => {
            summary.files_read += 1;
            summary.failed_reads |= entry.is_none();
            summary.files_touched += u64::from(touched);
            let was_read = committer.in_flight.remove(&source);
            match entry {
                Some(entry) => {
                    if touched {
                        summary.unchanged += entry.docs;
                    }
                    changes.insert(source, Some(entry));
                }
                // Read in part: some of its documents may have changed, so
                // its old entry must not vouch for them; the next run reads
                // it again.
                None if was_read => {
                    changes.insert(source, None);
                }
                None => {}
            }
            progress.file_done();
        }
        Out::Failed(e) => return Err(e),
    }
    Ok(())
}

/// Deletes the documents of files that are gone: named by the catalog or
/// present in the index, in one of this run's archives, and not seen by a
/// walk that went everywhere under them.
#[allow(clippy::too_many_arguments)]
fn delete_vanished(
    index: &NewsIndex,
    snapshot: &Snapshot,
    writer: &mut LazyWriter,
    archives: &[Arc<Archive>],
    report: &WalkReport,
    base: &Catalog,
    scan_index: bool,
    changes: &mut Changes,
    summary: &mut IngestSummary,
    full: bool,
) -> Result<u64> {
    let ours = |source: &str| full || archives.iter().any(|a| source.starts_with(&a.prefix));
    let hidden = |source: &str| {
        report.unreadable.iter().any(|dir| {
            let dir = dir.trim_end_matches('/');
            dir.is_empty()
                || source == dir
                || source.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let mut gone: HashSet<String> = base
        .files
        .keys()
        .filter(|s| !report.seen.contains(s) && ours(s) && !hidden(s))
        .cloned()
        .collect();
    // Documents of files the catalog never completed (a run killed while
    // reading them) are found in the index itself.
    if scan_index {
        snapshot.sources(|s| {
            if !report.seen.contains(s) && ours(s) && !hidden(s) && !gone.contains(s) {
                gone.insert(s.to_string());
            }
        })?;
    }
    let mut gone: Vec<String> = gone.into_iter().collect();
    gone.sort();
    let mut deletes = 0;
    for source in gone {
        let n = snapshot.count_of(&source)?;
        if n > 0 {
            writer.get()?.delete_term(index.source_term(&source));
            summary.deleted += n;
            deletes += 1;
            crashtest::point("delete");
        }
        if base.files.contains_key(&source) {
            changes.insert(source, None);
        } else {
            changes.remove(&source);
        }
    }
    Ok(deletes)
}

/// The index writer, opened when a run first changes something: a run that
/// finds nothing to do starts none of tantivy's threads (two indexing
/// threads, four merge threads and their memory: a sixth of a no-op
/// re-run of Reuters went to clearing the pages they touched).
struct LazyWriter<'a> {
    index: &'a NewsIndex,
    threads: usize,
    heap: usize,
    writer: Option<IndexWriter>,
}

impl LazyWriter<'_> {
    fn get(&mut self) -> Result<&mut IndexWriter> {
        let writer = match self.writer.take() {
            Some(writer) => writer,
            None => self.index.writer(self.threads, self.heap)?,
        };
        Ok(self.writer.insert(writer))
    }
}

/// When to commit, and how.
struct Committer<'a> {
    index: &'a NewsIndex,
    base: &'a Catalog,
    every: u64,
    interval: Duration,
    /// Changed documents since the last commit.
    pending: u64,
    /// Documents handed to the writer this run (the cadence of
    /// `release_free_memory`).
    written: u64,
    last: Instant,
    commits: u32,
    /// The overrides text each commit keeps.
    overrides: Option<&'a str>,
    /// Files being read, some of whose documents may be in the writer: a
    /// commit leaves them out of its catalog. Else a file half applied at
    /// a periodic commit kept its old entry, and if its bytes went back to
    /// the old ones before the next run, that run found them unchanged and
    /// the half-updated articles stayed.
    in_flight: HashSet<String>,
}

impl Committer<'_> {
    /// How long the writer may wait for a message before a commit is due.
    fn wait(&self) -> Duration {
        self.interval
            .saturating_sub(self.last.elapsed())
            .max(Duration::from_millis(50))
    }

    /// Commits if enough has changed or enough time has passed. Only whole
    /// files are in the catalog it writes; documents of a file still being
    /// read are committed without it, so the next run reads that file again.
    fn maybe(&mut self, writer: &mut LazyWriter, changes: &Changes) -> Result<()> {
        if self.pending > 0 && (self.pending >= self.every || self.last.elapsed() >= self.interval) {
            self.commit(writer, changes, false)?;
        }
        Ok(())
    }

    fn commit(&mut self, writer: &mut LazyWriter, changes: &Changes, complete: bool) -> Result<()> {
        self.index.commit(
            writer.get()?,
            self.base,
            changes,
            &self.in_flight,
            self.overrides,
            complete,
        )?;
        self.pending = 0;
        self.last = Instant::now();
        self.commits += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::workers;

    #[test]
    fn a_parser_worker_per_two_cores_and_never_none() {
        let counts: Vec<usize> = [0, 1, 2, 3, 4, 8, 9]
            .into_iter()
            .map(|t| workers(t, false))
            .collect();
        assert_eq!(counts, [1, 1, 1, 2, 2, 4, 5]);
    }

    #[test]
    fn a_parser_worker_per_core_with_entities() {
        let counts: Vec<usize> = [0, 1, 2, 3, 4, 8, 9]
            .into_iter()
            .map(|t| workers(t, true))
            .collect();
        assert_eq!(counts, [1, 1, 2, 3, 4, 8, 9]);
    }
}
