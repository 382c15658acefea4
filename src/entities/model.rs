//! The tagger: an averaged perceptron over hashed features, decoding greedily
//! left to right into BIO tags; its weights, training and file format.

use std::collections::HashMap;
use std::io::{Read, Write};

use super::features::Doc;
use super::Kind;
use crate::error::{Error, Result};

/// O, then B and I for each kind in `Kind::ALL` order.
pub const CLASSES: usize = 9;
const MAGIC: &[u8; 8] = b"NXNER\x00\x00\x01";

pub fn tag_of(kind: Kind, begin: bool) -> u8 {
    1 + 2 * kind.index() as u8 + (!begin) as u8
}

pub fn kind_of(tag: u8) -> Option<(Kind, bool)> {
    if tag == 0 || tag as usize >= CLASSES {
        return None;
    }
    Some((Kind::ALL[((tag - 1) / 2) as usize], (tag - 1).is_multiple_of(2)))
}

/// I-X may only follow B-X or I-X.
fn allowed(prev: u8, tag: u8) -> bool {
    match kind_of(tag) {
        Some((kind, false)) => matches!(kind_of(prev), Some((k, _)) if k == kind),
        _ => true,
    }
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
/// miss walks the probe run to its end (at load 3/4 some eight slots). So
/// the keys live apart from the weights, as 32-bit fingerprints: sixteen to
/// a cache line, the whole key table small enough to stay in a core's L2
/// cache, and only a hit reads a weight row.
pub struct Model {
    /// Fingerprint of each slot's feature, 0 for an empty slot.
    keys: Vec<u32>,
    /// The weights of the feature in the same slot of `keys`.
    weights: Vec<[i16; CLASSES]>,
    shift: u32,
    /// Fingerprint of the dictionaries the model was trained with.
    pub trained_with: u64,
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
    fn from_weights(
        weights: impl ExactSizeIterator<Item = (u64, [i16; CLASSES])>,
        trained_with: u64,
    ) -> Model {
        // Load factor at most 3/4: short probe runs, a table that fits in cache.
        let capacity = (weights.len() * 4 / 3 + 1).next_power_of_two().max(16);
        let shift = 64 - capacity.trailing_zeros();
        let mut keys = vec![0u32; capacity];
        let mut rows = vec![[0i16; CLASSES]; capacity];
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
                rows[i] = w;
            }
        }
        Model {
            keys,
            weights: rows,
            shift,
            trained_with,
        }
    }

    #[inline]
    fn get(&self, key: u64) -> Option<&[i16; CLASSES]> {
        let mask = self.keys.len() - 1;
        let f = fingerprint(key);
        let mut i = slot(key, self.shift);
        loop {
            let k = self.keys[i];
            if k == f {
                return Some(&self.weights[i]);
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
            let w = &self.weights[i] as *const [i16; CLASSES] as *const i8;
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
    fn add(&self, feats: &[u64], s: &mut [i32; CLASSES]) {
        for &f in feats {
            if let Some(w) = self.get(f) {
                for c in 0..CLASSES {
                    s[c] += i32::from(w[c]);
                }
            }
        }
    }

    /// BIO tags for every token of `doc`.
    pub fn tag(&self, doc: &Doc) -> Vec<u8> {
        let n = doc.len();
        let mut tags = Vec::with_capacity(n);
        // The features of this token that do not depend on the tag before
        // it, and of the next one when it will surely be asked about: the
        // next token's weights load while this one is scored. (Ints add up
        // alike in any order, so the scores are exactly the plain ones.)
        let mut own = Vec::with_capacity(64);
        let mut own_next = Vec::with_capacity(64);
        let mut own_ready = false;
        let mut with_prev = Vec::with_capacity(16);
        let mut prev = 0u8;
        for i in 0..n {
            if doc.tokens[i].line_start {
                prev = 0;
            }
            let next_ready = i + 1 < n && doc.needs_model(i + 1, 0);
            if next_ready {
                own_next.clear();
                doc.own_features(i + 1, &mut own_next);
                self.prefetch(&own_next);
            }
            let tag = if doc.needs_model(i, prev) {
                if !own_ready {
                    own.clear();
                    doc.own_features(i, &mut own);
                    self.prefetch(&own);
                }
                with_prev.clear();
                doc.prev_features(i, prev, &mut with_prev);
                self.prefetch(&with_prev);
                let mut s = [0i32; CLASSES];
                self.add(&own, &mut s);
                self.add(&with_prev, &mut s);
                best(&s, prev)
            } else {
                0
            };
            tags.push(tag);
            prev = tag;
            std::mem::swap(&mut own, &mut own_next);
            own_ready = next_ready;
        }
        tags
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
        let record = 8 + 2 * CLASSES;
        if raw.len() != 24 + count * record {
            return Err(bad("truncated"));
        }
        let weights = raw[24..].chunks_exact(record).map(|r| {
            let mut key = [0u8; 8];
            key.copy_from_slice(&r[..8]);
            let mut w = [0i16; CLASSES];
            for (c, q) in r[8..].chunks_exact(2).enumerate() {
                w[c] = i16::from_le_bytes([q[0], q[1]]);
            }
            (u64::from_le_bytes(key), w)
        });
        Ok(Model::from_weights(weights, trained_with))
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
    /// One pass over a document with gold tags; returns (tokens asked, mistakes).
    pub fn learn(&mut self, doc: &Doc, gold: &[u8]) -> (usize, usize) {
        let mut feats = Vec::with_capacity(64);
        let mut prev = 0u8;
        let (mut asked, mut wrong) = (0, 0);
        for (i, &truth) in gold.iter().enumerate().take(doc.len()) {
            if doc.tokens[i].line_start {
                prev = 0;
            }
            let guess = if doc.needs_model(i, prev) {
                doc.features(i, prev, &mut feats);
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

    /// The averaged weights, quantized and gzip-compressed; weights closer
    /// to zero than `prune` are dropped.
    pub fn to_bytes(&self, trained_with: u64, prune: f32) -> Result<(Vec<u8>, usize)> {
        let now = f64::from(self.now.max(1));
        let mut averaged: Vec<(u64, [f32; CLASSES])> = self
            .weights
            .iter()
            .filter_map(|(&k, a)| {
                let mut w = [0.0f32; CLASSES];
                for (c, x) in w.iter_mut().enumerate() {
                    let total = a.total[c] + (now - f64::from(a.stamp[c])) * f64::from(a.w[c]);
                    *x = (total / now) as f32;
                }
                w.iter().any(|x| x.abs() >= prune).then_some((k, w))
            })
            .collect();
        averaged.sort_by_key(|&(k, _)| k);
        let max = averaged
            .iter()
            .flat_map(|(_, w)| w.iter())
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / f32::from(i16::MAX) } else { 1.0 };
        let mut raw = Vec::with_capacity(24 + averaged.len() * (8 + 2 * CLASSES));
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
