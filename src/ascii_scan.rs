//! Text many bytes at a time: how far a run of ASCII word bytes goes, or of words one space apart; a word's last bytes as one number; lower-casing ASCII.
//!
//! Both tokenizers (the index's words and the tagger's) step over every
//! byte of every word. A byte-at-a-time loop ends at a branch whose outcome
//! depends on each word's length, which the processor mispredicts once a
//! word; one comparison of sixteen bytes answers for most words at once.

/// Which ASCII bytes count as word bytes. Letters and digits always.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Underscore {
    /// `_` joins a word (the tagger's tokens, as in CoNLL).
    Joins,
    /// `_` ends a word (tantivy's `SimpleTokenizer`).
    Ends,
}

/// Whether `b` is an ASCII word byte.
#[inline]
pub fn is_word_byte(b: u8, underscore: Underscore) -> bool {
    b.is_ascii_alphanumeric() || (b == b'_' && underscore == Underscore::Joins)
}

/// How many bytes from the start of `bytes` are ASCII word bytes. A byte
/// beyond ASCII ends the run: the callers decode it and ask about it.
#[inline]
pub fn ascii_word_run(bytes: &[u8], underscore: Underscore) -> usize {
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    while at + 16 <= bytes.len() {
        // SAFETY: sixteen bytes from `at` lie in `bytes`; SSE2 is part of
        // every x86_64 processor.
        let words = unsafe { word_mask(bytes.as_ptr().add(at), underscore) };
        if words != 0xffff {
            return at + (!words).trailing_zeros() as usize;
        }
        at += 16;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| !is_word_byte(b, underscore))
        .unwrap_or(bytes.len() - at)
}

/// One bit per byte of the sixteen at `p`: set for a word byte.
///
/// # Safety
/// Sixteen bytes from `p` must be readable.
#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn word_mask(p: *const u8, underscore: Underscore) -> u32 {
    use std::arch::x86_64::*;
    let v = _mm_loadu_si128(p as *const __m128i);
    let between = |v: __m128i, lo: u8, hi: u8| {
        // Signed comparisons: bytes beyond ASCII are negative, below `lo`.
        _mm_and_si128(
            _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1)),
            _mm_cmpgt_epi8(_mm_set1_epi8(hi as i8 + 1), v),
        )
    };
    // Setting 0x20 maps 'A'..='Z' onto 'a'..='z' and no other byte there.
    let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    let mut words = _mm_or_si128(between(folded, b'a', b'z'), between(v, b'0', b'9'));
    if underscore == Underscore::Joins {
        words = _mm_or_si128(words, _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8)));
    }
    _mm_movemask_epi8(words) as u32
}

/// The last 0 to 7 bytes of a word as a zero-padded little-endian
/// u64, read in at most two loads: copying them into a buffer first was a
/// call to `memmove` per word.
#[inline]
pub fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    let u32_at = |at: usize| {
        u64::from(u32::from_le_bytes([
            rest[at],
            rest[at + 1],
            rest[at + 2],
            rest[at + 3],
        ]))
    };
    match n {
        0 => 0,
        1..=3 => {
            u64::from(rest[0])
                | u64::from(rest[n / 2]) << (8 * (n / 2))
                | u64::from(rest[n - 1]) << (8 * (n - 1))
        }
        // Two overlapping loads; the bytes they share are the same.
        _ => u32_at(0) | u32_at(n - 4) << (8 * (n - 4)),
    }
}

/// Appends `word`, all ASCII, lower-cased eight bytes at a time. Copying it
/// and lower-casing it in place wrote a byte at a time, and reads of the
/// word right after (its hash, a compare) waited for those stores to land:
/// a load spanning several smaller stores is not forwarded from them.
///
/// # Safety
/// `word` must be all ASCII: other bytes are not left as they are, and the
/// string would no longer be UTF-8. The callers know it already, from the
/// scan that found the word, so it is not checked again here.
#[inline]
pub unsafe fn push_lower_ascii(out: &mut String, word: &[u8]) {
    debug_assert!(word.is_ascii());
    // Bytes under 0x80: adding never carries into the next byte. A byte
    // reaches 0x80 plus 0x3f when it is at least 'A', and plus 0x25 when it
    // is past 'Z'; 0x80 >> 2 is the case bit.
    let lower = |x: u64| {
        let upper = x.wrapping_add(0x3f3f_3f3f_3f3f_3f3f) & !x.wrapping_add(0x2525_2525_2525_2525);
        x | (upper & 0x8080_8080_8080_8080) >> 2
    };
    // SAFETY: ASCII bytes in (the caller's promise), ASCII bytes out: the
    // string stays UTF-8.
    let out = unsafe { out.as_mut_vec() };
    let mut chunks = word.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        out.extend_from_slice(&lower(x).to_le_bytes());
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // All eight bytes, then the length cut back: a copy of fewer is a
        // call to `memcpy`, whose masked stores are not forwarded either.
        out.extend_from_slice(&lower(tail(rest)).to_le_bytes());
        out.truncate(out.len() - (8 - rest.len()));
    }
}

/// ASCII white space as `collapse_ws` and the tagger's tokenizer know it:
/// what `split_whitespace` splits at among ASCII bytes.
#[inline]
pub const fn is_ascii_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

