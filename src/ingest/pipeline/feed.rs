//! The walk that feeds the workers: every file of the run's archives queued as a job, and what the walk saw, for the vanished-file check.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use crossbeam_channel::Sender;

use super::super::walk::{self, Archive, FileTask, Walked};
use super::writer::ToWriter;
use super::{vanished, RunContext};
use crate::crashtest;

/// Files a job holds at most. The walk hands the workers files in runs of
/// this many, so that a run over unchanged files is not two messages
/// between threads (and often a thread woken up) per file.
pub(super) const BATCH: usize = 64;

/// Files in walk order, for one worker to check one after the other; a
/// file's id (archive prefix and path relative to the archive) is the
/// catalog's key.
pub(super) type Batch = Vec<FileTask>;

/// What the walk saw, handed over when it ends.
#[derive(Default)]
pub(super) struct WalkReport {
    /// Every regular file found, by the xxh3 of its source: 8 bytes a file
    /// instead of its path, so memory stays flat at millions of files. Two
    /// sources sharing a hash (about 1 in 10^7 at a million files) would
    /// keep a vanished file's articles, never lose a present one's.
    pub(super) seen: SeenSources,
    /// Id prefixes under which nothing could be seen.
    pub(super) unreadable: Vec<String>,
    /// The walk went through every archive.
    pub(super) complete: bool,
}

/// The sources of the files the walk found, kept as their xxh3 hashes.
#[derive(Default)]
pub(super) struct SeenSources(HashSet<u64, Spread>);

/// Hashes what is a hash already (xxh3) with one multiplication by a key
/// drawn for the run, where the set's default would run SipHash over it,
/// for every file of the walk and again for every file of the catalog when
/// looking for files that are gone. The key keeps the buckets unforeseeable:
/// names chosen for their xxh3 values cannot pile into one.
#[derive(Clone, Copy)]
pub(super) struct Spread {
    key: u64,
}

impl Default for Spread {
    fn default() -> Spread {
        let key = std::collections::hash_map::RandomState::new().hash_one(0u64);
        Spread { key: key | 1 }
    }
}

impl BuildHasher for Spread {
    type Hasher = Spreader;

    fn build_hasher(&self) -> Spreader {
        Spreader {
            key: self.key,
            value: 0,
        }
    }
}

pub(super) struct Spreader {
    key: u64,
    value: u64,
}

impl Hasher for Spreader {
    fn finish(&self) -> u64 {
        // The product's high half depends on every bit of the value.
        (self.value ^ self.key).wrapping_mul(self.key).rotate_left(32)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else is folded in all the same.
        for &b in bytes {
            self.value = self.value.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.value = n;
    }
}

impl SeenSources {
    fn insert(&mut self, source: &str) {
        self.0.insert(xxhash_rust::xxh3::xxh3_64(source.as_bytes()));
    }

    pub(super) fn contains(&self, source: &str) -> bool {
        self.0.contains(&xxhash_rust::xxh3::xxh3_64(source.as_bytes()))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The walker thread: walks the archives in turn, queueing every file for
/// the workers, and returns what it saw. Its senders close when it
/// returns, which tells the workers that no more files will come.
pub(super) fn walk_all(
    ctx: RunContext<'_>,
    archives: &[Arc<Archive>],
    index_dir: Option<(u64, u64)>,
    jobs: Sender<Batch>,
    to_writer: Sender<ToWriter>,
) -> WalkReport {
    let mut report = WalkReport::default();
    let mut batch = Batch::with_capacity(BATCH);
    for archive in archives {
        let found = report.seen.len();
        let finished = walk_archive(
            ctx,
            archive,
            index_dir,
            &jobs,
            &mut batch,
            &to_writer,
            &mut report,
        );
        if !finished {
            return report;
        }
        if report.seen.len() == found && !ctx.req.full {
            if let Some(skip) = vanished::empty_archive(archive, ctx.catalog, ctx.snapshot) {
                report.unreadable.push(archive.prefix.clone());
                if to_writer.send(ToWriter::Skipped(skip)).is_err() {
                    return report;
                }
            }
        }
    }
    if !batch.is_empty() && jobs.send(batch).is_err() {
        return report;
    }
    report.complete = true;
    ctx.progress.walk_done();
    report
}

/// Walks one archive, queueing every file. Returns false when the run is
/// stopping.
fn walk_archive(
    ctx: RunContext<'_>,
    archive: &Arc<Archive>,
    index_dir: Option<(u64, u64)>,
    jobs: &Sender<Batch>,
    batch: &mut Batch,
    to_writer: &Sender<ToWriter>,
    report: &mut WalkReport,
) -> bool {
    let mut running = true;
    walk::walk(archive, index_dir, |walked| {
        if ctx.req.stop_requested() {
            running = false;
            return false;
        }
        running = match walked {
            Walked::File(task) => {
                report.seen.insert(task.id());
                ctx.progress.found();
                crashtest::point("walk");
                batch.push(task);
                batch.len() < BATCH
                    || jobs
                        .send(std::mem::replace(batch, Batch::with_capacity(BATCH)))
                        .is_ok()
            }
            Walked::Skipped(skip) => to_writer.send(ToWriter::Skipped(skip)).is_ok(),
            Walked::Unreadable { skip, source } => {
                report.unreadable.push(source);
                to_writer.send(ToWriter::Skipped(skip)).is_ok()
            }
        };
        running
    });
    running
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_sources_are_found_and_others_not() {
        let mut seen = SeenSources::default();
        let sources: Vec<String> = (0..5000).map(|i| format!("2008/{i:04}/story-{i}")).collect();
        for s in &sources {
            seen.insert(s);
        }
        assert_eq!(seen.len(), sources.len());
        assert!(sources.iter().all(|s| seen.contains(s)));
        assert!(!seen.contains("2008/0000/story-1"));
        assert!(!seen.contains(""));
    }
}
