//! The metadata of the files the walk lists, taken relative to their folder, held open while its files come.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::catalog::Fingerprint;

/// The folder of the last file looked at, open. The walk lists a folder's
/// files one after the other, and a stat relative to the folder spares
/// the kernel the walk along the whole path for each: most of what a run
/// that finds nothing changed asks of it.
#[derive(Default)]
pub(super) struct Stat {
    folder: PathBuf,
    /// `None` when the folder could not be opened: its files are looked
    /// at by their whole path.
    open: Option<File>,
}

impl Stat {
    /// What `path` looks like, its links not followed: the same answer as
    /// `std::fs::symlink_metadata`, and the same error.
    pub(super) fn fingerprint(&mut self, path: &Path) -> io::Result<Fingerprint> {
        if let Some(fingerprint) = self.relative(path) {
            return Ok(fingerprint);
        }
        // Also where the stat in the folder failed: the folder may have
        // been moved since it was opened, and the error is the one the
        // whole path gives.
        std::fs::symlink_metadata(path).map(|m| Fingerprint::of(&m))
    }

    #[cfg(target_os = "linux")]
    fn relative(&mut self, path: &Path) -> Option<Fingerprint> {
        use std::ffi::CString;
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::OpenOptionsExt;

        // Split as bytes: Path's own parent() and equality take the path
        // apart component by component, for every file.
        let (folder, name) = crate::ingest::walk::split_name(path)?;
        if self.folder.as_os_str().as_bytes() != folder {
            let folder = Path::new(std::ffi::OsStr::from_bytes(folder));
            self.folder = folder.to_path_buf();
            self.open = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
                .open(folder)
                .ok();
        }
        let dir = self.open.as_ref()?;
        let name = CString::new(name).ok()?;
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `dir` is an open descriptor, `name` a NUL-terminated
        // string, and `st` room for one `stat`, which fstatat fills when it
        // returns 0.
        let st = unsafe {
            if libc::fstatat(
                dir.as_raw_fd(),
                name.as_ptr(),
                st.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            ) != 0
            {
                return None;
            }
            st.assume_init()
        };
        Some(Fingerprint {
            size: st.st_size as u64,
            mtime_ns: st
                .st_mtime
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_mtime_nsec),
            ctime_ns: st
                .st_ctime
                .saturating_mul(1_000_000_000)
                .saturating_add(st.st_ctime_nsec),
            ino: st.st_ino,
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn relative(&mut self, _path: &Path) -> Option<Fingerprint> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_answers_as_the_whole_path() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(a.join("1.txt"), "one").unwrap();
        std::fs::write(a.join("2.txt"), "two, longer").unwrap();
        std::fs::write(b.join("3.txt"), "three").unwrap();
        std::os::unix::fs::symlink(a.join("1.txt"), b.join("link")).unwrap();
        let mut stat = Stat::default();
        let whole = |p: &Path| std::fs::symlink_metadata(p).map(|m| Fingerprint::of(&m)).unwrap();
        for p in [
            a.join("1.txt"),
            a.join("2.txt"),
            b.join("3.txt"),
            b.join("link"),
            a.join("1.txt"),
        ] {
            assert_eq!(stat.fingerprint(&p).unwrap(), whole(&p), "{}", p.display());
            #[cfg(target_os = "linux")]
            assert_eq!(stat.relative(&p), Some(whole(&p)), "{}", p.display());
        }
        // A file in the root folder, and paths with no folder or no name.
        if let Ok(m) = std::fs::symlink_metadata("/etc") {
            assert_eq!(stat.fingerprint(Path::new("/etc")).unwrap(), Fingerprint::of(&m));
        }
        #[cfg(target_os = "linux")]
        for p in ["x.txt", "a/", "a/.", "a/.."] {
            assert_eq!(stat.relative(Path::new(p)), None, "{p}");
        }
        // Gone: as the whole path says.
        let missing = stat.fingerprint(&a.join("none")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        std::fs::remove_file(a.join("2.txt")).unwrap();
        assert_eq!(
            stat.fingerprint(&a.join("2.txt")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        // A new folder under the old name, met by the next batch.
        std::fs::rename(&a, tmp.path().join("moved")).unwrap();
        std::fs::create_dir_all(&a).unwrap();
        std::fs::write(a.join("1.txt"), "new").unwrap();
        let mut stat = Stat::default();
        assert_eq!(
            stat.fingerprint(&a.join("1.txt")).unwrap(),
            whole(&a.join("1.txt"))
        );
    }
}
