//! What newsidx prints: the JSON wire types scripts read, and the human layout with optional colour.
//!
//! In the binary, beside the commands, as fd and ripgrep keep theirs: the
//! library hands back values and knows nothing of the terminal.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use newsidx::entities::Kind;
use newsidx::export::ExportSummary;
use newsidx::index::StoredArticle;
use newsidx::ingest::IngestSummary;
use newsidx::rfc3339;
use newsidx::search::entity::EntityRow;
use newsidx::search::{Facets, Histogram, Hit, SearchResults, SectionCount, Snippet, Stats};
use serde::Serialize;

/// `search --json`.
#[derive(Serialize)]
pub struct SearchJson<'a> {
    /// The query as typed ("" when only --entity or filters were given).
    pub query: &'a str,
    /// Matches in the whole index.
    pub total: usize,
    /// Matches skipped before the first hit.
    pub offset: usize,
    pub hits: Vec<HitJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<&'a Facets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<&'a Histogram>,
}

#[derive(Serialize)]
pub struct HitJson<'a> {
    pub id: &'a str,
    pub path: Option<&'a str>,
    pub title: Option<&'a str>,
    pub section: Option<&'a str>,
    #[serde(serialize_with = "rfc3339::serialize_opt")]
    pub published: Option<DateTime<Utc>>,
    pub byline: Option<&'a str>,
    pub url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<&'a str>,
    /// Relevance; `null` when sorted by date.
    pub score: Option<f32>,
    pub snippet: &'a str,
    /// Byte ranges of the matched words in `snippet`.
    pub highlights: Vec<[usize; 2]>,
    /// The article's entities, most mentioned first.
    pub entities: Vec<EntityJson<'a>>,
}

#[derive(Serialize)]
pub struct EntityJson<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub mentions: u32,
}

impl<'a> SearchJson<'a> {
    pub fn new(query: &'a str, offset: usize, results: &'a SearchResults) -> Self {
        SearchJson {
            query,
            total: results.total,
            offset,
            hits: results.hits.iter().map(HitJson::new).collect(),
            facets: results.facets.as_ref(),
            histogram: results.histogram.as_ref(),
        }
    }
}

impl<'a> HitJson<'a> {
    fn new(hit: &'a Hit) -> Self {
        let a = &hit.article;
        HitJson {
            id: &a.id,
            path: a.path.as_deref(),
            title: a.title.as_deref(),
            section: a.section.as_deref(),
            published: a.published,
            byline: a.byline.as_deref(),
            url: a.url.as_deref(),
            language: a.language.as_deref(),
            score: hit.score,
            snippet: &hit.snippet.text,
            highlights: hit.snippet.highlights.iter().map(|r| [r.start, r.end]).collect(),
            entities: a
                .entities
                .iter()
                .map(|e| EntityJson {
                    name: &e.name,
                    kind: e.kind,
                    mentions: e.mentions,
                })
                .collect(),
        }
    }
}

/// Terminal styling; all no-ops when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn highlight(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
}

/// A value as `--json` prints it: pretty, and a newline after it. The
/// commands print this and `serve` answers with it, so the two are the
/// same byte for byte.
pub fn json_text<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// The human list of hits.
pub fn write_hits(w: &mut dyn Write, results: &SearchResults, offset: usize, style: Style) -> io::Result<()> {
    for (i, hit) in results.hits.iter().enumerate() {
        let a = &hit.article;
        let rank = format!("{:>3}.", offset + i + 1);
        let title = a.title.as_deref().unwrap_or("(untitled)");
        writeln!(w, "{} {}", style.dim(&rank), style.bold(title))?;
        let date = a.published.map(|d| d.format("%Y-%m-%d").to_string());
        let meta: Vec<&str> = [a.section.as_deref(), date.as_deref(), Some(a.id.as_str())]
            .into_iter()
            .flatten()
            .collect();
        writeln!(w, "     {}", style.dim(&meta.join(" · ")))?;
        let snippet = paint_snippet(&hit.snippet, style);
        if !snippet.is_empty() {
            writeln!(w, "     {snippet}")?;
        }
    }
    let shown = results.hits.len();
    let summary = if shown == results.total {
        format!(
            "{} match{}",
            results.total,
            if results.total == 1 { "" } else { "es" }
        )
    } else {
        format!("{}-{} of {} matches", offset + 1, offset + shown, results.total)
    };
    if shown > 0 {
        writeln!(w)?;
    }
    writeln!(w, "{}", style.dim(&summary))
}

