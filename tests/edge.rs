//! Bad input never crashes the run and never loses the good articles: sample-corpus/edge/ and hostile trees made on the fly.

mod common;

use std::ffi::CString;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::{copy_tree, sample_corpus, stderr, Env};

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo");
}

#[test]
fn every_edge_file_is_indexed_or_skipped_with_its_reason() {
    let env = Env::new();
    copy_tree(&sample_corpus().join("edge"), &env.archive.join("edge"));
    env.copy_sample("headline/tech/007.txt", "tech/007.txt");
    let summary = env.index();

    let reason = |name: &str| -> String {
        let found: Vec<_> = summary
            .skipped
            .iter()
            .filter(|s| s.path.ends_with(name))
            .collect();
        assert_eq!(found.len(), 1, "{name} skipped once: {:?}", summary.skipped);
        found[0].reason.clone()
    };
    assert_eq!(reason("edge/empty.txt"), "empty file");
    assert_eq!(reason("edge/whitespace-only.txt"), "empty file (whitespace only)");
    assert_eq!(
        reason("edge/boilerplate-only.txt"),
        "no article text (only boilerplate or captions)"
    );
    assert_eq!(reason("edge/photo.jpg"), "binary file (JPEG image)");
    assert_eq!(reason("edge/blob.bin"), "binary file (contains NUL bytes)");
    assert_eq!(reason("edge/archive.zip"), "zip archive (unpack it first)");
    assert!(reason("edge/no-text.json").starts_with("JSON has no article text"));
    assert!(reason("edge/broken.json").starts_with("invalid JSON: "));
    assert!(reason("edge/mixed-records.jsonl#2").starts_with("invalid JSON: "));
    assert!(reason("edge/mixed-records.jsonl#3").starts_with("JSON has no article text"));
    let truncated = reason("edge/truncated.jsonl.gz");
    assert!(truncated.starts_with("truncated file"), "{truncated}");
    assert_eq!(summary.skipped.len(), 11, "{:?}", summary.skipped);

    // Everything else is in: the good article, both non-UTF-8 files, the good
    // records of the mixed file and the records before the gzip cut.
    let mut ids = env.ids("layout:headline OR layout:jsonl OR layout:json OR layout:scraped OR layout:wire");
    ids.sort();
    assert_eq!(
        ids,
        [
            "edge/mixed-records.jsonl#ok-1",
            "edge/mixed-records.jsonl#ok-4",
            "edge/truncated.jsonl.gz#cut-1",
            "edge/utf16-article.txt",
            "edge/windows-1252-article.txt",
            "tech/007.txt",
        ]
    );
    assert_eq!(summary.docs_total, 6);
    assert!(
        env.search("draft", &[]).hits.is_empty(),
        "hidden files are never indexed"
    );
}

#[test]
fn hostile_tree_neither_hangs_nor_crashes() {
    let env = Env::new();
    env.copy_sample("headline/sport/005.txt", "sport/005.txt");
    // A named pipe: opening it for reading would block forever.
    mkfifo(&env.archive.join("sport/pipe.txt"));
    // A link loop, a dangling link and a link to a real article.
    symlink("..", env.archive.join("sport/loop")).expect("symlink");
    symlink("nowhere.txt", env.archive.join("dangling.txt")).expect("symlink");
    symlink(env.archive.join("sport/005.txt"), env.archive.join("alias.txt")).expect("symlink");
    // A file name that is not UTF-8.
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-closure.txt");
    fs::write(
        env.archive.join("sport").join(name),
        "Cafe closes after 60 years\n\nThe seafront cafe served its last customers on Sunday.\n",
    )
    .expect("write");
    // A sparse file far over the size limit: skipped without being read.
    let huge = fs::File::create(env.archive.join("huge.txt")).expect("create");
    huge.set_len(100 << 30).expect("sparse file");
    // Hidden folders are not entered.
    env.write(
        ".git/objects/ab/cdef",
        "Not an article\n\nGit internals are never indexed.\n",
    );

    let summary = env.index();
    let reason = |name: &str| {
        summary
            .skipped
            .iter()
            .find(|s| s.path.ends_with(name))
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| panic!("{name} not skipped: {:?}", summary.skipped))
    };
    assert_eq!(reason("sport/pipe.txt"), "not a regular file (named pipe)");
    assert_eq!(reason("sport/loop"), "symbolic link (not followed)");
    assert_eq!(reason("dangling.txt"), "symbolic link (not followed)");
    assert_eq!(reason("alias.txt"), "symbolic link (not followed)");
    assert_eq!(
        reason("huge.txt"),
        "file is 100 GiB, over the 32 MiB limit for one article"
    );
    assert_eq!(summary.skipped.len(), 5, "{:?}", summary.skipped);
    assert_eq!(summary.added, 2);

    // The non-UTF-8 name is indexed under an id with the byte escaped.
    let a = env.show("sport/caf%E9-closure.txt");
    assert_eq!(a.title.as_deref(), Some("Cafe closes after 60 years"));
    assert_eq!(a.section.as_deref(), Some("sport"));
    assert!(env.search("internals", &[]).hits.is_empty());
}

