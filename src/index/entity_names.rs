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
//! Each page of the file has its checksum, checked when a lookup first
//! reads it: a query hashes the few pages it reads, not the whole file.
//! A commit without the file, or with one worked out under other rules,
//! dictionaries or overrides (the entity table's fingerprint), or damaged,
//! is answered the old way: the table read whole and the dictionaries
//! loaded, the same answers more slowly. The next `index` run writes it,
//! even one that changes nothing; a run that cannot (a full disk) still
//! succeeds, as the file only spares queries time.

use std::borrow::Cow;
use std::path::Path;

use tantivy::directory::OwnedBytes;

use crate::binary_format::{put_varint, Reader};
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

/// Magic, fingerprint, the body's length (u32, and four bytes unused),
/// then (start, end) of each section (u32 each).
const HEADER: usize = 8 + 8 + 8 + SECTIONS * 8;

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
    Loaded(Box<(Dictionary, std::sync::Arc<EntityTable>)>),
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

    /// Whether a page of the kept file read so far did not match its
    /// check (what was read of it is then no answer).
    pub fn is_damaged(&self) -> bool {
        matches!(self, EntityNames::Kept(f) if f.damaged.get())
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

/// The mapped file. Its header and page checksums are checked when it is
/// opened; each page of the rest when a lookup first reads it, so a query
/// hashes the few pages it reads, not the whole file.
pub struct NamesFile {
    bytes: OwnedBytes,
    /// (start, end) of each section in `bytes`.
    sections: [(usize, usize); SECTIONS],
    /// The xxh3 of each `PAGE` bytes of the body.
    checks: std::ops::Range<usize>,
    /// Pages whose check held.
    checked: Vec<std::cell::Cell<bool>>,
    /// A page read did not match its check.
    damaged: std::cell::Cell<bool>,
}

/// Bytes of the body one check covers.
const PAGE: usize = 4096;

/// One section: `n` (u32), `n + 1` record offsets (u32, from the first
/// record), the records. A record: its key (varint length, bytes), then
/// its value up to the next record. Positions are the file's.
struct Table<'a> {
    file: &'a NamesFile,
    offsets: usize,
    records: usize,
    end: usize,
    n: usize,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes(b.try_into().ok()?)).ok()
}

