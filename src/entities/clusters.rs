//! Word classes learnt from unlabelled news, for the tagger's features.
//!
//! `scripts/build-clusters` groups the words of the Reuters 2006-09 text
//! into classes by the words around them and arranges the classes in a
//! binary tree, as Brown clusters are: a word's class is its path from the
//! root, and a short prefix of the path is a coarse class ("a day", "a
//! company"), a long one a fine class. A name the tagger never saw in
//! training is read by the names it keeps company with (Turian et al. 2010,
//! Ratinov & Roth 2009).

use std::io::Read;
use std::sync::LazyLock;

use super::features::{hash_bytes, SEED};
use crate::error::{Error, Result};

/// The shipped classes: `bits\tword\tcount` lines (Liang's `paths` format), gzipped.
pub const BUILTIN: &[u8] = include_bytes!("../../schema/entities/clusters.txt.gz");

/// Bits of a path kept: prefixes past this length are never asked for.
const MAX_BITS: usize = 23;
/// The low bits of a slot that hold the path (with its marker bit).
const PATH_BITS: u32 = MAX_BITS as u32 + 1;

/// Word (hash of it as written) -> path, in an open-addressing table whose
/// slots hold the key's top 40 bits and the path together: one probe is
/// one read.
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
            rows.push((hash_bytes(SEED, word.as_bytes()), path(bits)));
        }
        let capacity = (rows.len() * 2 + 1).next_power_of_two().max(16);
        let mut c = Clusters {
            slots: vec![0; capacity],
            shift: 64 - capacity.trailing_zeros(),
        };
        for (key, p) in rows {
            let mut i = c.slot(key);
            while c.slots[i] != 0 && c.slots[i] >> PATH_BITS != key >> PATH_BITS {
                i = (i + 1) & (capacity - 1);
            }
            // A path is never 0 (its marker bit), so a taken slot never is.
            c.slots[i] = (key >> PATH_BITS) << PATH_BITS | u64::from(p);
        }
        Ok(c)
    }

    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// The path of the word whose `hash_bytes(SEED, word)` is `key`; 0 for
    /// a word without a class.
    #[inline]
    pub fn get(&self, key: u64) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        loop {
            match self.slots[i] {
                0 => return 0,
                s if s >> PATH_BITS == key >> PATH_BITS => return (s & ((1 << PATH_BITS) - 1)) as u32,
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
    fn the_shipped_classes_read() {
        let c = Clusters::builtin().unwrap();
        assert_ne!(c.get(hash_bytes(SEED, b"Monday")), 0);
    }
}
