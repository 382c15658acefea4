//! `newsidx search [QUERY]`: ranked or dated hits with snippets, counts, histograms and facets, for people or as JSON.

use std::io::Write;

use newsidx::index::NewsIndex;
use newsidx::search::{self, Filters, Period, SearchRequest, Sort};

use super::{print_json, Context};
use crate::cli::{FilterArgs, PeriodArg, SearchArgs, SortArg};
use crate::exit_codes::ExitCode;
use crate::printer::{self, SearchJson};

/// The filter options, dates checked.
pub(super) fn filters(args: FilterArgs) -> newsidx::Result<Filters> {
    Filters::parse(
        args.section,
        args.since.as_deref(),
        args.until.as_deref(),
        ["--since", "--until"],
    )
    .map_err(newsidx::Error::Query)
}

pub fn run(ctx: &Context, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let query = args.query.unwrap_or_default();
    let filters = filters(args.filters)?;
    let sort = match args.sort {
        Some(SortArg::Relevance) => Sort::Relevance,
        Some(SortArg::Newest) => Sort::Newest,
        Some(SortArg::Oldest) => Sort::Oldest,
        None => Sort::default_for(&query),
    };
    let request = SearchRequest {
        query,
        entities: args.entity,
        filters,
        fuzzy: args.fuzzy,
        sort,
        limit: if args.count { 0 } else { args.limit },
        offset: args.offset,
        histogram: args.histogram.map(|p| match p {
            PeriodArg::Year => Period::Year,
            PeriodArg::Month => Period::Month,
            PeriodArg::Day => Period::Day,
        }),
        facets: args.facets,
        threads: super::cores(),
    };
    let index = NewsIndex::open(&ctx.index_dir, ctx.mapping()?)?;
    let reader = index.reader()?;
    let results = search::search_with(&index, &reader.searcher(), &request)?;
    for note in &results.notes {
        eprintln!("newsidx: {note}");
    }
    if args.json && !args.count {
        print_json(&SearchJson::new(&request.query, request.offset, &results))?;
    } else {
        let mut out = std::io::stdout().lock();
        if args.count {
            writeln!(out, "{}", results.total)?;
        } else if results.histogram.is_some() || results.facets.is_some() {
            if let Some(h) = &results.histogram {
                printer::write_histogram(&mut out, h, ctx.style)?;
            }
            if let Some(f) = &results.facets {
                printer::write_facets(&mut out, f, ctx.style)?;
            }
            writeln!(out, "{} matches", results.total)?;
        } else {
            printer::write_hits(&mut out, &results, request.offset, ctx.style)?;
        }
        out.flush()?;
    }
    // The process ends with this command: dropping the reader would unmap
    // the index's files one system call each, which the exit does at once.
    std::mem::forget(reader);
    Ok(if results.total > 0 {
        ExitCode::Success
    } else {
        ExitCode::NothingFound
    })
}
