//! The writer: the messages the walker and the workers send it, the tantivy writer they change, the catalog changes and the commits.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use tantivy::{IndexWriter, TantivyDocument};

use super::super::Skip;
use super::{IngestRequest, IngestSummary, Progress};
use crate::catalog::{Catalog, Changes, Entry};
use crate::crashtest;
use crate::error::{Error, Result};
use crate::index::NewsIndex;

/// How an article compares with what the index held under its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ArticleChange {
    New,
    Changed,
    Same,
}

/// What the walker and the workers send the writer.
pub(super) enum ToWriter {
    /// An article to add (`doc` is `None` for one that is already there as it is).
    Article {
        id: String,
        doc: Option<TantivyDocument>,
        change: ArticleChange,
    },
    /// The id of a record that a changed file no longer has.
    DeleteArticle(String),
    /// A file's documents are about to change: until its `FileDone`, a
    /// commit must not keep its old catalog entry.
    FileStarted(String),
    Skipped(Skip),
    NotArticles(Skip),
    /// Files whose metadata match the catalog, with their documents.
    UnchangedFiles {
        files: u64,
        docs: u64,
    },
    /// A file is done; `entry` is `None` when it could not be read (its old
    /// documents and catalog entry stay).
    FileDone {
        source: String,
        entry: Option<Entry>,
        touched: bool,
    },
    Failed(Error),
}

/// Documents between two `release_free_memory` calls.
const TRIM_EVERY: u64 = 4096;

/// Gives the memory allocator's free pages back to the system. When tantivy
/// flushes a segment it frees its indexing arena and serializing buffers,
/// and glibc keeps them in its per-thread arenas, so the freed and the next
/// arenas were both resident, raising the run's peak memory
/// (docs/performance.md has the figures). The newsidx binary allocates with
/// mimalloc, which returns freed pages itself; there the call finds glibc's
/// heap empty and costs little.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap pages to the kernel; it
    // has no preconditions and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Everything the writer thread changes during a run: the index writer,
/// the catalog changes, when to commit, and the summary.
pub(super) struct WriterState<'a> {
    pub(super) index: &'a NewsIndex,
    pub(super) writer: LazyWriter<'a>,
    /// The catalog entries this run changes, applied to the baseline
    /// catalog by each commit.
    pub(super) changes: Changes,
    pub(super) committer: Committer<'a>,
    pub(super) summary: IngestSummary,
    /// A `--full` rebuild: the index was emptied, so nothing is deleted
    /// before an article is added.
    pub(super) full: bool,
    /// Files of the baseline catalog the workers were handed, unchanged or
    /// not (each once): when that is all of them, none is gone.
    pub(super) catalog_files_walked: u64,
    progress: &'a dyn Progress,
}

