//! Builds word clusters for the entity tagger from unlabelled news: Brown-style bit strings, one per word.
//!
//!     cargo run --release --example build-clusters -- --classes 1000 --min-count 3 \
//!         --out schema/entities/clusters.txt.gz ../shared/data/reuters/*.jsonl.gz
//!
//! (`scripts/build-clusters` runs exactly the command that made the shipped file.)
//!
//! Input: gzip JSON Lines shards, one article a line with `title` and `body`.
//! Both are split by `newsidx::entities::tokens::tokenize`, the tagger's own
//! tokenizer, so a word here is the word the tagger looks up: case as
//! written, digits as written (mapping digits to `0` would merge years and
//! prices the tagger's shape features already tell apart, and would make
//! the lookup need the same mapping). A boundary symbol stands at the start
//! and end of each article, between title and body, and at each paragraph
//! break (a blank line). A lone line break is not one: in these shards it
//! is the wire's hard wrap in the middle of a sentence ("offered \nto
//! pay"), so the words on either side are a true bigram.
//!
//! Words seen fewer than `--min-count` times become one rare-word symbol,
//! which is not written (default 3: on the 23M tokens of Reuters 2006-09
//! that keeps 76k words, 99.5% of the tokens; 2 would add 23k words seen
//! twice, two contexts being too few to place a word). The rare-word symbol and the boundary each keep a
//! class of their own that never changes: the C classes hold only the
//! words written out, and the rare words' large mass does not drag one of
//! them towards "unknown proper noun".
//!
//! Clustering is the exchange algorithm (Kneser & Ney 1993, Martin, Liermann
//! & Ney 1998) on the two-sided class bigram likelihood,
//! `sum N(c,d) ln N(c,d) - sum N(c) ln N(c) (left) - sum N(d) ln N(d) (right)`:
//! the same objective Brown et al. (1992) maximise, so the classes are good
//! leaves for the Brown merge tree built over them afterwards (the predictive
//! one-sided variant of Uszkoreit & Brants optimises a different model, one
//! that conditions on the previous word, not its class). Words are visited
//! by frequency rank; a batch of them picks its best class each against
//! frozen counts, on both cores, then the moves are applied in word order,
//! each only if it still gains under the counts as they are by then, so the
//! likelihood never goes down and the result does not depend on threads.
//! Starting classes: word of rank r in class r mod C (the C most frequent
//! words alone, as Brown starts, the rest spread by frequency); putting all
//! but the C - 1 most frequent in one class instead trailed it on Reuters
//! by more than 1 in perplexity at each of the 7 iterations compared.
//!
//! The hierarchy merges the C classes bottom-up by Brown's criterion (the
//! pair whose merge loses least average mutual information of the class
//! bigram model), with the losses of all pairs cached and updated after each
//! merge (O(C^3) in all). A word's bit string is its class's path from the
//! root ('0' to the child with more tokens).
//!
//! Output: gzip text, `bits<TAB>word<TAB>count` a line (the `paths` file of
//! Percy Liang's wcluster), sorted by bits, then count (descending), then
//! word. The same input always gives the same bytes.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context};
use newsidx::entities::tokens::tokenize;
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("build-clusters: {e:#}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    inputs: Vec<String>,
    out: String,
    classes: usize,
    min_count: u64,
    max_iterations: usize,
    /// Stop when fewer than this fraction of the words moved in an iteration.
    stop_fraction: f64,
    threads: usize,
}

fn args() -> anyhow::Result<Args> {
    let usage = "usage: build-clusters --out FILE.gz [--classes C] [--min-count N] [--max-iterations N] \
                 [--stop-fraction F] [--threads T] SHARD.jsonl.gz...";
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        inputs: Vec::new(),
        out: String::new(),
        classes: 1000,
        min_count: 3,
        max_iterations: 40,
        stop_fraction: 0.001,
        threads: 2,
    };
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value; {usage}"))
        };
        match arg.as_str() {
            "--out" => a.out = value()?,
            "--classes" => a.classes = value()?.parse().context("--classes")?,
            "--min-count" => a.min_count = value()?.parse().context("--min-count")?,
            "--max-iterations" => a.max_iterations = value()?.parse().context("--max-iterations")?,
            "--stop-fraction" => a.stop_fraction = value()?.parse().context("--stop-fraction")?,
            "--threads" => a.threads = value()?.parse().context("--threads")?,
            "-h" | "--help" => bail!("{usage}"),
            _ if arg.starts_with("--") => bail!("unknown option {arg}; {usage}"),
            _ => a.inputs.push(arg),
        }
    }
    if a.out.is_empty() || a.inputs.is_empty() {
        bail!("{usage}");
    }
    if a.classes < 2 || a.min_count < 1 || a.threads < 1 {
        bail!("--classes must be at least 2, --min-count and --threads at least 1");
    }
    Ok(a)
}

