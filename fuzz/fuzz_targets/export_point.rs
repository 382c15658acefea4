//! `export::Point::read` (the `export --changes` point file) of any bytes:
//! Ok or Err, never a panic, and no allocation past the fuzzer's limit.
//! A point that decodes must write and read back equal.
//!
//! Input: byte 0 picks how the rest becomes the file, as in
//! `catalog_decode`: as is, sealed, or magic + rest sealed.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use newsidx::export::Point;

const MAGIC: &[u8; 8] = b"NXEXPT\x00\x02";

fuzz_target!(|data: &[u8]| {
    let Some(bytes) = common::sealed_file(data, MAGIC) else {
        return;
    };
    let dir = common::scratch();
    std::fs::write(dir.join("export-fuzz.point"), &bytes).expect("write point");
    if let Ok(point) = Point::read(dir, "fuzz") {
        point.write(dir, "back").expect("write the point back");
        let back = Point::read(dir, "back").expect("read the point written");
        assert_eq!(back, point, "point round trip");
    }
});
