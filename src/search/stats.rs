//! `stats`: what an index holds, how big it is, and what its last run did.
//!
//! Here rather than in the index because it counts with search's tallies.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::Searcher;

use super::entity::{self, EntityRow};
use super::SectionCount;
use crate::error::{Error, Result};
use crate::index::NewsIndex;

/// Entities listed by `stats`.
const TOP_ENTITIES: usize = 10;

/// An index at a glance, as `stats --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub documents: u64,
    /// Sections as indexed (lower case), most articles first; `null` for
    /// articles without one.
    pub sections: Vec<SectionCount>,
    #[serde(serialize_with = "crate::rfc3339::serialize_opt")]
    pub earliest: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::rfc3339::serialize_opt")]
    pub latest: Option<DateTime<Utc>>,
    pub undated: u64,
    pub entities: EntityStats,
    /// Bytes of every file in the index folder.
    pub index_bytes: u64,
    pub segments: usize,
    /// The summary the last `index` run recorded (`null` before the first).
    pub last_run: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityStats {
    /// Distinct entities (by type and canonical name).
    pub distinct: usize,
    pub top: Vec<EntityRow>,
}

/// The figures of the index `index`, as `stats` shows them.
pub fn stats(index: &NewsIndex) -> Result<Stats> {
    stats_with(index, &index.reader()?.searcher())
}

/// The figures of the index `index` as `searcher` sees it.
pub fn stats_with(index: &NewsIndex, searcher: &Searcher) -> Result<Stats> {
    let counts = super::tally_all(index, searcher)?;
    // Only the top rows are spelled out from stored articles.
    let (_, distinct, rows) = entity::list(index, searcher, None, None, &[], TOP_ENTITIES, 1)?;
    let at = |t: Option<i64>| t.and_then(|t| DateTime::from_timestamp(t, 0));
    Ok(Stats {
        documents: searcher.num_docs(),
        sections: counts.section_rows(),
        earliest: at(counts.earliest),
        latest: at(counts.latest),
        undated: counts.undated(),
        entities: EntityStats { distinct, top: rows },
        index_bytes: folder_bytes(index.dir())?,
        segments: searcher.segment_readers().len(),
        last_run: index.last_run(),
    })
}

fn folder_bytes(dir: &std::path::Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if let Ok(meta) = entry.metadata() {
            if meta.is_file() {
                total += meta.len();
            }
        }
    }
    Ok(total)
}
