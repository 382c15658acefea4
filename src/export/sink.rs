//! Where exported lines go: a stream, one file put in place when complete, or numbered chunk files of bounded size in a folder.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where the export goes, as the user named it.
pub enum Output {
    /// Standard output, or any stream (a pipe, a device), named for errors:
    /// all of it, unbounded, written as it comes.
    Stream { out: Box<dyn Write>, name: String },
    /// One file. It appears, complete, when the export ends.
    File(PathBuf),
    /// An existing folder: numbered chunk files of at most `limit` bytes,
    /// each put in place complete.
    Dir { dir: PathBuf, limit: usize },
}

/// What became of a unit handed to `Sink::put`.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Written,
    /// The unit is larger than a chunk may be; nothing was written.
    TooLarge {
        limit: usize,
    },
}

pub struct Sink {
    inner: Inner,
}

enum Inner {
    Stream {
        out: BufWriter<Box<dyn Write>>,
        name: String,
    },
    File {
        path: PathBuf,
        partial: Partial,
        out: BufWriter<File>,
        /// Whether a unit was written: an export of nothing leaves no file.
        any: bool,
    },
    Dir {
        dir: PathBuf,
        stem: String,
        limit: usize,
        chunk: Vec<u8>,
        written: Vec<PathBuf>,
    },
}

impl Sink {
    /// Opens `output`. Chunk files are `STEM-000001.ndjson` and on; files of
    /// that name already in the folder are removed with `replace`, and
    /// refused without it.
    pub fn open(output: Output, stem: &str, replace: bool) -> Result<Sink> {
        let inner = match output {
            Output::Stream { out, name } => Inner::Stream {
                out: BufWriter::with_capacity(1 << 16, out),
                name,
            },
            Output::File(path) => {
                let partial = Partial(partial_of(&path));
                let file = File::create(&partial.0).map_err(|e| Error::io(&partial.0, e))?;
                Inner::File {
                    path,
                    partial,
                    out: BufWriter::with_capacity(1 << 16, file),
                    any: false,
                }
            }
            Output::Dir { dir, limit } => {
                for name in chunks_in(&dir, stem)? {
                    let path = dir.join(&name);
                    if !replace {
                        return Err(Error::Invalid(format!(
                            "{}: already there from an earlier export; empty the folder or choose another --out",
                            path.display()
                        )));
                    }
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
                Inner::Dir {
                    dir,
                    stem: stem.to_string(),
                    limit,
                    chunk: Vec::new(),
                    written: Vec::new(),
                }
            }
        };
        Ok(Sink { inner })
    }

    /// Writes one unit (whole lines): into the current chunk if it fits,
    /// else into a new one.
    pub fn put(&mut self, unit: &[u8]) -> Result<Put> {
        match &mut self.inner {
            Inner::Stream { out, name } => out.write_all(unit).map_err(|e| Error::io(&*name, e))?,
            Inner::File {
                partial, out, any, ..
            } => {
                out.write_all(unit).map_err(|e| Error::io(&partial.0, e))?;
                *any = true;
            }
            Inner::Dir {
                dir,
                stem,
                limit,
                chunk,
                written,
            } => {
                if unit.len() > *limit {
                    return Ok(Put::TooLarge { limit: *limit });
                }
                if chunk.len() + unit.len() > *limit {
                    written.push(write_chunk(dir, stem, written.len() + 1, chunk)?);
                    chunk.clear();
                }
                chunk.extend_from_slice(unit);
            }
        }
        Ok(Put::Written)
    }

    /// Ends the export: flushes the stream, or puts the file or the last
    /// chunk in place. Returns the chunk files written.
    pub fn finish(self) -> Result<Vec<PathBuf>> {
        match self.inner {
            Inner::Stream { mut out, name } => {
                out.flush().map_err(|e| Error::io(&name, e))?;
                Ok(Vec::new())
            }
            // Nothing to say is no file: `_bulk` refuses an empty body,
            // and a file left from an earlier export would be posted again.
            Inner::File {
                path,
                partial,
                out,
                any: false,
            } => {
                drop(out);
                let partial = partial.keep();
                std::fs::remove_file(&partial).map_err(|e| Error::io(&partial, e))?;
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&path, e)),
                    _ => Ok(Vec::new()),
                }
            }
            Inner::File {
                path, partial, out, ..
            } => {
                let file = out
                    .into_inner()
                    .map_err(|e| Error::io(&partial.0, e.into_error()))?;
                file.sync_all().map_err(|e| Error::io(&partial.0, e))?;
                std::fs::rename(&partial.0, &path).map_err(|e| Error::io(&path, e))?;
                partial.keep();
                Ok(Vec::new())
            }
            Inner::Dir {
                dir,
                stem,
                chunk,
                mut written,
                ..
            } => {
                if !chunk.is_empty() {
                    written.push(write_chunk(&dir, &stem, written.len() + 1, &chunk)?);
                }
                Ok(written)
            }
        }
    }
}

