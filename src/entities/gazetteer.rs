//! The gazetteer the tagger probes: which runs of lower-case words the shipped
//! name lists hold, in one compact table.
//!
//! The tagger asks about every capitalised word and the runs it begins, most
//! of which are in no list. A general hash map spends two cache misses on
//! each such question (control bytes, then the bucket); here a run is one
//! 8-byte slot holding a 48-bit fingerprint of its hash and its bits, so a
//! probe reads one cache line, and the table is half the map's size. Each
//! slot also says whether a longer entry continues the run, so matching
//! stops at the first run nothing longer starts with, instead of always
//! probing five.

use std::collections::HashMap;

use super::features::{hash_bytes, PremixedState, SEED};

/// Set on a run that begins a longer entry; not a `gaz` bit.
const CONTINUES: u16 = 1 << 15;
const FINGERPRINT: u64 = !0xffff;

/// What the gazetteer says of one run of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Run {
    /// `gaz` bits of the entries that are exactly this run.
    pub bits: u16,
    /// Some entry is longer and starts with this run.
    pub continues: bool,
}

/// The hash of a run of lower-case words, continued one word at a time the
/// way `Doc` does it: the words joined by single spaces.
pub fn extend(h: u64, first: bool, word: &str) -> u64 {
    let h = if first { h } else { hash_bytes(h, b" ") };
    hash_bytes(h, word.as_bytes())
}

/// Collects runs while the dictionaries load; `build` freezes them.
#[derive(Debug, Default)]
pub struct Builder {
    runs: HashMap<u64, u16, PremixedState>,
}

impl Builder {
    /// Adds the run `words` (lower case) with `bit`.
    pub fn add(&mut self, words: &[&str], bit: u16) {
        debug_assert!(bit & CONTINUES == 0);
        let mut h = SEED;
        for (i, w) in words.iter().enumerate() {
            h = extend(h, i == 0, w);
            let mark = if i + 1 == words.len() { bit } else { CONTINUES };
            *self.runs.entry(h).or_insert(0) |= mark;
        }
    }

    pub fn build(self) -> Gazetteer {
        // Load factor at most 3/4: a miss reads about two slots, both
        // usually in one cache line.
        let capacity = (self.runs.len() * 4 / 3 + 1).next_power_of_two().max(16);
        let mut table = Gazetteer {
            slots: vec![0; capacity],
            shift: 64 - capacity.trailing_zeros(),
        };
        // Sorted, so the layout (and with it any fingerprint clash) is
        // the same on every load.
        let mut runs: Vec<(u64, u16)> = self.runs.into_iter().collect();
        runs.sort_unstable();
        let mask = capacity - 1;
        for (h, bits) in runs {
            let mut i = table.home(h);
            // Two hashes with one fingerprint share a slot: their bits are
            // pooled. With 48 bits and some 10^5 runs that is a chance of
            // about 10^-5 per build; it would blur one word's bits, never fail.
            while table.slots[i] != 0 && table.slots[i] & FINGERPRINT != h & FINGERPRINT {
                i = (i + 1) & mask;
            }
            table.slots[i] = (h & FINGERPRINT) | u64::from(table.slots[i] as u16 | bits);
        }
        table
    }
}

/// The frozen table; `Default` is empty and knows no run.
#[derive(Debug, Default)]
pub struct Gazetteer {
    slots: Vec<u64>,
    shift: u32,
}

impl Gazetteer {
    #[inline]
    fn home(&self, h: u64) -> usize {
        (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// Asks the memory system for the slot of `h` ahead of `get`: the table
    /// is about the size of a core's L2 cache, so most probes would miss.
    #[inline]
    pub fn prefetch(&self, h: u64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = self.slots.get(self.home(h)) {
            // SAFETY: a prefetch is a hint that never faults; s is in `slots`.
            unsafe {
                std::arch::x86_64::_mm_prefetch(s as *const u64 as *const i8, std::arch::x86_64::_MM_HINT_T0)
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = h;
    }

    /// What the table holds for the run whose hash is `h`.
    #[inline]
    pub fn get(&self, h: u64) -> Run {
        if self.slots.is_empty() {
            return Run::default();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(h);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Run::default();
            }
            if s & FINGERPRINT == h & FINGERPRINT {
                let v = s as u16;
                return Run {
                    bits: v & !CONTINUES,
                    continues: v & CONTINUES != 0,
                };
            }
            i = (i + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_hash(words: &[&str]) -> u64 {
        words
            .iter()
            .enumerate()
            .fold(SEED, |h, (i, w)| extend(h, i == 0, w))
    }

    #[test]
    fn runs_and_their_beginnings() {
        let mut b = Builder::default();
        b.add(&["new", "york", "city"], 1);
        b.add(&["new", "york"], 1);
        b.add(&["york"], 8);
        b.add(&["new"], 256);
        let g = b.build();
        let get = |w: &[&str]| g.get(run_hash(w));
        assert_eq!(
            get(&["new"]),
            Run {
                bits: 256,
                continues: true
            }
        );
        assert_eq!(
            get(&["new", "york"]),
            Run {
                bits: 1,
                continues: true
            }
        );
        assert_eq!(
            get(&["new", "york", "city"]),
            Run {
                bits: 1,
                continues: false
            }
        );
        assert_eq!(
            get(&["york"]),
            Run {
                bits: 8,
                continues: false
            }
        );
        assert_eq!(get(&["york", "city"]), Run::default());
        assert_eq!(get(&["newyork"]), Run::default());
        assert_eq!(Gazetteer::default().get(run_hash(&["new"])), Run::default());
    }

    #[test]
    fn a_full_table_finds_every_run_and_nothing_else() {
        let mut b = Builder::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
        for (i, w) in words.iter().enumerate() {
            b.add(&[w], 1 << (i % 9));
        }
        let g = b.build();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(g.get(run_hash(&[w])).bits, 1 << (i % 9), "{w}");
        }
        for i in 20_000..40_000 {
            assert_eq!(g.get(run_hash(&[&format!("w{i}")])), Run::default());
        }
    }
}
