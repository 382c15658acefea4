//! Files gone from the archive: which documents a finished walk lets the run delete, and an empty archive folder that must not count as emptied.

use std::collections::HashSet;
use std::sync::Arc;

use super::super::walk::Archive;
use super::super::Skip;
use super::feed::WalkReport;
use super::writer::WriterState;
use crate::catalog::Catalog;
use crate::crashtest;
use crate::error::Result;
use crate::index::Snapshot;

impl WriterState<'_> {
    /// Deletes the documents of files that are gone: named by the catalog or
    /// present in the index, in one of this run's archives, and not seen by a
    /// walk that went everywhere under them. Returns the deletions made
    /// (one per file).
    pub(super) fn delete_vanished(
        &mut self,
        snapshot: &Snapshot,
        archives: &[Arc<Archive>],
        report: &WalkReport,
        catalog: &Catalog,
    ) -> Result<u64> {
        let full = self.full;
        let in_run_archives = |source: &str| full || archives.iter().any(|a| source.starts_with(&a.prefix));
        let under_unreadable = |source: &str| {
            report.unreadable.iter().any(|dir| {
                let dir = dir.trim_end_matches('/');
                dir.is_empty()
                    || source == dir
                    || source.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
            })
        };
        // When the workers were handed every file the catalog names (each
        // file once), none of them is gone: the catalog need not be gone
        // through, one hash and lookup per file, at the end of every run.
        let all_walked = self.catalog_files_walked == catalog.files.len() as u64;
        let mut gone: HashSet<String> = if all_walked {
            HashSet::new()
        } else {
            catalog
                .files
                .keys()
                .filter(|s| !report.seen.contains(s) && in_run_archives(s) && !under_unreadable(s))
                .cloned()
                .collect()
        };
        // Documents of files the catalog never completed (a run killed while
        // reading them) are found in the index itself.
        if !catalog.complete {
            snapshot.sources(|s| {
                if !report.seen.contains(s) && in_run_archives(s) && !under_unreadable(s) && !gone.contains(s)
                {
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
                self.writer.get()?.delete_term(self.index.source_term(&source));
                self.summary.deleted += n;
                deletes += 1;
                crashtest::point("delete");
            }
            if catalog.files.contains_key(&source) {
                self.changes.insert(source, None);
            } else {
                self.changes.remove(&source);
            }
        }
        Ok(deletes)
    }
}

/// An archive folder with no files at all, when the index holds articles
/// from it, is far more likely unmounted than emptied: its articles are kept
/// and the run says so.
pub(super) fn empty_archive(archive: &Archive, catalog: &Catalog, snapshot: &Snapshot) -> Option<Skip> {
    let in_archive = |source: &str| source.starts_with(&archive.prefix);
    let mut held: u64 = catalog
        .files
        .iter()
        .filter(|(s, _)| in_archive(s))
        .map(|(_, e)| e.docs)
        .sum();
    if held == 0 {
        let mut sources = Vec::new();
        let _ = snapshot.sources(|s| {
            if in_archive(s) {
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
