//! Walking archive folders: which entries are candidate files, and the stable document id of each.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use super::Skip;
use crate::catalog::ArchiveEntry;
use crate::error::{io_reason, Error, Result};

/// One archive folder of a run.
#[derive(Debug)]
pub struct Archive {
    /// As given on the command line (for messages).
    pub given: PathBuf,
    /// Absolute, links resolved (stored with each document).
    pub canonical: PathBuf,
    /// Put before every id of this archive: empty for a single archive,
    /// "<folder name>/" when several are indexed together.
    pub prefix: String,
}

/// A regular file to read.
#[derive(Debug, Clone)]
pub struct FileTask {
    pub archive: Arc<Archive>,
    /// The path to open (the archive folder as given, joined with `rel`).
    pub path: PathBuf,
    /// The document id of the file (records of JSON Lines add `#...`): the
    /// archive's prefix, then `rel`. One string for both: the walk makes
    /// one per file, and a run that finds nothing changed is little more.
    id: String,
    /// Where `rel` starts in `id`.
    rel_at: usize,
}

impl FileTask {
    /// The document id of the file (records of JSON Lines add `#...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `id`, for a caller done with the file.
    pub fn into_id(self) -> String {
        self.id
    }

    /// The path relative to the archive folder, `/`-separated, bytes that
    /// are not UTF-8 written as `%XX`.
    pub fn rel(&self) -> &str {
        self.id.get(self.rel_at..).unwrap_or_default()
    }

    /// The file name, lower-cased, for recognising extensions; worked out
    /// when the file is read, which most files of a re-run are not.
    pub fn name(&self) -> String {
        lower_name(last_part(&self.path))
    }

    pub fn display(&self) -> String {
        self.path.display().to_string()
    }

    /// The absolute path stored with the document.
    pub fn absolute(&self) -> String {
        self.archive
            .canonical
            .join(rel_path(&self.path, &self.archive.given))
            .display()
            .to_string()
    }

    /// Folder names between the archive folder and the file, outermost first.
    pub fn folders(&self) -> impl DoubleEndedIterator<Item = &str> {
        let mut parts: Vec<&str> = self.rel().split('/').collect();
        parts.pop();
        parts.into_iter()
    }
}

fn rel_path<'a>(path: &'a Path, root: &Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}

/// What the walk found.
pub enum Walked {
    File(FileTask),
    /// Not a regular file.
    Skipped(Skip),
    /// A folder (or entry) that could not be read: nothing under `source`
    /// (an id prefix) was seen, so nothing under it may be taken as deleted.
    Unreadable {
        skip: Skip,
        source: String,
    },
}

/// Checks the archive folders and gives each its id prefix, computed over
/// these and the archives the index already holds (`known`, with the
/// prefixes their documents have). Folders that overlap would index the
/// same files twice under two ids, so they are refused; so is a folder whose
/// arrival would change the ids of documents already indexed.
pub fn plan(dirs: &[PathBuf], known: &[ArchiveEntry]) -> Result<Vec<Arc<Archive>>> {
    let mut archives: Vec<(PathBuf, PathBuf)> = Vec::new();
    for dir in dirs {
        let canonical = dir.canonicalize().map_err(|e| Error::Archive {
            path: dir.clone(),
            reason: io_reason(&e),
        })?;
        if !canonical.is_dir() {
            return Err(Error::Archive {
                path: dir.clone(),
                reason: "not a folder".into(),
            });
        }
        if archives.iter().any(|(_, c)| *c == canonical) {
            continue;
        }
        archives.push((dir.clone(), canonical));
    }
    // Every folder of the index: those it holds, then the new ones.
    let mut all: Vec<(PathBuf, Option<&str>)> = known
        .iter()
        .map(|k| (PathBuf::from(&k.canonical), Some(k.prefix.as_str())))
        .collect();
    for (_, canonical) in &archives {
        if !all.iter().any(|(c, _)| c == canonical) {
            all.push((canonical.clone(), None));
        }
    }
    for (given, canonical) in &archives {
        if let Some((outer, old)) = all
            .iter()
            .find(|(c, _)| c != canonical && canonical.starts_with(c))
        {
            let which = if old.is_some() {
                "the index already holds"
            } else {
                "is indexed too"
            };
            return Err(Error::Archive {
                path: given.clone(),
                reason: format!(
                    "is inside {}, which {which}; give only the outer folder",
                    outer.display()
                ),
            });
        }
    }
    for (given, canonical) in &archives {
        if let Some((inner, _)) = all
            .iter()
            .find(|(c, old)| old.is_some() && c != canonical && c.starts_with(canonical))
        {
            return Err(Error::Archive {
                path: given.clone(),
                reason: format!(
                    "holds {}, which the index already holds under other ids; \
                     rebuild with the outer folder: newsidx index --full {}",
                    inner.display(),
                    given.display()
                ),
            });
        }
    }
    let prefixes = distinct_suffixes(all.iter().map(|(c, _)| c.as_path()).collect());
    let changed = all
        .iter()
        .zip(&prefixes)
        .find(|((_, old), new)| old.is_some_and(|old| old != new.as_str()));
    if let Some(((held, _), _)) = changed {
        let folders = |known: bool| {
            all.iter()
                .filter(|(_, old)| old.is_some() == known)
                .map(|(c, _)| c.display().to_string())
                .collect::<Vec<_>>()
        };
        let (old, new) = (folders(true), folders(false));
        return Err(Error::Archive {
            path: PathBuf::from(new.join(", ")),
            reason: format!(
                "adding it would change the id of every article already indexed from {}; \
                 to index them together, rebuild: newsidx index --full {} {}",
                held.display(),
                old.join(" "),
                new.join(" ")
            ),
        });
    }
    Ok(archives
        .into_iter()
        .map(|(given, canonical)| {
            let at = all.iter().position(|(c, _)| *c == canonical).unwrap_or(0);
            Arc::new(Archive {
                given,
                canonical,
                prefix: prefixes.get(at).cloned().unwrap_or_default(),
            })
        })
        .collect())
}

