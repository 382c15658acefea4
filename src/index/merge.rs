//! The merge policy: tantivy's log-structured levels, with every merge capped in documents so that a run's memory does not grow with the archive.
//!
//! tantivy's `LogMergePolicy` merges all segments of a level at once. After
//! a `--full` rebuild (one commit at the end) that is every segment of the
//! index, in one merge whose input segments, read through memory maps,
//! count as resident: the run's peak memory grew with the archive
//! (docs/performance.md has the figures).
//! Here a level's segments are merged in groups of at most `MAX_MERGE_DOCS`
//! documents, and a segment over half that size is left alone: a large index ends up
//! as segments of about that size, which searches cheaply.

use std::collections::HashMap;

use tantivy::index::SegmentId;
use tantivy::merge_policy::{LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::SegmentMeta;

/// Documents of the largest merge, and of the segments merging stops at.
pub const MAX_MERGE_DOCS: u32 = 50_000;

#[derive(Debug)]
pub struct CappedMerges {
    levels: LogMergePolicy,
    max_docs: u32,
}

impl CappedMerges {
    pub fn new(max_docs: u32) -> CappedMerges {
        let mut levels = LogMergePolicy::default();
        levels.set_max_docs_before_merge(max_docs as usize / 2);
        CappedMerges { levels, max_docs }
    }
}

impl Default for CappedMerges {
    fn default() -> CappedMerges {
        CappedMerges::new(MAX_MERGE_DOCS)
    }
}

impl MergePolicy for CappedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs: HashMap<SegmentId, u32> = segments.iter().map(|s| (s.id(), s.num_docs())).collect();
        let mut out = Vec::new();
        for MergeCandidate(ids) in self.levels.compute_merge_candidates(segments) {
            let mut group = Vec::new();
            let mut sum = 0u32;
            for id in ids {
                let n = docs.get(&id).copied().unwrap_or(0);
                if !group.is_empty() && sum.saturating_add(n) > self.max_docs {
                    if group.len() > 1 {
                        out.push(MergeCandidate(std::mem::take(&mut group)));
                    }
                    group.clear();
                    sum = 0;
                }
                group.push(id);
                sum = sum.saturating_add(n);
            }
            if group.len() > 1 {
                out.push(MergeCandidate(group));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::Schema;
    use tantivy::Index;

    #[test]
    fn a_level_is_merged_in_capped_groups() {
        let inventory = Index::create_in_ram(Schema::builder().build());
        // Forty segments of 10,000 documents: one level, which tantivy would
        // merge in one go.
        let segments: Vec<SegmentMeta> = (0..40)
            .map(|_| inventory.new_segment_meta(SegmentId::generate_random(), 10_000))
            .collect();
        assert_eq!(
            LogMergePolicy::default()
                .compute_merge_candidates(&segments)
                .len(),
            1
        );
        let groups = CappedMerges::new(50_000).compute_merge_candidates(&segments);
        assert_eq!(groups.len(), 8);
        assert!(groups.iter().all(|g| g.0.len() == 5), "{groups:?}");
        // Segments over half the cap are not merged again.
        let big: Vec<SegmentMeta> = (0..10)
            .map(|_| inventory.new_segment_meta(SegmentId::generate_random(), 30_000))
            .collect();
        assert!(CappedMerges::new(50_000)
            .compute_merge_candidates(&big)
            .is_empty());
    }
}
