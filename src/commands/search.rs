//! `newsidx search QUERY`: ranked hits with snippets, for people or as JSON.

use std::io::Write;
use std::process::ExitCode;

use newsidx::index::NewsIndex;
use newsidx::output::{self, SearchJson};
use newsidx::search::{self, SearchRequest};

use super::{print_json, Context};
use crate::cli::SearchArgs;

pub fn run(ctx: &Context, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let request = SearchRequest {
        query: args.query.unwrap_or_default(),
        entities: args.entity,
        limit: args.limit,
        offset: args.offset,
    };
    let results = search::search(&index, &request)?;
    for note in &results.notes {
        eprintln!("newsidx: {note}");
    }
    if args.json {
        print_json(&SearchJson::new(&results))?;
    } else {
        let mut out = std::io::stdout().lock();
        output::write_hits(&mut out, &results, request.offset, ctx.style)?;
        out.flush()?;
    }
    Ok(if results.total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
