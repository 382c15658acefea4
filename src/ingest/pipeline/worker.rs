//! The parser workers: per file, a check against the catalog, and for a file that changed, its articles parsed, their entities found and their documents built.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;

use crossbeam_channel::{Receiver, Sender};

use super::super::walk::FileTask;
use super::super::{read, read_file_hashing, Item, ReadEnd, Skip};
use super::feed::Batch;
use super::stat::Stat;
use super::writer::{ArticleChange, ToWriter};
use super::RunContext;
use crate::catalog::{Entry, Fingerprint};
use crate::crashtest;
use crate::entities::LazyExtractor;
use crate::error::{Error, Result};

/// Stack of each reader thread.
const WORKER_STACK: usize = 64 << 20;

/// The catalog's hash of a file refused before any of it was read: no
/// file is taken for unchanged by it, as the touched-file shortcut needs
/// equal hashes (xxh3 gives 0 for one input in 2^64).
const NOT_HASHED: u64 = 0;

/// Parser workers for a run on `threads` cores, beside as many indexing
/// threads. Without entities, parsing takes about half the CPU of
/// tantivy's indexing, so one worker per two cores (rounded up) keeps the
/// cores busy; a worker per core would put two busy threads on each core,
/// and a core switching between a worker and an indexing thread keeps
/// neither's tables in its cache. With entity extraction a worker takes as
/// much CPU as an indexing thread or more: with half as many, the workers
/// are the bottleneck while the indexing threads wait for documents (and
/// spin and sleep on the channel), so there are as many workers as cores.
/// docs/performance.md has the measurements.
pub(super) fn workers(threads: usize, entities: bool) -> usize {
    if entities {
        threads.max(1)
    } else {
        threads.div_ceil(2).max(1)
    }
}

/// Starts `count` workers in `scope`, each taking files from `jobs` until
/// there are none, the run stops or the writer is gone. A thread that
/// cannot be started ends the starting (those started keep working).
pub(super) fn spawn<'scope, 'env: 'scope>(
    scope: &'scope thread::Scope<'scope, 'env>,
    ctx: RunContext<'env>,
    count: usize,
    jobs: &Receiver<Batch>,
    to_writer: &Sender<ToWriter>,
) -> Result<()> {
    for _ in 0..count {
        let jobs = jobs.clone();
        let to_writer = to_writer.clone();
        let work = move || {
            let worker = Worker {
                ctx,
                to_writer: &to_writer,
            };
            // Unchanged files are told to the writer once per batch.
            let mut unchanged = Unchanged::default();
            for batch in jobs {
                // A folder is held open for one batch at most: a folder
                // replaced under the same name meanwhile is seen by the
                // next.
                let mut stat = Stat::default();
                for job in batch {
                    if ctx.req.stop_requested() || !worker.process(job, &mut stat, &mut unchanged) {
                        worker.unchanged_done(&mut unchanged);
                        return;
                    }
                }
                if !worker.unchanged_done(&mut unchanged) {
                    return;
                }
            }
        };
        // A parser's stack grows with the nesting of what it reads
        // (HTML is bounded by `[html] max_depth`, checked before
        // extraction); the margin costs address space, not memory.
        thread::Builder::new()
            .name("newsidx-reader".into())
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, work)
            .map_err(|e| Error::io("cannot start a reader thread", e))?;
    }
    Ok(())
}

/// Unchanged files checked and not yet told to the writer, and their documents.
#[derive(Default)]
struct Unchanged {
    files: u64,
    docs: u64,
}

/// A parser thread's view of the run.
struct Worker<'a> {
    ctx: RunContext<'a>,
    to_writer: &'a Sender<ToWriter>,
}

