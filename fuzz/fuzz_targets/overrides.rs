//! The user's entity override file (`entities.tsv`: alias / merge / hide
//! lines) on any text: read from a file as `Overrides::read` does, then
//! parsed and applied by `Dictionary::apply_overrides`. Ok or Err, never a
//! panic.
//!
//! Applied to an empty dictionary: loading the shipped names
//! (`Dictionary::names`) for every input runs at ~3 inputs/s in this
//! build, and `Dictionary` cannot be cloned from one loaded once. With
//! NEWSIDX_FUZZ_SHIPPED=1 the shipped names are loaded each time anyway.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use newsidx::entities::dictionary::{key, Overrides};
use newsidx::entities::Dictionary;

static SHIPPED: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("NEWSIDX_FUZZ_SHIPPED").is_some_and(|v| v == "1"));

fuzz_target!(|text: &str| {
    let path = common::scratch().join("entities.tsv");
    std::fs::write(&path, text).expect("write overrides");
    let overrides = Overrides::read(&path).expect("read overrides back");
    assert_eq!(overrides.text, text);
    let applied = if *SHIPPED {
        Dictionary::names(Some(&overrides))
    } else {
        let mut dict = Dictionary::default();
        dict.apply_overrides(&overrides.text, &overrides.origin)
            .map(|()| dict)
    };
    if let Ok(dict) = applied {
        // Every name the file gives is looked up as extraction would.
        for line in text.lines() {
            for name in line.split(['\t', '|']).map(str::trim).filter(|n| !n.is_empty()) {
                if let Some(i) = dict.lookup(name) {
                    let _ = dict.entry(i);
                }
                let _ = dict.lookup_mention(name, &key(name));
                let _ = dict.is_hidden_key(&key(name));
            }
        }
    }
});
