//! The tagger's view of a token: hashed feature ids, computed the same way
//! when training and when tagging.

use std::collections::HashSet;

use super::clusters;
use super::dictionary::{gaz, Dictionary, GAZ_MAX_TOKENS};
use super::gazetteer;
use super::tokens::Token;
use crate::ascii_scan::{push_lower_ascii, tail};

pub const SEED: u64 = 0xcbf2_9ce4_8422_2325;
const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(K)
}

/// A fast, non-cryptographic hash of `bytes` continuing from `h`.
#[inline]
pub fn hash_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = mix(
            h,
            u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        );
    }
    mix(mix(h, tail(chunks.remainder())), bytes.len() as u64)
}

/// Hasher for keys that are already hashes: one multiply instead of SipHash.
#[derive(Default, Clone, Copy)]
pub struct Premixed(u64);

impl std::hash::Hasher for Premixed {
    fn finish(&self) -> u64 {
        (self.0 ^ (self.0 >> 32)).wrapping_mul(K)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(self.0, bytes);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
    // A `str` key ends with a 0xff byte and a `Kind` is its discriminant:
    // one mix each, where the default `write` ran a whole `hash_bytes`.
    fn write_u8(&mut self, v: u8) {
        self.0 = mix(self.0, u64::from(v));
    }
    fn write_isize(&mut self, v: isize) {
        self.0 = mix(self.0, v as u64);
    }
}

pub type PremixedState = std::hash::BuildHasherDefault<Premixed>;

/// The kinds the tagger gave each capitalised word earlier in the article
/// (Ratinov & Roth's "extended prediction history"): a club's name in a
/// results table is read by how the article's prose read it.
#[derive(Default)]
pub struct History {
    /// Lower-case hash -> times tagged outside any name, then as each kind.
    seen: std::collections::HashMap<u64, [u16; 5], PremixedState>,
}

impl History {
    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

/// A document prepared for tagging: its tokens with the per-token facts the
/// features read (lower-case form, shape, gazetteer matches).
pub struct Doc<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
    /// Lower-case copies of the words that were not lower-case ASCII.
    lower: String,
    /// Where each token's lower-case form is: in `lower`, or with `IN_TEXT`
    /// set on the start, in `text`.
    lower_at: Vec<(u32, u32)>,
    /// Hash of each lower-case form, the currency of most features.
    lower_hash: Vec<u64>,
    shapes: Vec<[u8; 8]>,
    /// Gazetteer bits of the match a token begins, and of a match it continues.
    gaz_begin: Vec<u16>,
    gaz_inside: Vec<u16>,
    /// Capitalised words the document also writes in lower case: the capital
    /// there is the sentence's, not a name's.
    seen_lower: HashSet<u64, PremixedState>,
    /// Sentence (by line) is written in capitals, like wire headlines.
    caps_line: Vec<bool>,
    /// What each token's first character is, asked of every token, often twice.
    first: Vec<First>,
    /// The word class of each token that is a capitalised word or next to
    /// one (the only ones asked for), 0 for the others and for none.
    classes: Vec<u32>,
    /// How the unlabelled text writes each capitalised word
    /// (`Clusters::case_of`), 0 for the others; empty without classes.
    case: Vec<u8>,
}

/// The first character of a token, as `needs_model` sorts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum First {
    Upper,
    Lower,
    /// Punctuation that never continues a name.
    Stop,
    Other,
}

/// Marks a `lower_at` range that lies in the text itself.
const IN_TEXT: u32 = 1 << 31;

impl First {
    /// `of` for an ASCII word.
    #[inline]
    fn of_ascii(word: &[u8]) -> First {
        match word.first() {
            Some(b'A'..=b'Z') => First::Upper,
            Some(b'a'..=b'z') => First::Lower,
            Some(b',' | b'.' | b'(' | b')' | b'"' | b';' | b':') => First::Stop,
            _ => First::Other,
        }
    }

