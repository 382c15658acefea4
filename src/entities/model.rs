//! The tagger: an averaged perceptron over hashed features, decoding greedily
//! left to right into BILOU tags; its weights, training and file format.

use std::collections::HashMap;
use std::io::{Read, Write};

use super::features::{Doc, History};
use super::Kind;
use crate::error::{Error, Result};

/// O, then B, I, L and U for each kind in `Kind::ALL` order: a name's
/// Beginning, Inside, Last token, or a Unit name of one token (BILOU, which
/// Ratinov & Roth found better than BIO for greedy decoding).
pub const CLASSES: usize = 1 + 4 * PER_KIND;
/// Tags per kind: 4 for BILOU, 2 for BIO.
const PER_KIND: usize = 4;
/// The weights a feature stores: one per class but O. Each class's weight
/// is kept as its difference from O's, which ranks the classes alike and
/// leaves O's score 0; sixteen i16 are 32 bytes, a row on one cache line.
const ROW: usize = CLASSES - 1;
const MAGIC: &[u8; 8] = b"NXNER\x00\x00\x03";

/// One feature's weights, aligned so that it never straddles cache lines.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Row([i16; ROW]);

/// Where a token stands in its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Begin = 0,
    Inside = 1,
    Last = 2,
    Unit = 3,
}

pub fn tag_of(kind: Kind, at: Place) -> u8 {
    let at = if PER_KIND == 4 {
        at as u8
    } else {
        u8::from(matches!(at, Place::Inside | Place::Last))
    };
    1 + PER_KIND as u8 * kind.index() as u8 + at
}

/// The kind of a tag, and whether it opens a name (B or U).
pub fn kind_of(tag: u8) -> Option<(Kind, bool)> {
    if tag == 0 || tag as usize >= CLASSES {
        return None;
    }
    let at = (tag - 1) % PER_KIND as u8;
    Some((
        Kind::ALL[((tag - 1) / PER_KIND as u8) as usize],
        at == Place::Begin as u8 || at == Place::Unit as u8,
    ))
}

/// I-X and L-X only follow B-X or I-X: a name goes on only while it is
/// open. A person's L-X may be followed by I-X or L-X, though: greedy
/// decoding cannot take back an L-X given too early ("Kim Jong" of "Kim
/// Jong Un"), and the name goes on as the next tag says. (Not so for the
/// other kinds: "New York Fed" would run on into "President Timothy".)
/// A B-X without its L-X still ends where the next tag says.
fn allowed(prev: u8, tag: u8) -> bool {
    match kind_of(tag) {
        Some((kind, false)) => {
            matches!(kind_of(prev), Some((k, _)) if k == kind)
                && (kind == Kind::Person || (prev - 1) % PER_KIND as u8 <= Place::Inside as u8)
        }
        _ => true,
    }
}

/// `best` for scores relative to O's, which is 0.
fn best_row(scores: &[i32; ROW], prev: u8) -> u8 {
    let mut best = 0u8;
    let mut top = 0;
    for (c, &s) in scores.iter().enumerate() {
        if s > top && allowed(prev, c as u8 + 1) {
            top = s;
            best = c as u8 + 1;
        }
    }
    best
}

fn best<T: PartialOrd + Copy>(scores: &[T; CLASSES], prev: u8) -> u8 {
    let mut best = 0u8;
    let mut top = scores[0];
    for (c, &s) in scores.iter().enumerate() {
        if s > top && allowed(prev, c as u8) {
            top = s;
            best = c as u8;
        }
    }
    best
}

/// Trained weights in an open-addressing table keyed by feature hash.
/// Weights stay quantized, as sums of i16 in i32 rank the classes exactly as
/// the floats would.
///
/// Most features the tagger asks about were never seen in training, and a
/// miss walks the probe run to its end: at load 3/4 some eight slots, each
/// a compare and a branch, where at 3/8 it is about two. So the table is
/// kept at most 3/8 full, and the keys live apart from the weights, as
/// 32-bit fingerprints: sixteen to a cache line, the whole key table (512
/// KiB for the built-in model) small enough to stay in a core's L2 cache,
/// and only a hit reads a weight row.
pub struct Model {
    /// Fingerprint of each slot's feature, 0 for an empty slot.
    keys: Vec<u32>,
    /// The weights of the feature in the same slot of `keys`.
    weights: Vec<Row>,
    shift: u32,
    /// Fingerprint of the dictionaries the model was trained with.
    pub trained_with: u64,
    /// Tells this model's entries in a thread's `WORD_SUMS` from another's.
    id: u64,
}

