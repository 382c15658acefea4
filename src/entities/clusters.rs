//! Word classes learnt from unlabelled news, for the tagger's features.
//!
//! `scripts/build-clusters` groups the words of the Reuters 2006-09 text
//! into classes by the words around them and arranges the classes in a
//! binary tree, as Brown clusters are: a word's class is its path from the
//! root, and a short prefix of the path is a coarse class ("a day", "a
//! company"), a long one a fine class. A name the tagger never saw in
//! training is read by the names it keeps company with (Turian et al. 2010,
//! Ratinov & Roth 2009).

use std::collections::HashMap;
use std::io::Read;
use std::sync::LazyLock;

use super::features::{hash_bytes, PremixedState, SEED};
use crate::error::{Error, Result};

/// The shipped classes: `bits\tword\tcount` lines (Liang's `paths` format), gzipped.
pub const BUILTIN: &[u8] = include_bytes!("../../schema/entities/clusters.txt.gz");

/// Bits of a path kept: prefixes past this length are never asked for.
const MAX_BITS: usize = 23;
/// The low bits of a slot that hold the path (with its marker bit).
const PATH_BITS: u32 = MAX_BITS as u32 + 1;

/// The bits of a slot above the path that say how the text writes a word
/// (`case_of`).
const CASE_BITS: u32 = 3;
/// The low bits of a slot that hold the path and the case.
const VALUE_BITS: u32 = PATH_BITS + CASE_BITS;
/// The path's bits of a slot.
const PATH_MASK: u64 = (1 << PATH_BITS) - 1;

/// Word (hash of it as written) -> path, in an open-addressing table whose
/// slots hold the key's top 37 bits, the word's case share and its path
/// together: one probe is one read. A word the text writes only with a
/// capital has a slot under its lower-case form too, for the share, with no
/// path.
pub struct Clusters {
    slots: Vec<u64>,
    shift: u32,
}

static SHIPPED: LazyLock<Result<Clusters, String>> =
    LazyLock::new(|| Clusters::from_gz(BUILTIN).map_err(|e| e.to_string()));

