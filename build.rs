//! The built-in mapping, `schema/newsidx.toml`, as JSON for the binary to read at every start.
//!
//! Parsing the TOML took a word query about as many instructions as its
//! search; the same values as JSON parse in a fraction of them.

use std::path::PathBuf;

fn main() {
    let source = "schema/newsidx.toml";
    println!("cargo::rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).unwrap_or_else(|e| panic!("{source}: {e}"));
    let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{source}: {e}"));
    let json = serde_json::to_string(&value).unwrap_or_else(|e| panic!("{source}: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("newsidx.json");
    std::fs::write(&out, json).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
