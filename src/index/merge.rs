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

/// The share of a segment's documents that may be deleted before it is
/// written again without them. A segment over half `MAX_MERGE_DOCS` (every
/// segment of a `--full` rebuild of a large archive) takes part in no
/// level's merge: each re-run deleted more of its documents (the old
/// versions of changed articles) and none were ever removed, so searches
/// read ever more postings of deleted documents. At a tenth, they read at
/// most a tenth more.
pub const MAX_DELETED_SHARE: f32 = 0.1;

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
        // A segment with too many deleted documents is written again on its
        // own (no larger than it is), unless a merge above takes it already.
        let merging: std::collections::HashSet<SegmentId> =
            out.iter().flat_map(|c| c.0.iter().copied()).collect();
        for s in segments {
            let deleted = s.num_deleted_docs();
            if deleted > 0
                && deleted as f32 > MAX_DELETED_SHARE * s.max_doc() as f32
                && !merging.contains(&s.id())
            {
                out.push(MergeCandidate(vec![s.id()]));
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

    #[test]
    fn a_segment_with_many_deleted_documents_is_written_again_alone() {
        let inventory = Index::create_in_ram(Schema::builder().build());
        let segment = |docs: u32, deleted: u32| {
            let meta = inventory.new_segment_meta(SegmentId::generate_random(), docs);
            if deleted == 0 {
                meta
            } else {
                meta.with_delete_meta(deleted, 1)
            }
        };
        // Two segments too big for any level: one with a tenth of its
        // documents deleted, one with more.
        let kept = segment(40_000, 4_000);
        let purged = segment(40_000, 4_001);
        let groups = CappedMerges::new(50_000).compute_merge_candidates(&[kept, purged.clone()]);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].0, vec![purged.id()]);
        // A segment a level's merge takes already is not named twice.
        let small: Vec<SegmentMeta> = (0..8).map(|_| segment(1_000, 500)).collect();
        let groups = CappedMerges::new(50_000).compute_merge_candidates(&small);
        let named: Vec<SegmentId> = groups.iter().flat_map(|g| g.0.iter().copied()).collect();
        let distinct: std::collections::HashSet<&SegmentId> = named.iter().collect();
        assert_eq!(named.len(), 8, "{groups:?}");
        assert_eq!(distinct.len(), 8);
    }
}
