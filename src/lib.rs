//! newsidx: ingest news archives into a tantivy index and search them.
//!
//! The library knows nothing of the terminal: the binary turns command-line
//! arguments into the request types here and prints what comes back.
//! Its modules sit in layers, each using only those below it
//! (docs/architecture.md; `tests/layers.rs` checks both).

pub mod analysis;
pub mod article;
mod ascii_scan;
mod binary_format;
pub mod catalog;
pub mod crashtest;
pub mod entities;
pub mod error;
pub mod export;
pub mod index;
pub mod ingest;
mod replace;
pub mod rfc3339;
pub mod schema;
pub mod search;
#[cfg(test)]
mod testutil;

pub use error::{Error, Result};
