//! Files put in place whole or not at all: written beside their name, flushed to the disk, then renamed onto it.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `NAME.tmp` beside `path`: where `replace_file` writes before the rename.
pub(crate) fn tmp_of(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    PathBuf::from(tmp)
}

/// Puts `bytes` at `path`, written first at `NAME.tmp`.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_file_via(path, &tmp_of(path), bytes, || {})
}

/// Puts `bytes` at `path`, written first at `NAME.tmp` and renamed, but
/// not flushed to the disk: for a file nothing relies on (a report), where
/// a power cut may leave the old one, or an empty one, but a kill never
/// leaves half of one.
pub(crate) fn replace_file_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = tmp_of(path);
    if let Err(e) = std::fs::write(&temp, bytes) {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(&temp, e));
    }
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Puts `bytes` at `path`, written first at `temp`; `mid_write` runs with
/// half of them written (where a crash test stops the process). A failed
/// write (a full disk) removes `temp`: nothing half written is left.
pub(crate) fn replace_file_via(
    path: &Path,
    temp: &Path,
    bytes: &[u8],
    mid_write: impl FnOnce(),
) -> Result<()> {
    let written = (|| -> std::io::Result<()> {
        let mut file = File::create(temp)?;
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        file.write_all(first)?;
        mid_write();
        file.write_all(rest)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(temp);
        return Err(Error::io(temp, e));
    }
    if let Err(e) = std::fs::rename(temp, path) {
        let _ = std::fs::remove_file(temp);
        return Err(Error::io(path, e));
    }
    // The rename must reach the disk before anything (meta.json, a later
    // run) counts on the file being there.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Removes the files of `dir` that `ours` claims, but `keep`: the copies
/// earlier commits left (and their temporary files). Best effort: a file
/// left is removed by the next run.
pub(crate) fn remove_others(dir: &Path, ours: impl Fn(&str) -> bool, keep: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if ours(name) && Some(name) != keep {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog-1.bin");
        replace_file(&path, b"old").unwrap();
        // A temp path that cannot be created stands for a write that fails.
        let temp = dir.path().join("missing").join("x.tmp");
        assert!(replace_file_via(&path, &temp, b"new", || {}).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        replace_file(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!tmp_of(&path).exists());
        replace_file_unsynced(&path, b"newer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"newer");
        assert!(!tmp_of(&path).exists());
        assert!(replace_file_unsynced(&dir.path().join("missing").join("x"), b"x").is_err());
    }
}
