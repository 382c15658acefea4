//! `newsidx extract [FILE|-]`: the entity mentions of one text, for checking dictionaries and for evaluation.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use newsidx::entities::Extractor;
use newsidx::index::entity_table::archive_name;
use newsidx::index::NewsIndex;
use newsidx::ingest::{self, walk::FileTask, Item, Limits, Rules};

use super::{print_json, Context};
use crate::cli::ExtractArgs;
use crate::exit_codes::ExitCode;
use crate::printer::{self, MentionJson};

pub fn run(ctx: &Context, args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let mapping = ctx.mapping()?;
    let overrides = ctx.overrides()?;
    let extractor = ctx.extractor(&mapping, overrides.as_ref())?;
    let stdin = args.input.as_deref().is_none_or(|p| p.as_os_str() == "-");
    let mut mentions = Vec::new();
    if stdin || args.raw {
        let text = match &args.input {
            Some(path) if !stdin => read_raw(path)?,
            _ => {
                let mut bytes = Vec::new();
                std::io::stdin().lock().read_to_end(&mut bytes)?;
                ingest::read::decode(&bytes)
            }
        };
        collect(&extractor, &[("text", text.as_str())], &mut mentions);
    } else if let Some(path) = &args.input {
        let rules = Rules::compile(&mapping)?;
        let limits = Limits::default();
        let mut failure = None;
        ingest::read_file(&FileTask::single(path), &rules, &limits, &mut |item| {
            match item {
                Item::Article(article) => collect(&extractor, &article.entity_texts().parts(), &mut mentions),
                Item::Skipped(skip) => failure = Some(format!("{}: {}", skip.path, skip.reason)),
                Item::NotArticles(_) => {}
            }
            true
        });
        if let (Some(reason), true) = (failure, mentions.is_empty()) {
            anyhow::bail!("cannot read {reason}");
        }
    }
    // With an index at hand, the names are the archive's ("GM" is General
    // Motors there); without one, the article's own.
    if let Ok(index) = NewsIndex::open(&ctx.index_dir, ctx.mapping()?) {
        let searcher = index.reader()?.searcher();
        let table = index.entity_table(&searcher)?;
        let mut spellings = HashMap::new();
        for m in &mut mentions {
            (m.name, m.kind) = archive_name(&index, &searcher, &table, &m.name, m.kind, &mut spellings)?;
        }
    }
    if args.json {
        print_json(&serde_json::json!({ "mentions": mentions }))?;
    } else {
        let mut out = std::io::stdout().lock();
        printer::write_mentions(&mut out, &mentions, ctx.style)?;
        out.flush()?;
    }
    Ok(ExitCode::Success)
}

fn read_raw(path: &PathBuf) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| newsidx::Error::io(path, e))?;
    Ok(ingest::read::decode(&bytes))
}

fn collect(extractor: &Extractor, parts: &[(&'static str, &str)], out: &mut Vec<MentionJson>) {
    let texts: Vec<&str> = parts.iter().map(|(_, t)| *t).collect();
    for m in extractor.extract(&texts) {
        let (field, text) = parts[m.part];
        out.push(MentionJson {
            text: text[m.start..m.end].to_string(),
            name: m.name,
            kind: m.kind,
            start: m.start,
            end: m.end,
            field,
        });
    }
}
