//! `newsidx show ID`: one stored article with all its fields.

use std::io::Write;
use std::process::ExitCode;

use newsidx::index::NewsIndex;
use newsidx::output;

use super::{print_json, Context};
use crate::cli::ShowArgs;

pub fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let reader = index.reader()?;
    let Some(article) = index.get(&reader.searcher(), &args.id)? else {
        eprintln!("newsidx: no document with id {}", args.id);
        return Ok(ExitCode::from(1));
    };
    if args.json {
        print_json(&article)?;
    } else {
        let mut out = std::io::stdout().lock();
        output::write_article(&mut out, &article, ctx.style)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
