//! The catalog of indexed files: each file's fingerprint and document count, committed with the index in one step.
//!
//! An incremental run trusts a file whose size, times and inode match its
//! catalog entry without reading it. Each commit writes the catalog as
//! `catalog-<opstamp>.bin`, flushed to the disk, before tantivy's commit,
//! and the commit's payload names it: tantivy replaces meta.json in one
//! step, so documents and catalog switch together. A run killed before
//! that leaves the old meta.json, which names the old catalog; a catalog
//! file no commit names is removed by the next commit.
//!
//! What the catalog says holds for the commit that names it, but it need
//! not name every file. A commit leaves out the files whose documents were
//! still coming in (`in_flight`), and the run drops the entry of a file it
//! could read only in part, so an entry never vouches for documents the
//! commit does not hold. A file without an entry is read again by the next
//! run; a catalog not marked `complete` (a periodic commit, a run cut
//! short) also makes the next run look in the index itself for documents
//! of files that are gone. A lost or damaged catalog makes the next run
//! read every file: the index, not the catalog, is the truth about
//! documents.

use std::collections::{HashMap, HashSet};
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::binary_format::{self, put_str, put_varint, Reader};
use crate::error::{Error, Result};

/// What a file looked like when it was indexed. Any difference in these
/// makes the run read the file; `hash` then tells whether its bytes changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub size: u64,
    pub mtime_ns: i64,
    /// The inode's change time: a write that puts the old mtime back (`cp -p`,
    /// `touch -r`, rsync -t) still moves it.
    pub ctime_ns: i64,
    pub ino: u64,
}

impl Fingerprint {
    pub fn of(meta: &Metadata) -> Fingerprint {
        Fingerprint {
            size: meta.size(),
            mtime_ns: meta
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.mtime_nsec()),
            ctime_ns: meta
                .ctime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.ctime_nsec()),
            ino: meta.ino(),
        }
    }
}

/// One file of the archive as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub fingerprint: Fingerprint,
    /// xxh3 of the file's bytes as stored (compressed files: compressed).
    pub hash: u64,
    /// Documents the file gave (0 for a file that was skipped as a whole).
    pub docs: u64,
    /// What was left out of it and why, as (what follows the file's path:
    /// "" for the whole file, "#12" for a record; reason). An unchanged file
    /// is not read again, but what it lacks is reported on every run.
    pub skips: Vec<(String, String)>,
}

/// An archive folder of the index and the prefix of its documents' ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    pub canonical: String,
    pub prefix: String,
}

/// What a run changed: new and replaced entries, and `None` for files
/// that are gone.
pub type Changes = HashMap<String, Option<Entry>>;

/// The whole catalog, keyed by source (the file's id: archive prefix and
/// path relative to the archive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Fingerprint of everything besides the files that decides what an
    /// article becomes (mapping, dictionaries, overrides, model, limits): when
    /// it changes, every file is read again.
    pub settings: u64,
    pub archives: Vec<ArchiveEntry>,
    pub files: HashMap<String, Entry>,
    /// Every file with documents in the index is here. False after a run
    /// that was cut short (or could not finish reading a file): the next
    /// run then also looks in the index for documents of files that are gone.
    pub complete: bool,
}

const MAGIC: &[u8; 8] = b"NXCAT\x00\x00\x01";
const PREFIX: &str = "catalog-";
const SUFFIX: &str = ".bin";
/// Ends the name a catalog is written under before it is renamed.
const TMP_SUFFIX: &str = ".tmp";

/// The catalog's file name for a commit.
pub fn file_name(opstamp: u64) -> String {
    format!("{PREFIX}{opstamp}{SUFFIX}")
}

impl Catalog {
    /// Reads the catalog a commit named, mapped (`binary_format::map`):
    /// every run reads it.
    pub fn read(path: &Path) -> Result<Catalog> {
        let bytes = binary_format::map(path).map_err(|e| Error::io(path, e))?;
        decode(bytes.as_slice())
            .ok_or_else(|| Error::Invalid(format!("{}: damaged catalog file", path.display())))
    }

    /// Writes the catalog with `changes` applied (`None` removes a file)
    /// and flushes it to the disk, so the commit that names it never names a
    /// file a power cut left half written.
    ///
    /// Written beside `path` and renamed onto it: a commit that carries no
    /// document operation keeps the opstamp of the one before, so `path`
    /// may be the catalog the live commit names, which a kill during the
    /// write must not leave half written.
    pub fn write(
        &self,
        changes: &Changes,
        in_flight: &HashSet<String>,
        complete: bool,
        path: &Path,
    ) -> Result<()> {
        let bytes = self.encode(changes, in_flight, complete);
        crate::replace::replace_file_via(path, &crate::replace::tmp_of(path), &bytes, || {
            crate::crashtest::point("catalog-write")
        })?;
        Ok(())
    }

