//! Helpers shared by the fuzz targets: a scratch folder in /dev/shm (one
//! per fuzzer process), the built-in mapping's rules, and writing a file
//! then handing it to the indexer's walk, as `newsidx index` does.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use newsidx::ingest::walk::{self, Archive, FileTask, Walked};
use newsidx::ingest::{Rules, TextPart};
use newsidx::schema::Mapping;

/// `/dev/shm/newsidx-fuzz-<pid>` (or the temp dir if there is no
/// /dev/shm), created on first use. `scripts/fuzz` removes it after a run.
pub fn scratch() -> &'static Path {
    static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("newsidx-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch folder");
        dir
    });
    &DIR
}

/// A sub-folder of the scratch folder, emptied.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = scratch().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch sub-folder");
    dir
}

/// The rules of the built-in mapping, compiled once.
pub fn rules() -> &'static Rules {
    static RULES: LazyLock<Rules> = LazyLock::new(|| {
        let mapping = Mapping::builtin().expect("built-in mapping");
        Rules::compile(&mapping).expect("built-in rules")
    });
    &RULES
}

/// The archive folder of this process, planned as `newsidx index` plans
/// the folders it is given.
fn archive() -> &'static Arc<Archive> {
    static ARCHIVE: LazyLock<Arc<Archive>> = LazyLock::new(|| {
        let dir = scratch().join("archive");
        std::fs::create_dir_all(&dir).expect("create archive folder");
        let mut planned = walk::plan(&[dir], &[]).expect("plan the archive");
        planned.pop().expect("one archive")
    });
    &ARCHIVE
}

/// Makes `bytes` the only file of the archive folder, named `name`, and
/// returns the task the indexer's walk makes of it.
pub fn archive_file(name: &str, bytes: &[u8]) -> FileTask {
    let archive = archive();
    let dir = &archive.given;
    for entry in std::fs::read_dir(dir).expect("list archive folder") {
        let _ = std::fs::remove_file(entry.expect("archive entry").path());
    }
    std::fs::write(dir.join(name), bytes).expect("write archive file");
    let mut tasks = Vec::new();
    walk::walk(archive, None, |walked| {
        match walked {
            Walked::File(task) => tasks.push(task),
            Walked::Skipped(skip) => panic!("walk skipped {}: {}", skip.path, skip.reason),
            Walked::Unreadable { skip, .. } => panic!("walk could not read {}: {}", skip.path, skip.reason),
        }
        true
    });
    assert_eq!(tasks.len(), 1, "the walk finds the one file");
    tasks.pop().unwrap()
}

/// A sealed file of newsidx's (the catalog, an export point) made from
/// fuzz input: byte 0 picks how the rest becomes the file, 0 mod 3 as is,
/// 1 sealed (its xxh3 appended, as the writer does, so the decoder gets
/// past the check), 2 `magic` + the rest, sealed. `None` for no input.
pub fn sealed_file(data: &[u8], magic: &[u8]) -> Option<Vec<u8>> {
    let sealed = |mut body: Vec<u8>| {
        let check = xxhash_rust::xxh3::xxh3_64(&body);
        body.extend_from_slice(&check.to_le_bytes());
        body
    };
    let (&mode, rest) = data.split_first()?;
    Some(match mode % 3 {
        0 => rest.to_vec(),
        1 => sealed(rest.to_vec()),
        _ => sealed([magic, rest].concat()),
    })
}

/// Copies the files of folder `from` into `to` (one level: the sample's
/// date folders hold files only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy file");
        }
    }
}

/// Gzip of `bytes` (one member).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// The checks every article read must pass: its `entity_skip` ranges lie
/// within their text on character boundaries (they are taken from the
/// text when it is read), and the texts for entities keep the offsets.
pub fn check_article(article: &newsidx::ingest::Article) {
    for (part, range) in &article.entity_skip {
        let text: &str = match part {
            TextPart::Title => article.title.as_deref().expect("skip in a title the article has"),
            TextPart::Caption(i) => article
                .captions
                .get(*i)
                .unwrap_or_else(|| panic!("skip in caption {i} of {}", article.captions.len())),
            TextPart::Body => &article.body,
        };
        assert!(
            range.start <= range.end && text.get(range.clone()).is_some(),
            "entity_skip {part:?} {range:?} does not fit a text of {} bytes",
            text.len()
        );
    }
    let texts = article.entity_texts();
    let parts = texts.parts();
    let own: Vec<&str> = article
        .title
        .iter()
        .map(String::as_str)
        .chain(article.captions.iter().map(String::as_str))
        .chain([article.body.as_str()])
        .collect();
    assert_eq!(parts.len(), own.len());
    for ((_, masked), text) in parts.iter().zip(own) {
        assert_eq!(masked.len(), text.len(), "masking keeps byte offsets");
    }
    let _ = article.content_hash(0);
}
