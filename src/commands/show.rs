//! `newsidx show ID`: one stored article with all its fields.

use std::io::Write;

use newsidx::index::NewsIndex;

use super::{print_json, Context};
use crate::cli::ShowArgs;
use crate::exit_codes::ExitCode;
use crate::printer;

pub fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let searcher = index.reader()?.searcher();
    let Some(article) = index.get_with_archive_names(&searcher, &args.id)? else {
        eprintln!("newsidx: no document with id {}", args.id);
        return Ok(ExitCode::NothingFound);
    };
    if args.json {
        print_json(&article)?;
    } else {
        let mut out = std::io::stdout().lock();
        printer::write_article(&mut out, &article, ctx.style)?;
        out.flush()?;
    }
    Ok(ExitCode::Success)
}
