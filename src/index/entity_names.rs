//! What `--entity` resolves a typed name with, written beside the entity table at the end of a run and read in place.
//!
//! Resolving a name reads the dictionaries' names, aliases and demonyms
//! (with the entity each names) and the entity table's names (with their
//! group's name and terms). Loading both whole costs far more than the
//! query that follows, so each `index` run writes them, for its last
//! commit, as `entity-names-<opstamp>.bin`: sorted tables of records found
//! by binary search in the mapped file, so a query reads a few pages and
//! builds no map. Every dictionary entry is kept, not only those that lead
//! to an entity of this archive: which ones do depends on the rest of the
//! resolution, so a cut-down copy could resolve a name otherwise, while
//! the whole one costs a query no more (a lookup touches about as many
//! pages whatever the size).
//!
//! A commit without the file, or with one worked out under other rules,
//! dictionaries or overrides (the entity table's fingerprint), or damaged,
//! is answered the old way: the table read whole and the dictionaries
//! loaded, the same answers more slowly. The next `index` run writes it,
//! even one that changes nothing.

use std::borrow::Cow;
use std::path::Path;

use tantivy::directory::OwnedBytes;
use tantivy::Directory;

use crate::binary_format::put_varint;
use crate::entities::dictionary::Dictionary;
use crate::error::Result;

use super::entity_table::{fold, normal, EntityTable};
use super::NewsIndex;

const MAGIC: &[u8; 8] = b"NXNAMES\x01";
const PREFIX: &str = "entity-names-";
const SUFFIX: &str = ".bin";

/// The sections, in file order.
const LOOKUP: usize = 0;
const GROUPS: usize = 1;
const ALIASES: usize = 2;
const CASE_SENSITIVE: usize = 3;
const DEMONYMS: usize = 4;
const SECTIONS: usize = 5;

/// Magic, fingerprint, then (start, end) of each section.
const HEADER: usize = 8 + 8 + SECTIONS * 8;

/// An alias's flags: its entity is a country; the entity's key is the
/// alias's own (not repeated).
const COUNTRY: u8 = 1;
const SAME: u8 = 2;

/// The file's name for a commit.
pub fn file_name(opstamp: u64) -> String {
    format!("{PREFIX}{opstamp}{SUFFIX}")
}

/// Whether `name` is one of these files or a temporary one of them.
pub(super) fn is_names_file(name: &str) -> bool {
    name.starts_with(PREFIX) && (name.ends_with(SUFFIX) || name.ends_with(".tmp"))
}

/// A group as resolution sees it: its name and the terms `--entity` searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef<'a> {
    /// `key()` of the canonical name.
    pub key: &'a str,
    pub terms: Vec<&'a str>,
}

/// The names resolution reads, from the kept file or loaded whole.
pub enum EntityNames {
    /// `entity-names-<opstamp>.bin`, mapped.
    Kept(NamesFile),
    /// The entity table and the dictionaries' names, worked out as before
    /// the file existed.
    Loaded(Box<(Dictionary, EntityTable)>),
}

impl EntityNames {
    /// The entity key of a name or alias whose `key()` is `k`, and whether
    /// it is a country.
    pub fn alias(&self, k: &str) -> Option<(&str, bool)> {
        match self {
            EntityNames::Kept(f) => f.alias(k),
            EntityNames::Loaded(loaded) => loaded.0.alias_key(k),
        }
    }

    /// The entity key of a case-sensitive alias written exactly `text`.
    pub fn case_sensitive(&self, text: &str) -> Option<&str> {
        match self {
            EntityNames::Kept(f) => f.string(CASE_SENSITIVE, text),
            EntityNames::Loaded(loaded) => loaded.0.case_sensitive_key(text),
        }
    }

    /// The country key of the demonym whose `key()` is `k`.
    pub fn demonym(&self, k: &str) -> Option<&str> {
        match self {
            EntityNames::Kept(f) => f.string(DEMONYMS, k),
            EntityNames::Loaded(loaded) => loaded.0.demonym_country_key(k),
        }
    }

    /// Whether `k` (a `key()`) names a country.
    pub fn is_country_key(&self, k: &str) -> bool {
        self.alias(k).is_some_and(|(_, country)| country)
    }

    /// The archive's group `k` (a `key()`) is a name of.
    pub fn find(&self, k: &str) -> Option<GroupRef<'_>> {
        match self {
            EntityNames::Kept(f) => f.find(k),
            EntityNames::Loaded(loaded) => loaded.1.find(k).map(|g| GroupRef {
                key: &g.key,
                terms: g.terms.iter().map(String::as_str).collect(),
            }),
        }
    }

    /// `EntityTable::find_typed`: the group of a name as a user typed it,
    /// as it is or without its suffixes.
    pub fn find_typed(&self, k: &str, suffixes: &[String]) -> Option<GroupRef<'_>> {
        self.find(k).or_else(|| {
            let n = normal(k, suffixes);
            self.find(&n).or_else(|| match fold(&n) {
                Cow::Borrowed(_) => self.find(&n),
                Cow::Owned(f) => self.find(&f),
            })
        })
    }
}