impl<'a> WriterState<'a> {
    /// The writer's state at the start of a run; for `--full`, the index
    /// writer is opened and told to delete every document.
    pub(super) fn new(
        index: &'a NewsIndex,
        req: &'a IngestRequest,
        catalog: &'a Catalog,
        threads: usize,
        progress: &'a dyn Progress,
    ) -> Result<WriterState<'a>> {
        let mut writer = LazyWriter {
            index,
            threads,
            memory_budget: req.writer_memory,
            writer: None,
        };
        if req.full {
            writer
                .get()?
                .delete_all_documents()
                .map_err(|e| Error::tantivy(index.dir(), "cannot start the rebuild", e))?;
        }
        let summary = IngestSummary {
            full: req.full,
            ..IngestSummary::default()
        };
        let committer = Committer {
            index,
            catalog,
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
            last_commit: Instant::now(),
            commits: 0,
            overrides: req.overrides.as_deref(),
            in_flight: HashSet::new(),
        };
        Ok(WriterState {
            index,
            writer,
            changes: Changes::new(),
            committer,
            summary,
            full: req.full,
            catalog_files_walked: 0,
            progress,
        })
    }

    /// Applies what the walker and the workers send, committing as it goes,
    /// until they are all done, a signal comes or something fails.
    pub(super) fn receive(&mut self, inbox: &Receiver<ToWriter>, req: &IngestRequest) -> Result<()> {
        loop {
            let msg = match inbox.recv_timeout(self.committer.wait()) {
                Ok(msg) => msg,
                Err(RecvTimeoutError::Timeout) => {
                    self.committer.commit_if_due(&mut self.writer, &self.changes)?;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            self.apply(msg)?;
            if req.stop_requested() {
                break;
            }
            self.committer.commit_if_due(&mut self.writer, &self.changes)?;
        }
        Ok(())
    }

    /// Applies one message from the walker or the workers.
    fn apply(&mut self, msg: ToWriter) -> Result<()> {
        let index = self.index;
        let summary = &mut self.summary;
        let committer = &mut self.committer;
        match msg {
            ToWriter::Article { id, doc, change } => {
                match change {
                    ArticleChange::New => summary.added += 1,
                    ArticleChange::Changed => summary.updated += 1,
                    ArticleChange::Same => summary.unchanged += 1,
                }
                if let Some(doc) = doc {
                    let writer = self.writer.get()?;
                    if change != ArticleChange::New && !self.full {
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
            ToWriter::DeleteArticle(id) => {
                self.writer.get()?.delete_term(index.id_term(&id));
                summary.deleted += 1;
                committer.pending += 1;
            }
            ToWriter::Skipped(skip) => {
                self.progress.skipped(&skip);
                summary.skipped.push(skip);
            }
            ToWriter::NotArticles(note) => summary.not_articles.push(note),
            ToWriter::UnchangedFiles { files, docs } => {
                self.catalog_files_walked += files;
                summary.unchanged += docs;
                for _ in 0..files {
                    self.progress.file_done();
                }
            }
            ToWriter::FileStarted(source) => {
                committer.in_flight.insert(source);
            }
            ToWriter::FileDone {
                source,
                entry,
                touched,
            } => {
                summary.files_read += 1;
                self.catalog_files_walked += u64::from(committer.catalog.files.contains_key(&source));
                summary.failed_reads |= entry.is_none();
                summary.files_touched += u64::from(touched);
                let was_started = committer.in_flight.remove(&source);
                match entry {
                    Some(entry) => {
                        if touched {
                            summary.unchanged += entry.docs;
                        }
                        self.changes.insert(source, Some(entry));
                    }
                    // Read in part: some of its documents may have changed, so
                    // its old entry must not vouch for them; the next run reads
                    // it again.
                    None if was_started => {
                        self.changes.insert(source, None);
                    }
                    None => {}
                }
                self.progress.file_done();
            }
            ToWriter::Failed(e) => return Err(e),
        }
        Ok(())
    }

    /// The run's last commit, `complete` when the catalog it writes has
    /// every file; then waits for tantivy's merges to end.
    pub(super) fn commit_last(&mut self, complete: bool) -> Result<()> {
        self.committer.commit(&mut self.writer, &self.changes, complete)?;
        if let Some(writer) = self.writer.writer.take() {
            writer
                .wait_merging_threads()
                .map_err(|e| Error::tantivy(self.index.dir(), "cannot finish merging segments", e))?;
        }
        Ok(())
    }
}

/// The index writer, opened when a run first changes something: a run that
/// finds nothing to do starts none of tantivy's indexing and merge threads,
/// whose memory pages, cleared as they are touched, would cost a no-op
/// re-run a noticeable share of its time (docs/performance.md).
pub(super) struct LazyWriter<'a> {
    index: &'a NewsIndex,
    threads: usize,
    /// The writer's memory, shared by its indexing threads.
    memory_budget: usize,
    writer: Option<IndexWriter>,
}

impl LazyWriter<'_> {
    pub(super) fn get(&mut self) -> Result<&mut IndexWriter> {
        let writer = match self.writer.take() {
            Some(writer) => writer,
            None => self.index.writer(self.threads, self.memory_budget)?,
        };
        Ok(self.writer.insert(writer))
    }
}

/// When to commit, and how.
pub(super) struct Committer<'a> {
    index: &'a NewsIndex,
    /// The baseline catalog each commit writes with the run's changes.
    catalog: &'a Catalog,
    /// Commit after this many changed documents ...
    every: u64,
    /// ... or this long after the last commit.
    interval: Duration,
    /// Changed documents since the last commit.
    pub(super) pending: u64,
    /// Documents handed to the writer this run (the cadence of
    /// `release_free_memory`).
    written: u64,
    last_commit: Instant,
    pub(super) commits: u32,
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
            .saturating_sub(self.last_commit.elapsed())
            .max(Duration::from_millis(50))
    }

    /// Commits if enough has changed or enough time has passed. Only whole
    /// files are in the catalog it writes; documents of a file still being
    /// read are committed without it, so the next run reads that file again.
    fn commit_if_due(&mut self, writer: &mut LazyWriter, changes: &Changes) -> Result<()> {
        if self.pending > 0 && (self.pending >= self.every || self.last_commit.elapsed() >= self.interval) {
            self.commit(writer, changes, false)?;
        }
        Ok(())
    }

    fn commit(&mut self, writer: &mut LazyWriter, changes: &Changes, complete: bool) -> Result<()> {
        self.index.commit(
            writer.get()?,
            self.catalog,
            changes,
            &self.in_flight,
            self.overrides,
            complete,
        )?;
        self.pending = 0;
        self.last_commit = Instant::now();
        self.commits += 1;
        Ok(())
    }
}