    fn of(word: &str) -> First {
        match word.chars().next() {
            Some(c) if c.is_uppercase() => First::Upper,
            Some(c) if c.is_lowercase() => First::Lower,
            Some(',' | '.' | '(' | ')' | '"' | ';' | ':') => First::Stop,
            _ => First::Other,
        }
    }
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str, tokens: Vec<Token>, dict: &Dictionary) -> Doc<'a> {
        let n = tokens.len();
        // Offsets into `text` must leave `IN_TEXT` free (parts are cut far
        // below that); a longer text has every word copied.
        let borrow = text.len() < IN_TEXT as usize;
        // Only words with capitals (or beyond ASCII) are copied: room for
        // a fifth of the text saves growing it word by word.
        let mut lower = String::with_capacity(text.len() / 5);
        let mut lower_at = Vec::with_capacity(n);
        let mut lower_hash = Vec::with_capacity(n);
        let mut shapes = Vec::with_capacity(n);
        let mut first = Vec::with_capacity(n);
        // Capitalised words are few: collect them, then mark those the
        // article also writes in lower case (lookups in a small set are
        // cheaper than inserting every lower-case word).
        let mut capitalised = HashSet::with_capacity_and_hasher(n / 4, PremixedState::default());
        let mut caps_line = vec![false; n];
        // Lines in capitals: every cased letter upper, at least a few of them.
        let (mut line_from, mut upper, mut lowercase) = (0, 0u32, 0u32);
        for (i, t) in tokens.iter().enumerate() {
            if t.line_start && i > line_from {
                let caps = upper >= 6 && lowercase * 10 <= upper;
                caps_line[line_from..i].iter_mut().for_each(|c| *c = caps);
                (line_from, upper, lowercase) = (i, 0, 0);
            }
            let word = &text[t.start..t.end];
            let (sh, up, low, ascii) = if all_lower_ascii(word.as_bytes()) {
                // Most words: no need to class them a byte at a time.
                (LOWER_SHAPE, 0, word.len() as u32, true)
            } else {
                shape(word)
            };
            upper += up;
            lowercase += low;
            let h = if ascii && up == 0 && borrow {
                // Most words: lower-case already, read where they stand.
                first.push(First::of_ascii(word.as_bytes()));
                lower_at.push((t.start as u32 | IN_TEXT, t.end as u32));
                hash_bytes(SEED, word.as_bytes())
            } else {
                let from = lower.len();
                if ascii {
                    first.push(First::of_ascii(word.as_bytes()));
                    // SAFETY: `ascii` says the shape scan found no byte past
                    // 0x7f.
                    unsafe { push_lower_ascii(&mut lower, word.as_bytes()) };
                } else {
                    first.push(First::of(word));
                    lower.extend(word.chars().flat_map(char::to_lowercase));
                }
                lower_at.push((from as u32, lower.len() as u32));
                hash_bytes(SEED, &lower.as_bytes()[from..])
            };
            lower_hash.push(h);
            shapes.push(sh);
            if up > 0 {
                capitalised.insert(h);
                // `match_gazetteer` will ask about this word, and about the
                // word before it.
                dict.gazetteer().prefetch(h);
                if i > 0 {
                    dict.gazetteer().prefetch(lower_hash[i - 1]);
                }
            }
        }
        // A bitmap of the capitalised words' hashes answers "no" for most
        // lower-case words without probing the set.
        let mut maybe_capitalised = [0u64; 64];
        for h in &capitalised {
            maybe_capitalised[(h >> 58) as usize] |= 1 << (h & 63);
        }
        let mut seen_lower = HashSet::with_capacity_and_hasher(16, PremixedState::default());
        for (&f, h) in first.iter().zip(&lower_hash) {
            if maybe_capitalised[(h >> 58) as usize] & (1 << (h & 63)) != 0
                && f == First::Lower
                && capitalised.contains(h)
            {
                seen_lower.insert(*h);
            }
        }
        let caps = upper >= 6 && lowercase * 10 <= upper;
        caps_line[line_from..n].iter_mut().for_each(|c| *c = caps);
        let mut doc = Doc {
            text,
            tokens,
            lower,
            lower_at,
            lower_hash,
            shapes,
            gaz_begin: vec![0; n],
            gaz_inside: vec![0; n],
            seen_lower,
            caps_line,
            first,
            classes: Vec::new(),
            case: Vec::new(),
        };
        (doc.classes, doc.case) = doc.look_up_classes(dict);
        doc.match_gazetteer(dict);
        doc
    }

    /// `classes` and `case`: the slots are asked for in one pass and read
    /// in the next, so that the misses overlap.
    fn look_up_classes(&self, dict: &Dictionary) -> (Vec<u32>, Vec<u8>) {
        let n = self.len();
        let Some(c) = dict.clusters() else {
            return (Vec::new(), Vec::new());
        };
        let wanted = |i: usize| {
            self.first[i] == First::Upper
                || (i > 0 && self.first[i - 1] == First::Upper)
                || self.first.get(i + 1) == Some(&First::Upper)
                || (i > 1 && self.first[i - 2] == First::Upper)
        };
        let mut keys = vec![0u64; n];
        for (i, k) in keys.iter_mut().enumerate() {
            if wanted(i) {
                *k = self.word_key(i);
                c.prefetch(*k);
                if self.first[i] == First::Upper {
                    c.prefetch(self.lower_hash[i]);
                }
            }
        }
        let mut title = Vec::new();
        let classes = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                if k == 0 {
                    return 0;
                }
                // "FREDDIE MAC", "HILLARY CLINTON": a word in capitals takes
                // the class of the word as a name is written, when the
                // text has it: in capitals every word looks alike. (An
                // acronym, "AIG", has no other form and keeps its own.)
                let w = self.word(i).as_bytes();
                if w.len() >= 2 && w.iter().all(u8::is_ascii_uppercase) {
                    title.clear();
                    title.push(w[0]);
                    title.extend(w[1..].iter().map(u8::to_ascii_lowercase));
                    let named = c.get(hash_bytes(SEED, &title));
                    if named != 0 {
                        return named;
                    }
                }
                c.get(k)
            })
            .collect();
        let case = (0..n)
            .map(|i| match self.first[i] {
                First::Upper => c.case_of(self.lower_hash[i]),
                _ => 0,
            })
            .collect();
        (classes, case)
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn word(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.text[t.start..t.end]
    }

    pub fn lower(&self, i: usize) -> &str {
        let (a, b) = self.lower_at[i];
        if a & IN_TEXT != 0 {
            &self.text[(a & !IN_TEXT) as usize..b as usize]
        } else {
            &self.lower[a as usize..b as usize]
        }
    }

    /// The gazetteer bits of the run token `i` begins.
    pub fn gaz_bits(&self, i: usize) -> u16 {
        self.gaz_begin[i]
    }

    fn match_gazetteer(&mut self, dict: &Dictionary) {
        let gazetteer = dict.gazetteer();
        let n = self.tokens.len();
        let mut i = 0;
        while i < n {
            if self.first[i] != First::Upper && !self.caps_line[i] {
                // A lower-case word matters as the left neighbour of a name:
                // "lawmaker Yoo", "striker Shearer".
                if i + 1 < n && self.first[i + 1] == First::Upper {
                    self.gaz_begin[i] |= gazetteer.get(self.lower_hash[i]).bits;
                }
                i += 1;
                continue;
            }
            // Longest run first; each length's bits are kept. A run that no
            // entry continues ends the search.
            let mut h = self.lower_hash[i];
            let mut best = 0;
            for len in 1..=GAZ_MAX_TOKENS.min(n - i) {
                let j = i + len - 1;
                if len > 1 {
                    if self.tokens[j].line_start {
                        break;
                    }
                    h = gazetteer::extend(h, false, self.lower(j));
                }
                let run = gazetteer.get(h);
                if run.bits != 0 {
                    self.gaz_begin[i] |= run.bits;
                    for k in i + 1..=j {
                        self.gaz_inside[k] |= run.bits;
                    }
                    best = len;
                }
                if !run.continues {
                    break;
                }
            }
            i += best.max(1);
        }
    }

    /// Whether the model is asked about token `i` at all; every other token
    /// is outside any name. Names start with a capital; inside one, small
    /// words ("Bank of England", "van Gogh") continue it.
    #[inline]
    pub fn needs_model(&self, i: usize, prev: u8) -> bool {
        match self.first[i] {
            First::Upper => true,
            f if prev != 0 => f != First::Stop,
            First::Lower => {
                self.tokens[i].end - self.tokens[i].start <= 3
                    && self.first.get(i + 1) == Some(&First::Upper)
                    && !self.tokens[i].sentence_start
            }
            _ => false,
        }
    }

    /// The features of token `i`, given the tag of the token before it. (The
    /// tag two back made CoNLL dev F1 worse, 0.899 against 0.901.)
    pub fn features(&self, i: usize, prev: u8, out: &mut Vec<u64>) {
        out.clear();
        self.word_features(i, out);
        self.context_features(i, out);
        self.prev_features(i, prev, out);
    }

    /// Hash of token `i` as written: the key of everything `word_features`
    /// gives, which reads nothing else.
    pub fn word_key(&self, i: usize) -> u64 {
        if self.lower_at[i].0 & IN_TEXT != 0 {
            // Read where it stands: a lower-case word, its own lower case.
            self.lower_hash[i]
        } else {
            hash_bytes(SEED, self.word(i).as_bytes())
        }
    }

    /// The key under which a thread keeps the sum of token `i`'s
    /// `word_features`: its word and, when the word was looked up, its
    /// class. A word's class is looked up only near a capitalised word, so
    /// the word alone does not settle its features, and a sum kept for it
    /// elsewhere would make a token's tag depend on the articles the thread
    /// read before.
    pub fn memo_key(&self, i: usize) -> u64 {
        let class = self.classes.get(i).copied().unwrap_or(0);
        self.word_key(i) ^ u64::from(class).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// The features that depend on the word alone (its spelling, case,
    /// shape, affixes), and the bias. Appended to `out`.
    pub fn word_features(&self, i: usize, out: &mut Vec<u64>) {
        let l = self.lower(i).as_bytes();
        let sh = u64::from_le_bytes(self.shapes[i]);
        out.extend_from_slice(&[
            fu(0, &[]),
            fu(1, &[self.word_key(i)]),
            fu(2, &[self.lower_hash[i]]),
            fu(3, &[sh]),
            fu(5, &[hash_bytes(SEED, suffix(l, 2))]),
            fu(6, &[hash_bytes(SEED, suffix(l, 3))]),
            fu(7, &[hash_bytes(SEED, suffix(l, 4))]),
            fu(8, &[hash_bytes(SEED, prefix(l, 3))]),
        ]);
        if !self.classes.is_empty() {
            let path = self.classes[i];
            for len in [4, 6, 10, 20] {
                out.push(fu(40, &[u64::from(len), u64::from(clusters::prefix(path, len))]));
            }
        }
    }

    /// The word class of token `j`, 0 for none (or no token).
    fn class_of(&self, j: Option<usize>) -> u32 {
        j.and_then(|j| self.classes.get(j)).copied().unwrap_or(0)
    }

    /// The features of token `i` that read its neighbours or its place in
    /// the sentence, but not the tag before it. The tagger computes them a
    /// token ahead, so that their weights are on their way while the token
    /// before is scored. Appended to `out`.
    pub fn context_features(&self, i: usize, out: &mut Vec<u64>) {
        let n = self.len();
        let t = &self.tokens[i];
        let lh = self.lower_hash[i];
        let sh = u64::from_le_bytes(self.shapes[i]);
        let start = u64::from(t.sentence_start as u8 | (self.caps_line[i] as u8) << 1);
        // Neighbours stop at line ends; BOUNDARY stands in for a missing one.
        const BOUNDARY: u64 = 0x5eed_b0d7;
        let before = |k: usize| -> Option<usize> {
            (k <= i && (i + 1 - k..=i).all(|j| !self.tokens[j].line_start)).then(|| i - k)
        };
        let after = |k: usize| -> Option<usize> {
            (i + k < n && (i + 1..=i + k).all(|j| !self.tokens[j].line_start)).then_some(i + k)
        };
        let lower_of = |j: Option<usize>| j.map_or(BOUNDARY, |j| self.lower_hash[j]);
        let shape_of = |j: Option<usize>| j.map_or(BOUNDARY, |j| u64::from_le_bytes(self.shapes[j]));
        let (prev_l, next_l) = (lower_of(before(1)), lower_of(after(1)));
        let (prev_sh, next_sh) = (shape_of(before(1)), shape_of(after(1)));
        out.extend_from_slice(&[
            fu(4, &[start, sh]),
            fu(13, &[prev_l]),
            fu(14, &[next_l]),
            fu(18, &[lower_of(after(2))]),
            fu(19, &[prev_sh, sh]),
            fu(21, &[prev_sh, sh, next_sh]),
            // "Gazeta said", "Yoo told": a name's shape and the word after.
            fu(28, &[sh, next_l]),
            fu(15, &[prev_l, lh]),
            fu(16, &[lh, next_l]),
            fu(17, &[lower_of(before(2))]),
            fu(20, &[sh, next_sh]),
            fu(27, &[prev_l, sh]),
        ]);
        // The classes of the words either side: "shares of X rose", "X
        // told reporters", whatever X is.
        for (t, j) in [(41u8, before(1)), (42, after(1))] {
            let path = self.class_of(j);
            for len in [4, 10] {
                out.push(fu(t, &[u64::from(len), u64::from(clusters::prefix(path, len))]));
            }
        }

        // The gazetteer, for the token's neighbours.
        let around = |j: Option<usize>, begin_only: bool| {
            j.map_or(0, |j| {
                if begin_only {
                    self.gaz_begin[j]
                } else {
                    self.gaz_begin[j] | self.gaz_inside[j]
                }
            })
        };
        let (left, right) = (around(i.checked_sub(1), false), around(after(1), true));
        for bit in gaz::each(left | right) {
            let b = u64::from(bit);
            if left & bit != 0 {
                out.push(fu(24, &[b]));
            }
            if right & bit != 0 {
                out.push(fu(25, &[b]));
            }
        }
        // And two tokens away: "Gencor 's stake in Ingwe".
        for (t, j) in [(37u8, before(2)), (38, after(2))] {
            for bit in gaz::each(around(j, false)) {
                out.push(fu(t, &[u64::from(bit)]));
            }
        }
        if self.first[i] == First::Upper {
            let seen = self.seen_lower.contains(&lh);
            out.push(fu(26, &[u64::from(seen), start]));
            // Whether the capital is the word's or the sentence's, by how
            // often the unlabelled news writes the word small; a common
            // word before a capitalised one may begin a name ("Lower
            // Saxony").
            if let Some(&case) = self.case.get(i) {
                let name_after = after(1).is_some_and(|j| self.first[j] == First::Upper);
                if !name_after {
                    out.push(fu(44, &[u64::from(case), start]));
                }
            }
        }
    }

    /// Notes the tag given to token `i`, for `history_features` of the
    /// same word later on.
    #[inline]
    pub fn record(&self, i: usize, kind: Option<usize>, history: &mut History) {
        if self.first[i] == First::Upper {
            let counts = history.seen.entry(self.lower_hash[i]).or_default();
            let k = kind.map_or(0, |k| k + 1);
            counts[k] = counts[k].saturating_add(1);
        }
    }

    /// What the article made of token `i`'s word before, appended: for each
    /// tag it got, whether it got it some, most or all of the times.
    pub fn history_features(&self, i: usize, history: &History, out: &mut Vec<u64>) {
        if self.first[i] != First::Upper {
            return;
        }
        if let Some(counts) = history.seen.get(&self.lower_hash[i]) {
            let n: u32 = counts.iter().map(|&c| u32::from(c)).sum();
            for (k, &c) in counts.iter().enumerate() {
                let c = u32::from(c);
                if c > 0 {
                    let share = if c == n { 2 } else { u64::from(2 * c > n) };
                    out.push(fu(30, &[k as u64, share]));
                }
            }
        }
    }

    /// The features of token `i` that read the tag before it, appended.
    pub fn prev_features(&self, i: usize, prev: u8, out: &mut Vec<u64>) {
        let p1 = u64::from(prev);
        let sh = u64::from_le_bytes(self.shapes[i]);
        out.extend_from_slice(&[fu(9, &[p1]), fu(11, &[p1, sh]), fu(12, &[p1, self.lower_hash[i]])]);
        // The gazetteer, for this token.
        for bit in gaz::each(self.gaz_begin[i] | self.gaz_inside[i]) {
            let b = u64::from(bit);
            if self.gaz_begin[i] & bit != 0 {
                out.push(fu(22, &[b, p1]));
            }
            if self.gaz_inside[i] & bit != 0 {
                out.push(fu(23, &[b, p1]));
            }
        }
    }
}

