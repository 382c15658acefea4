//! One index run: a walker, parser workers on every core, and the single writer, joined by bounded channels.

use std::os::unix::fs::MetadataExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_channel::bounded;
use serde::Serialize;
use tantivy::TantivyDocument;

use super::walk::{self, Archive, FileTask, Walked};
use super::{read_file, Item, Limits, Rules, Skip};
use crate::entities::Extractor;
use crate::error::{Error, Result};
use crate::index::NewsIndex;

/// What to index and with which resources.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// Checked archive folders, from `walk::plan`.
    pub archives: Vec<Arc<Archive>>,
    /// Parser workers and tantivy indexing threads, each.
    pub threads: usize,
    /// The tantivy writer's memory budget, shared by its threads.
    pub writer_memory: usize,
    pub limits: Limits,
    /// Finds each article's entities; `None` indexes none.
    pub extractor: Option<Arc<Extractor>>,
}

/// The outcome of a run, as `index --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    /// Documents added or replaced.
    pub indexed: u64,
    /// Files read (articles, or JSON Lines files with their records).
    pub files: u64,
    /// Files and records left out, with the reason.
    pub skipped: Vec<Skip>,
    /// Documents in the index after the run.
    pub docs_total: u64,
    pub elapsed_ms: u64,
}

/// Told of the run's progress; called from the writer's thread only.
pub trait Progress {
    fn file_done(&self) {}
    fn document(&self) {}
    fn skipped(&self, _skip: &Skip) {}
}

enum Out {
    Doc(String, TantivyDocument),
    Skipped(Skip),
    FileDone,
}

/// Channel depths: enough to keep every thread busy, small enough that
/// memory does not depend on the archive.
const TASK_QUEUE: usize = 256;
const DOC_QUEUE: usize = 512;

/// Walks the archives, parses every file on `threads` workers and feeds the
/// writer; one commit at the end. A file's documents replace those with the
/// same id (delete, then add), so a second run never duplicates anything.
pub fn run(index: &NewsIndex, req: &IngestRequest, progress: &dyn Progress) -> Result<IngestSummary> {
    let started = Instant::now();
    let rules = Rules::compile(index.mapping())?;
    let exclude = std::fs::metadata(index.dir()).ok().map(|m| (m.dev(), m.ino()));
    let threads = req.threads.max(1);
    let mut writer = index.writer(threads, req.writer_memory)?;

    let (task_tx, task_rx) = bounded::<FileTask>(TASK_QUEUE);
    let (out_tx, out_rx) = bounded::<Out>(DOC_QUEUE);
    let mut summary = IngestSummary {
        indexed: 0,
        files: 0,
        skipped: Vec::new(),
        docs_total: 0,
        elapsed_ms: 0,
    };
    let mut failure: Option<Error> = None;

    thread::scope(|scope| {
        let walk_out = out_tx.clone();
        let archives = &req.archives;
        scope.spawn(move || {
            for archive in archives {
                let mut running = true;
                walk::walk(archive, exclude, |walked| {
                    running = match walked {
                        Walked::File(task) => task_tx.send(task).is_ok(),
                        Walked::Skipped(skip) => walk_out.send(Out::Skipped(skip)).is_ok(),
                    };
                    running
                });
                if !running {
                    return;
                }
            }
        });
        for _ in 0..threads {
            let tasks = task_rx.clone();
            let out = out_tx.clone();
            let rules = &rules;
            scope.spawn(move || {
                for task in tasks {
                    let mut open = true;
                    let parsed = catch_unwind(AssertUnwindSafe(|| {
                        read_file(&task, rules, &req.limits, &mut |item| {
                            let msg = match item {
                                Item::Article(article) => {
                                    let entities = match &req.extractor {
                                        Some(ex) => article.entities(ex),
                                        None => Vec::new(),
                                    };
                                    Out::Doc(article.id.clone(), index.to_document(&article, &entities))
                                }
                                Item::Skipped(skip) => Out::Skipped(skip),
                            };
                            open = out.send(msg).is_ok();
                            open
                        })
                    }));
                    if parsed.is_err() {
                        // A parser bug must cost one file, not the run.
                        let skip = Skip {
                            path: task.display(),
                            reason: "internal error while parsing (please report this file)".into(),
                        };
                        open = out.send(Out::Skipped(skip)).is_ok();
                    }
                    if !open || out.send(Out::FileDone).is_err() {
                        return;
                    }
                }
            });
        }
        drop(out_tx);
        drop(task_rx);

        for msg in &out_rx {
            match msg {
                Out::Doc(id, doc) => {
                    writer.delete_term(index.id_term(&id));
                    if let Err(e) = writer.add_document(doc) {
                        failure = Some(Error::tantivy(index.dir(), "cannot add a document", e));
                        break;
                    }
                    summary.indexed += 1;
                    progress.document();
                }
                Out::Skipped(skip) => {
                    progress.skipped(&skip);
                    summary.skipped.push(skip);
                }
                Out::FileDone => {
                    summary.files += 1;
                    progress.file_done();
                }
            }
        }
        // Dropping the receiver stops the workers and the walker early when
        // the writer failed.
        drop(out_rx);
    });
    if let Some(e) = failure {
        return Err(e);
    }

    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    let payload = serde_json::json!({
        "finished_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "indexed": summary.indexed,
        "files": summary.files,
        "skipped": summary.skipped.len(),
        "elapsed_ms": summary.elapsed_ms,
    });
    let mut prepared = writer
        .prepare_commit()
        .map_err(|e| Error::tantivy(index.dir(), "cannot commit", e))?;
    prepared.set_payload(&payload.to_string());
    prepared
        .commit()
        .map_err(|e| Error::tantivy(index.dir(), "cannot commit", e))?;
    writer
        .wait_merging_threads()
        .map_err(|e| Error::tantivy(index.dir(), "cannot finish merging segments", e))?;

    summary.docs_total = index.reader()?.searcher().num_docs();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}