/// Where the stretch of ASCII text starting at `at` stops being words one
/// space apart: the first white space byte that is not a single ' ' between
/// two other bytes, or the end. Sixteen bytes at a time: a byte loop ended
/// at every space with a mispredicted branch.
#[inline]
pub fn single_spaced_run(bytes: &[u8], mut at: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    while at + 16 <= bytes.len() {
        // The byte after the block; the end counts as white space.
        let next_space = bytes.get(at + 16).is_none_or(|&b| is_ascii_space(b));
        // SAFETY: sixteen bytes from `at` lie in `bytes`; SSE2 is part of
        // every x86_64 processor.
        let (spaces, white) = unsafe { space_masks(bytes.as_ptr().add(at)) };
        let white_after = white >> 1 | u32::from(next_space) << 15;
        let stop = (white & !spaces) | (spaces & white_after);
        if stop != 0 {
            return at + stop.trailing_zeros() as usize;
        }
        at += 16;
    }
    while at < bytes.len() {
        if is_ascii_space(bytes[at])
            && !(bytes[at] == b' ' && bytes.get(at + 1).is_some_and(|&b| !is_ascii_space(b)))
        {
            break;
        }
        at += 1;
    }
    at
}

/// One bit per byte of the sixteen at `p`: which are ' ', and which are
/// `is_ascii_space`.
///
/// # Safety
/// Sixteen bytes from `p` must be readable.
#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn space_masks(p: *const u8) -> (u32, u32) {
    use std::arch::x86_64::*;
    let v = _mm_loadu_si128(p as *const __m128i);
    let spaces = _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8));
    // '\t' '\n' 0x0b 0x0c '\r' are 0x09..=0x0d.
    let controls = _mm_and_si128(
        _mm_cmpgt_epi8(v, _mm_set1_epi8(0x08)),
        _mm_cmpgt_epi8(_mm_set1_epi8(0x0e), v),
    );
    (
        _mm_movemask_epi8(spaces) as u32,
        _mm_movemask_epi8(_mm_or_si128(spaces, controls)) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8], underscore: Underscore) -> usize {
        bytes
            .iter()
            .position(|&b| !is_word_byte(b, underscore))
            .unwrap_or(bytes.len())
    }

    #[test]
    fn runs_are_what_a_byte_at_a_time_finds() {
        for underscore in [Underscore::Joins, Underscore::Ends] {
            // Every byte value at every place of runs across one, two and
            // three blocks of sixteen, and the lengths around them.
            for len in 0..50 {
                let word: Vec<u8> = (0..len).map(|i| b"aZ09mQ_x"[i % 8]).collect();
                assert_eq!(ascii_word_run(&word, underscore), plain(&word, underscore));
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut bytes = word.clone();
                        bytes[at] = b;
                        assert_eq!(
                            ascii_word_run(&bytes, underscore),
                            plain(&bytes, underscore),
                            "{underscore:?} len {len} byte {b:#x} at {at}"
                        );
                    }
                }
            }
        }
        assert_eq!(
            ascii_word_run(b"snake_case_and_more words", Underscore::Joins),
            19
        );
        assert_eq!(ascii_word_run(b"snake_case_and_more words", Underscore::Ends), 5);
        assert_eq!(
            ascii_word_run("Zürich and Zürich again".as_bytes(), Underscore::Ends),
            1
        );
    }

    #[test]
    fn tails_are_the_zero_padded_bytes() {
        let bytes: Vec<u8> = (1..=7u8).map(|b| b.wrapping_mul(0x9d) | 0x80).collect();
        for n in 0..8 {
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(tail(&bytes[..n]), u64::from_le_bytes(padded), "{n} bytes");
        }
    }

    #[test]
    fn ascii_is_lower_cased_as_std_does() {
        for len in 0..=24 {
            for at in 0..len.max(1) {
                for b in 0u8..128 {
                    let mut word: Vec<u8> = (0..len).map(|i| b"QwErTy@[`{Zaz9"[i % 14]).collect();
                    if len > 0 {
                        word[at] = b;
                    }
                    let mut out = String::from("x");
                    // SAFETY: every byte of `word` is under 0x80.
                    unsafe { push_lower_ascii(&mut out, &word) };
                    let mut want = word.clone();
                    want.make_ascii_lowercase();
                    assert_eq!(out.as_bytes()[1..], want, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn single_spaced_runs_are_what_a_byte_at_a_time_finds() {
        let plain = |bytes: &[u8], mut at: usize| {
            while at < bytes.len() {
                let single = bytes[at] == b' ' && bytes.get(at + 1).is_some_and(|&b| !is_ascii_space(b));
                if is_ascii_space(bytes[at]) && !single {
                    break;
                }
                at += 1;
            }
            at
        };
        for b in 0u8..0x80 {
            assert_eq!(is_ascii_space(b), char::from(b).is_whitespace(), "{b:#x}");
        }
        // Words one space apart across blocks of sixteen, with each kind of
        // white space (and a double space) at every place and the end.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..60 {
            let text: Vec<u8> = (0..len)
                .map(|i| if i % 5 == 4 { b' ' } else { b'a' + (i % 26) as u8 })
                .collect();
            for at in 0..len {
                for odd in [b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c, b'x'] {
                    let mut bytes = text.clone();
                    bytes[at] = odd;
                    for from in [0, 1, 15, 16, 17] {
                        let from = from.min(bytes.len());
                        assert_eq!(
                            single_spaced_run(&bytes, from),
                            plain(&bytes, from),
                            "{bytes:?} from {from}"
                        );
                    }
                }
            }
            // And random mixes.
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let pool = b"ab  c\t\n x";
                        pool[(state % pool.len() as u64) as usize]
                    })
                    .collect();
                assert_eq!(single_spaced_run(&bytes, 0), plain(&bytes, 0), "{bytes:?}");
            }
        }
    }
}