    fn encode(&self, changes: &Changes, in_flight: &HashSet<String>, complete: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.files.len() * 40);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.settings.to_le_bytes());
        out.push(u8::from(complete));
        put_varint(&mut out, self.archives.len() as u64);
        for a in &self.archives {
            put_str(&mut out, &a.canonical);
            put_str(&mut out, &a.prefix);
        }
        // Sorted, each source stored as its difference from the one before:
        // paths of one archive share long prefixes.
        let mut files: Vec<(&String, &Entry)> = self
            .files
            .iter()
            .filter(|(source, _)| !changes.contains_key(*source))
            .chain(
                changes
                    .iter()
                    .filter_map(|(source, e)| Some((source, e.as_ref()?))),
            )
            .filter(|(source, _)| !in_flight.contains(*source))
            .collect();
        files.sort_unstable_by(|a, b| a.0.cmp(b.0));
        put_varint(&mut out, files.len() as u64);
        let mut previous: &[u8] = &[];
        for (source, entry) in files {
            let bytes = source.as_bytes();
            let shared = bytes.iter().zip(previous).take_while(|(a, b)| a == b).count();
            // A cut inside a UTF-8 sequence is fine: decoding joins bytes.
            put_varint(&mut out, shared as u64);
            put_varint(&mut out, (bytes.len() - shared) as u64);
            out.extend_from_slice(&bytes[shared..]);
            let f = &entry.fingerprint;
            put_varint(&mut out, f.size);
            put_varint(&mut out, zigzag(f.mtime_ns));
            put_varint(&mut out, zigzag(f.ctime_ns));
            put_varint(&mut out, f.ino);
            out.extend_from_slice(&entry.hash.to_le_bytes());
            put_varint(&mut out, entry.docs);
            put_varint(&mut out, entry.skips.len() as u64);
            for (suffix, reason) in &entry.skips {
                put_str(&mut out, suffix);
                put_str(&mut out, reason);
            }
            previous = bytes;
        }
        binary_format::seal(&mut out);
        out
    }
}

/// Removes the catalog files of other commits (those of killed runs, and
/// the one the last commit replaced).
pub fn remove_others(dir: &Path, keep: &str) {
    let ours = |name: &str| {
        name.starts_with(PREFIX)
            && (name.ends_with(SUFFIX) || name.ends_with(&format!("{SUFFIX}{TMP_SUFFIX}")))
    };
    crate::replace::remove_others(dir, ours, Some(keep));
}

fn decode(bytes: &[u8]) -> Option<Catalog> {
    let body = binary_format::unseal(bytes)?;
    let mut r = Reader::new(body);
    if r.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let settings = r.u64_fixed()?;
    let complete = match r.take(1)? {
        [0] => false,
        [1] => true,
        _ => return None,
    };
    let n = r.varint()?;
    let mut archives = Vec::new();
    for _ in 0..n {
        archives.push(ArchiveEntry {
            canonical: r.string()?,
            prefix: r.string()?,
        });
    }
    let n = usize::try_from(r.varint()?).ok()?;
    let mut files = HashMap::with_capacity(n.min(body.len() / 8));
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..n {
        let shared = usize::try_from(r.varint()?).ok()?;
        let len = usize::try_from(r.varint()?).ok()?;
        if shared > previous.len() {
            return None;
        }
        previous.truncate(shared);
        previous.extend_from_slice(r.take(len)?);
        let fingerprint = Fingerprint {
            size: r.varint()?,
            mtime_ns: unzigzag(r.varint()?),
            ctime_ns: unzigzag(r.varint()?),
            ino: r.varint()?,
        };
        let hash = r.u64_fixed()?;
        let docs = r.varint()?;
        let n_skips = r.varint()?;
        let mut skips = Vec::new();
        for _ in 0..n_skips {
            skips.push((r.string()?, r.string()?));
        }
        let source = String::from_utf8(previous.clone()).ok()?;
        files.insert(
            source,
            Entry {
                fingerprint,
                hash,
                docs,
                skips,
            },
        );
    }
    if !r.is_done() {
        return None;
    }
    Some(Catalog {
        settings,
        archives,
        files,
        complete,
    })
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Catalog {
        let mut files = HashMap::new();
        for (i, source) in [
            "world/001.txt",
            "world/002.txt",
            "wire/café.txt",
            "feed.jsonl",
            "w",
        ]
        .iter()
        .enumerate()
        {
            files.insert(
                source.to_string(),
                Entry {
                    fingerprint: Fingerprint {
                        size: 1000 + i as u64,
                        mtime_ns: 1_700_000_000_123_456_789 - i as i64,
                        ctime_ns: -5,
                        ino: u64::MAX - i as u64,
                    },
                    hash: 0xdead_beef ^ i as u64,
                    docs: i as u64,
                    skips: if i == 3 {
                        vec![
                            ("#7".into(), "invalid JSON: eof".into()),
                            (String::new(), "x".into()),
                        ]
                    } else {
                        Vec::new()
                    },
                },
            );
        }
        Catalog {
            settings: 42,
            archives: vec![ArchiveEntry {
                canonical: "/srv/news".into(),
                prefix: String::new(),
            }],
            files,
            complete: true,
        }
    }

    #[test]
    fn round_trips() {
        let catalog = sample();
        let none = Changes::new();
        assert_eq!(
            decode(&catalog.encode(&none, &HashSet::new(), true)),
            Some(catalog.clone())
        );
        assert_eq!(
            decode(&Catalog::default().encode(&none, &HashSet::new(), false)),
            Some(Catalog::default())
        );

        let mut changes = Changes::new();
        changes.insert("world/001.txt".into(), None);
        let mut entry = catalog.files["w"].clone();
        entry.docs = 99;
        changes.insert("zz/new.txt".into(), Some(entry.clone()));
        let mut expected = catalog.clone();
        expected.files.remove("world/001.txt");
        expected.files.insert("zz/new.txt".into(), entry);
        assert_eq!(
            decode(&catalog.encode(&changes, &HashSet::new(), true)),
            Some(expected)
        );
    }

    #[test]
    fn a_written_catalog_reads_back_and_a_damaged_one_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(file_name(7));
        let catalog = sample();
        catalog
            .write(&Changes::new(), &HashSet::new(), true, &path)
            .unwrap();
        assert_eq!(Catalog::read(&path).unwrap(), catalog);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[30] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(Catalog::read(&path).is_err());
        assert!(Catalog::read(&tmp.path().join(file_name(8))).is_err());
    }

    #[test]
    fn damage_is_detected() {
        let bytes = sample().encode(&Changes::new(), &HashSet::new(), true);
        for cut in [0, 7, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert_eq!(decode(&flipped), None);
    }
}