fn run() -> anyhow::Result<()> {
    let a = args()?;
    let start = Instant::now();

    let shards = read_shards(&a.inputs, a.threads)?;
    // Bigram and class bigram counts are u32: 4 billion tokens at most.
    let length: usize = shards.iter().map(|s| s.seq.len()).sum();
    if u32::try_from(length).is_err() {
        bail!("{length} tokens: more than this program counts (4.29 billion)");
    }
    let corpus = Corpus::new(shards, a.min_count);
    if corpus.vocab.is_empty() {
        bail!("no word is seen {} times", a.min_count);
    }
    eprintln!(
        "read {} articles, {} tokens, {} word types; {} words with count >= {} cover {:.2}% of tokens; \
         {} bigram types; {:.1}s",
        corpus.articles,
        corpus.tokens,
        corpus.types,
        corpus.vocab.len(),
        a.min_count,
        100.0 * (1.0 - corpus.rare_tokens as f64 / corpus.tokens as f64),
        corpus.succ.len(),
        start.elapsed().as_secs_f64()
    );

    let classes = a.classes.min(corpus.vocab.len());
    let mut ex = Exchange::new(&corpus, classes);
    let t = Instant::now();
    eprintln!(
        "exchange: {classes} classes, start: perplexity {:.2} ({:.1}s)",
        ex.perplexity(),
        t.elapsed().as_secs_f64()
    );
    for iteration in 1..=a.max_iterations {
        let t = Instant::now();
        let moved = ex.iterate(a.threads);
        let fraction = moved as f64 / corpus.vocab.len() as f64;
        eprintln!(
            "exchange: iteration {iteration}: perplexity {:.3}, objective {:.6e}, moved {moved} words ({:.3}%), \
             {:.1}s",
            ex.perplexity(),
            ex.objective(),
            100.0 * fraction,
            t.elapsed().as_secs_f64()
        );
        if fraction < a.stop_fraction {
            break;
        }
    }

    let t = Instant::now();
    let bits = hierarchy(&ex, classes, a.threads);
    let depth = bits.iter().map(String::len).max().unwrap_or(0);
    eprintln!(
        "hierarchy: {classes} leaves, deepest {depth} bits, {:.1}s",
        t.elapsed().as_secs_f64()
    );

    write_paths(&a.out, &corpus, &ex.class, &bits)?;
    let size = std::fs::metadata(&a.out)
        .with_context(|| format!("reading back {}", a.out))?
        .len();
    eprintln!("wrote {}: {} words, {size} bytes", a.out, corpus.vocab.len());

    for probe in [
        "Monday",
        "Microsoft",
        "London",
        "Obama",
        "Ford",
        "said",
        "Paris",
        "John",
    ] {
        match corpus.vocab.iter().position(|w| w.as_ref() == probe) {
            None => eprintln!("{probe}: not in the vocabulary"),
            Some(w) => {
                let c = ex.class[w];
                // Vocabulary ids are frequency ranks: the first ten found are the most frequent.
                let top: Vec<&str> = (0..corpus.vocab.len())
                    .filter(|&v| ex.class[v] == c)
                    .take(10)
                    .map(|v| corpus.vocab[v].as_ref())
                    .collect();
                eprintln!("{probe}: {} {}", bits[c as usize], top.join(" "));
            }
        }
    }
    eprintln!("done in {:.1}s", start.elapsed().as_secs_f64());
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading

/// A boundary in a shard's token sequence (a shard's own word ids are
/// smaller).
const BOUNDARY_MARK: u32 = u32::MAX;

/// One shard, tokenized: its own word ids in first-seen order.
struct Shard {
    words: Vec<Box<str>>,
    counts: Vec<u64>,
    /// Word ids and `BOUNDARY_MARK`s, starting and ending with one, never
    /// two in a row.
    seq: Vec<u32>,
    articles: u64,
}

#[derive(serde::Deserialize)]
struct Article {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

/// Reads the shards on `threads` threads (a shard each at a time), in the
/// order given.
fn read_shards(paths: &[String], threads: usize) -> anyhow::Result<Vec<Shard>> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<anyhow::Result<Shard>>>> =
        Mutex::new((0..paths.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.min(paths.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let shard = read_shard(path).with_context(|| format!("reading {path}"));
                if let Ok(mut done) = done.lock() {
                    done[i] = Some(shard);
                }
            });
        }
    });
    let done = done
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a reading thread panicked"))?;
    done.into_iter()
        .zip(paths)
        .map(|(shard, path)| shard.with_context(|| format!("{path} was not read"))?)
        .collect()
}

fn read_shard(path: &str) -> anyhow::Result<Shard> {
    let file = File::open(path)?;
    let mut input = BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(file));
    let mut ids: HashMap<Box<str>, u32, Xxh3DefaultBuilder> = HashMap::default();
    let mut shard = Shard {
        words: Vec::new(),
        counts: Vec::new(),
        seq: vec![BOUNDARY_MARK],
        articles: 0,
    };
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        number += 1;
        if input
            .read_line(&mut line)
            .with_context(|| format!("line {number}"))?
            == 0
        {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let article: Article = serde_json::from_str(&line).with_context(|| format!("line {number}"))?;
        shard.articles += 1;
        for text in [&article.title, &article.body].into_iter().flatten() {
            let mut prev_end = 0;
            for (k, t) in tokenize(text).iter().enumerate() {
                if k > 0 && t.line_start && is_paragraph_break(&text[prev_end..t.start]) {
                    boundary(&mut shard.seq);
                }
                prev_end = t.end;
                let word = &text[t.start..t.end];
                let id = match ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = u32::try_from(shard.words.len()).context("too many word types")?;
                        ids.insert(word.into(), id);
                        shard.words.push(word.into());
                        shard.counts.push(0);
                        id
                    }
                };
                shard.counts[id as usize] += 1;
                shard.seq.push(id);
            }
            boundary(&mut shard.seq);
        }
    }
    Ok(shard)
}

