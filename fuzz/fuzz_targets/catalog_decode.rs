//! `Catalog::read` of a file of any bytes: Ok or Err, never a panic, and
//! no allocation past the fuzzer's limit. A catalog that decodes must
//! write and read back equal.
//!
//! Input: byte 0 picks how the rest becomes the file: 0 mod 3 as is; 1
//! sealed (its xxh3 appended, as the writer does, so the decoder gets
//! past the check); 2 the catalog magic, the rest, sealed.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

use newsidx::catalog::{Catalog, Changes};

const MAGIC: &[u8; 8] = b"NXCAT\x00\x00\x01";

fuzz_target!(|data: &[u8]| {
    let Some(bytes) = common::sealed_file(data, MAGIC) else {
        return;
    };
    let path = common::scratch().join("catalog-1.bin");
    std::fs::write(&path, &bytes).expect("write catalog");
    if let Ok(catalog) = Catalog::read(&path) {
        let again = common::scratch().join("catalog-2.bin");
        catalog
            .write(&Changes::new(), &HashSet::new(), catalog.complete, &again)
            .expect("write the catalog back");
        let back = Catalog::read(&again).expect("read the catalog written");
        assert_eq!(back, catalog, "catalog round trip");
    }
});
