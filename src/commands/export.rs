//! `newsidx export`: the indexed documents for Elasticsearch, OpenSearch or Quickwit, in full or as changes, or those engines' index definitions.

use std::io::Write;

use newsidx::export::{self, Engine, ExportRequest, Format, Output};
use newsidx::index::NewsIndex;
use newsidx::Error;

use super::Context;
use crate::cli::{EngineArg, ExportArgs, ExportFormatArg};
use crate::exit_codes::ExitCode;
use crate::printer;

/// Quickwit refuses requests over 10 MB; Elasticsearch's default is 100 MB.
const DEFAULT_CHUNK_MB: f64 = 10.0;

pub fn run(ctx: &Context, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let mapping = ctx.mapping()?;
    if let Some(engine) = args.config {
        let engine = match engine {
            EngineArg::Elasticsearch => Engine::Elasticsearch,
            EngineArg::Quickwit => Engine::Quickwit,
            EngineArg::Tantivy => Engine::Tantivy,
        };
        let text = export::engine_config(&mapping, engine, &args.name)?;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::Success);
    }
    export::check_name(&args.name)?;
    let format = match (args.format, args.changes) {
        (Some(ExportFormatArg::Ndjson), true) => {
            return Err(Error::Invalid(
                "--changes writes delete actions, which NDJSON has no way to say: use --format es-bulk"
                    .into(),
            )
            .into())
        }
        (Some(ExportFormatArg::Ndjson), false) | (None, false) => Format::Ndjson,
        (Some(ExportFormatArg::EsBulk), _) | (None, true) => Format::EsBulk,
    };
    let to_stdout = args.out.is_none();
    let output = match args.out {
        Some(dir) if dir.is_dir() => Output::Dir {
            dir,
            limit: chunk_bytes(args.chunk_mb.unwrap_or(DEFAULT_CHUNK_MB))?,
        },
        _ if args.chunk_mb.is_some() => {
            return Err(Error::Invalid(
                "--chunk-mb splits the export into files in a folder: give an existing folder as --out"
                    .into(),
            )
            .into())
        }
        // A pipe or a device (`/dev/null`, a FIFO a loader reads) is written
        // to as it is: putting a file in place by rename would replace it.
        Some(path) if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) => {
            let out = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            Output::Stream {
                out: Box::new(out),
                name: path.display().to_string(),
            }
        }
        Some(file) => Output::File(file),
        None => Output::Stream {
            out: Box::new(std::io::stdout()),
            name: "standard output".into(),
        },
    };
    let index = NewsIndex::open(&ctx.index_dir, mapping)?;
    let request = ExportRequest {
        format,
        name: args.name,
        changes: args.changes,
    };
    let summary = export::export(&index, &request, output)?;

    for skip in &summary.skipped {
        eprintln!("newsidx: {}: not exported: {}", skip.id, skip.reason);
    }
    // Documents on standard output leave it to them alone.
    let report: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let mut report = std::io::BufWriter::new(report);
    if args.json {
        writeln!(report, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else if !ctx.quiet {
        writeln!(report, "{}", printer::export_summary_line(&summary, args.changes))?;
    }
    report.flush()?;
    Ok(if summary.skipped.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::SomeLeftOut
    })
}

fn chunk_bytes(mb: f64) -> Result<usize, Error> {
    let bytes = mb * 1e6;
    if bytes.is_finite() && bytes >= 1000.0 {
        Ok(bytes as usize)
    } else {
        Err(Error::Invalid(format!(
            "bad --chunk-mb {mb}: a chunk must hold at least 0.001 MB"
        )))
    }
}