/// The index's archives after a run over `run`: those it held and the new ones.
pub fn merged(known: &[ArchiveEntry], run: &[Arc<Archive>]) -> Vec<ArchiveEntry> {
    let mut all = known.to_vec();
    for a in run {
        let canonical = a.canonical.display().to_string();
        if !all.iter().any(|k| k.canonical == canonical) {
            all.push(ArchiveEntry {
                canonical,
                prefix: a.prefix.clone(),
            });
        }
    }
    all
}

/// For several folders, the shortest run of trailing path components that
/// tells them apart ("bbc/", "reuters/"; "a/news/", "b/news/"); nothing for one.
fn distinct_suffixes(paths: Vec<&Path>) -> Vec<String> {
    if paths.len() < 2 {
        return vec![String::new(); paths.len()];
    }
    let components: Vec<Vec<String>> = paths
        .iter()
        .map(|p| p.components().map(|c| escape(c.as_os_str().as_bytes())).collect())
        .collect();
    let longest = components.iter().map(Vec::len).max().unwrap_or(1);
    for k in 1..=longest {
        let suffixes: Vec<String> = components
            .iter()
            .map(|c| {
                let from = c.len().saturating_sub(k);
                c[from..]
                    .iter()
                    .filter(|s| *s != "/")
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        let mut sorted = suffixes.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() == suffixes.len() {
            return suffixes.into_iter().map(|s| format!("{s}/")).collect();
        }
    }
    // Distinct canonical paths always differ somewhere, so this is not reached.
    components.iter().map(|c| format!("{}/", c.join("/"))).collect()
}

/// Walks one archive in sorted order. Hidden entries are not entered; links
/// are not followed; `exclude` (device, inode) is a folder never entered (the
/// index itself, when it lives inside the archive). `emit` returns false to
/// stop the walk.
pub fn walk(archive: &Arc<Archive>, exclude: Option<(u64, u64)>, mut emit: impl FnMut(Walked) -> bool) {
    let walker = WalkDir::new(&archive.given)
        .follow_links(false)
        // Siblings share their parent, so their paths compare as their names
        // do: byte for byte, where `sort_by_file_name` took each name apart
        // from its path at every comparison: a cost a no-op run, little
        // more than this walk, felt.
        .sort_by(|a, b| {
            a.path()
                .as_os_str()
                .as_bytes()
                .cmp(b.path().as_os_str().as_bytes())
        })
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if last_part(e.path()).starts_with(b".") {
                return false;
            }
            match exclude {
                Some(key) if e.file_type().is_dir() => {
                    e.metadata().map(|m| (m.dev(), m.ino()) != key).unwrap_or(true)
                }
                _ => true,
            }
        });
    for entry in walker {
        let walked = match entry {
            Err(e) => {
                let at = e.path().unwrap_or(&archive.given);
                let reason = match e.io_error() {
                    Some(io) => format!("cannot read: {}", io_reason(io)),
                    None => "cannot read: file system loop".to_string(),
                };
                Walked::Unreadable {
                    source: format!("{}{}", archive.prefix, escape_path(rel_path(at, &archive.given))),
                    skip: Skip {
                        path: at.display().to_string(),
                        reason,
                    },
                }
            }
            Ok(entry) => {
                let ft = entry.file_type();
                if ft.is_dir() {
                    continue;
                }
                let path = entry.into_path();
                if ft.is_file() {
                    let mut id = String::with_capacity(archive.prefix.len() + path.as_os_str().len());
                    id.push_str(&archive.prefix);
                    escape_rel_into(&path, &archive.given, &mut id);
                    Walked::File(FileTask {
                        archive: Arc::clone(archive),
                        path,
                        id,
                        rel_at: archive.prefix.len(),
                    })
                } else {
                    let reason = if ft.is_symlink() {
                        "symbolic link (not followed)"
                    } else if ft.is_fifo() {
                        "not a regular file (named pipe)"
                    } else if ft.is_socket() {
                        "not a regular file (socket)"
                    } else if ft.is_block_device() || ft.is_char_device() {
                        "not a regular file (device)"
                    } else {
                        "not a regular file"
                    };
                    Walked::Skipped(Skip {
                        path: path.display().to_string(),
                        reason: reason.to_string(),
                    })
                }
            }
        };
        if !emit(walked) {
            return;
        }
    }
}