#[inline]
fn fu(template: u8, parts: &[u64]) -> u64 {
    let mut h = mix(SEED, u64::from(template));
    for &p in parts {
        h = mix(h, p);
    }
    // Zero marks an empty slot in the weight table.
    h | 1
}

/// The shape of every word of ASCII lower-case letters.
const LOWER_SHAPE: [u8; 8] = [b'x', 0, 0, 0, 0, 0, 0, 0];

/// Whether `word` is one or more ASCII lower-case letters, eight bytes at a
/// time: a byte under 0x80 reaches 0x80 when 0x1f is added if it is at
/// least 'a', and when 0x05 is added if it is past 'z'.
#[inline]
fn all_lower_ascii(word: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let lower = |c: u64, bytes: u64| {
        c & HIGH == 0
            && c.wrapping_add(0x1f1f_1f1f_1f1f_1f1f) & !c.wrapping_add(0x0505_0505_0505_0505) & bytes == bytes
    };
    let mut chunks = word.chunks_exact(8);
    for c in &mut chunks {
        let c = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if !lower(c, HIGH) {
            return false;
        }
    }
    let rest = chunks.remainder();
    !word.is_empty() && (rest.is_empty() || lower(tail(rest), HIGH >> (8 * (8 - rest.len()))))
}

/// "Kim" -> "Xx", "U.S." -> "X.X.", "1996-08-30" -> "d-d-d": letters and digits
/// by class, runs collapsed, at most 8 bytes.
/// Also counts the word's upper- and lower-case letters, and says whether
/// it is all ASCII.
fn shape(word: &str) -> ([u8; 8], u32, u32, bool) {
    match shape_ascii(word) {
        Some((sh, up, low)) => (sh, up, low, true),
        None => {
            let (sh, up, low) = shape_chars(word);
            (sh, up, low, false)
        }
    }
}