/// The mapped file, its checksum and header checked.
pub struct NamesFile {
    bytes: OwnedBytes,
    /// (start, end) of each section in `bytes`.
    sections: [(usize, usize); SECTIONS],
}

/// One section: `n` (u32), `n + 1` record offsets (u32, from the first
/// record), the records. A record: its key (varint length, bytes), then
/// its value up to the next record.
struct Table<'a> {
    offsets: &'a [u8],
    records: &'a [u8],
    n: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes(b.try_into().ok()?)).ok()
}

fn varint(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((usize::try_from(value).ok()?, &bytes[i + 1..]));
        }
    }
    None
}

impl<'a> Table<'a> {
    fn new(section: &'a [u8]) -> Option<Table<'a>> {
        let n = u32_at(section, 0)?;
        let offsets = section.get(4..4 + n.checked_add(1)?.checked_mul(4)?)?;
        let records = section.get(4 + offsets.len()..)?;
        Some(Table { offsets, records, n })
    }

    /// Record `i`: its key and its value.
    fn record(&self, i: usize) -> Option<(&'a [u8], &'a [u8])> {
        if i >= self.n {
            return None;
        }
        let (from, to) = (u32_at(self.offsets, 4 * i)?, u32_at(self.offsets, 4 * i + 4)?);
        let record = self.records.get(from..to)?;
        let (len, rest) = varint(record)?;
        let key = rest.get(..len)?;
        Some((key, &rest[len..]))
    }

    /// The record whose key is `key` (the keys are sorted): its key as
    /// stored and its value.
    fn find(&self, key: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (k, value) = self.record(mid)?;
            match k.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some((k, value)),
            }
        }
        None
    }

    /// The value of the record whose key is `key`.
    fn get(&self, key: &[u8]) -> Option<&'a [u8]> {
        self.find(key).map(|(_, value)| value)
    }
}

impl NamesFile {
    /// The file's contents, if they are whole and of `fingerprint`.
    fn new(bytes: OwnedBytes, fingerprint: u64) -> Option<NamesFile> {
        let body = crate::binary_format::unseal(bytes.as_slice())?;
        if body.get(..8)? != MAGIC || body.get(8..16)? != fingerprint.to_le_bytes() {
            return None;
        }
        let mut sections = [(0, 0); SECTIONS];
        for (i, s) in sections.iter_mut().enumerate() {
            let (start, end) = (u32_at(body, 16 + 8 * i)?, u32_at(body, 20 + 8 * i)?);
            if start < HEADER || start > end || end > body.len() {
                return None;
            }
            *s = (start, end);
        }
        Some(NamesFile { bytes, sections })
    }

    fn table(&self, section: usize) -> Option<Table<'_>> {
        let (start, end) = self.sections[section];
        Table::new(self.bytes.as_slice().get(start..end)?)
    }

    fn alias(&self, k: &str) -> Option<(&str, bool)> {
        let (key, value) = self.table(ALIASES)?.find(k.as_bytes())?;
        let (&flags, canonical) = value.split_first()?;
        // The entity's key is the alias's own: the stored key, which lives
        // as long as the file.
        let canonical = if flags & SAME != 0 { key } else { canonical };
        Some((std::str::from_utf8(canonical).ok()?, flags & COUNTRY != 0))
    }

    fn string(&self, section: usize, k: &str) -> Option<&str> {
        std::str::from_utf8(self.table(section)?.get(k.as_bytes())?).ok()
    }

    fn find(&self, k: &str) -> Option<GroupRef<'_>> {
        let (group, _) = varint(self.table(LOOKUP)?.get(k.as_bytes())?)?;
        let (key, value) = self.table(GROUPS)?.record(group)?;
        let (n, mut rest) = varint(value)?;
        let mut terms = Vec::with_capacity(n.min(rest.len()));
        for _ in 0..n {
            let (len, tail) = varint(rest)?;
            terms.push(std::str::from_utf8(tail.get(..len)?).ok()?);
            rest = &tail[len..];
        }
        Some(GroupRef {
            key: std::str::from_utf8(key).ok()?,
            terms,
        })
    }
}

/// A section of `records` (key, value), in the order given.
fn put_table<'a>(out: &mut Vec<u8>, records: impl Iterator<Item = (&'a [u8], Vec<u8>)>) {
    let mut data = Vec::new();
    let mut offsets = vec![0u32];
    for (key, value) in records {
        put_varint(&mut data, key.len() as u64);
        data.extend_from_slice(key);
        data.extend_from_slice(&value);
        offsets.push(data.len() as u32);
    }
    out.extend_from_slice(&((offsets.len() - 1) as u32).to_le_bytes());
    for o in offsets {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&data);
}