impl std::fmt::Debug for Clusters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clusters")
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl Clusters {
    /// The shipped classes, read on first use.
    pub fn builtin() -> Result<&'static Clusters> {
        SHIPPED.as_ref().map_err(|e| Error::Invalid(e.clone()))
    }

    pub fn from_gz(gz: &[u8]) -> Result<Clusters> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_string(&mut text)
            .map_err(|e| Error::Invalid(format!("word clusters: {e}")))?;
        Clusters::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Clusters> {
        let mut rows = Vec::new();
        // Key of a lower-case form -> its uses [small, with a capital].
        // (About a line per 20 bytes: room for all saves growing it.)
        let mut uses: HashMap<u64, [u64; 2], PremixedState> =
            HashMap::with_capacity_and_hasher(text.len() / 20, PremixedState::default());
        let mut lower = String::new();
        for (n, line) in text.lines().enumerate() {
            let mut cols = line.split('\t');
            let (Some(bits), Some(word)) = (cols.next(), cols.next()) else {
                return Err(Error::Invalid(format!(
                    "word clusters line {}: expected 'bits<TAB>word'",
                    n + 1
                )));
            };
            if bits.is_empty() || !bits.bytes().all(|b| b == b'0' || b == b'1') {
                return Err(Error::Invalid(format!(
                    "word clusters line {}: '{bits}' is no bit string",
                    n + 1
                )));
            }
            let key = hash_bytes(SEED, word.as_bytes());
            rows.push((key, path(bits)));
            // How often the text writes the word small, and with a capital
            // (a word in capitals says nothing: headlines are).
            let count: u64 = cols.next().and_then(|c| c.trim().parse().ok()).unwrap_or(0);
            let mut chars = word.chars();
            let capital = chars.next().is_some_and(char::is_uppercase);
            if chars.any(char::is_uppercase) {
                continue;
            }
            if capital {
                lower.clear();
                // (Most words are ASCII: no lower-casing char by char.)
                if word.is_ascii() {
                    lower.push_str(word);
                    lower.make_ascii_lowercase();
                } else {
                    lower.extend(word.chars().flat_map(char::to_lowercase));
                }
                uses.entry(hash_bytes(SEED, lower.as_bytes())).or_default()[1] += count;
            } else {
                uses.entry(key).or_default()[0] += count;
            }
        }
        let capacity = ((rows.len() + uses.len()) * 2 + 1).next_power_of_two().max(16);
        let mut c = Clusters {
            slots: vec![0; capacity],
            shift: 64 - capacity.trailing_zeros(),
        };
        // A path is never 0 (its marker bit), nor a share that is set, so
        // a taken slot never is.
        for (key, p) in rows {
            // (A word given twice keeps its last path.)
            let s = c.entry(key);
            *s = *s & !PATH_MASK | u64::from(p);
        }
        for (key, [small, capital]) in uses {
            // (No share, no slot: the word reads as one the text lacks.)
            let case = case_share(small, capital);
            if case != 0 {
                *c.entry(key) |= u64::from(case) << PATH_BITS;
            }
        }
        Ok(c)
    }

    /// `key`'s slot, its own or the free one it takes now, to set bits
    /// below the key's in: a word's path and its case share arrive apart.
    fn entry(&mut self, key: u64) -> &mut u64 {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        while self.slots[i] != 0 && self.slots[i] >> VALUE_BITS != key >> VALUE_BITS {
            i = (i + 1) & mask;
        }
        let s = &mut self.slots[i];
        *s |= (key >> VALUE_BITS) << VALUE_BITS;
        s
    }

    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The path of the word whose `hash_bytes(SEED, word)` is `key`; 0 for
    /// a word without a class.
    #[inline]
    pub fn get(&self, key: u64) -> u32 {
        (self.value(key) & PATH_MASK) as u32
    }

    /// How the text writes the word whose lower-case form's hash is
    /// `lower_key`: 0 for a word it lacks, else 1 + the bin of its share of
    /// uses in lower case (`case_share`). A word almost never written small
    /// is a name wherever it stands, at a sentence's start too.
    #[inline]
    pub fn case_of(&self, lower_key: u64) -> u8 {
        (self.value(lower_key) >> PATH_BITS) as u8
    }

    /// The low bits of `key`'s slot, 0 for none.
    #[inline]
    fn value(&self, key: u64) -> u64 {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        loop {
            match self.slots[i] {
                0 => return 0,
                s if s >> VALUE_BITS == key >> VALUE_BITS => return s & ((1 << VALUE_BITS) - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Asks for the slot of `key` ahead of `get`.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that never faults; the pointer is
        // into the table.
        unsafe {
            let p = &self.slots[self.slot(key)] as *const u64 as *const i8;
            std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }
}

/// 1 + the bin of the share of a word's uses in lower case (none, to 2%,
/// 10%, 30%, 60%, 90%, more): at most 7, three bits.
fn case_share(small: u64, capital: u64) -> u8 {
    let all = small + capital;
    if all == 0 {
        return 0;
    }
    let share = small as f64 / all as f64;
    1 + [0.0, 0.02, 0.1, 0.3, 0.6, 0.9]
        .iter()
        .filter(|&&b| share > b)
        .count() as u8
}

/// "0110" -> 0b1_0110: the bits after a leading 1 that marks the length.
fn path(bits: &str) -> u32 {
    bits.bytes()
        .take(MAX_BITS)
        .fold(1u32, |p, b| p << 1 | u32::from(b == b'1'))
}

/// The first `len` bits of a path (the whole path when it is shorter).
#[inline]
pub fn prefix(path: u32, len: u32) -> u32 {
    let have = 31u32.saturating_sub(path.leading_zeros());
    if path == 0 || have <= len {
        path
    } else {
        path >> (have - len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_their_prefixes() {
        let c = Clusters::parse("0110\tMonday\t50\n0111\tTuesday\t40\n10\tsaid\t900\n").unwrap();
        let monday = c.get(hash_bytes(SEED, b"Monday"));
        assert_eq!(monday, 0b1_0110);
        assert_eq!(prefix(monday, 2), 0b1_01);
        assert_eq!(prefix(monday, 4), monday);
        assert_eq!(prefix(monday, 10), monday);
        assert_eq!(prefix(c.get(hash_bytes(SEED, b"Tuesday")), 3), prefix(monday, 3));
        assert_eq!(c.get(hash_bytes(SEED, b"monday")), 0);
        assert!(Clusters::parse("01x\tword\n").is_err());
        assert!(Clusters::parse("01\n").is_err());
    }

    #[test]
    fn a_word_written_small_is_told_from_a_name() {
        let c = Clusters::parse(
            "0110\tFeyenoord\t40\n0111\tThe\t900\n0111\tthe\t9000\n10\tBrown\t95\n\
             11\tbrown\t5\n10\tMONDAY\t8\n",
        )
        .unwrap();
        let case = |w: &str| c.case_of(hash_bytes(SEED, w.as_bytes()));
        // Never small: a name (and no class of its own under "feyenoord").
        assert_eq!(case("feyenoord"), 1);
        assert_eq!(c.get(hash_bytes(SEED, b"feyenoord")), 0);
        // Small 5 times in 100: a name mostly; 9000 in 9900: a word.
        assert_eq!(case("brown"), 3);
        assert_eq!(case("the"), 7);
        // Capitals say nothing; a word the text lacks has no share.
        assert_eq!(case("monday"), 0);
        assert_eq!(case("zanzibar"), 0);
        // The classes are as they were.
        assert_eq!(c.get(hash_bytes(SEED, b"brown")), 0b1_11);
        assert_eq!(c.get(hash_bytes(SEED, b"Feyenoord")), 0b1_0110);
    }

    #[test]
    fn the_shipped_classes_read() {
        let c = Clusters::builtin().unwrap();
        assert_ne!(c.get(hash_bytes(SEED, b"Monday")), 0);
    }
}