/// `escape_path` of `path` relative to `root`, for a path the walk made
/// (`root`, a separator, the rest): the bytes after `root` escaped in one
/// go, which is the same, as a separator is never part of an escaped
/// sequence. Other paths take the long way.
fn escape_rel_into(path: &Path, root: &Path, out: &mut String) {
    let rest = path
        .as_os_str()
        .as_bytes()
        .strip_prefix(root.as_os_str().as_bytes())
        .map(|rest| rest.strip_prefix(b"/").unwrap_or(rest));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with(b"/") && !has_dot_parts(rest) => {
            escape_into(rest, out)
        }
        _ => out.push_str(&escape_path(rel_path(path, root))),
    }
}

/// Whether a `/`-separated path has parts `components()` would drop or
/// change: empty ones and `.`.
fn has_dot_parts(path: &[u8]) -> bool {
    path.split(|&b| b == b'/')
        .any(|part| part.is_empty() || part == b".")
}

/// The name of an entry the walk made (its folder's path, a separator,
/// the name), as bytes: `file_name()` would take the path apart from its
/// end, component by component, for every entry.
fn last_part(path: &Path) -> &[u8] {
    match split_name(path) {
        Some((_, name)) => name,
        None => path.file_name().map_or(&[][..], |n| n.as_bytes()),
    }
}

/// `path` cut at its last separator, as bytes, into its folder ("/" for
/// a name in the root) and a name that is no "." or ".."; `None` for
/// other paths, which `Path`'s own methods are for.
pub(crate) fn split_name(path: &Path) -> Option<(&[u8], &[u8])> {
    let bytes = path.as_os_str().as_bytes();
    let cut = bytes.iter().rposition(|&b| b == b'/')?;
    let (folder, name) = (&bytes[..cut.max(1)], &bytes[cut + 1..]);
    (!matches!(name, b"" | b"." | b"..")).then_some((folder, name))
}

/// A file name, lower-cased, for recognising extensions.
fn lower_name(name: &[u8]) -> String {
    if name.is_ascii() {
        // ASCII is UTF-8; lower-casing it keeps it ASCII.
        String::from_utf8(name.to_ascii_lowercase()).unwrap_or_default()
    } else {
        String::from_utf8_lossy(name).to_lowercase()
    }
}

/// The `/`-joined relative path, valid UTF-8 whatever the file system holds.
fn escape_path(rel: &Path) -> String {
    rel.components()
        .map(|c| escape(c.as_os_str().as_bytes()))
        .collect::<Vec<_>>()
        .join("/")
}

/// UTF-8 as is but `%` and `#`; they and every byte of an invalid
/// sequence as `%XX`. Ids are unambiguous so: a file literally named
/// `caf%E9.txt` is not the non-UTF-8 `caf\xE9.txt`, and one named
/// `feed.jsonl#3` is not record 3 of `feed.jsonl` (an id's first `#` ends
/// its file's part).
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(bytes, &mut out);
    out
}

