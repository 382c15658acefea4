//! Links the newsidx binary as a position-dependent executable on Linux.
//!
//! A position-independent one has the dynamic loader relocate every
//! pointer of its read-only data at each start, copying each page that
//! holds one, which is a large share of a whole search process (figures in
//! docs/performance.md); fixed at link time, those pages are read from the
//! file as they are. Libraries, stack, heap and mappings are still placed
//! at random.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