fn boundary(seq: &mut Vec<u32>) {
    if seq.last() != Some(&BOUNDARY_MARK) {
        seq.push(BOUNDARY_MARK);
    }
}

/// The white space between two tokens holds a blank line (or a Unicode
/// paragraph separator).
fn is_paragraph_break(gap: &str) -> bool {
    gap.contains('\u{2029}') || gap.bytes().filter(|&b| b == b'\n').count() >= 2
}

/// The whole input as word ids: the vocabulary words by frequency rank
/// (0 the most frequent), then `rare()`, then `boundary()`; and its bigram
/// counts, each word's successors and predecessors as sorted lists.
struct Corpus {
    vocab: Vec<Box<str>>,
    /// Tokens of each word id, `rare()` and `boundary()` included.
    counts: Vec<u64>,
    succ_start: Vec<usize>,
    /// (next word, count), by word, then next word.
    succ: Vec<(u32, u32)>,
    pred_start: Vec<usize>,
    /// (previous word, count), by word, then previous word.
    pred: Vec<(u32, u32)>,
    articles: u64,
    tokens: u64,
    rare_tokens: u64,
    types: usize,
}

impl Corpus {
    fn new(shards: Vec<Shard>, min_count: u64) -> Corpus {
        // Every word of every shard, counted together.
        let mut global: HashMap<&str, u32, Xxh3DefaultBuilder> = HashMap::default();
        let mut words: Vec<&str> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        let mut local_to_global: Vec<Vec<u32>> = Vec::new();
        for shard in &shards {
            let mut map = Vec::with_capacity(shard.words.len());
            for (w, &n) in shard.words.iter().zip(&shard.counts) {
                let id = *global.entry(w).or_insert_with(|| {
                    words.push(w);
                    counts.push(0);
                    (words.len() - 1) as u32
                });
                counts[id as usize] += n;
                map.push(id);
            }
            local_to_global.push(map);
        }
        // The vocabulary by descending count, then by the word's bytes: an
        // order that depends on nothing but the counts.
        let mut order: Vec<u32> = (0..words.len() as u32)
            .filter(|&g| counts[g as usize] >= min_count)
            .collect();
        order.sort_unstable_by(|&x, &y| {
            counts[y as usize]
                .cmp(&counts[x as usize])
                .then_with(|| words[x as usize].cmp(words[y as usize]))
        });
        let v = order.len() as u32;
        let (rare, bound) = (v, v + 1);
        let mut global_to_vocab = vec![rare; words.len()];
        for (rank, &g) in order.iter().enumerate() {
            global_to_vocab[g as usize] = rank as u32;
        }
        let vocab: Vec<Box<str>> = order.iter().map(|&g| words[g as usize].into()).collect();
        let n = v as usize + 2;

        // Bigrams in vocabulary ids, bucketed by their first word (a
        // counting sort), then each bucket sorted and run-length counted.
        let mut word_counts = vec![0u64; n];
        let mut first = vec![0usize; n + 1];
        let mut articles = 0;
        let to_vocab = |map: &[u32], id: u32| {
            if id == BOUNDARY_MARK {
                bound
            } else {
                global_to_vocab[map[id as usize] as usize]
            }
        };
        for (shard, map) in shards.iter().zip(&local_to_global) {
            articles += shard.articles;
            for pair in shard.seq.windows(2) {
                first[to_vocab(map, pair[0]) as usize + 1] += 1;
            }
            for &id in &shard.seq {
                word_counts[to_vocab(map, id) as usize] += 1;
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let mut fill = first.clone();
        let mut nexts = vec![0u32; first[n]];
        for (shard, map) in shards.iter().zip(&local_to_global) {
            for pair in shard.seq.windows(2) {
                let p = to_vocab(map, pair[0]) as usize;
                nexts[fill[p]] = to_vocab(map, pair[1]);
                fill[p] += 1;
            }
        }
        let mut succ_start = Vec::with_capacity(n + 1);
        let mut succ: Vec<(u32, u32)> = Vec::new();
        let mut in_degree = vec![0usize; n + 1];
        for w in 0..n {
            succ_start.push(succ.len());
            let bucket = &mut nexts[first[w]..first[w + 1]];
            bucket.sort_unstable();
            for run in bucket.chunk_by(|x, y| x == y) {
                succ.push((run[0], run.len() as u32));
                in_degree[run[0] as usize + 1] += 1;
            }
        }
        succ_start.push(succ.len());
        // Predecessor lists: the successor lists turned around; visiting
        // the words in order keeps each list sorted.
        for i in 0..n {
            in_degree[i + 1] += in_degree[i];
        }
        let pred_start = in_degree.clone();
        let mut fill = in_degree;
        let mut pred = vec![(0u32, 0u32); succ.len()];
        for w in 0..n {
            for &(next, c) in &succ[succ_start[w]..succ_start[w + 1]] {
                pred[fill[next as usize]] = (w as u32, c);
                fill[next as usize] += 1;
            }
        }
        let tokens = word_counts[..=rare as usize].iter().sum();
        Corpus {
            vocab,
            rare_tokens: word_counts[rare as usize],
            counts: word_counts,
            succ_start,
            succ,
            pred_start,
            pred,
            articles,
            tokens,
            types: words.len(),
        }
    }

    fn boundary(&self) -> usize {
        self.vocab.len() + 1
    }

    fn successors(&self, w: usize) -> &[(u32, u32)] {
        &self.succ[self.succ_start[w]..self.succ_start[w + 1]]
    }

    fn predecessors(&self, w: usize) -> &[(u32, u32)] {
        &self.pred[self.pred_start[w]..self.pred_start[w + 1]]
    }
}

// ---------------------------------------------------------------------------
// x ln x

/// `x ln x` is looked up below this (512 KiB of table): most cells of the
/// class bigram matrix and most words' counts.
const TABLE: usize = 1 << 16;

struct XLogX {
    table: Vec<f64>,
}

impl XLogX {
    fn new() -> XLogX {
        XLogX {
            table: (0..TABLE)
                .map(|x| if x == 0 { 0.0 } else { x as f64 * (x as f64).ln() })
                .collect(),
        }
    }

    #[inline(always)]
    fn f(&self, x: u64) -> f64 {
        match self.table.get(x as usize) {
            Some(&v) => v,
            None => x as f64 * (x as f64).ln(),
        }
    }

    /// `f(x + n) - f(x)`.
    #[inline(always)]
    fn up(&self, x: u64, n: u64) -> f64 {
        self.f(x + n) - self.f(x)
    }
}

// ---------------------------------------------------------------------------
// The exchange algorithm

/// Classes of the vocabulary words and the class bigram counts.
struct Exchange<'a> {
    corpus: &'a Corpus,
    /// Class of every word id; `rare()` and `boundary()` are in `c` and
    /// `c + 1`, which never change.
    class: Vec<u32>,
    /// Movable classes.
    c: usize,
    /// All classes: `c + 2`.
    k: usize,
    /// Class bigram counts, row-major: `n[x * k + y]` counts class x followed by y.
    n: Vec<u32>,
    /// The same, transposed: `nt[y * k + x]`, so a column is contiguous too.
    nt: Vec<u32>,
    /// Bigrams whose first word is in the class (`left`), whose second is (`right`).
    left: Vec<u64>,
    right: Vec<u64>,
    xlx: XLogX,
    /// Words in the order they are visited and the batches that visit them
    /// together: consecutive runs of about the same amount of work.
    batches: Vec<std::ops::Range<usize>>,
}

/// A thread's scratch space for one word's move, all sized `k`.
struct Scratch {
    /// Bigrams from the word to each class (`s`) and from each class to it
    /// (`p`), the word's own bigram with itself left out.
    s: Vec<u32>,
    p: Vec<u32>,
    s_list: Vec<u32>,
    p_list: Vec<u32>,
    gain: Vec<f64>,
    /// The row and column of the word's class with the word taken out.
    row_a: Vec<u32>,
    col_a: Vec<u32>,
}

impl Scratch {
    fn new(k: usize) -> Scratch {
        Scratch {
            s: vec![0; k],
            p: vec![0; k],
            s_list: Vec::new(),
            p_list: Vec::new(),
            gain: vec![0.0; k],
            row_a: vec![0; k],
            col_a: vec![0; k],
        }
    }
}

impl<'a> Exchange<'a> {
    fn new(corpus: &'a Corpus, c: usize) -> Exchange<'a> {
        let v = corpus.vocab.len();
        let k = c + 2;
        let mut class: Vec<u32> = (0..v).map(|w| (w % c) as u32).collect();
        class.push(c as u32);
        class.push(c as u32 + 1);
        let mut n = vec![0u32; k * k];
        for w in 0..v + 2 {
            let cw = class[w] as usize;
            for &(next, count) in corpus.successors(w) {
                n[cw * k + class[next as usize] as usize] += count;
            }
        }
        let mut ex = Exchange {
            corpus,
            class,
            c,
            k,
            nt: vec![0; k * k],
            n,
            left: vec![0; k],
            right: vec![0; k],
            xlx: XLogX::new(),
            batches: Vec::new(),
        };
        ex.recount_margins();
        // Batches of about this much work (cells of the class matrix
        // visited): big enough that starting threads costs nothing, small
        // enough that the frequent words, which move most, see each
        // other's moves soon.
        let target = 8 * (c * c) as u64;
        let mut from = 0;
        let mut work = 0u64;
        for w in 0..v {
            let degree = corpus.successors(w).len().min(c) + corpus.predecessors(w).len().min(c);
            work += (c * (degree + 1)) as u64;
            if work >= target || w + 1 - from >= 4096 {
                ex.batches.push(from..w + 1);
                from = w + 1;
                work = 0;
            }
        }
        if from < v {
            ex.batches.push(from..v);
        }
        ex
    }

    fn recount_margins(&mut self) {
        let k = self.k;
        for x in 0..k {
            for y in 0..k {
                self.nt[y * k + x] = self.n[x * k + y];
            }
        }
        for x in 0..k {
            self.left[x] = self.n[x * k..(x + 1) * k].iter().map(|&v| u64::from(v)).sum();
            self.right[x] = self.nt[x * k..(x + 1) * k].iter().map(|&v| u64::from(v)).sum();
        }
    }

    /// The class bigram log-likelihood without the words' own term:
    /// `sum f(N(x,y)) - sum f(left) - sum f(right)`.
    fn objective(&self) -> f64 {
        let f = |x: u64| self.xlx.f(x);
        let cells: f64 = self.n.iter().map(|&x| f(u64::from(x))).sum();
        let margins: f64 = self.left.iter().chain(&self.right).map(|&x| f(x)).sum();
        cells - margins
    }

    /// Perplexity of the class bigram model `p(w | v) = p(class w | class v)
    /// p(w | class w)` on the bigrams it was counted from.
    fn perplexity(&self) -> f64 {
        let words: f64 = self.corpus.counts.iter().map(|&x| self.xlx.f(x)).sum();
        let bigrams: u64 = self.left.iter().sum();
        // The boundary is counted as a word as often as it is a bigram's
        // second element.
        let b = self.corpus.boundary();
        let words = words - self.xlx.f(self.corpus.counts[b]) + self.xlx.f(self.right[self.c + 1]);
        (-(self.objective() + words) / bigrams as f64).exp()
    }

    /// Gathers word `w`'s bigrams by the classes of its neighbours, into
    /// `sc.s`/`sc.p` (which must be zero) and their lists of classes;
    /// returns the count of its bigram with itself.
    fn profile(&self, w: usize, sc: &mut Scratch) -> u32 {
        let mut self_bigrams = 0;
        sc.s_list.clear();
        sc.p_list.clear();
        for &(next, count) in self.corpus.successors(w) {
            if next as usize == w {
                self_bigrams = count;
                continue;
            }
            let d = self.class[next as usize];
            if sc.s[d as usize] == 0 {
                sc.s_list.push(d);
            }
            sc.s[d as usize] += count;
        }
        for &(prev, count) in self.corpus.predecessors(w) {
            if prev as usize == w {
                continue;
            }
            let d = self.class[prev as usize];
            if sc.p[d as usize] == 0 {
                sc.p_list.push(d);
            }
            sc.p[d as usize] += count;
        }
        self_bigrams
    }

    fn clear(sc: &mut Scratch) {
        for &d in &sc.s_list {
            sc.s[d as usize] = 0;
        }
        for &d in &sc.p_list {
            sc.p[d as usize] = 0;
        }
    }

    /// How much the objective gains by putting `w`, taken out of its class
    /// `a`, back into `a` (what taking it out loses): what a move must beat.
    fn stay_gain(&self, w: usize, sc: &Scratch, e: u32) -> f64 {
        let (k, a) = (self.k, self.class[w] as usize);
        let up = |x: u32, n: u32| self.xlx.up(u64::from(x), u64::from(n));
        let nw = self.corpus.counts[w];
        let mut g = 0.0;
        for &d in &sc.s_list {
            let d = d as usize;
            if d != a {
                let full = self.n[a * k + d];
                g += up(full - sc.s[d], sc.s[d]);
            }
        }
        for &x in &sc.p_list {
            let x = x as usize;
            if x != a {
                let full = self.n[x * k + a];
                g += up(full - sc.p[x], sc.p[x]);
            }
        }
        let diag = self.n[a * k + a];
        let with = sc.s[a] + sc.p[a] + e;
        g += up(diag - with, with);
        g -= self.xlx.up(self.left[a] - nw, nw) + self.xlx.up(self.right[a] - nw, nw);
        g
    }

    /// The gain of putting `w`, taken out of its class `a`, into class `b`
    /// (not `a`), under the counts as they are.
    fn move_gain(&self, w: usize, b: usize, sc: &Scratch, e: u32) -> f64 {
        let (k, a) = (self.k, self.class[w] as usize);
        let up = |x: u32, n: u32| self.xlx.up(u64::from(x), u64::from(n));
        let nw = self.corpus.counts[w];
        let mut g = 0.0;
        for &d in &sc.s_list {
            let d = d as usize;
            if d == b {
                continue;
            }
            // N'(b, d): the cell with w taken out of a.
            let x = if d == a {
                self.n[b * k + a] - sc.p[b]
            } else {
                self.n[b * k + d]
            };
            g += up(x, sc.s[d]);
        }
        for &x in &sc.p_list {
            let x = x as usize;
            if x == b {
                continue;
            }
            let cell = if x == a {
                self.n[a * k + b] - sc.s[b]
            } else {
                self.n[x * k + b]
            };
            g += up(cell, sc.p[x]);
        }
        g += up(self.n[b * k + b], sc.s[b] + sc.p[b] + e);
        g -= self.xlx.up(self.left[b], nw) + self.xlx.up(self.right[b], nw);
        g
    }

    /// The best class for `w` under the counts as they are: `Some(class)`
    /// if moving there gains over staying.
    fn best_move(&self, w: usize, sc: &mut Scratch) -> Option<u32> {
        let (k, c, a) = (self.k, self.c, self.class[w] as usize);
        let e = self.profile(w, sc);
        let nw = self.corpus.counts[w];
        let xlx = &self.xlx;

        // Each class's margins gain f(m + n) - f(m), twice (left and right
        // are equal for movable classes: every word is followed and
        // preceded once per token).
        let gain = &mut sc.gain[..c];
        for (b, g) in gain.iter_mut().enumerate() {
            let m = self.left[b];
            *g = -2.0
                * if m > 1000 * nw {
                    // x ln x grows by n (ln m + 1) + n^2 / 2m - n^3 / 6m^2 + ...:
                    // no logarithm per class when m is large.
                    let (m, n) = (m as f64, nw as f64);
                    n * (m.ln() + 1.0) + n * n / (2.0 * m) - n * n * n / (6.0 * m * m)
                } else {
                    xlx.up(m, nw)
                };
        }
        // Successors: N'(b, d) for every b is column d.
        if sc.s[a] > 0 {
            for b in 0..c {
                sc.col_a[b] = self.nt[a * k + b] - sc.p[b];
            }
        }
        if sc.p[a] > 0 {
            for b in 0..c {
                sc.row_a[b] = self.n[a * k + b] - sc.s[b];
            }
        }
        for &d in &sc.s_list {
            let d = d as usize;
            let col = if d == a {
                &sc.col_a[..c]
            } else {
                &self.nt[d * k..d * k + c]
            };
            let sd = u64::from(sc.s[d]);
            let fs = xlx.f(sd);
            for (g, &x) in gain.iter_mut().zip(col) {
                *g += if x == 0 { fs } else { xlx.up(u64::from(x), sd) };
            }
        }
        for &x in &sc.p_list {
            let x = x as usize;
            let row = if x == a {
                &sc.row_a[..c]
            } else {
                &self.n[x * k..x * k + c]
            };
            let px = u64::from(sc.p[x]);
            let fp = xlx.f(px);
            for (g, &y) in gain.iter_mut().zip(row) {
                *g += if y == 0 { fp } else { xlx.up(u64::from(y), px) };
            }
        }
        // The diagonal cell (b, b) took the successor and the predecessor
        // terms apart; it gets both at once, and the word's bigrams with
        // itself.
        let mut fix = |b: usize| {
            if b >= c || b == a {
                return;
            }
            let dd = u64::from(self.n[b * k + b]);
            let (s, p) = (u64::from(sc.s[b]), u64::from(sc.p[b]));
            gain[b] += xlx.f(dd + s + p + u64::from(e)) - xlx.f(dd + s) - xlx.f(dd + p) + xlx.f(dd);
        };
        if e > 0 {
            (0..c).for_each(&mut fix);
        } else {
            // Each class once: those with successors, then those with only
            // predecessors.
            sc.s_list.iter().for_each(|&b| fix(b as usize));
            sc.p_list
                .iter()
                .filter(|&&b| sc.s[b as usize] == 0)
                .for_each(|&b| fix(b as usize));
        }

        let mut best = None;
        let mut best_gain = f64::NEG_INFINITY;
        for (b, &g) in gain.iter().enumerate() {
            if b != a && g > best_gain {
                best_gain = g;
                best = Some(b as u32);
            }
        }
        let stay = self.stay_gain(w, sc, e);
        Self::clear(sc);
        // Rounding: a move must gain something real.
        best.filter(|_| best_gain > stay + 1e-9 * stay.abs().max(1.0))
    }

    /// Moves `w` to `b` if that gains under the counts as they are now;
    /// says whether it did.
    fn apply(&mut self, w: usize, b: usize, sc: &mut Scratch) -> bool {
        let e = self.profile(w, sc);
        let a = self.class[w] as usize;
        let gain = self.move_gain(w, b, sc, e) - self.stay_gain(w, sc, e);
        if b == a || gain <= 1e-9 * gain.abs().max(1.0) {
            Self::clear(sc);
            return false;
        }
        let k = self.k;
        for &d in &sc.s_list {
            let d = d as usize;
            self.n[a * k + d] -= sc.s[d];
            self.nt[d * k + a] -= sc.s[d];
            self.n[b * k + d] += sc.s[d];
            self.nt[d * k + b] += sc.s[d];
        }
        for &x in &sc.p_list {
            let x = x as usize;
            self.n[x * k + a] -= sc.p[x];
            self.nt[a * k + x] -= sc.p[x];
            self.n[x * k + b] += sc.p[x];
            self.nt[b * k + x] += sc.p[x];
        }
        self.n[a * k + a] -= e;
        self.nt[a * k + a] -= e;
        self.n[b * k + b] += e;
        self.nt[b * k + b] += e;
        let nw = self.corpus.counts[w];
        self.left[a] -= nw;
        self.right[a] -= nw;
        self.left[b] += nw;
        self.right[b] += nw;
        self.class[w] = b as u32;
        Self::clear(sc);
        true
    }

    /// Debug builds recount the class bigrams from the classes after each
    /// pass: the moves' bookkeeping must give the same.
    #[cfg(debug_assertions)]
    fn check(&self) {
        let k = self.k;
        let mut n = vec![0u32; k * k];
        for w in 0..self.corpus.vocab.len() + 2 {
            let cw = self.class[w] as usize;
            for &(next, count) in self.corpus.successors(w) {
                n[cw * k + self.class[next as usize] as usize] += count;
            }
        }
        assert!(n == self.n, "class bigram counts");
        for x in 0..k {
            for y in 0..k {
                assert_eq!(self.nt[y * k + x], n[x * k + y]);
            }
            let row: u64 = n[x * k..(x + 1) * k].iter().map(|&v| u64::from(v)).sum();
            assert_eq!(self.left[x], row);
        }
    }

    /// One pass over the vocabulary; returns how many words moved.
    fn iterate(&mut self, threads: usize) -> usize {
        let mut scratch: Vec<Scratch> = (0..threads).map(|_| Scratch::new(self.k)).collect();
        let mut moved = 0;
        let batches = std::mem::take(&mut self.batches);
        for batch in &batches {
            let next = AtomicUsize::new(batch.start);
            let me = &*self;
            let found: Vec<Vec<(usize, u32)>> = std::thread::scope(|s| {
                let handles: Vec<_> = scratch
                    .iter_mut()
                    .map(|sc| {
                        let next = &next;
                        s.spawn(move || {
                            let mut found = Vec::new();
                            loop {
                                let w = next.fetch_add(1, Ordering::Relaxed);
                                if w >= batch.end {
                                    break;
                                }
                                if let Some(b) = me.best_move(w, sc) {
                                    found.push((w, b));
                                }
                            }
                            found
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("exchange thread panicked"))
                    .collect()
            });
            let mut moves: Vec<(usize, u32)> = found.into_iter().flatten().collect();
            moves.sort_unstable();
            for (w, b) in moves {
                if self.apply(w, b as usize, &mut scratch[0]) {
                    moved += 1;
                }
            }
        }
        self.batches = batches;
        #[cfg(debug_assertions)]
        self.check();
        moved
    }
}

// ---------------------------------------------------------------------------
// The hierarchy

/// `p(x,y) ln (p(x,y) / (p(x) p(y)))` from counts, `t` the number of bigrams.
#[inline(always)]
fn q(nxy: f64, lx: f64, ry: f64, t: f64) -> f64 {
    if nxy <= 0.0 {
        0.0
    } else {
        nxy / t * (nxy * t / (lx * ry)).ln()
    }
}

/// Merges the `c` classes bottom-up (Brown et al. 1992), always the pair
/// that loses least average mutual information, and returns each class's
/// path from the root. The two fixed classes (rare words, boundary) take
/// part in the mutual information but are never merged.
fn hierarchy(ex: &Exchange, c: usize, threads: usize) -> Vec<String> {
    let k = ex.k;
    let t = ex.left.iter().sum::<u64>() as f64;
    let mut n: Vec<f64> = ex.n.iter().map(|&x| f64::from(x)).collect();
    let mut left: Vec<f64> = ex.left.iter().map(|&x| x as f64).collect();
    let mut right: Vec<f64> = ex.right.iter().map(|&x| x as f64).collect();
    // Every class that takes part (the fixed ones last), and the movable
    // ones still standing.
    let mut all: Vec<usize> = (0..k).collect();
    let mut alive: Vec<usize> = (0..c).collect();

    // Cached q(x, y) and each class's share s(x) of the mutual information.
    let mut qm = vec![0.0f64; k * k];
    for x in 0..k {
        for y in 0..k {
            qm[x * k + y] = q(n[x * k + y], left[x], right[y], t);
        }
    }
    let share = |qm: &[f64], all: &[usize], x: usize| -> f64 {
        all.iter().map(|&y| qm[y * k + x] + qm[x * k + y]).sum::<f64>() - qm[x * k + x]
    };
    let mut s: Vec<f64> = (0..k).map(|x| share(&qm, &all, x)).collect();

    // What merging i and j loses, from scratch: their shares, less what the
    // merged class keeps with every other class and itself.
    let loss_of =
        |n: &[f64], left: &[f64], right: &[f64], qm: &[f64], s: &[f64], all: &[usize], i: usize, j: usize| {
            let (li, rj) = (left[i] + left[j], right[i] + right[j]);
            let mut kept = 0.0;
            for &x in all {
                if x == i || x == j {
                    continue;
                }
                kept += q(n[x * k + i] + n[x * k + j], left[x], rj, t);
                kept += q(n[i * k + x] + n[j * k + x], li, right[x], t);
            }
            let nn = n[i * k + i] + n[i * k + j] + n[j * k + i] + n[j * k + j];
            kept += q(nn, li, rj, t);
            s[i] + s[j] - qm[i * k + j] - qm[j * k + i] - kept
        };

    // loss[i * k + j] for i < j, both alive. The first round is the costly
    // one (C^2 / 2 pairs, C terms each): rows split among the threads.
    let mut loss = vec![0.0f64; k * k];
    parallel_rows(&mut loss, k, threads, |i, row| {
        if i < c {
            for (j, cell) in row.iter_mut().enumerate().take(c).skip(i + 1) {
                *cell = loss_of(&n, &left, &right, &qm, &s, &all, i, j);
            }
        }
    });

    // Tree: nodes 0..c are the classes, each merge adds one.
    let mut children: Vec<(usize, usize)> = Vec::new();
    let mut node_in_slot: Vec<usize> = (0..c).collect();
    let mut tokens: Vec<f64> = left[..c].to_vec();
    let mut ds = vec![0.0f64; k];
    let mut row_n = vec![0.0f64; k];
    let mut col_n = vec![0.0f64; k];
    while alive.len() > 1 {
        // The cheapest pair; ties to the first in slot order.
        let mut best = (f64::INFINITY, 0, 0);
        for (ai, &i) in alive.iter().enumerate() {
            for &j in &alive[ai + 1..] {
                if loss[i * k + j] < best.0 {
                    best = (loss[i * k + j], i, j);
                }
            }
        }
        let (_, i, j) = best;

        // The merged class's row and column, and how each other class's
        // share changes.
        let (ln_, rn) = (left[i] + left[j], right[i] + right[j]);
        for &x in &all {
            row_n[x] = n[i * k + x] + n[j * k + x];
            col_n[x] = n[x * k + i] + n[x * k + j];
        }
        for &x in &all {
            if x == i || x == j {
                continue;
            }
            ds[x] = -qm[x * k + i] - qm[i * k + x] - qm[x * k + j] - qm[j * k + x]
                + q(col_n[x], left[x], rn, t)
                + q(row_n[x], ln_, right[x], t);
        }
        // Every other pair (l, m): its shares change by ds, and its merged
        // class's terms with i and j become one with the merged class.
        {
            let (n, left, right, ds, row_n, col_n, alive) = (&n, &left, &right, &ds, &row_n, &col_n, &alive);
            parallel_rows(&mut loss, k, threads, |l, row| {
                if l >= c || l == i || l == j || alive.binary_search(&l).is_err() {
                    return;
                }
                for &m in alive.iter().filter(|&&m| m > l && m != i && m != j) {
                    let (rlm, llm) = (right[l] + right[m], left[l] + left[m]);
                    let old = q(n[i * k + l] + n[i * k + m], left[i], rlm, t)
                        + q(n[l * k + i] + n[m * k + i], llm, right[i], t)
                        + q(n[j * k + l] + n[j * k + m], left[j], rlm, t)
                        + q(n[l * k + j] + n[m * k + j], llm, right[j], t);
                    let new = q(row_n[l] + row_n[m], ln_, rlm, t) + q(col_n[l] + col_n[m], llm, rn, t);
                    row[m] += ds[l] + ds[m] + old - new;
                }
            });
        }
        // Merge j into i.
        for &x in &all {
            n[i * k + x] = row_n[x];
            n[x * k + i] = col_n[x];
        }
        n[i * k + i] = row_n[i] + row_n[j];
        left[i] = ln_;
        right[i] = rn;
        all.retain(|&x| x != j);
        alive.retain(|&x| x != j);
        for &x in &all {
            qm[i * k + x] = q(n[i * k + x], left[i], right[x], t);
            qm[x * k + i] = q(n[x * k + i], left[x], right[i], t);
        }
        for &x in &all {
            if x != i {
                s[x] += ds[x];
            }
        }
        s[i] = share(&qm, &all, i);
        // Pairs with the merged class, from scratch.
        let fresh: Vec<(usize, f64)> = {
            let (n, left, right, qm, s, all) = (&n, &left, &right, &qm, &s, &all);
            let others: Vec<usize> = alive.iter().copied().filter(|&m| m != i).collect();
            parallel_map(&others, threads, |&m| {
                (m, loss_of(n, left, right, qm, s, all, i.min(m), i.max(m)))
            })
        };
        for (m, l) in fresh {
            loss[i.min(m) * k + i.max(m)] = l;
        }

        children.push((node_in_slot[i], node_in_slot[j]));
        tokens.push(tokens[node_in_slot[i]] + tokens[node_in_slot[j]]);
        node_in_slot[i] = c + children.len() - 1;
    }

    // Paths from the root; the child with more tokens is '0'.
    let mut bits = vec![String::new(); c];
    let mut stack = vec![(c + children.len() - 1, String::new())];
    while let Some((node, path)) = stack.pop() {
        if node < c {
            bits[node] = path;
            continue;
        }
        let (x, y) = children[node - c];
        let (first, second) = if tokens[y] > tokens[x] { (y, x) } else { (x, y) };
        stack.push((first, format!("{path}0")));
        stack.push((second, format!("{path}1")));
    }
    bits
}

/// Calls `f(i, row i)` for every row of the `k`-wide matrix `m`, rows dealt
/// to `threads` threads in turn (the loss matrix is a triangle: alternate
/// rows share it evenly).
fn parallel_rows(m: &mut [f64], k: usize, threads: usize, f: impl Fn(usize, &mut [f64]) + Sync) {
    let mut dealt: Vec<Vec<(usize, &mut [f64])>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, row) in m.chunks_mut(k).enumerate() {
        dealt[i % threads].push((i, row));
    }
    let f = &f;
    std::thread::scope(|s| {
        for rows in dealt {
            s.spawn(move || {
                for (i, row) in rows {
                    f(i, row);
                }
            });
        }
    });
}

/// `items.map(f)` on `threads` threads, in order.
fn parallel_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("hierarchy thread panicked"))
            .collect()
    })
}

// ---------------------------------------------------------------------------
// Output

fn write_paths(out: &str, corpus: &Corpus, class: &[u32], bits: &[String]) -> anyhow::Result<()> {
    let v = corpus.vocab.len();
    let mut order: Vec<usize> = (0..v).collect();
    // Vocabulary ids already run by descending count, then word: a stable
    // sort by bits keeps that order within a class.
    order.sort_by(|&x, &y| bits[class[x] as usize].cmp(&bits[class[y] as usize]));
    let file = File::create(out).with_context(|| format!("creating {out}"))?;
    let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::best());
    for w in order {
        writeln!(
            gz,
            "{}\t{}\t{}",
            bits[class[w] as usize], corpus.vocab[w], corpus.counts[w]
        )
        .with_context(|| format!("writing {out}"))?;
    }
    gz.finish()
        .and_then(|mut f| f.flush())
        .with_context(|| format!("writing {out}"))?;
    Ok(())
}