/// Each new model's `id`.
static MODEL_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Token `i`'s own features as `Model::prepare` leaves them.
#[derive(Default)]
struct Pending {
    word_key: u64,
    /// The summed weights of the word's features, when the memo had them.
    word_sum: Option<[i32; ROW]>,
    /// The word's features, when it did not.
    word: Vec<u64>,
    context: Vec<u64>,
}

thread_local! {
    /// Summed weights of the word-only features of words this thread has
    /// tagged lately. News repeats its names, and its capitalised words
    /// ("The", "Reuters", "U.S.") across articles: a hit replaces eight
    /// lookups in a table larger than the cache with one.
    static WORD_SUMS: std::cell::RefCell<WordSums> = std::cell::RefCell::new(WordSums::new(0));
}

/// Slots of `WORD_SUMS` (44 bytes each: 176 KiB).
const WORD_SLOTS: usize = 1 << 12;

/// A direct-mapped memo: a word that lands on a taken slot replaces its
/// occupant. Keys are `Doc::word_key` hashes; key 0 is never stored.
struct WordSums {
    model: u64,
    keys: Vec<u64>,
    sums: Vec<[i32; ROW]>,
}

impl WordSums {
    fn new(model: u64) -> WordSums {
        // Model 0 is no model: the thread's memo stays empty until used.
        let slots = if model == 0 { 0 } else { WORD_SLOTS };
        WordSums {
            model,
            keys: vec![0; slots],
            sums: vec![[0; ROW]; slots],
        }
    }

    #[inline]
    fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - WORD_SLOTS.trailing_zeros())) as usize
    }

    #[inline]
    fn get(&self, key: u64) -> Option<[i32; ROW]> {
        let i = WordSums::slot(key);
        (key != 0 && self.keys.get(i) == Some(&key)).then(|| self.sums[i])
    }

    fn insert(&mut self, key: u64, sum: [i32; ROW]) {
        let i = WordSums::slot(key);
        if key != 0 && i < self.keys.len() {
            self.keys[i] = key;
            self.sums[i] = sum;
        }
    }
}

