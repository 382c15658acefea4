//! Works out an index's entity table and names from scratch, for a heap profile or a timing of that step alone.
//!
//! usage: cargo run --release --example bench-table -- INDEX
//!
//! Removes the table and names files of the index's last commit first, so
//! the table is built (not read back); run it on a copy.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args_os().nth(1).ok_or("usage: bench-table INDEX")?);
    for e in std::fs::read_dir(&dir)? {
        let path = e?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("entities-") || name.starts_with("entity-names-") {
            std::fs::remove_file(&path)?;
        }
    }
    let index = newsidx::index::NewsIndex::open(&dir, newsidx::schema::Mapping::builtin()?)?;
    let start = std::time::Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    index.refresh_entity_table(threads)?;
    eprintln!(
        "bench-table: table and names in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