impl Worker<'_> {
    /// Handles one file: reports it unchanged when its metadata (or, for a
    /// file only touched, its bytes) match the catalog, else parses it.
    /// Returns false when the writer is gone. An unchanged file is added
    /// to `unchanged`, not sent.
    fn process(&self, job: FileTask, stat: &mut Stat, unchanged: &mut Unchanged) -> bool {
        let fingerprint = match stat.fingerprint(&job.path) {
            Ok(fingerprint) => fingerprint,
            Err(e) => {
                // Its documents stay; it is tried again next run.
                let skip = skip_of(&job, "", &format!("cannot stat: {}", crate::error::io_reason(&e)));
                return self.send(ToWriter::Skipped(skip)) && self.file_done(job.into_id(), None, false);
            }
        };
        let old_entry = self.ctx.catalog.files.get(job.id());
        if let Some(old) = old_entry.filter(|old| old.fingerprint == fingerprint) {
            // The common case of a scheduled run: nothing to read.
            if !self.resend_skips(&job, old) {
                return false;
            }
            unchanged.files += 1;
            unchanged.docs += old.docs;
            return true;
        }
        // A file the catalog knows is hashed before it is parsed: if only
        // its times changed, it need not be. Every file is hashed as it is
        // read, and that hash is the one recorded.
        let known = old_entry.filter(|_| !self.ctx.req.full);
        let hash_before_read = match known.map(|_| read::hash_file(&job.path)) {
            None => None,
            Some(Ok(hash)) => Some(hash),
            Some(Err(refused)) => {
                let skip = skip_of(&job, "", &refused.reason);
                return self.send(ToWriter::Skipped(skip)) && self.file_done(job.into_id(), None, false);
            }
        };
        if let Some(old) = known.filter(|old| Some(old.hash) == hash_before_read) {
            // Touched, not changed: its documents stand as they are.
            if !self.resend_skips(&job, old) {
                return false;
            }
            let entry = Entry {
                fingerprint,
                ..old.clone()
            };
            return self.file_done(job.into_id(), Some(entry), true);
        }
        self.parse(job, fingerprint, hash_before_read)
    }

    /// Reports again what an unchanged file's catalog entry says was left
    /// out of it. Returns false when the writer is gone.
    fn resend_skips(&self, task: &FileTask, old: &Entry) -> bool {
        for (suffix, reason) in &old.skips {
            if !self.send(ToWriter::Skipped(skip_of(task, suffix, reason))) {
                return false;
            }
        }
        true
    }

    /// Reads and parses a file that is new or changed, and sends the writer
    /// the documents that differ from what the index holds for it, then the
    /// ids it no longer has. Returns false when the writer is gone or the
    /// run stops.
    fn parse(&self, job: FileTask, fingerprint: Fingerprint, hash_before_read: Option<u64>) -> bool {
        let ctx = self.ctx;
        let rules = match ctx.rules.get() {
            Ok(rules) => rules,
            Err(e) => {
                self.send(ToWriter::Failed(e));
                return false;
            }
        };
        if !self.send(ToWriter::FileStarted(job.id().to_string())) {
            return false;
        }
        let mut existing = if ctx.index_had_docs {
            match ctx.snapshot.documents_of(job.id()) {
                Ok(docs) => docs,
                Err(e) => {
                    self.send(ToWriter::Failed(e));
                    return false;
                }
            }
        } else {
            Default::default()
        };

        let mut docs = 0u64;
        let mut skips = Vec::new();
        let mut writer_open = true;
        let parsed = catch_unwind(AssertUnwindSafe(|| {
            read_file_hashing(&job, rules, &ctx.req.limits, &mut |item| {
                if ctx.req.stop_requested() {
                    return false;
                }
                let msg = match item {
                    Item::Article(article) => {
                        docs += 1;
                        let hash = article.content_hash(ctx.settings);
                        let change = match existing.remove(&article.id) {
                            None => ArticleChange::New,
                            Some(old) if old == hash => ArticleChange::Same,
                            Some(_) => ArticleChange::Changed,
                        };
                        let mut doc = None;
                        if change != ArticleChange::Same || ctx.req.full {
                            let found = match ctx.req.extractor.as_deref().map(LazyExtractor::get) {
                                None => Default::default(),
                                Some(Ok(extractor)) => article.entities(extractor),
                                Some(Err(e)) => {
                                    writer_open = false;
                                    self.send(ToWriter::Failed(e));
                                    return false;
                                }
                            };
                            doc = Some(ctx.index.to_document(&article, &found, job.id(), hash));
                        }
                        ToWriter::Article {
                            id: article.id,
                            doc,
                            change,
                        }
                    }
                    Item::Skipped(skip) => {
                        let suffix = skip.path.strip_prefix(&job.display()).unwrap_or("").to_string();
                        skips.push((suffix, skip.reason.clone()));
                        ToWriter::Skipped(skip)
                    }
                    Item::NotArticles(note) => ToWriter::NotArticles(note),
                };
                writer_open = self.send(msg);
                writer_open
            })
        }));
        let (end, hash_while_read) = match parsed {
            Ok(read) => read,
            Err(_) => {
                // A parser bug must cost one file, not the run.
                let reason = "internal error while parsing (please report this file)";
                writer_open = self.send(ToWriter::Skipped(skip_of(&job, "", reason)));
                (ReadEnd::Failed, None)
            }
        };
        crashtest::point("parsed");
        if !writer_open {
            return false;
        }
        match end {
            ReadEnd::Stopped => false,
            ReadEnd::Failed => self.file_done(job.into_id(), None, false),
            ReadEnd::Complete => {
                // Records the file no longer has.
                for id in existing.into_keys() {
                    if !self.send(ToWriter::DeleteArticle(id)) {
                        return false;
                    }
                }
                // The hash of the bytes parsed, never of the file as it is
                // after the parse (it may have grown or been rewritten).
                // A file refused unread (empty, an archive, too large) has
                // none: the one taken before reading, if any, else one no
                // file has, so that any change to it is read.
                let hash = hash_while_read.or(hash_before_read).unwrap_or(NOT_HASHED);
                let entry = Entry {
                    fingerprint,
                    hash,
                    docs,
                    skips,
                };
                self.file_done(job.into_id(), Some(entry), false)
            }
        }
    }

    /// Tells the writer of the unchanged files not yet told. Returns false
    /// when the writer is gone.
    fn unchanged_done(&self, unchanged: &mut Unchanged) -> bool {
        let Unchanged { files, docs } = std::mem::take(unchanged);
        files == 0 || self.send(ToWriter::UnchangedFiles { files, docs })
    }

    fn send(&self, msg: ToWriter) -> bool {
        self.to_writer.send(msg).is_ok()
    }

    fn file_done(&self, source: String, entry: Option<Entry>, touched: bool) -> bool {
        self.send(ToWriter::FileDone {
            source,
            entry,
            touched,
        })
    }
}

/// The skip of a whole file (`suffix` "") or of one of its records.
fn skip_of(task: &FileTask, suffix: &str, reason: &str) -> Skip {
    Skip {
        path: format!("{}{suffix}", task.display()),
        reason: reason.to_string(),
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
