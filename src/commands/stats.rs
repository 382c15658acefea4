//! `newsidx stats`: the index at a glance.

use std::io::Write;

use newsidx::index::NewsIndex;
use newsidx::search;

use super::{print_json, Context};
use crate::cli::StatsArgs;
use crate::exit_codes::ExitCode;
use crate::printer;

pub fn run(ctx: &Context, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let stats = search::stats(&index)?;
    if args.json {
        print_json(&stats)?;
    } else {
        let mut out = std::io::stdout().lock();
        printer::write_stats(&mut out, &stats, ctx.style)?;
        out.flush()?;
    }
    Ok(ExitCode::Success)
}
