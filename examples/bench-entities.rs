//! Entity extraction speed on one core, in MB of article text per second.
//!
//!     cargo run --release --example bench-entities -- ../shared/data/reuters/*.jsonl.gz
//!
//! Reads title and body of every JSON Lines record (gzip or plain), then
//! times `Extractor::extract` over all of them on this one thread. Also
//! prints a digest of every mention found (part, offsets, kind, name): a
//! speed change that claims to change nothing must leave it as it was.

use std::io::{BufRead, BufReader};
use std::time::Instant;

use newsidx::entities::{Dictionary, Extractor, Settings};

// The allocator the newsidx binary runs extraction with (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        anyhow::bail!("usage: bench-entities FILE.jsonl[.gz] ...");
    }
    let mut articles: Vec<(String, String)> = Vec::new();
    for path in &paths {
        let file = std::fs::File::open(path)?;
        let reader: Box<dyn BufRead> = if path.ends_with(".gz") {
            Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        for line in reader.lines() {
            let v: serde_json::Value = serde_json::from_str(&line?)?;
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            articles.push((field("title"), field("body")));
        }
    }
    let bytes: usize = articles.iter().map(|(t, b)| t.len() + b.len()).sum();
    let started = Instant::now();
    let ex = Extractor::new(Dictionary::builtin()?, Settings::default())?;
    let load = started.elapsed();
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    for (title, body) in &articles {
        for m in ex.extract(&[title, body]) {
            digest.update(format!("{}:{}:{}:{:?}:{}\n", m.part, m.start, m.end, m.kind, m.name).as_bytes());
        }
    }
    // Five rounds: a shared machine's noise shows as their spread; the
    // median is the figure to quote.
    let mut rounds = Vec::new();
    let mut mentions = 0usize;
    for _ in 0..5 {
        let started = Instant::now();
        mentions = 0;
        for (title, body) in &articles {
            mentions += ex.extract(&[title, body]).len();
        }
        rounds.push(bytes as f64 / 1e6 / started.elapsed().as_secs_f64());
    }
    rounds.sort_by(f64::total_cmp);
    println!(
        "{} articles, {:.1} MB of text, {} mentions; one core: median {:.1} MB/s (slowest {:.1}, fastest {:.1} of {} rounds); dictionaries and model load in {:.0} ms; mentions digest {:016x}",
        articles.len(),
        bytes as f64 / 1e6,
        mentions,
        rounds[rounds.len() / 2],
        rounds[0],
        rounds[rounds.len() - 1],
        rounds.len(),
        load.as_secs_f64() * 1e3,
        digest.digest()
    );
    Ok(())
}
