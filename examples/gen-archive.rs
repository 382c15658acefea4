//! A deterministic synthetic news archive: N articles in every layout newsidx reads, for scale tests without third-party data.
//!
//! `cargo run --release --example gen-archive -- OUT_DIR N [SEED]`
//!
//! Same N and SEED, same bytes. Articles are built from the repository's
//! own word lists (schema/entities): common English words drawn with a
//! Zipf-like skew, people (first + last names), places and organisations
//! mentioned in about one sentence in four, headlines naming someone or
//! somewhere, lengths from a long-tailed distribution (median about 450
//! words, a few over 2,000), dates from 2005 to 2025, ten sections. Layouts,
//! by article number: 30% scraped pages (section line, headline, captions,
//! boilerplate), 20% headline-first files in section/year folders, 20% wire
//! files with `-- ` headers in date folders, 10% one JSON file each, 20%
//! JSON Lines records, 1,000 to a file. No folder holds more than 1,000
//! entries.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

const COMMON: &str = include_str!("../schema/entities/common-words.txt");
const FIRST: &str = include_str!("../schema/entities/first-names.txt");
const LAST: &str = include_str!("../schema/entities/last-names.txt");
const ORGS: &str = include_str!("../schema/entities/organisations.txt");
const PLACES: &str = include_str!("../schema/entities/places.tsv");

/// The most frequent words of English news copy, most frequent first: they
/// head the Zipf ranking, the shuffled word list follows.
const FUNCTION_WORDS: &str = "the of to and a in that for on is said with was as by at it from \
    his he be has have are an will not who they their but were which its this after also had been \
    would more up one new first two than year last about over government people could when there \
    some into other could market percent million billion officials week told against between";

const SECTIONS: [&str; 10] = [
    "politics", "business", "world", "sport", "tech", "science", "health", "culture", "opinion", "local",
];

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index skewed towards 0, like word frequencies.
    fn zipf(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((n as f64).powf(u) - 1.0) as usize % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn words(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

struct Lexicon<'a> {
    common: Vec<&'a str>,
    first: Vec<&'a str>,
    last: Vec<&'a str>,
    orgs: Vec<&'a str>,
    places: Vec<&'a str>,
}

impl<'a> Lexicon<'a> {
    fn load() -> Lexicon<'static> {
        let places: Vec<&str> = PLACES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let name = cols.next()?;
                (cols.next()? == "place").then_some(name)
            })
            .collect();
        // The list is alphabetical; ranked as it is, every frequent word would
        // start with "a". A fixed shuffle makes the ranking arbitrary but
        // the same on every run.
        let mut common: Vec<&str> = words(COMMON)
            .into_iter()
            .filter(|w| w.chars().all(char::is_alphabetic))
            .collect();
        let mut shuffle = Rng(7);
        let mut places: Vec<&str> = places;
        for list in [&mut common, &mut places] {
            for i in (1..list.len()).rev() {
                list.swap(i, shuffle.below(i + 1));
            }
        }
        let mut ranked: Vec<&str> = FUNCTION_WORDS.split_whitespace().collect();
        ranked.extend(common);
        Lexicon {
            common: ranked,
            first: words(FIRST).into_iter().map(capitalised_static).collect(),
            last: words(LAST).into_iter().map(capitalised_static).collect(),
            orgs: words(ORGS),
            places,
        }
    }

    fn entity(&self, rng: &mut Rng) -> String {
        match rng.below(4) {
            0 | 1 => format!("{} {}", rng.pick(&self.first), rng.pick(&self.last)),
            2 => self.places[rng.zipf(self.places.len())].to_string(),
            _ => rng.pick(&self.orgs).to_string(),
        }
    }

    fn sentence(&self, rng: &mut Rng, out: &mut String) {
        let n = 8 + rng.below(18);
        let mention = rng.below(4) == 0;
        let at = rng.below(n);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            if mention && i == at {
                out.push_str(&self.entity(rng));
                continue;
            }
            let w = self.common[rng.zipf(self.common.len())];
            if i == 0 {
                out.push_str(&capitalised(w));
            } else {
                out.push_str(w);
            }
        }
        out.push('.');
    }

    fn headline(&self, rng: &mut Rng) -> String {
        let mut h = self.entity(rng);
        for _ in 0..5 + rng.below(7) {
            h.push(' ');
            h.push_str(self.common[rng.zipf(self.common.len())]);
        }
        h
    }

    /// Paragraphs of 2 to 6 sentences, `target` words in all.
    fn body(&self, rng: &mut Rng, target: usize) -> String {
        let mut body = String::with_capacity(target * 7);
        let mut words = 0;
        while words < target {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            for s in 0..2 + rng.below(5) {
                if s > 0 {
                    body.push(' ');
                }
                let before = body.len();
                self.sentence(rng, &mut body);
                words += body[before..].split(' ').count();
            }
        }
        body
    }
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn capitalised_static(w: &str) -> &'static str {
    Box::leak(capitalised(w).into_boxed_str())
}

