//! HTML extraction speed on one core, in MB of HTML per second, beside rs-trafilatura's own defaults.
//!
//!     cargo run --release --example bench-html -- ../shared/data/article-extraction-benchmark/html
//!
//! Loads every page of the folder (`.html`, `.htm`, gzipped or not) into
//! memory, then times on this one thread: `ingest::html::parse` (the tokenizer
//! pass for metadata, captions and depth, rs-trafilatura's extraction, the
//! body's clean-up) and, in the same run, rs-trafilatura's `extract` with
//! its defaults (which also classifies the page type). Each is run three
//! times; the best run counts.

use std::io::Read;
use std::time::Instant;

use newsidx::ingest::{html, Rules};
use newsidx::schema::Mapping;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let Some(dir) = std::env::args().nth(1) else {
        anyhow::bail!("usage: bench-html FOLDER");
    };
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let name = path.to_string_lossy().to_lowercase();
        if !(name.contains(".htm") || name.ends_with(".gz")) {
            continue;
        }
        let mut bytes = Vec::new();
        let file = std::fs::File::open(&path)?;
        if name.ends_with(".gz") {
            flate2::read::MultiGzDecoder::new(file).read_to_end(&mut bytes)?;
        } else {
            std::io::BufReader::new(file).read_to_end(&mut bytes)?;
        }
        pages.push(bytes);
    }
    let total: usize = pages.iter().map(Vec::len).sum();
    let rules = Rules::compile(&Mapping::builtin()?)?;
    println!("{} pages, {:.1} MB of HTML", pages.len(), total as f64 / 1e6);

    let best = |run: &dyn Fn() -> usize| -> (f64, usize) {
        let mut best = f64::MAX;
        let mut out = 0;
        for _ in 0..3 {
            let t = Instant::now();
            out = run();
            best = best.min(t.elapsed().as_secs_f64());
        }
        (best, out)
    };
    let (ours, read) = best(&|| {
        pages
            .iter()
            .filter(|p| html::parse(p, None, &rules).is_ok())
            .count()
    });
    let (reference, _) = best(&|| {
        pages
            .iter()
            .filter(|p| rs_trafilatura::extract(&String::from_utf8_lossy(p)).is_ok())
            .count()
    });
    let speed = |s: f64| total as f64 / s / 1e6;
    println!(
        "newsidx html::parse           {:6.1} MB/s  ({read} pages read)",
        speed(ours)
    );
    println!(
        "rs-trafilatura extract        {:6.1} MB/s  (defaults)",
        speed(reference)
    );
    Ok(())
}
