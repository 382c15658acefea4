//! Links the newsidx binary as a position-dependent executable on Linux.
//!
//! A position-independent one has the dynamic loader relocate every
//! pointer of its read-only data at each start (some 40,000, a copy of
//! about 200 pages), a millisecond of a search that takes a few; fixed at
//! link time, those pages are read from the file as they are. Libraries,
//! stack, heap and mappings are still placed at random.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