/// Body length in words: log-normal, median about 450, capped at 4,000.
fn length(rng: &mut Rng) -> usize {
    // Box-Muller from two uniforms.
    let (u1, u2) = (rng.unit().max(1e-12), rng.unit());
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    ((450.0 * (0.6 * normal).exp()) as usize).clamp(60, 4000)
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: gen-archive OUT_DIR N [SEED]");
        std::process::exit(2);
    };
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2026);
    let out = PathBuf::from(out);
    let started = Instant::now();
    let lex = Lexicon::load();
    let mut rng = Rng(seed);
    let mut bytes = 0u64;
    let mut files = 0u64;
    let mut feed: Option<BufWriter<fs::File>> = None;
    for i in 0..n {
        let section = SECTIONS[rng.zipf(SECTIONS.len())];
        let title = lex.headline(&mut rng);
        let words = length(&mut rng);
        let body = lex.body(&mut rng, words);
        let (year, month, day) = (2005 + rng.below(21), 1 + rng.below(12), 1 + rng.below(28));
        let (hour, minute) = (rng.below(24), rng.below(60));
        let byline = format!("{} {}", rng.pick(&lex.first), rng.pick(&lex.last));
        let bucket = format!("{:04}", i / 1000);
        // One-article layouts give their file; JSON Lines records are
        // appended to the open feed file.
        let file: Option<(PathBuf, String)> = match i % 10 {
            0..=2 => {
                let caption = format!("{}. Photo: {} via Wire", lex.headline(&mut rng), byline);
                let path = out.join("site").join(&bucket).join(format!("{i:07}.txt"));
                let capitalised_section = capitalised(section);
                let text = format!(
                    "{capitalised_section}\n\n{title}\n\n{caption}\n{caption}\nAdvertisement\n\nBy {byline}\n\n{body}\n\nShare this article\n"
                );
                Some((path, text))
            }
            3 | 4 => {
                let path = out
                    .join("headline")
                    .join(section)
                    .join(format!("{year}"))
                    .join(&bucket)
                    .join(format!("{i:07}.txt"));
                let text = format!("{title}\n\n{body}\n");
                Some((path, text))
            }
            5 | 6 => {
                let path = out
                    .join("wire")
                    .join(format!("{year}{month:02}{day:02}"))
                    .join(format!("story-{i:07}"));
                let text = format!(
                    "-- {title}\n-- By {byline}\n-- {year}-{month:02}-{day:02} {hour:02}:{minute:02} UTC\n-- https://wire.example.com/{i}\n\nLONDON (Wire) - {body}\n"
                );
                Some((path, text))
            }
            7 => {
                let path = out
                    .join("exports/json")
                    .join(&bucket)
                    .join(format!("{i:07}.json"));
                let text = format!(
                    "{{\"id\":\"a{i}\",\"title\":{},\"section\":\"{section}\",\"date\":\"{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z\",\"author\":{},\"body\":{}}}\n",
                    json_str(&title),
                    json_str(&byline),
                    json_str(&body)
                );
                Some((path, text))
            }
            _ => {
                // Records 8 and 9 of every ten: 1,000 records a file.
                let record = i / 10 * 2 + (i % 10 - 8);
                if record % 1000 == 0 || feed.is_none() {
                    if let Some(mut f) = feed.take() {
                        f.flush()?;
                    }
                    let path = out
                        .join("exports/feeds")
                        .join(format!("{:04}", record / 1_000_000))
                        .join(format!("feed-{:06}.jsonl", record / 1000));
                    if let Some(dir) = path.parent() {
                        fs::create_dir_all(dir)?;
                    }
                    feed = Some(BufWriter::new(fs::File::create(path)?));
                    files += 1;
                }
                let line = format!(
                    "{{\"id\":\"r{i}\",\"headline\":{},\"category\":\"{section}\",\"published\":\"{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z\",\"byline\":{},\"text\":{}}}\n",
                    json_str(&title),
                    json_str(&byline),
                    json_str(&body)
                );
                if let Some(f) = feed.as_mut() {
                    f.write_all(line.as_bytes())?;
                }
                bytes += line.len() as u64;
                None
            }
        };
        if let Some((path, text)) = file {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&path, &text)?;
            files += 1;
            bytes += text.len() as u64;
        }
    }
    if let Some(mut f) = feed.take() {
        f.flush()?;
    }
    eprintln!(
        "gen-archive: {n} articles in {files} files, {:.1} MB, seed {seed}, in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
