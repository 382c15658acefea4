//! `newsidx show ID`: one stored article with all its fields.

use std::io::Write;

use newsidx::index::entity_table::canonical_entities;
use newsidx::index::NewsIndex;

use super::{print_json, Context};
use crate::cli::ShowArgs;
use crate::exit_codes::ExitCode;
use crate::printer;

pub fn run(ctx: &Context, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let searcher = index.reader()?.searcher();
    let Some(mut article) = index.get(&searcher, &args.id)? else {
        eprintln!("newsidx: no document with id {}", args.id);
        return Ok(ExitCode::NothingFound);
    };
    // The archive's names for the article's entities.
    let table = index.entity_table(&searcher)?;
    article.entities = canonical_entities(
        &index,
        &searcher,
        &table,
        std::mem::take(&mut article.entities),
        &mut Default::default(),
    )?;
    if args.json {
        print_json(&article)?;
    } else {
        let mut out = std::io::stdout().lock();
        printer::write_article(&mut out, &article, ctx.style)?;
        out.flush()?;
    }
    Ok(ExitCode::Success)
}
