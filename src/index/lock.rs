//! The run lock: one `index` run per index folder, held as an OS lock so a run that died leaves none behind; and the non-blocking `flock` other locks take too.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::error::{Error, Result};

/// Held for the whole of an `index` run, before anything is read or
/// written; readers never take it. It is `flock` on the index folder itself,
/// so it needs no file of its own and ends with the process.
#[derive(Debug)]
pub struct RunLock {
    _dir: File,
}

impl RunLock {
    /// Takes the lock on `dir` (which must exist), or fails at once with
    /// `Error::Locked`.
    pub fn acquire(dir: &Path) -> Result<RunLock> {
        let file = File::open(dir).map_err(|e| Error::io(dir, e))?;
        match try_lock(&file) {
            Ok(true) => Ok(RunLock { _dir: file }),
            Ok(false) => Err(Error::Locked {
                dir: dir.to_path_buf(),
            }),
            Err(e) => Err(Error::io(dir, e)),
        }
    }
}

/// Takes an exclusive `flock` on `file` without waiting: `Ok(false)` when
/// another process holds it. It lasts as long as the descriptor.
pub(crate) fn try_lock(file: &File) -> std::io::Result<bool> {
    // SAFETY: flock on a descriptor the caller owns; no memory is shared.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        assert!(matches!(RunLock::acquire(dir.path()), Err(Error::Locked { .. })));
        drop(first);
        assert!(RunLock::acquire(dir.path()).is_ok());
    }
}