/// The file for `table` and `dict`; `None` if it would not fit the u32
/// offsets.
fn encode(table: &EntityTable, dict: &Dictionary, fingerprint: u64) -> Option<Vec<u8>> {
    let maps = dict.name_maps();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&fingerprint.to_le_bytes());
    out.resize(HEADER, 0);
    let mut bounds = Vec::with_capacity(SECTIONS);
    let mut section = |out: &mut Vec<u8>, write: &mut dyn FnMut(&mut Vec<u8>)| {
        let start = out.len();
        write(out);
        bounds.push((start, out.len()));
    };
    section(&mut out, &mut |out| {
        put_table(
            out,
            table.lookup_entries().iter().map(|(k, g)| {
                let mut v = Vec::new();
                put_varint(&mut v, u64::from(*g));
                (k.as_bytes(), v)
            }),
        )
    });
    section(&mut out, &mut |out| {
        put_table(
            out,
            table.groups.iter().map(|g| {
                let mut v = Vec::new();
                put_varint(&mut v, g.terms.len() as u64);
                for t in &g.terms {
                    crate::binary_format::put_str(&mut v, t);
                }
                (g.key.as_bytes(), v)
            }),
        )
    });
    section(&mut out, &mut |out| {
        put_table(
            out,
            maps.aliases.iter().map(|&(k, canonical, country)| {
                let mut v = vec![if country { COUNTRY } else { 0 }];
                if k == canonical {
                    v[0] |= SAME;
                } else {
                    v.extend_from_slice(canonical.as_bytes());
                }
                (k.as_bytes(), v)
            }),
        )
    });
    for list in [&maps.case_sensitive, &maps.demonyms] {
        section(&mut out, &mut |out| {
            put_table(
                out,
                list.iter().map(|&(k, c)| (k.as_bytes(), c.as_bytes().to_vec())),
            )
        });
    }
    if u32::try_from(out.len()).is_err() {
        return None;
    }
    for (i, (start, end)) in bounds.into_iter().enumerate() {
        out[16 + 8 * i..20 + 8 * i].copy_from_slice(&(start as u32).to_le_bytes());
        out[20 + 8 * i..24 + 8 * i].copy_from_slice(&(end as u32).to_le_bytes());
    }
    crate::binary_format::seal(&mut out);
    Some(out)
}

/// Writes the file of the commit `opstamp` beside the index and removes
/// older ones.
pub(super) fn write(
    dir: &Path,
    opstamp: u64,
    table: &EntityTable,
    dict: &Dictionary,
    fingerprint: u64,
) -> Result<()> {
    let name = file_name(opstamp);
    if let Some(bytes) = encode(table, dict, fingerprint) {
        crate::replace::replace_file(&dir.join(&name), &bytes)?;
    }
    crate::replace::remove_others(dir, is_names_file, Some(&name));
    Ok(())
}

/// Whether the file of the commit `opstamp` is there, whole and of
/// `fingerprint`.
pub(super) fn is_fresh(dir: &Path, opstamp: u64, fingerprint: u64) -> bool {
    std::fs::read(dir.join(file_name(opstamp)))
        .ok()
        .and_then(|b| NamesFile::new(OwnedBytes::new(b), fingerprint))
        .is_some()
}

impl NewsIndex {
    /// The names `--entity` resolves with, for the last commit (`searcher`
    /// must see it): its file, mapped, or else the table and dictionaries
    /// loaded whole.
    pub fn entity_names(&self, searcher: &tantivy::Searcher) -> Result<EntityNames> {
        let opstamp = self.last_opstamp()?;
        let fingerprint = self.table_fingerprint();
        // Not through the index's own directory, which takes the last bytes
        // of a file for tantivy's footer.
        let kept = tantivy::directory::MmapDirectory::open(&self.dir)
            .ok()
            .and_then(|d| d.open_read(Path::new(&file_name(opstamp))).ok())
            .and_then(|f| f.read_bytes().ok())
            .and_then(|b| NamesFile::new(b, fingerprint));
        match kept {
            Some(f) => Ok(EntityNames::Kept(f)),
            None => self.entity_names_loaded(searcher),
        }
    }

    /// The names worked out without the file: the table read whole and
    /// the dictionaries loaded.
    pub fn entity_names_loaded(&self, searcher: &tantivy::Searcher) -> Result<EntityNames> {
        Ok(EntityNames::Loaded(Box::new((
            self.table_dictionary()?,
            self.entity_table(searcher)?,
        ))))
    }
}