/// `escape`, appended to `out`.
fn escape_into(mut bytes: &[u8], out: &mut String) {
    fn push(out: &mut String, s: &str) {
        if !s.as_bytes().iter().any(|&b| b == b'%' || b == b'#') {
            out.push_str(s);
            return;
        }
        for c in s.chars() {
            match c {
                '%' => out.push_str("%25"),
                '#' => out.push_str("%23"),
                c => out.push(c),
            }
        }
    }
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                push(out, s);
                return;
            }
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                push(out, std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len());
                for b in &bad[..n] {
                    out.push_str(&format!("%{b:02X}"));
                }
                bytes = &bad[n..];
            }
        }
    }
}

impl FileTask {
    /// One file read on its own (`newsidx extract FILE`), as if its folder
    /// were the archive.
    pub fn single(path: &Path) -> FileTask {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let canonical = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
        let file_name = path.file_name().map(Path::new).unwrap_or(path);
        FileTask {
            archive: Arc::new(Archive {
                given: parent.to_path_buf(),
                canonical,
                prefix: String::new(),
            }),
            path: path.to_path_buf(),
            id: escape_path(file_name),
            rel_at: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_are_escaped() {
        assert_eq!(escape(b"caf\xe9.txt"), "caf%E9.txt");
        assert_eq!(escape("café.txt".as_bytes()), "café.txt");
    }

    #[test]
    fn files_come_in_byte_order_of_their_names_folder_by_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("arch");
        // Names whose byte order differs from creation order and from case
        // folding; a folder's files come where its name sorts ("a" before
        // "a b").
        let names = [
            "b.txt", "a.txt", "B.txt", "a b", "a-b", "é.txt", "a/z.txt", "a/y.txt", "a0/x.txt",
        ];
        for name in names {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let archive = plan(std::slice::from_ref(&root), &[]).unwrap().remove(0);
        let mut seen = Vec::new();
        walk(&archive, None, |w| {
            if let Walked::File(task) = w {
                seen.push(task.rel().to_string());
            }
            true
        });
        assert_eq!(
            seen,
            ["B.txt", "a/y.txt", "a/z.txt", "a b", "a-b", "a.txt", "a0/x.txt", "b.txt", "é.txt"]
        );
    }

    #[test]
    fn the_short_way_to_a_relative_path_is_the_long_way() {
        use std::ffi::OsStr;
        let roots = ["/srv/news", "/srv/news/", ".", "./a", "a//b", "/"];
        let rests: [&[u8]; 9] = [
            b"x.txt",
            b"2008/10/x",
            b"caf\xe9/a%b#c.txt",
            b"\xe2\x82/\xff\xfe.txt",
            b"d\xc3\xa9j\xc3\xa0/vu",
            b"a/./b",
            b"a//b",
            b"a/../b",
            b"x/",
        ];
        for root in roots {
            for rest in rests {
                let mut path = root.as_bytes().to_vec();
                if !path.ends_with(b"/") {
                    path.push(b'/');
                }
                path.extend_from_slice(rest);
                let path = Path::new(OsStr::from_bytes(&path));
                let root = Path::new(root);
                // Appended after an archive's prefix, as the walk does.
                let mut id = String::from("news/");
                escape_rel_into(path, root, &mut id);
                assert_eq!(
                    id,
                    format!("news/{}", escape_path(rel_path(path, root))),
                    "{}",
                    path.display()
                );
            }
        }
        for p in [
            "/srv/news/a.txt",
            "a.txt",
            "/srv/.hidden",
            "/srv/news/",
            "/",
            "x//y",
            "a/.",
            "a/..",
        ] {
            let p = Path::new(p);
            assert_eq!(
                last_part(p),
                p.file_name().map_or(&[][..], |n| n.as_bytes()),
                "{}",
                p.display()
            );
        }
        assert_eq!(lower_name(b"NEWS.TXT"), "news.txt");
        assert_eq!(lower_name("ÉTÉ.TXT".as_bytes()), "été.txt");
        assert_eq!(lower_name(b"A\xff.TXT"), "a\u{fffd}.txt");
    }

    #[test]
    fn suffixes_tell_archives_apart() {
        let a = Path::new("/data/bbc");
        let b = Path::new("/data/reuters");
        assert_eq!(distinct_suffixes(vec![a, b]), vec!["bbc/", "reuters/"]);
        let c = Path::new("/x/news");
        let d = Path::new("/y/news");
        assert_eq!(distinct_suffixes(vec![c, d]), vec!["x/news/", "y/news/"]);
        assert_eq!(distinct_suffixes(vec![a]), vec![""]);
    }
}