impl<'a> Table<'a> {
    fn new(file: &'a NamesFile, section: usize) -> Option<Table<'a>> {
        let (start, end) = *file.sections.get(section)?;
        let n = u32_at(file.read(start, start.checked_add(4)?)?, 0)?;
        let offsets = start + 4;
        let records = offsets.checked_add(n.checked_add(1)?.checked_mul(4)?)?;
        (records <= end).then_some(Table {
            file,
            offsets,
            records,
            end,
            n,
        })
    }

    /// Record `i`: its key and its value.
    fn record(&self, i: usize) -> Option<(&'a [u8], &'a [u8])> {
        if i >= self.n {
            return None;
        }
        let at = self.offsets + 4 * i;
        let pair = self.file.read(at, at + 8)?;
        let (from, to) = (u32_at(pair, 0)?, u32_at(pair, 4)?);
        let (from, to) = (self.records.checked_add(from)?, self.records.checked_add(to)?);
        if from > to || to > self.end {
            return None;
        }
        let mut record = Reader::new(self.file.read(from, to)?);
        let key = record.bytes()?;
        Some((key, record.rest()))
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
    /// The file's contents, if its header and checks are whole and of
    /// `fingerprint`. The file: header, sections, the xxh3 of each `PAGE`
    /// of those, and the xxh3 of the header and the checks.
    fn new(bytes: OwnedBytes, fingerprint: u64) -> Option<NamesFile> {
        let all = bytes.as_slice();
        let header = all.get(..HEADER)?;
        if header.get(..8)? != MAGIC || header.get(8..16)? != fingerprint.to_le_bytes() {
            return None;
        }
        let body = u32_at(header, 16)?;
        let pages = body.div_ceil(PAGE);
        let checks = body..body.checked_add(pages.checked_mul(8)?)?;
        if body < HEADER || checks.end.checked_add(8)? != all.len() {
            return None;
        }
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(header);
        h.update(all.get(checks.clone())?);
        if h.digest().to_le_bytes() != all[checks.end..] {
            return None;
        }
        let mut sections = [(0, 0); SECTIONS];
        for (i, s) in sections.iter_mut().enumerate() {
            let (start, end) = (u32_at(header, 24 + 8 * i)?, u32_at(header, 28 + 8 * i)?);
            if start < HEADER || start > end || end > body {
                return None;
            }
            *s = (start, end);
        }
        Some(NamesFile {
            sections,
            checks,
            checked: (0..pages).map(|_| std::cell::Cell::new(false)).collect(),
            damaged: std::cell::Cell::new(false),
            bytes,
        })
    }

    /// Bytes `from..to` of the body, once the checks of their pages hold.
    fn read(&self, from: usize, to: usize) -> Option<&[u8]> {
        let all = self.bytes.as_slice();
        if from > to || to > self.checks.start {
            return None;
        }
        for page in from / PAGE..to.div_ceil(PAGE) {
            let done = self.checked.get(page)?;
            if done.get() {
                continue;
            }
            let bytes = all.get(page * PAGE..((page + 1) * PAGE).min(self.checks.start))?;
            let at = self.checks.start + 8 * page;
            if all.get(at..at + 8)? != xxhash_rust::xxh3::xxh3_64(bytes).to_le_bytes() {
                self.damaged.set(true);
                return None;
            }
            done.set(true);
        }
        all.get(from..to)
    }

    fn table(&self, section: usize) -> Option<Table<'_>> {
        Table::new(self, section)
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
        let group = Reader::new(self.table(LOOKUP)?.get(k.as_bytes())?).count()?;
        let (key, value) = self.table(GROUPS)?.record(group)?;
        let mut value = Reader::new(value);
        let n = value.count()?;
        let mut terms = Vec::with_capacity(n.min(value.len()));
        for _ in 0..n {
            terms.push(std::str::from_utf8(value.bytes()?).ok()?);
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
    let body = out.len();
    out[16..20].copy_from_slice(&(body as u32).to_le_bytes());
    for (i, (start, end)) in bounds.into_iter().enumerate() {
        out[24 + 8 * i..28 + 8 * i].copy_from_slice(&(start as u32).to_le_bytes());
        out[28 + 8 * i..32 + 8 * i].copy_from_slice(&(end as u32).to_le_bytes());
    }
    for page in out[..body]
        .chunks(PAGE)
        .map(xxhash_rust::xxh3::xxh3_64)
        .collect::<Vec<_>>()
    {
        out.extend_from_slice(&page.to_le_bytes());
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&out[..HEADER]);
    h.update(&out[body..]);
    out.extend_from_slice(&h.digest().to_le_bytes());
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

/// Whether the file of the commit `opstamp` is there, every page of it
/// whole, and of `fingerprint`.
pub(super) fn is_fresh(dir: &Path, opstamp: u64, fingerprint: u64) -> bool {
    mapped(dir, opstamp)
        .and_then(|b| NamesFile::new(b, fingerprint))
        .is_some_and(|f| f.read(0, f.checks.start).is_some())
}

/// The file of the commit `opstamp`, mapped.
fn mapped(dir: &Path, opstamp: u64) -> Option<OwnedBytes> {
    crate::binary_format::map(&dir.join(file_name(opstamp))).ok()
}

impl NewsIndex {
    /// The names `--entity` resolves with, for the last commit (`searcher`
    /// must see it): its file, mapped, or else the table and dictionaries
    /// loaded whole.
    pub fn entity_names(&self, searcher: &tantivy::Searcher) -> Result<EntityNames> {
        let opstamp = self.last_opstamp()?;
        let fingerprint = self.table_fingerprint();
        let kept = mapped(&self.dir, opstamp).and_then(|b| NamesFile::new(b, fingerprint));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::Kind;
    use crate::index::entity_table::Group;

    fn table() -> EntityTable {
        let group = |key: &str, names: &[&str], terms: &[&str]| Group {
            key: key.to_string(),
            kind: Kind::Org,
            articles: 3,
            mentions: 5,
            names: names.iter().map(|n| n.to_string()).collect(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
        };
        let suffixes = ["inc".to_string(), "corp".to_string()];
        EntityTable::from_groups(
            vec![
                group(
                    "general motors",
                    &["general motors", "general motors corp", "gm"],
                    &["org:general motors", "org:gm"],
                ),
                group(
                    "williams",
                    &["williams"],
                    &["person:serena williams", "person:venus williams"],
                ),
                group("būsh", &["būsh", "bush"], &["person:bush", "place:būsh"]),
            ],
            &suffixes,
        )
    }

    /// Every lookup the file answers: (what was asked, the answer).
    fn answers(names: &EntityNames, dict: &Dictionary, table: &EntityTable) -> Vec<String> {
        let maps = dict.name_maps();
        let mut out = Vec::new();
        for (k, _, _) in maps.aliases.iter().step_by(97) {
            out.push(format!("{k} {:?}", names.alias(k)));
        }
        for (k, _) in &maps.demonyms {
            out.push(format!("{k} {:?}", names.demonym(k)));
        }
        for (k, _) in &maps.case_sensitive {
            out.push(format!("{k} {:?}", names.case_sensitive(k)));
        }
        for k in table
            .lookup_entries()
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(["nobody", "bush", "gm inc"])
        {
            out.push(format!("{k} {:?}", names.find_typed(k, &["inc".to_string()])));
        }
        out
    }

    #[test]
    fn the_file_answers_as_the_table_and_dictionary_and_a_damaged_page_is_noticed() {
        let dict = Dictionary::names(None).expect("dictionary");
        let table = table();
        let bytes = encode(&table, &dict, 7).expect("encode");
        let kept = EntityNames::Kept(NamesFile::new(OwnedBytes::new(bytes.clone()), 7).expect("open"));
        assert!(
            NamesFile::new(OwnedBytes::new(bytes.clone()), 8).is_none(),
            "another fingerprint"
        );
        let expected = answers(
            &EntityNames::Loaded(Box::new((
                Dictionary::names(None).expect("d"),
                std::sync::Arc::new(table.clone()),
            ))),
            &dict,
            &table,
        );
        assert_eq!(answers(&kept, &dict, &table), expected);
        assert!(!kept.is_damaged());
        // A byte flipped anywhere: no file, or the same answers, or damage
        // noticed.
        for at in (0..bytes.len()).step_by(bytes.len() / 300) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            let Some(file) = NamesFile::new(OwnedBytes::new(damaged), 7) else {
                continue;
            };
            let names = EntityNames::Kept(file);
            let got = answers(&names, &dict, &table);
            assert!(got == expected || names.is_damaged(), "byte {at}");
        }
        for cut in [0, 8, HEADER, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                NamesFile::new(OwnedBytes::new(bytes[..cut].to_vec()), 7).is_none(),
                "cut at {cut}"
            );
        }
    }
}