/// `shape_chars` for ASCII words, without decoding characters; `None` for
/// any other word.
fn shape_ascii(word: &str) -> Option<([u8; 8], u32, u32)> {
    let mut shape = Shape::default();
    for b in word.bytes() {
        let class = match b {
            b'A'..=b'Z' => {
                shape.upper += 1;
                b'X'
            }
            b'a'..=b'z' => {
                shape.lower += 1;
                b'x'
            }
            b'0'..=b'9' => b'd',
            0x80.. => return None,
            b => b,
        };
        shape.push(class);
    }
    Some(shape.done())
}

fn shape_chars(word: &str) -> ([u8; 8], u32, u32) {
    let mut shape = Shape::default();
    for c in word.chars() {
        let class = if c.is_uppercase() {
            shape.upper += 1;
            b'X'
        } else if c.is_lowercase() {
            shape.lower += 1;
            b'x'
        } else if c.is_numeric() {
            b'd'
        } else if c.is_ascii() {
            c as u8
        } else {
            b'?'
        };
        shape.push(class);
    }
    shape.done()
}

/// A word's shape as it is built: runs of one class collapsed.
#[derive(Default)]
struct Shape {
    out: [u8; 8],
    n: usize,
    last: u8,
    upper: u32,
    lower: u32,
}

