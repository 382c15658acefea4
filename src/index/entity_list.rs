//! The stored form of an article's entity counts: a few bytes per entity, where JSON took some fifty.
//!
//! Every article stores its list, and as JSON it took a visible share of
//! the index and, with serialising it, of the CPU of an ingest with
//! entities (docs/performance.md). Each entity is now
//!
//! ```text
//! flags: u8  (kind in bits 0-1, named in the title: bit 2)
//! mentions: LEB128
//! name length in bytes: LEB128, then the name (UTF-8)
//! ```
//!
//! The kind codes are this format's own, not `Kind`'s discriminants, so
//! reordering `Kind` cannot change what old indexes mean.

use crate::binary_format::{put_str, put_varint, Reader};
use crate::entities::{EntityCount, Kind};

const TITLE: u8 = 0b100;
const KIND_MASK: u8 = 0b11;

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Person => 0,
        Kind::Place => 1,
        Kind::Org => 2,
        Kind::Misc => 3,
    }
}

fn kind_of(code: u8) -> Kind {
    match code & KIND_MASK {
        0 => Kind::Person,
        1 => Kind::Place,
        2 => Kind::Org,
        _ => Kind::Misc,
    }
}

/// The bytes to store for `entities`.
pub fn encode(entities: &[EntityCount]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entities.iter().map(|e| e.name.len() + 4).sum());
    for e in entities {
        out.push(kind_code(e.kind) | if e.in_title { TITLE } else { 0 });
        put_varint(&mut out, u64::from(e.mentions));
        put_str(&mut out, &e.name);
    }
    out
}

/// The entities `encode` stored. Bytes that do not decode (a damaged
/// store) end the list there: what was read before them is kept.
pub fn decode(bytes: &[u8]) -> Vec<EntityCount> {
    let mut out = Vec::new();
    let mut r = Reader::new(bytes);
    while let Some(&flags) = r.take(1).and_then(|b| b.first()) {
        let Some(mentions) = r.varint() else {
            break;
        };
        let Some(Ok(name)) = r.bytes().map(std::str::from_utf8) else {
            break;
        };
        out.push(EntityCount {
            name: name.to_string(),
            kind: kind_of(flags),
            mentions: u32::try_from(mentions).unwrap_or(u32::MAX),
            in_title: flags & TITLE != 0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(name: &str, kind: Kind, mentions: u32, in_title: bool) -> EntityCount {
        EntityCount {
            name: name.into(),
            kind,
            mentions,
            in_title,
        }
    }

    fn sample() -> Vec<EntityCount> {
        vec![
            entity("North Korea", Kind::Place, 3, true),
            entity("Kim Jong-un", Kind::Person, 1, false),
            entity("Société Générale", Kind::Org, 200, false),
            entity("", Kind::Misc, u32::MAX, true),
            entity(&"x".repeat(300), Kind::Person, 128, false),
        ]
    }

    #[test]
    fn what_is_encoded_decodes_as_it_was() {
        let list = sample();
        assert_eq!(decode(&encode(&list)), list);
        assert!(decode(&encode(&[])).is_empty());
    }

    #[test]
    fn the_bytes_are_the_documented_ones() {
        let bytes = encode(&[entity("Oslo", Kind::Place, 300, true)]);
        // flags place | title, 300 = 0xac 0x02, length 4, "Oslo"
        assert_eq!(bytes, [0b101, 0xac, 0x02, 4, b'O', b's', b'l', b'o']);
        assert_eq!(
            encode(&[
                entity("A", Kind::Person, 1, false),
                entity("B", Kind::Org, 2, false),
                entity("C", Kind::Misc, 3, false)
            ]),
            [0, 1, 1, b'A', 2, 2, 1, b'B', 3, 3, 1, b'C']
        );
    }

    #[test]
    fn damaged_bytes_keep_the_entities_before_them_and_never_panic() {
        let list = sample();
        let bytes = encode(&list);
        // Every cut ends the list at an entity boundary or before it.
        for cut in 0..bytes.len() {
            let got = decode(&bytes[..cut]);
            assert!(got.len() < list.len(), "cut at {cut}");
            assert_eq!(got[..], list[..got.len()], "cut at {cut}");
        }
        // A name that is not UTF-8, a length past the end, a varint that
        // never ends.
        assert_eq!(decode(&[0, 1, 1, 0xff]), []);
        assert_eq!(decode(&[0, 1, 9, b'a']), []);
        assert_eq!(
            decode(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            []
        );
        // Mentions beyond u32 are read as u32::MAX.
        let mut big = vec![1];
        put_varint(&mut big, u64::MAX);
        big.extend_from_slice(&[1, b'X']);
        assert_eq!(decode(&big), [entity("X", Kind::Place, u32::MAX, false)]);
    }
}
