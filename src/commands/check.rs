//! `newsidx check`: every byte of the index read and checked against the checksums written with it.

use std::io::Write;

use newsidx::index::NewsIndex;

use super::Context;
use crate::exit_codes::ExitCode;

pub fn run(ctx: &Context) -> anyhow::Result<ExitCode> {
    // Opening checks the marker, meta.json and each segment's files are
    // there; the checksums then cover every byte tantivy wrote.
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    if let Some(damage) = NewsIndex::damage(&ctx.index_dir) {
        return Err(damage.into());
    }
    if !ctx.quiet {
        let docs = index.reader()?.searcher().num_docs();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}: every file is as it was written ({} articles)",
            ctx.index_dir.display(),
            docs
        )?;
        out.flush()?;
    }
    Ok(ExitCode::Success)
}
