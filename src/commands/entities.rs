//! `newsidx entities [QUERY] [--entity NAME]`: who and what the archive, or a result set, is about.

use std::io::Write;

use newsidx::entities::Kind;
use newsidx::index::NewsIndex;
use newsidx::search::{self, SearchRequest};

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
    let request = SearchRequest {
        entities: args.entity,
        filters: super::search::filters(args.filters)?,
        threads: super::cores(),
        ..SearchRequest::new(args.query.unwrap_or_default(), 0)
    };
    let listing = search::entities_of(&index, &searcher, &request, kind, args.limit)?;
    for note in &listing.notes {
        eprintln!("newsidx: {note}");
    }
    let (articles, rows) = (listing.articles, listing.rows);
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
