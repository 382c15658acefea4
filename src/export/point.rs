//! The export point: what the last `export --changes` to a target sent (each document's id and content hash), kept in the index folder, and the lock that lets one such export run at a time.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::sink::partial_of;
use crate::binary_format::{self, put_str, put_varint, Reader};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"NXEXPT\x00\x02";

/// The documents a target holds after the export numbered `seq`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Point {
    /// 0 before the first export.
    pub seq: u64,
    /// Id and content hash of every document sent and not deleted since.
    pub documents: Vec<(String, u64)>,
}

fn point_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("export-{name}.point"))
}

impl Point {
    /// The point of target `name`, or the empty one before its first export.
    pub fn read(dir: &Path, name: &str) -> Result<Point> {
        let path = point_path(dir, name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Point::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        Point::decode(&bytes).ok_or_else(|| {
            Error::Invalid(format!(
                "{}: damaged; remove it, and the next `export --changes` sends every document again",
                path.display()
            ))
        })
    }

    fn decode(bytes: &[u8]) -> Option<Point> {
        let mut r = Reader::new(binary_format::unseal(bytes)?);
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let seq = r.u64_fixed()?;
        let count = r.varint()?;
        // Each entry takes at least 9 bytes (its hash, its id's length):
        // a count the bytes cannot hold reserves no more than they can.
        let mut documents = Vec::with_capacity((count as usize).min(bytes.len() / 9));
        for _ in 0..count {
            let hash = r.u64_fixed()?;
            documents.push((r.string()?, hash));
        }
        r.is_done().then_some(Point { seq, documents })
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.documents.len() * 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.seq.to_le_bytes());
        put_varint(&mut out, self.documents.len() as u64);
        for (id, hash) in &self.documents {
            out.extend_from_slice(&hash.to_le_bytes());
            put_str(&mut out, id);
        }
        binary_format::seal(&mut out);
        out
    }

    /// Replaces the point of target `name` in one rename, after the new
    /// one is on disk.
    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        let path = point_path(dir, name);
        crate::replace::replace_file_via(&path, &partial_of(&path), &self.encode(), || {})
    }
}

/// Held by an `export --changes` for its whole run: two exports to one
/// target at once would both send the same changes and race to move the
/// point. An OS lock, so a killed export leaves none behind.
pub struct ExportLock {
    _file: File,
}

impl ExportLock {
    pub fn acquire(dir: &Path, name: &str) -> Result<ExportLock> {
        let path = dir.join(format!("export-{name}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match crate::index::try_lock(&file) {
            Ok(true) => Ok(ExportLock { _file: file }),
            Ok(false) => Err(Error::ExportLocked { path }),
            Err(e) => Err(Error::io(&path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_reads_back_as_written_and_damage_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(Point::read(tmp.path(), "news").unwrap(), Point::default());
        let point = Point {
            seq: 7,
            documents: vec![
                ("politics/001.txt".into(), 42),
                ("wire.jsonl#ä\n\t".into(), u64::MAX),
            ],
        };
        point.write(tmp.path(), "news").unwrap();
        assert_eq!(Point::read(tmp.path(), "news").unwrap(), point);
        assert_eq!(Point::read(tmp.path(), "other").unwrap(), Point::default());

        let path = point_path(tmp.path(), "news");
        let bytes = std::fs::read(&path).unwrap();
        for cut in [bytes.len() - 1, 20, 3] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let err = Point::read(tmp.path(), "news").unwrap_err().to_string();
            assert!(err.contains("damaged"), "{err}");
        }
    }

    #[test]
    fn a_second_export_lock_on_one_target_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let first = ExportLock::acquire(tmp.path(), "news").unwrap();
        assert!(matches!(
            ExportLock::acquire(tmp.path(), "news"),
            Err(Error::ExportLocked { .. })
        ));
        assert!(ExportLock::acquire(tmp.path(), "other").is_ok());
        drop(first);
        assert!(ExportLock::acquire(tmp.path(), "news").is_ok());
    }
}