impl Shape {
    fn push(&mut self, class: u8) {
        if class != self.last && self.n < self.out.len() {
            self.out[self.n] = class;
            self.n += 1;
        }
        self.last = class;
    }

    fn done(self) -> ([u8; 8], u32, u32) {
        (self.out, self.upper, self.lower)
    }
}

fn suffix(l: &[u8], k: usize) -> &[u8] {
    if l.len() <= k {
        return l;
    }
    // Stay on a character boundary.
    let mut from = l.len() - k;
    while from > 0 && (l[from] & 0xc0) == 0x80 {
        from -= 1;
    }
    &l[from..]
}

fn prefix(l: &[u8], k: usize) -> &[u8] {
    if l.len() <= k {
        return l;
    }
    let mut to = k;
    while to < l.len() && (l[to] & 0xc0) == 0x80 {
        to += 1;
    }
    &l[..to]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::tokens::tokenize;

    #[test]
    fn lower_forms_are_the_words_in_lower_case() {
        let text = "Kim met the U.S. envoy in Łódź; naïve ÉTAT officials said 3,000 x İstanbul";
        let doc = Doc::new(text, tokenize(text), &Dictionary::default());
        assert!(doc.len() > 10);
        for i in 0..doc.len() {
            let lower: String = doc.word(i).chars().flat_map(char::to_lowercase).collect();
            assert_eq!(doc.lower(i), lower);
            assert_eq!(doc.lower_hash[i], hash_bytes(SEED, lower.as_bytes()));
        }
        // Only the words that were not lower-case ASCII were copied.
        assert_eq!(doc.lower, "kimu.s.łódźnaïveétatİstanbul".to_lowercase());
    }

    #[test]
    fn lower_case_words_are_found_eight_bytes_at_a_time() {
        // The bytes either side of a..z, and lengths across a chunk.
        let alphabet = ["a", "z", "`", "{", "A", "\u{e9}", "\u{7f}", "m"];
        for word in crate::testutil::every_string(&alphabet, 5) {
            let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase());
            assert_eq!(all_lower_ascii(word.as_bytes()), plain, "{word:?}");
            if plain {
                assert_eq!(
                    shape(&word),
                    (LOWER_SHAPE, 0, word.len() as u32, true),
                    "{word:?}"
                );
            }
        }
        for n in 1..=24 {
            let word = "q".repeat(n);
            assert!(all_lower_ascii(word.as_bytes()), "{n}");
            for at in 0..n {
                let mut bad = word.clone().into_bytes();
                for b in [b'`', b'{', b'Q', 0xc3] {
                    bad[at] = b;
                    assert!(!all_lower_ascii(&bad), "{n} {at} {b}");
                }
            }
        }
    }

    #[test]
    fn ascii_shapes_are_the_general_ones() {
        for w in [
            "Kim",
            "U.S.",
            "1996-08-30",
            "McDONALD'S",
            "a_b",
            "x",
            "",
            "ABCDEFGHIJ-1-2-3-4",
            "\u{1}~",
        ] {
            assert_eq!(shape_ascii(w), Some(shape_chars(w)), "{w:?}");
            assert_eq!(First::of_ascii(w.as_bytes()), First::of(w), "{w:?}");
        }
        assert_eq!(&shape("Kim").0[..2], b"Xx");
        assert_eq!(shape("Łódź").0[..2], *b"Xx");
        assert_eq!(shape_ascii("Łódź"), None);
        assert!(!shape("naïve").3);
    }
}