#[test]
fn size_limits_hold_for_compressed_files_and_long_lines() {
    let env = Env::new();
    env.copy_sample("headline/science/008.txt", "science/008.txt");
    // 64 MiB of text squeezed into a small .gz: a decompression bomb.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let line = "Filler line of a very long article. ".repeat(100) + "\n";
    for _ in 0..(64 << 20) / line.len() {
        gz.write_all(line.as_bytes()).expect("gzip");
    }
    env.write("bomb.txt.gz", gz.finish().expect("gzip"));
    // A JSON Lines file with one record over the limit between two good ones.
    let big = format!(r#"{{"title": "Huge", "body": "{}"}}"#, "x ".repeat(1 << 20));
    let good = |n: u32| format!(r#"{{"title": "Story {n}", "body": "Short body {n}."}}"#);
    env.write("feed.jsonl", format!("{}\n{big}\n{}\n", good(1), good(3)));
    // A gzipped article within the limit is read like the plain file.
    let mut small = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    small
        .write_all(b"Glacier retreat measured\n\nThe glacier lost 30 metres this year.\n")
        .expect("gzip");
    env.write("science/glacier.txt.gz", small.finish().expect("gzip"));

    let out = env
        .cmd()
        .args(["index", "--json", "--max-article-size", "1"])
        .arg(&env.archive)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: common::Summary = serde_json::from_slice(&out.stdout).expect("json");
    let reasons: Vec<(String, String)> = summary
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.reason.clone()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].0.ends_with("bomb.txt.gz"));
    assert_eq!(
        reasons[0].1,
        "decompressed content is over the 1.0 MiB limit for one article"
    );
    assert!(reasons[1].0.ends_with("feed.jsonl#2"));
    assert_eq!(
        reasons[1].1,
        "line is 2.0 MiB, over the 1.0 MiB limit for one record"
    );
    assert_eq!(summary.added, 4);
    assert_eq!(env.show("feed.jsonl#3").title.as_deref(), Some("Story 3"));
    assert_eq!(
        env.show("science/glacier.txt.gz").title.as_deref(),
        Some("Glacier retreat measured")
    );
}

#[test]
fn an_index_inside_the_archive_is_never_indexed() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    let inside = env.archive.join("newsidx-index");
    for run in 0..2 {
        let out = common::bare_cmd()
            .arg("--index")
            .arg(&inside)
            .args(["index", "--json"])
            .arg(&env.archive)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let summary: common::Summary = serde_json::from_slice(&out.stdout).expect("json");
        // The second run finds the article unchanged and never the index's own files.
        let expected = if run == 0 { (1, 1, 0) } else { (0, 0, 1) };
        assert_eq!((summary.files_read, summary.added, summary.unchanged), expected);
        assert_eq!(summary.docs_total, 1);
        assert!(summary.skipped.is_empty());
    }
}