/// Longest bar of a histogram on a terminal, in characters.
const BAR_WIDTH: u64 = 50;

/// `--histogram` for people: one bar per period.
pub fn write_histogram(w: &mut dyn Write, h: &Histogram, style: Style) -> io::Result<()> {
    let most = h.buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let label_width = h.buckets.iter().map(|b| b.period.len()).max().unwrap_or(4);
    for b in &h.buckets {
        // A period with matches always gets at least a sliver.
        let len = (b.count * BAR_WIDTH).div_ceil(most);
        writeln!(
            w,
            "{:<label_width$}  {} {}",
            b.period,
            style.highlight(&"█".repeat(len as usize)),
            b.count
        )?;
    }
    if h.undated > 0 {
        writeln!(
            w,
            "{}",
            style.dim(&format!("{:<label_width$}  {}", "undated", h.undated))
        )?;
    }
    Ok(())
}

/// `--facets` for people: sections, years and entities with their counts.
pub fn write_facets(w: &mut dyn Write, f: &Facets, style: Style) -> io::Result<()> {
    writeln!(w, "{}", style.bold("sections"))?;
    write_sections(w, &f.sections)?;
    writeln!(w, "{}", style.bold("years"))?;
    for y in &f.years {
        let year = y.year.map_or("(undated)".to_string(), |y| y.to_string());
        writeln!(w, "  {year:<24} {:>7}", y.count)?;
    }
    if !f.entities.is_empty() {
        writeln!(w, "{}", style.bold("entities"))?;
        write_entity_counts(w, &f.entities, style)?;
    }
    Ok(())
}

fn write_sections(w: &mut dyn Write, rows: &[SectionCount]) -> io::Result<()> {
    for row in rows {
        let name = row.name.as_deref().unwrap_or("(none)");
        writeln!(w, "  {name:<24} {:>7}", row.count)?;
    }
    Ok(())
}

/// Entities with the number of articles naming each, then the type.
fn write_entity_counts(w: &mut dyn Write, rows: &[EntityRow], style: Style) -> io::Result<()> {
    for e in rows {
        writeln!(
            w,
            "  {:<24} {:>7}  {}",
            e.name,
            e.articles,
            style.dim(e.kind.as_str())
        )?;
    }
    Ok(())
}

/// `stats` for people.
pub fn write_stats(w: &mut dyn Write, s: &Stats, style: Style) -> io::Result<()> {
    let date = |d: &Option<DateTime<Utc>>| d.as_ref().map_or("-".to_string(), rfc3339::format);
    writeln!(w, "{} {}", style.bold("articles"), s.documents)?;
    writeln!(
        w,
        "{} {} .. {} ({} undated)",
        style.bold("published"),
        date(&s.earliest),
        date(&s.latest),
        s.undated
    )?;
    writeln!(
        w,
        "{} {:.1} MB in {} segment{}",
        style.bold("index"),
        s.index_bytes as f64 / 1e6,
        s.segments,
        if s.segments == 1 { "" } else { "s" }
    )?;
    writeln!(w, "{}", style.bold("sections"))?;
    write_sections(w, &s.sections)?;
    writeln!(
        w,
        "{} {} distinct; most named:",
        style.bold("entities"),
        s.entities.distinct
    )?;
    write_entity_counts(w, &s.entities.top, style)?;
    match &s.last_run {
        None => writeln!(w, "{} none recorded", style.bold("last run")),
        Some(run) => {
            let field = |k: &str| run.get(k).map_or("?".to_string(), |v| v.to_string());
            writeln!(
                w,
                "{} {} ({} added, {} updated, {} deleted, {} unchanged, {} skipped{})",
                style.bold("last run"),
                run.get("finished_at").and_then(|v| v.as_str()).unwrap_or("?"),
                field("added"),
                field("updated"),
                field("deleted"),
                field("unchanged"),
                field("skipped"),
                if run.get("complete").and_then(|v| v.as_bool()) == Some(false) {
                    "; stopped before the end"
                } else {
                    ""
                }
            )
        }
    }
}

fn paint_snippet(snippet: &Snippet, style: Style) -> String {
    let mut out = String::with_capacity(snippet.text.len() + 16);
    let mut at = 0;
    for r in &snippet.highlights {
        if r.start < at || r.end > snippet.text.len() {
            continue;
        }
        out.push_str(&snippet.text[at..r.start]);
        out.push_str(&style.highlight(&snippet.text[r.clone()]));
        at = r.end;
    }
    out.push_str(&snippet.text[at..]);
    out
}