#[inline]
fn slot(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// The key's high half (the slot comes from all of it, mixed): a feature
/// the model lacks borrows another's weights only if it shares the 32 bits
/// and lands in that one's probe run, about once in 10^9 lookups.
#[inline]
fn fingerprint(key: u64) -> u32 {
    (key >> 32) as u32 | 1
}

impl Model {
    fn from_weights(weights: impl ExactSizeIterator<Item = (u64, [i16; ROW])>, trained_with: u64) -> Model {
        // Load factor at most 3/8 (see above).
        let capacity = (weights.len() * 8 / 3 + 1).next_power_of_two().max(16);
        let shift = 64 - capacity.trailing_zeros();
        let mut keys = vec![0u32; capacity];
        let mut rows = vec![Row::default(); capacity];
        let mask = capacity - 1;
        for (key, w) in weights {
            let f = fingerprint(key);
            let mut i = slot(key, shift);
            while keys[i] != 0 && keys[i] != f {
                i = (i + 1) & mask;
            }
            // Two features with one fingerprint in one run share a slot: the
            // first keeps it.
            if keys[i] == 0 {
                keys[i] = f;
                rows[i] = Row(w);
            }
        }
        Model {
            keys,
            weights: rows,
            shift,
            trained_with,
            id: MODEL_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    #[inline]
    fn get(&self, key: u64) -> Option<&[i16; ROW]> {
        let mask = self.keys.len() - 1;
        let f = fingerprint(key);
        let mut i = slot(key, self.shift);
        loop {
            let k = self.keys[i];
            if k == f {
                return Some(&self.weights[i].0);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Asks for the keys and first weight row of `feats` ahead of `add`:
    /// the tables are larger than the cache, and misses that overlap cost
    /// little more than one.
    #[inline]
    fn prefetch(&self, feats: &[u64]) {
        #[cfg(target_arch = "x86_64")]
        for &f in feats {
            let i = slot(f, self.shift);
            let k = &self.keys[i] as *const u32 as *const i8;
            let w = &self.weights[i] as *const Row as *const i8;
            // SAFETY: a prefetch is a hint that never faults; k and w point
            // into the tables.
            unsafe {
                std::arch::x86_64::_mm_prefetch(k, std::arch::x86_64::_MM_HINT_T0);
                std::arch::x86_64::_mm_prefetch(w, std::arch::x86_64::_MM_HINT_T0);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = feats;
    }

    /// Adds the weights of `feats` to `s`.
    #[inline]
    fn add(&self, feats: &[u64], s: &mut [i32; ROW]) {
        for &f in feats {
            if let Some(w) = self.get(f) {
                for c in 0..ROW {
                    s[c] += i32::from(w[c]);
                }
            }
        }
    }

    /// BILOU tags for every token of `doc`; `history` holds what the
    /// article's earlier parts were tagged, and gets this one's.
    pub fn tag(&self, doc: &Doc, history: &mut History) -> Vec<u8> {
        WORD_SUMS.with_borrow_mut(|memo| self.tag_with(doc, memo, history))
    }

    fn tag_with(&self, doc: &Doc, memo: &mut WordSums, history: &mut History) -> Vec<u8> {
        if memo.model != self.id {
            *memo = WordSums::new(self.id);
        }
        let n = doc.len();
        let mut tags = Vec::with_capacity(n);
        // The features of this token that do not depend on the tag before
        // it, and of the next one when it will surely be asked about: the
        // next token's weights load while this one is scored. A word's own
        // features come summed from the memo when it has met the word.
        // (Ints add up alike in any order, so the scores are exactly the
        // plain ones.)
        let mut own = Pending::default();
        let mut own_next = Pending::default();
        let mut own_ready = false;
        let mut with_prev = Vec::with_capacity(16);
        let mut prev = 0u8;
        for i in 0..n {
            if doc.tokens[i].line_start {
                prev = 0;
            }
            let next_ready = i + 1 < n && doc.needs_model(i + 1, 0);
            if next_ready {
                self.prepare(doc, i + 1, memo, &mut own_next);
            }
            let tag = if doc.needs_model(i, prev) {
                if !own_ready {
                    self.prepare(doc, i, memo, &mut own);
                }
                with_prev.clear();
                doc.prev_features(i, prev, &mut with_prev);
                doc.history_features(i, history, &mut with_prev);
                self.prefetch(&with_prev);
                let s = self.scores(&own, memo, &with_prev);
                let tag = best_row(&s, prev);
                doc.record(i, kind_of(tag).map(|(k, _)| k.index()), history);
                tag
            } else {
                0
            };
            tags.push(tag);
            prev = tag;
            // Most tokens are not asked about: nothing to hand on.
            if next_ready {
                std::mem::swap(&mut own, &mut own_next);
            }
            own_ready = next_ready;
        }
        tags
    }

    /// The scores of a token whose own features `p` holds, with `extra`
    /// (the features that read the tag before it).
    fn scores(&self, p: &Pending, memo: &mut WordSums, extra: &[u64]) -> [i32; ROW] {
        let mut s = match p.word_sum {
            Some(sum) => sum,
            None => {
                let mut sum = [0i32; ROW];
                self.add(&p.word, &mut sum);
                memo.insert(p.word_key, sum);
                sum
            }
        };
        self.add(&p.context, &mut s);
        self.add(extra, &mut s);
        s
    }

    /// Gathers token `i`'s own features into `p` and asks for their weights.
    fn prepare(&self, doc: &Doc, i: usize, memo: &WordSums, p: &mut Pending) {
        p.word.clear();
        p.context.clear();
        p.word_key = doc.memo_key(i);
        p.word_sum = memo.get(p.word_key);
        if p.word_sum.is_none() {
            doc.word_features(i, &mut p.word);
            self.prefetch(&p.word);
        }
        doc.context_features(i, &mut p.context);
        self.prefetch(&p.context);
    }

    /// Reads the gzip-compressed weight file `to_bytes` wrote.
    pub fn from_bytes(gz: &[u8]) -> Result<Model> {
        let bad = |reason: &str| Error::Invalid(format!("entity model: {reason}"));
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut raw)
            .map_err(|e| bad(&e.to_string()))?;
        if raw.len() < 24 || &raw[..8] != MAGIC {
            return Err(bad("not a newsidx model file"));
        }
        let u32_at = |at: usize| u32::from_le_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]);
        let count = u32_at(8) as usize;
        let trained_with = u64::from(u32_at(16)) | u64::from(u32_at(20)) << 32;
        let record = 8 + 2 * ROW;
        if raw.len() != 24 + count * record {
            return Err(bad("truncated"));
        }
        let weights = raw[24..].chunks_exact(record).map(|r| {
            let mut key = [0u8; 8];
            key.copy_from_slice(&r[..8]);
            let mut w = [0i16; ROW];
            for (c, q) in r[8..].chunks_exact(2).enumerate() {
                w[c] = i16::from_le_bytes([q[0], q[1]]);
            }
            (u64::from_le_bytes(key), w)
        });
        Ok(Model::from_weights(weights, trained_with))
    }
}

/// The mean of the averaged weights of taggers trained on one file with
/// other shuffles: one tagger with their features, less bound to the order
/// any one of them read the file in.
#[derive(Default)]
pub struct Bag {
    sums: HashMap<u64, [f64; CLASSES]>,
    count: u32,
}

impl Bag {
    pub fn add(&mut self, trainer: &Trainer) {
        for (k, w) in trainer.averaged() {
            let sum = self.sums.entry(k).or_insert([0.0; CLASSES]);
            for (s, x) in sum.iter_mut().zip(w) {
                *s += f64::from(x);
            }
        }
        self.count += 1;
    }

    /// A trainer whose averaged weights are the bag's mean.
    pub fn into_trainer(self) -> Trainer {
        let n = f64::from(self.count.max(1));
        Trainer::from_averaged(
            self.sums
                .into_iter()
                .map(|(k, sum)| (k, sum.map(|s| (s / n) as f32))),
        )
    }
}

/// Averaged perceptron training state.
#[derive(Default)]
pub struct Trainer {
    weights: HashMap<u64, Acc>,
    now: u32,
}

struct Acc {
    w: [f32; CLASSES],
    total: [f64; CLASSES],
    stamp: [u32; CLASSES],
}

impl Trainer {
    /// A trainer whose averaged weights are `weights`: each the weight of
    /// one step, with nothing summed before it.
    fn from_averaged(weights: impl IntoIterator<Item = (u64, [f32; CLASSES])>) -> Trainer {
        let weights = weights
            .into_iter()
            .map(|(k, w)| {
                let acc = Acc {
                    w,
                    total: [0.0; CLASSES],
                    stamp: [0; CLASSES],
                };
                (k, acc)
            })
            .collect();
        Trainer { weights, now: 1 }
    }

    /// One pass over a document with gold tags; returns (tokens asked, mistakes).
    pub fn learn(&mut self, doc: &Doc, gold: &[u8]) -> (usize, usize) {
        let mut feats = Vec::with_capacity(64);
        let mut history = History::default();
        let mut prev = 0u8;
        let (mut asked, mut wrong) = (0, 0);
        for (i, &truth) in gold.iter().enumerate().take(doc.len()) {
            if doc.tokens[i].line_start {
                prev = 0;
            }
            let guess = if doc.needs_model(i, prev) {
                doc.features(i, prev, &mut feats);
                doc.history_features(i, &history, &mut feats);
                self.now += 1;
                asked += 1;
                let mut s = [0.0f32; CLASSES];
                for f in &feats {
                    if let Some(a) = self.weights.get(f) {
                        for (sc, w) in s.iter_mut().zip(a.w) {
                            *sc += w;
                        }
                    }
                }
                let guess = best(&s, prev);
                if guess != truth {
                    wrong += 1;
                    for &f in &feats {
                        self.update(f, truth, 1.0);
                        self.update(f, guess, -1.0);
                    }
                }
                doc.record(i, kind_of(guess).map(|(k, _)| k.index()), &mut history);
                guess
            } else {
                0
            };
            prev = guess;
        }
        (asked, wrong)
    }

    fn update(&mut self, feat: u64, class: u8, delta: f32) {
        let now = self.now;
        let a = self.weights.entry(feat).or_insert_with(|| Acc {
            w: [0.0; CLASSES],
            total: [0.0; CLASSES],
            stamp: [now; CLASSES],
        });
        let c = class as usize;
        a.total[c] += f64::from(now - a.stamp[c]) * f64::from(a.w[c]);
        a.stamp[c] = now;
        a.w[c] += delta;
    }

    /// Each feature's weights averaged over the training's steps.
    fn averaged(&self) -> impl Iterator<Item = (u64, [f32; CLASSES])> + '_ {
        let now = f64::from(self.now.max(1));
        self.weights.iter().map(move |(&k, a)| {
            let mut w = [0.0f32; CLASSES];
            for (c, x) in w.iter_mut().enumerate() {
                let total = a.total[c] + (now - f64::from(a.stamp[c])) * f64::from(a.w[c]);
                *x = (total / now) as f32;
            }
            (k, w)
        })
    }

    /// The averaged weights, quantized and gzip-compressed; weights closer
    /// to zero than `prune` are dropped.
    pub fn to_bytes(&self, trained_with: u64, prune: f32) -> Result<(Vec<u8>, usize)> {
        let mut averaged: Vec<(u64, [f32; ROW])> = self
            .averaged()
            .filter_map(|(k, w)| {
                let mut row = [0.0f32; ROW];
                for (r, x) in row.iter_mut().zip(&w[1..]) {
                    *r = x - w[0];
                }
                row.iter().any(|x| x.abs() >= prune).then_some((k, row))
            })
            .collect();
        averaged.sort_by_key(|&(k, _)| k);
        let max = averaged
            .iter()
            .flat_map(|(_, w)| w.iter())
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / f32::from(i16::MAX) } else { 1.0 };
        let mut raw = Vec::with_capacity(24 + averaged.len() * (8 + 2 * ROW));
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&(averaged.len() as u32).to_le_bytes());
        raw.extend_from_slice(&scale.to_bits().to_le_bytes());
        raw.extend_from_slice(&trained_with.to_le_bytes());
        for (k, w) in &averaged {
            raw.extend_from_slice(&k.to_le_bytes());
            for x in w {
                raw.extend_from_slice(&((x / scale).round() as i16).to_le_bytes());
            }
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw)
            .map_err(|e| Error::Invalid(format!("entity model: {e}")))?;
        let bytes = gz
            .finish()
            .map_err(|e| Error::Invalid(format!("entity model: {e}")))?;
        Ok((bytes, averaged.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::dictionary::Dictionary;
    use crate::entities::tokens::tokenize;

    /// Greedy decoding over all features, straight from the weight table.
    fn tag_plain(model: &Model, doc: &Doc) -> Vec<u8> {
        let mut history = History::default();
        let mut tags = Vec::new();
        let mut feats = Vec::new();
        let mut prev = 0u8;
        for i in 0..doc.len() {
            if doc.tokens[i].line_start {
                prev = 0;
            }
            let tag = if doc.needs_model(i, prev) {
                doc.features(i, prev, &mut feats);
                doc.history_features(i, &history, &mut feats);
                let mut s = [0i32; ROW];
                model.add(&feats, &mut s);
                let tag = best_row(&s, prev);
                doc.record(i, kind_of(tag).map(|(k, _)| k.index()), &mut history);
                tag
            } else {
                0
            };
            tags.push(tag);
            prev = tag;
        }
        tags
    }

    #[test]
    fn memo_and_lookahead_tag_exactly_as_plain_scoring() {
        let dict = Dictionary::builtin().unwrap();
        let model = Model::from_bytes(crate::entities::MODEL).unwrap();
        let text = "Kim Jong Un met Vladimir Putin in Moscow on Tuesday, KCNA said.\n\
                    Kim told the Korean Central News Agency that Putin and the\n\
                    Bank of England were wrong. THE U.S. STATE DEPARTMENT said Kim\n\
                    and Putin, in Moscow, met again; Reuters and Putin's aides agreed.";
        let doc = Doc::new(text, tokenize(text), &dict);
        let plain = tag_plain(&model, &doc);
        assert!(plain.iter().any(|&t| t != 0), "some names are tagged");
        // The second pass answers the repeated words from the memo.
        assert_eq!(model.tag(&doc, &mut History::default()), plain);
        assert_eq!(model.tag(&doc, &mut History::default()), plain);
        // Another model in the same thread does not read the first one's sums.
        let other = Model::from_weights(
            [(fu_bias(), {
                let mut w = [0; ROW];
                w[1] = 5;
                w
            })]
            .into_iter(),
            0,
        );
        assert_eq!(other.tag(&doc, &mut History::default()), tag_plain(&other, &doc));
        assert_eq!(model.tag(&doc, &mut History::default()), plain);
    }

    /// A word's class is looked up only near a capitalised word: the sum
    /// a thread kept for the word where it had none is not the word's sum
    /// where it has one. (Two clean builds of one archive tagged 32 of
    /// 45,311 articles differently, by what the thread had read before.)
    #[test]
    fn a_word_tags_alike_whatever_the_thread_read_before() {
        let dict = Dictionary::builtin().unwrap();
        // "west": no capitalised word within two tokens, so no class looked
        // up; then right after one, with its class.
        let far = "Foo bar baz west qux";
        let near = "Foo west";
        let (far, near) = (
            Doc::new(far, tokenize(far), &dict),
            Doc::new(near, tokenize(near), &dict),
        );
        let (mut without, mut with) = (Vec::new(), Vec::new());
        far.word_features(3, &mut without);
        near.word_features(1, &mut with);
        let class: Vec<u64> = with.iter().filter(|k| !without.contains(k)).copied().collect();
        assert!(!class.is_empty(), "the clusters class \"west\"");
        // Every token a one-word person, so that each token after one is
        // asked about; "west" with its class a one-word place.
        let unit = |kind: Kind| usize::from(tag_of(kind, Place::Unit)) - 1;
        let mut person = [0; ROW];
        person[unit(Kind::Person)] = 5;
        let mut place = [0; ROW];
        place[unit(Kind::Place)] = 10;
        let model = Model::from_weights(
            std::iter::once((fu_bias(), person))
                .chain(class.iter().map(|&k| (k, place)))
                .collect::<Vec<_>>()
                .into_iter(),
            0,
        );
        let plain = tag_plain(&model, &near);
        assert_eq!(plain[1], tag_of(Kind::Place, Place::Unit));
        assert_eq!(tag_plain(&model, &far)[3], tag_of(Kind::Person, Place::Unit));
        // The thread has read "west" without its class first.
        assert_eq!(model.tag(&far, &mut History::default()), tag_plain(&model, &far));
        assert_eq!(model.tag(&near, &mut History::default()), plain);
    }

    /// A trainer whose averaged weights are `rows` (feature, class, weight).
    fn fixed(rows: &[(u64, usize, f32)]) -> Trainer {
        let mut weights: HashMap<u64, [f32; CLASSES]> = HashMap::new();
        for &(k, c, w) in rows {
            weights.entry(k).or_insert([0.0; CLASSES])[c] = w;
        }
        Trainer::from_averaged(weights)
    }

    #[test]
    fn a_bag_writes_the_mean_of_its_taggers() {
        let a = fixed(&[(7, 1, 2.0), (8, 3, -1.0)]);
        let b = fixed(&[(7, 1, 4.0), (9, 2, 1.0)]);
        // A bag of one is the tagger itself, byte for byte.
        let mut one = Bag::default();
        one.add(&a);
        assert_eq!(
            one.into_trainer().to_bytes(1, 0.2).unwrap(),
            a.to_bytes(1, 0.2).unwrap()
        );
        // Two: each feature's mean, a feature one of them lacks halved.
        let mut two = Bag::default();
        two.add(&a);
        two.add(&b);
        let mean: HashMap<u64, [f32; CLASSES]> = two.into_trainer().averaged().collect();
        let at = |k: u64, c: usize| mean.get(&k).map_or(f32::NAN, |w| w[c]);
        assert_eq!((at(7, 1), at(8, 3), at(9, 2)), (3.0, -0.5, 0.5));
        assert_eq!(mean.len(), 3);
    }

    /// The key of the bias feature, which every token has.
    fn fu_bias() -> u64 {
        let mut feats = Vec::new();
        let text = "Kim";
        let doc = Doc::new(text, tokenize(text), &Dictionary::default());
        doc.word_features(0, &mut feats);
        feats[0]
    }
}
