//! The query language (`newsidx search QUERY`) on any UTF-8, parsed and run
//! on a small index with entity, section and date filters, fuzzy matching,
//! sorts, paging, histograms and facets; and the `--since` / `--until`
//! date parser on the same text.
//!
//! Input: lines. Line 1 is the query; line 2, when there is one, an entity
//! name (`--entity`); line 3 a section; line 4 a `--since` date. The first
//! character's code picks fuzzy, the sort, the histogram, facets, the limit
//! and the offset.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use newsidx::entities::LazyExtractor;
use newsidx::index::NewsIndex;
use newsidx::ingest::{IngestRequest, Limits, Progress};
use newsidx::schema::Mapping;
use newsidx::search::filter::{parse_date, End};
use newsidx::search::query::parse;
use newsidx::search::{search, Filters, Period, SearchRequest, Sort};

struct Quiet;
impl Progress for Quiet {}

/// A few articles of sample-corpus/ of every layout, indexed with their
/// entities once per fuzzer process.
static INDEX: LazyLock<NewsIndex> = LazyLock::new(|| {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-corpus");
    let archive = common::fresh_dir("query-archive");
    for file in [
        "headline/tech/007.txt",
        "headline/business/20250312/bank-rate-decision.txt",
        "exports/feed-2025-03.jsonl",
    ] {
        let to = archive.join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(sample.join(file), &to).expect("copy a sample article");
    }
    for wire in std::fs::read_dir(sample.join("wire"))
        .expect("wire folder")
        .flatten()
        .take(2)
    {
        common::copy_dir(&wire.path(), &archive.join("wire").join(wire.file_name()));
    }
    let dir = common::fresh_dir("query-index");
    let mapping = Mapping::builtin().expect("built-in mapping");
    let settings = mapping.rules.entities.settings();
    let index = NewsIndex::open_or_create(&dir, mapping).expect("create the index");
    let request = IngestRequest {
        archives: vec![archive],
        threads: 1,
        writer_memory: 32 << 20,
        limits: Limits::default(),
        extractor: Some(Arc::new(LazyExtractor::new(None, settings))),
        full: false,
        commit_every: 10_000,
        commit_interval: Duration::from_secs(30),
        stop: Arc::new(AtomicUsize::new(0)),
        overrides: None,
    };
    newsidx::ingest::run(&index, &request, &Quiet).expect("index the sample");
    index.refresh_entity_table().expect("entity table");
    index
});

fuzz_target!(init: {
    LazyLock::force(&INDEX);
}, |text: &str| {
    let mut lines = text.split('\n');
    let query = lines.next().unwrap_or("");
    let entity = lines.next();
    let section = lines.next();
    let since = lines.next();
    let pick = text.chars().next().map_or(0, |c| c as u32);

    match parse(query) {
        Ok(node) => {
            let _ = format!("{node:?}");
        }
        Err(e) => {
            // Columns are 1-based character columns, at most one past the end.
            if let Some(col) = e.column {
                let chars = query.chars().count();
                assert!(
                    (1..=chars + 1).contains(&col),
                    "column {col} outside a query of {chars} characters: {e}"
                );
            }
            let _ = e.to_string();
        }
    }
    let start = parse_date(text, End::Start, "--since");
    let after = parse_date(text, End::After, "--until");
    if let (Ok(start), Ok(after)) = (&start, &after) {
        assert!(
            start < after,
            "period of {text:?} ends ({after}) before it starts ({start})"
        );
    }
    // `After` needs the period's start to exist, so it never parses alone.
    if after.is_ok() {
        assert!(start.is_ok(), "{text:?}: an end without a start");
    }

    // Run on the index: an answer or an error, never a panic.
    let limit = [0, 1, 10, usize::MAX][(pick & 3) as usize];
    let request = SearchRequest {
        query: query.to_string(),
        entities: entity.map(str::to_string).into_iter().collect(),
        filters: Filters {
            sections: section.map(str::to_string).into_iter().collect(),
            since: since.and_then(|s| parse_date(s, End::Start, "--since").ok()),
            until: since.and_then(|s| parse_date(s, End::After, "--until").ok()),
        },
        fuzzy: pick & 4 != 0,
        sort: [Sort::Relevance, Sort::Newest, Sort::Oldest][((pick >> 3) % 3) as usize],
        limit,
        offset: [0, 1, 3, usize::MAX][((pick >> 5) & 3) as usize],
        histogram: [None, Some(Period::Year), Some(Period::Month), Some(Period::Day)][((pick >> 7) & 3) as usize],
        facets: pick & 512 != 0,
    };
    if let Ok(results) = search(&INDEX, &request) {
        assert!(results.hits.len() <= limit.min(results.total), "more hits than asked or found");
    }
});
