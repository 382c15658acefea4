//! `newsidx evaluate GOLD.conll`: precision, recall and F1 of entity extraction against CoNLL gold data.

use std::io::Write;

use newsidx::entities::conll::{self, Counts, Evaluation, MAIN_KINDS};
use newsidx::entities::{Dictionary, Extractor, Kind};
use serde_json::{json, Value};

use super::{print_json, Context};
use crate::cli::EvaluateArgs;
use crate::exit_codes::ExitCode;

pub fn run(ctx: &Context, args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let read = |path: &std::path::Path| -> anyhow::Result<Vec<conll::GoldDoc>> {
        let bytes = std::fs::read(path).map_err(|e| newsidx::Error::io(path, e))?;
        let text = newsidx::ingest::read::decode(&bytes);
        Ok(conll::read(&text, &path.display().to_string())?)
    };
    let gold = read(&args.gold)?;
    let mapping = ctx.mapping()?;
    let mut settings = mapping.rules.entities.settings();
    // CoNLL annotates "North Korean" as MISC, not as the country.
    settings.demonyms_as_country = false;
    let overrides = ctx.overrides()?;
    let extractor = Extractor::new(Dictionary::with_overrides(overrides.as_ref())?, settings)?;
    let eval = match &args.predicted {
        Some(path) => conll::evaluate_predicted(&extractor, &gold, &read(path)?)?,
        None => conll::evaluate(&extractor, &gold),
    };
    if args.json {
        print_json(&report(&eval))?;
    } else {
        let mut out = std::io::stdout().lock();
        write_table(&mut out, &args.gold.display().to_string(), &eval)?;
        out.flush()?;
    }
    Ok(ExitCode::Success)
}

fn scores(c: &Counts) -> Value {
    json!({
        "precision": round(c.precision()),
        "recall": round(c.recall()),
        "f1": round(c.f1()),
        "tp": c.tp,
        "fp": c.fp,
        "fn": c.fn_,
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn report(e: &Evaluation) -> Value {
    let level = |map: &std::collections::BTreeMap<Kind, Counts>, main: Counts| {
        let mut obj = serde_json::Map::new();
        for kind in Kind::ALL {
            obj.insert(
                kind.as_str().to_string(),
                scores(&map.get(&kind).copied().unwrap_or_default()),
            );
        }
        obj.insert("overall".into(), scores(&main));
        Value::Object(obj)
    };
    json!({
        "documents": e.docs,
        "overall_types": MAIN_KINDS.map(Kind::as_str),
        "mentions": level(&e.mentions, e.mentions_main()),
        "entities": level(&e.documents, e.documents_main()),
    })
}

fn write_table(out: &mut dyn Write, name: &str, e: &Evaluation) -> std::io::Result<()> {
    writeln!(
        out,
        "{name}: {} documents; demonyms scored as misc, as CoNLL annotates them",
        e.docs
    )?;
    writeln!(
        out,
        "           mentions (exact span and type)    entities per document (name, type)"
    )?;
    writeln!(
        out,
        "type       precision  recall      F1       precision  recall      F1"
    )?;
    let row = |out: &mut dyn Write, label: &str, m: Counts, d: Counts| {
        writeln!(
            out,
            "{label:<10} {:>9.3} {:>7.3} {:>7.3}       {:>9.3} {:>7.3} {:>7.3}",
            m.precision(),
            m.recall(),
            m.f1(),
            d.precision(),
            d.recall(),
            d.f1()
        )
    };
    for kind in Kind::ALL {
        let m = e.mentions.get(&kind).copied().unwrap_or_default();
        let d = e.documents.get(&kind).copied().unwrap_or_default();
        row(out, kind.as_str(), m, d)?;
    }
    row(out, "overall", e.mentions_main(), e.documents_main())?;
    writeln!(
        out,
        "overall = person, place and org; misc is scored on its own line only"
    )
}
