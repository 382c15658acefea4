//! Where an index's bytes go: each field's term dictionary, postings, positions, fast columns and norms, the store, and newsidx's own files.
//!
//!     cargo run --release --example index-space -- INDEX_DIR
//!
//! Sizes are tantivy's `space_usage` of the last commit, summed over its
//! segments; the other files are those of the folder that are not a
//! segment's. Lines under 10 kB are left out.

use std::collections::BTreeMap;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: index-space INDEX_DIR")?;
    let index = tantivy::Index::open_in_dir(&dir)?;
    let searcher = index.reader()?.searcher();
    let usage = searcher.space_usage()?;
    let mut per_field: BTreeMap<(String, &str), u64> = BTreeMap::new();
    let mut store = 0;
    let mut segment_ids = Vec::new();
    for segment in usage.segments() {
        for (part, of) in [
            ("term", segment.termdict()),
            ("postings", segment.postings()),
            ("positions", segment.positions()),
            ("fast", segment.fast_fields()),
            ("norms", segment.fieldnorms()),
        ] {
            for field in of.fields() {
                *per_field
                    .entry((field.field_name().to_string(), part))
                    .or_default() += field.total().get_bytes();
            }
        }
        store += segment.store().total().get_bytes();
    }
    for segment in searcher.segment_readers() {
        segment_ids.push(segment.segment_id().uuid_string());
    }
    let mut total = store;
    println!("{:<24} {:>12}", "store", store);
    for ((field, part), bytes) in &per_field {
        total += bytes;
        if *bytes >= 10_000 {
            println!("{:<24} {:>12}", format!("{field} {part}"), bytes);
        }
    }
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if segment_ids.iter().any(|id| name.starts_with(id.as_str())) {
            continue;
        }
        let bytes = entry.metadata()?.len();
        total += bytes;
        if bytes >= 10_000 {
            println!("{name:<24} {bytes:>12}");
        }
    }
    println!("{:<24} {:>12}", "total", total);
    Ok(())
}
