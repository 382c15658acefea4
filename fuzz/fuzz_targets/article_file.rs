//! One archive file of any content, under one of a few names, read the way
//! `newsidx index` reads it: walked, opened (gzip, size limits, binary
//! sniffing), decoded, its layout detected and parsed, every article and
//! skipped record emitted.
//!
//! Input: byte 0 picks the name (low 3 bits, modulo the list) and, with
//! bit 7 set, gzips the content before it is written; the rest is the
//! content. `scripts/fuzz` seeds the corpus from sample-corpus this way.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use newsidx::ingest::{read_file_hashing, Item, Limits, ReadEnd};

// Layouts are told by content; the names are the ones that change how a
// file is opened or read (JSON, JSON Lines streams, web archives).
const NAMES: [&str; 8] = ["a.txt", "a.json", "a.jsonl", "a.jsonl.gz", "a.gz", "a", "a.html", "a.warc"];

// One-time set-up (compiling the rules' regexes, loading dictionaries)
// happens before the first input: under ASan it can take past the
// 1 s a single input is allowed.
fuzz_target!(init: {
    common::rules();
}, |data: &[u8]| {
    let Some((&select, content)) = data.split_first() else {
        return;
    };
    let name = NAMES[(select & 0x07) as usize % NAMES.len()];
    let bytes = if select & 0x80 != 0 {
        common::gzip(content)
    } else {
        content.to_vec()
    };
    let task = common::archive_file(name, &bytes);
    let limits = Limits {
        max_article_bytes: 1 << 20,
    };
    let mut emitted = 0usize;
    let (end, hash) = read_file_hashing(&task, common::rules(), &limits, &mut |item| {
        emitted += 1;
        match item {
            Item::Article(article) => common::check_article(&article),
            Item::Skipped(skip) | Item::NotArticles(skip) => assert!(!skip.reason.is_empty()),
        }
        true
    });
    // Nothing stops `emit`, and the file is a regular file in /dev/shm.
    assert_ne!(end, ReadEnd::Stopped);
    if end == ReadEnd::Complete {
        assert!(
            emitted > 0 || hash.is_some(),
            "a file read through says something or has a hash"
        );
    }
});