/// The file an export writes before it is put in place: removed if the
/// export ends before that (an error, a full disk), so none is left behind.
struct Partial(PathBuf);

impl Partial {
    /// It was put in place (or is removed by the caller): not to be removed.
    fn keep(mut self) -> PathBuf {
        std::mem::take(&mut self.0)
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn chunk_name(stem: &str, n: usize) -> String {
    format!("{stem}-{n:06}.ndjson")
}

/// The chunk files of `stem` in `dir`.
fn chunks_in(dir: &Path, stem: &str) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let number = name
            .strip_prefix(stem)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.strip_suffix(".ndjson"));
        if number.is_some_and(|n| n.len() >= 6 && n.bytes().all(|b| b.is_ascii_digit())) {
            found.push(name);
        }
    }
    found.sort();
    Ok(found)
}

/// Writes chunk `n`. Whoever picks up `*.ndjson` never sees half a chunk.
fn write_chunk(dir: &Path, stem: &str, n: usize, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(chunk_name(stem, n));
    crate::replace::replace_file_via(&path, &partial_of(&path), bytes, || {})?;
    crate::crashtest::point("export-chunk");
    Ok(path)
}

/// `dir/.NAME.partial` for `dir/NAME`: hidden, and no `*.ndjson` glob
/// matches it.
pub(super) fn partial_of(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_sink(dir: &Path, limit: usize) -> Sink {
        let output = Output::Dir {
            dir: dir.to_path_buf(),
            limit,
        };
        Sink::open(output, "news", false).unwrap()
    }

    #[test]
    fn chunks_are_filled_up_to_the_limit_and_never_past_it() {
        let tmp = tempfile::tempdir().unwrap();
        let mut sink = dir_sink(tmp.path(), 10);
        for unit in ["aaaa\n", "bbbb\n", "cc\n", "dddddddddd\n", "eeeeeeeee\n"] {
            let put = sink.put(unit.as_bytes()).unwrap();
            let expected = if unit.len() > 10 {
                Put::TooLarge { limit: 10 }
            } else {
                Put::Written
            };
            assert_eq!(put, expected, "{unit:?}");
        }
        let chunks = sink.finish().unwrap();
        let texts: Vec<String> = chunks
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        assert_eq!(texts, ["aaaa\nbbbb\n", "cc\n", "eeeeeeeee\n"]);
        assert_eq!(
            chunks[0].file_name().unwrap().to_str().unwrap(),
            "news-000001.ndjson"
        );
        // Nothing half-written is left behind.
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 3);
    }

    #[test]
    fn chunks_of_an_earlier_export_are_refused_or_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let mut sink = dir_sink(tmp.path(), 100);
        sink.put(b"x\n").unwrap();
        sink.finish().unwrap();
        std::fs::write(tmp.path().join("news-extra-000001.ndjson"), "keep\n").unwrap();
        let output = || Output::Dir {
            dir: tmp.path().to_path_buf(),
            limit: 100,
        };
        let refused = Sink::open(output(), "news", false).err().unwrap();
        assert!(refused.to_string().contains("news-000001.ndjson"), "{refused}");
        let sink = Sink::open(output(), "news", true).unwrap();
        assert!(sink.finish().unwrap().is_empty());
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["news-extra-000001.ndjson"]);
    }

    #[test]
    fn an_export_of_nothing_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("changes.bulk");
        std::fs::write(&path, "an earlier export\n").unwrap();
        let sink = Sink::open(Output::File(path.clone()), "news", false).unwrap();
        assert_eq!(sink.finish().unwrap(), Vec::<PathBuf>::new());
        assert!(!path.exists(), "the earlier file would be posted again");
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "no partial file left"
        );
    }

    #[test]
    fn a_file_appears_only_when_complete() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("out.ndjson");
        let mut sink = Sink::open(Output::File(path.clone()), "news", false).unwrap();
        sink.put(b"{}\n").unwrap();
        assert!(!path.exists());
        sink.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