/// `show` for people: the fields, then the body.
pub fn write_article(w: &mut dyn Write, a: &StoredArticle, style: Style) -> io::Result<()> {
    let published = a.published.as_ref().map(rfc3339::format);
    let rows: [(&str, Option<&str>); 10] = [
        ("id", Some(&a.id)),
        ("title", a.title.as_deref()),
        ("section", a.section.as_deref()),
        ("published", published.as_deref()),
        ("byline", a.byline.as_deref()),
        ("url", a.url.as_deref()),
        ("layout", a.layout.as_deref()),
        ("language", a.language.as_deref()),
        ("path", a.path.as_deref()),
        ("archive", a.archive.as_deref()),
    ];
    for (name, value) in rows {
        let label = format!("{name:<10}");
        writeln!(w, "{} {}", style.dim(&label), value.unwrap_or("-"))?;
    }
    if !a.captions.is_empty() {
        writeln!(w, "{}", style.dim("captions"))?;
        for caption in &a.captions {
            writeln!(w, "  - {caption}")?;
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", a.body)
}

/// The one-line run summary for people.
pub fn summary_line(s: &IngestSummary) -> String {
    let secs = s.elapsed_ms as f64 / 1000.0;
    let skipped = match s.skipped.len() {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    let what = if s.full { "rebuilt: " } else { "" };
    format!(
        "{what}{} added, {} updated, {} deleted, {} unchanged ({} file{} read) in {secs:.1} s{skipped}; \
         the index holds {} article{}",
        s.added,
        s.updated,
        s.deleted,
        s.unchanged,
        s.files_read,
        plural(s.files_read),
        s.docs_total,
        plural(s.docs_total)
    )
}

/// The line `export` ends with: what went out, and for `--changes` what
/// the export point became.
pub fn export_summary_line(s: &ExportSummary, changes: bool) -> String {
    let counted = |n: u64, what: &str| format!("{n} {what}{}", plural(n));
    let into = match s.chunks.len() {
        0 => String::new(),
        n => format!(" in {}", counted(n as u64, "chunk file")),
    };
    let skipped = match s.skipped.len() {
        0 => String::new(),
        n => format!("; {} not exported", counted(n as u64, "document")),
    };
    if !changes {
        return format!("exported {}{into}{skipped}", counted(s.documents, "document"));
    }
    match s.point {
        None => format!(
            "nothing changed since the last export ({} unchanged){skipped}",
            s.unchanged
        ),
        Some(point) => format!(
            "export {point}: {} to index, {} to delete, {} unchanged{into}{skipped}",
            counted(s.documents, "document"),
            s.deleted,
            s.unchanged
        ),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One mention, as `extract --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct MentionJson {
    /// The text as written.
    pub text: String,
    /// The canonical entity it names.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Byte offsets into the field's text (into the input, for raw text);
    /// `end` is exclusive.
    pub start: usize,
    pub end: usize,
    /// title, captions or body of a parsed article; text for raw input.
    pub field: &'static str,
}

/// `extract` for people: one mention a line.
pub fn write_mentions(out: &mut dyn Write, mentions: &[MentionJson], style: Style) -> io::Result<()> {
    for m in mentions {
        let alias = if m.text == m.name {
            String::new()
        } else {
            format!("  ({})", m.text)
        };
        writeln!(
            out,
            "{:<8} {:>6}-{:<6} {:<6} {}{}",
            m.field,
            m.start,
            m.end,
            m.kind.as_str(),
            style.bold(&m.name),
            alias
        )?;
    }
    Ok(())
}

/// `entities --json`.
#[derive(Serialize)]
pub struct EntitiesJson<'a> {
    /// Articles the listing covers.
    pub articles: usize,
    pub entities: &'a [EntityRow],
}

/// `entities` for people: a table.
pub fn write_entities(
    out: &mut dyn Write,
    articles: usize,
    rows: &[EntityRow],
    style: Style,
) -> io::Result<()> {
    let width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{:<width$}  {:<6}  {:>8}  {:>8}",
            "entity", "type", "articles", "mentions"
        ))
    )?;
    for r in rows {
        let pad = width.saturating_sub(r.name.chars().count());
        writeln!(
            out,
            "{}{}  {:<6}  {:>8}  {:>8}",
            style.bold(&r.name),
            " ".repeat(pad),
            r.kind.as_str(),
            r.articles,
            r.mentions
        )?;
    }
    writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{} entities shown, from {articles} article{}",
            rows.len(),
            plural(articles as u64)
        ))
    )?;
    Ok(())
}
