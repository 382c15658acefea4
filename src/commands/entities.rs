//! `newsidx entities [QUERY] [--entity NAME]`: who and what the archive, or a result set, is about.

use std::io::Write;

use newsidx::entities::Kind;
use newsidx::index::NewsIndex;
use newsidx::search::{self, entity, SearchRequest};

use super::{print_json, Context};
use crate::cli::{EntitiesArgs, KindArg};
use crate::exit_codes::ExitCode;
use crate::printer::{self, EntitiesJson};

pub fn run(ctx: &Context, args: EntitiesArgs) -> anyhow::Result<ExitCode> {
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let kind = args.kind.map(|k| match k {
        KindArg::Person => Kind::Person,
        KindArg::Place => Kind::Place,
        KindArg::Org => Kind::Org,
        KindArg::Misc => Kind::Misc,
    });
    let text = args.query.unwrap_or_default();
    let filters = super::search::filters(args.filters)?;
    let built = if text.trim().is_empty() && args.entity.is_empty() && filters.is_empty() {
        None
    } else {
        let request = SearchRequest {
            entities: args.entity.clone(),
            filters,
            ..SearchRequest::new(text, 0)
        };
        Some(search::build_query(&index, &searcher, &request)?)
    };
    for note in built.iter().flat_map(|b| &b.notes) {
        eprintln!("newsidx: {note}");
    }
    // The entities asked for are in every article of the set: they say nothing.
    let asked = built.as_ref().map(|b| b.entities.clone()).unwrap_or_default();
    let (articles, _, rows) = entity::list(
        &index,
        &searcher,
        built.as_ref().map(|b| &*b.query),
        kind,
        &asked,
        args.limit,
    )?;
    if args.json {
        print_json(&EntitiesJson {
            articles,
            entities: &rows,
        })?;
    } else {
        let mut out = std::io::stdout().lock();
        printer::write_entities(&mut out, articles, &rows, ctx.style)?;
        out.flush()?;
    }
    Ok(if rows.is_empty() {
        ExitCode::NothingFound
    } else {
        ExitCode::Success
    })
}
