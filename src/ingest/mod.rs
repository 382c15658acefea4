//! From archive files to articles: walking, reading, layout detection and parsing (bytes in, `Article` out).

mod agency;
pub mod date;
pub mod html;
mod json;
mod pipeline;
pub mod read;
mod rules;
mod text;
pub mod walk;
mod warc;

use std::collections::HashSet;
use std::ops::Range;

use serde::Serialize;

pub use crate::article::{Article, EntityTexts, Layout, TextPart};
pub use pipeline::{run, IngestRequest, IngestSummary, Progress};
pub use read::Limits;
pub use rules::Rules;
use walk::FileTask;

/// A file (or record) left out of the index, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub path: String,
    pub reason: String,
}

/// What reading one file yields, in order.
#[derive(Debug)]
pub enum Item {
    Article(Box<Article>),
    Skipped(Skip),
    /// Records of the file that are no article by their nature (a web
    /// archive's requests, metadata, other statuses), summed up in one
    /// line: told, never a failure, and not told again while the file is
    /// unchanged.
    NotArticles(Skip),
}

/// How reading a file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadEnd {
    /// Read to the end: what was emitted is the whole file (which may be
    /// nothing, when it was refused for its content).
    Complete,
    /// It could not be read through (I/O error): what it held before
    /// must stay, and the file is tried again next run.
    Failed,
    /// `emit` asked to stop.
    Stopped,
}

/// Reads, decodes and parses one file, handing each article or skipped
/// record to `emit` as soon as it is ready (a JSON Lines file of any size is
/// streamed). `emit` returns false to stop early.
pub fn read_file(
    task: &FileTask,
    rules: &Rules,
    limits: &Limits,
    emit: &mut dyn FnMut(Item) -> bool,
) -> ReadEnd {
    read_file_hashing(task, rules, limits, emit).0
}

/// `read_file`, also giving `read::hash_file`'s value for the bytes that
/// were parsed, when the file was read to its end.
pub fn read_file_hashing(
    task: &FileTask,
    rules: &Rules,
    limits: &Limits,
    emit: &mut dyn FnMut(Item) -> bool,
) -> (ReadEnd, Option<u64>) {
    match read::open(&task.path, &task.name(), limits) {
        Err(refused) => {
            let more = emit(skip_of(task, refused.reason));
            let end = if refused.transient {
                ReadEnd::Failed
            } else {
                done(more)
            };
            (end, None)
        }
        Ok(read::Opened::Lines(mut stream, hash)) => {
            let end = read_json_lines(task, &mut *stream, rules, limits, emit);
            finish_stream(end, &mut *stream, &hash)
        }
        Ok(read::Opened::Warc(mut stream, hash)) => {
            let end = read_warc(task, &mut *stream, rules, limits, emit);
            finish_stream(end, &mut *stream, &hash)
        }
        Ok(read::Opened::Whole {
            bytes,
            name,
            file_hash,
        }) => {
            let end = read_whole(task, bytes, &name, rules, limits, emit);
            (end, Some(file_hash))
        }
    }
}

/// A streamed file's end and, when it was read through, its hash: what is
/// left after the last record is read into it first.
fn finish_stream(
    end: ReadEnd,
    stream: &mut dyn std::io::BufRead,
    hash: &read::ReadHash,
) -> (ReadEnd, Option<u64>) {
    if end != ReadEnd::Complete {
        return (end, None);
    }
    match hash.finish(stream) {
        Ok(h) => (end, Some(h)),
        // The end of the file could not be read: what was read stands,
        // and the file is read again next run.
        Err(_) => (ReadEnd::Failed, None),
    }
}

/// How a read that went to its end ended: `emit` may have asked to stop.
fn done(more: bool) -> ReadEnd {
    if more {
        ReadEnd::Complete
    } else {
        ReadEnd::Stopped
    }
}

fn skip_of(task: &FileTask, reason: String) -> Item {
    Item::Skipped(Skip {
        path: task.display(),
        reason,
    })
}

/// A file read whole: a single article, or JSON.
fn read_whole(
    task: &FileTask,
    bytes: Vec<u8>,
    name: &str,
    rules: &Rules,
    limits: &Limits,
    emit: &mut dyn FnMut(Item) -> bool,
) -> ReadEnd {
    let skip = |reason: String| skip_of(task, reason);
    if let Some(kind) = read::sniff_binary(&bytes) {
        return done(emit(skip(kind)));
    }
    if html::sniff(&bytes) {
        let item = match html::parse(&bytes, None, rules) {
            Ok(article) => Item::Article(Box::new(finish(task, task.id().to_string(), article, rules))),
            Err(reason) => skip(reason),
        };
        return done(emit(item));
    }
    let text = read::decode_owned(bytes);
    if text.trim().is_empty() {
        return done(emit(skip("empty file (whitespace only)".into())));
    }
    let trimmed = text.trim_start();
    if read::is_json(name) || trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(value) => return read_json_value(task, &value, rules, emit),
            Err(e) if read::is_json(name) || trimmed.starts_with('{') => {
                // Several objects one after another: JSON Lines under a .json name.
                if e.is_syntax() && e.to_string().starts_with("trailing characters") {
                    return read_json_lines(task, &mut text.as_bytes(), rules, limits, emit);
                }
                if read::is_json(name) {
                    return done(emit(skip(format!("invalid JSON: {e}"))));
                }
            }
            Err(_) => {}
        }
    }
    if let Some(kind) = agency::detect(&text) {
        return read_agency(task, &text, kind, rules, emit);
    }
    let article = text::parse(&text, rules);
    if article.title.is_none() && article.body.is_empty() {
        return done(emit(skip(
            "no article text (only boilerplate or captions)".into(),
        )));
    }
    done(emit(Item::Article(Box::new(finish(
        task,
        task.id().to_string(),
        article,
        rules,
    )))))
}

/// An agency XML file (NewsML-G2, NITF): an article per news item, each
/// with the id `FILE#<guid>` in a message of several, as the records of a
/// JSON array; a single item or NITF document is the file's own article.
fn read_agency(
    task: &FileTask,
    text: &str,
    kind: agency::Kind,
    rules: &Rules,
    emit: &mut dyn FnMut(Item) -> bool,
) -> ReadEnd {
    let items = match agency::parse(text, kind, rules) {
        Ok(items) => items,
        Err(why) => return done(emit(skip_of(task, why))),
    };
    let single = items.len() == 1;
    let mut ids = RecordIds::default();
    for (i, item) in items.into_iter().enumerate() {
        let n = i + 1;
        let item = match item {
            Ok((article, None)) if single => {
                Item::Article(Box::new(finish(task, task.id().to_string(), article, rules)))
            }
            Ok((article, own_id)) => {
                let id = ids.id(task, own_id, n);
                Item::Article(Box::new(finish(task, id, article, rules)))
            }
            Err(reason) if single => skip_of(task, reason),
            Err(reason) => Item::Skipped(Skip {
                path: format!("{}#{n}", task.display()),
                reason,
            }),
        };
        if !emit(item) {
            return ReadEnd::Stopped;
        }
    }
    ReadEnd::Complete
}

/// A .json file: one article, or an array of them.
fn read_json_value(
    task: &FileTask,
    value: &serde_json::Value,
    rules: &Rules,
    emit: &mut dyn FnMut(Item) -> bool,
) -> ReadEnd {
    match value {
        serde_json::Value::Array(items) => {
            let mut ids = RecordIds::default();
            for (i, item) in items.iter().enumerate() {
                let n = i + 1;
                let item = match json::parse_record(item, Layout::Json, rules) {
                    Ok((article, own_id)) => {
                        let id = ids.id(task, own_id, n);
                        Item::Article(Box::new(finish(task, id, article, rules)))
                    }
                    Err(why) => Item::Skipped(Skip {
                        path: format!("{}#{n}", task.display()),
                        reason: why.to_string(),
                    }),
                };
                if !emit(item) {
                    return ReadEnd::Stopped;
                }
            }
            ReadEnd::Complete
        }
        other => {
            let item = match json::parse_record(other, Layout::Json, rules) {
                Ok((article, _)) => {
                    Item::Article(Box::new(finish(task, task.id().to_string(), article, rules)))
                }
                Err(why) => Item::Skipped(Skip {
                    path: task.display(),
                    reason: why.to_string(),
                }),
            };
            if emit(item) {
                ReadEnd::Complete
            } else {
                ReadEnd::Stopped
            }
        }
    }
}

fn read_json_lines(
    task: &FileTask,
    stream: &mut dyn std::io::BufRead,
    rules: &Rules,
    limits: &Limits,
    emit: &mut dyn FnMut(Item) -> bool,
) -> ReadEnd {
    let mut ids = RecordIds::default();
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut records = 0usize;
    loop {
        let read = match read::read_line_capped(stream, &mut buf, limits.max_article_bytes as usize) {
            Ok(r) => r,
            Err(e) => {
                let at = if records == 0 {
                    String::new()
                } else {
                    let (s, were) = if records == 1 { ("", "was") } else { ("s", "were") };
                    format!(" after line {line_no}; the {records} record{s} before it {were} indexed")
                };
                let end = if read::is_transient(&e) {
                    ReadEnd::Failed
                } else {
                    ReadEnd::Complete
                };
                emit(Item::Skipped(Skip {
                    path: task.display(),
                    reason: format!("{}{at}", read::read_error(e)),
                }));
                return end;
            }
        };
        line_no += 1;
        let record_path = || format!("{}#{line_no}", task.display());
        let item = match read {
            read::LineRead::Eof => return ReadEnd::Complete,
            read::LineRead::TooLong(n) => Item::Skipped(Skip {
                path: record_path(),
                reason: format!(
                    "line is {}, over the {} limit for one record",
                    read::human_bytes(n),
                    read::human_bytes(limits.max_article_bytes)
                ),
            }),
            read::LineRead::Line => {
                let text = read::decode(&buf);
                if text.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Err(e) => Item::Skipped(Skip {
                        path: record_path(),
                        reason: format!("invalid JSON: {e}"),
                    }),
                    Ok(value) => match json::parse_record(&value, Layout::Jsonl, rules) {
                        Ok((article, own_id)) => {
                            records += 1;
                            let id = ids.id(task, own_id, line_no);
                            Item::Article(Box::new(finish(task, id, article, rules)))
                        }
                        Err(why) => Item::Skipped(Skip {
                            path: record_path(),
                            reason: why.to_string(),
                        }),
                    },
                }
            }
        };
        if !emit(item) {
            return ReadEnd::Stopped;
        }
    }
}

/// A web archive: one article per HTML page of an HTTP 200 response, with
/// the id `FILE#<WARC-Record-ID>`. The other records are counted, and the
/// counts are one `Item::NotArticles` line for the file, not a skip per
/// record: a crawl holds a request beside every response, and listing them
/// would bury the skips that matter.
fn read_warc(
    task: &FileTask,
    stream: &mut dyn std::io::BufRead,
    rules: &Rules,
    limits: &Limits,
    emit: &mut dyn FnMut(Item) -> bool,
) -> ReadEnd {
    let mut reader = warc::Reader::new(stream, limits.max_article_bytes);
    let mut ids = RecordIds::default();
    let mut others = OtherRecords::default();
    let mut pages = 0usize;
    let damage = loop {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => break None,
            Err(damage) => break Some(damage),
        };
        let n = reader.records();
        let record_skip = |id: &str, reason: String| {
            // The id's first `#` ends its file's part (walk.rs escapes the
            // file's own), so what follows it is the record's.
            let record = id.split_once('#').map_or("", |(_, r)| r);
            Item::Skipped(Skip {
                path: format!("{}#{record}", task.display()),
                reason,
            })
        };
        let item = match record {
            warc::Record::Other(kind) => {
                others.add(kind);
                continue;
            }
            warc::Record::Refused { record_id, reason } => record_skip(&ids.id(task, record_id, n), reason),
            warc::Record::Page(page) => {
                let id = ids.id(task, page.record_id.clone(), n);
                match html::parse(&page.html, page.charset.as_deref(), rules) {
                    Ok(mut article) => {
                        pages += 1;
                        article.layout = Layout::Warc;
                        if article.url.is_none() {
                            article.url = page.target_uri;
                        }
                        if article.published.is_none() {
                            article.published = page.date.as_deref().and_then(|d| rules.dates.parse(d));
                        }
                        Item::Article(Box::new(finish(task, id, article, rules)))
                    }
                    Err(reason) => record_skip(&id, reason),
                }
            }
        };
        if !emit(item) {
            return ReadEnd::Stopped;
        }
    };
    if let Some(summary) = others.summary() {
        let note = Item::NotArticles(Skip {
            path: task.display(),
            reason: summary,
        });
        if !emit(note) {
            return ReadEnd::Stopped;
        }
    }
    let Some(damage) = damage else {
        return ReadEnd::Complete;
    };
    let before = match (reader.records(), pages) {
        (0, _) | (_, 0) => String::new(),
        (_, 1) => "; the page before it was indexed".to_string(),
        (_, n) => format!("; the {n} pages before it were indexed"),
    };
    let (reason, end) = match damage {
        warc::Damage::Bad(why) => (why, ReadEnd::Complete),
        warc::Damage::Io(e) => {
            let end = if read::is_transient(&e) {
                ReadEnd::Failed
            } else {
                ReadEnd::Complete
            };
            let at = reader.records() + 1;
            let why = read::read_error(e);
            (
                if at > 1 {
                    format!("{why} in record {at}")
                } else {
                    why
                },
                end,
            )
        }
    };
    emit(skip_of(task, format!("{reason}{before}")));
    end
}

/// The records of a web archive that are not articles, counted by kind in
/// the order first met. The kinds are few (record types, "non-HTML", HTTP
/// statuses); past `MAX_KINDS` the rest are "other".
#[derive(Default)]
struct OtherRecords {
    kinds: Vec<(String, usize)>,
    total: usize,
}

impl OtherRecords {
    const MAX_KINDS: usize = 12;

    fn add(&mut self, kind: String) {
        self.total += 1;
        let kind = if self.kinds.len() >= Self::MAX_KINDS && !self.kinds.iter().any(|(k, _)| *k == kind) {
            "other".to_string()
        } else {
            kind
        };
        match self.kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.kinds.push((kind, 1)),
        }
    }

    /// "web archive: 12 records are not articles (5 request, 5 metadata,
    /// 1 non-HTML, 1 status 404)".
    fn summary(&self) -> Option<String> {
        let counts: Vec<String> = self.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let records = match self.total {
            0 => return None,
            1 => "1 record is not an article".to_string(),
            n => format!("{n} records are not articles"),
        };
        Some(format!("web archive: {records} ({})", counts.join(", ")))
    }
}

/// Record ids within one file: `#<own id>` when the record has one, else
/// `#<line>`; a repeated id falls back to the line so no record replaces
/// another. Only hashes are kept, so a file of millions of records costs a
/// few bytes per record.
#[derive(Default)]
struct RecordIds {
    seen: HashSet<u64>,
}

impl RecordIds {
    fn id(&mut self, task: &FileTask, own: Option<String>, line: usize) -> String {
        let mut candidates = own.into_iter().chain([line.to_string(), format!("{line}-dup")]);
        let mut suffix = candidates.next().unwrap_or_default();
        while self.seen.contains(&hash(&suffix)) {
            match candidates.next() {
                Some(next) => suffix = next,
                None => break,
            }
        }
        self.seen.insert(hash(&suffix));
        format!("{}#{suffix}", task.id())
    }
}

fn hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(s)
}

/// Fills what the content did not say from the path: the id, the section
/// from the nearest folder that is not a date, the date from the path.
fn finish(task: &FileTask, id: String, mut article: Article, rules: &Rules) -> Article {
    article.id = id;
    article.path = task.absolute();
    article.archive = task.archive.canonical.display().to_string();
    if article.section.is_none() {
        article.section = section_from_folders(task, rules);
    }
    if article.published.is_none() {
        article.published = date::date_from_path(task.rel());
    }
    skip_furniture(&mut article, rules);
    article
}

/// Marks the `[wire]` furniture of every layout's text for entity
/// extraction to skip, and adds the body's credit lines to the byline. The
/// text itself is kept as it is: it stays searchable, and this is a pure
/// function of it, so re-reading a file gives the same article.
fn skip_furniture(article: &mut Article, rules: &Rules) {
    let mut spans = Vec::new();
    let mut skip = Vec::new();
    if let Some(title) = &article.title {
        rules.furniture(title, &mut spans);
        skip.extend(spans.drain(..).map(|r| (TextPart::Title, r)));
    }
    for (i, caption) in article.captions.iter().enumerate() {
        rules.furniture(caption, &mut spans);
        skip.extend(spans.drain(..).map(|r| (TextPart::Caption(i), r)));
    }
    rules.furniture(&article.body, &mut spans);
    let credits = rules.credits(&article.body);
    let mut names: Vec<String> = Vec::new();
    let byline = article.byline.as_deref().unwrap_or("");
    for credit in &credits {
        // Each part of a credit line once, and not the byline's own
        // reporters again ("By Soo-min Cha" ... "(Reporting by Soo-min Cha;
        // Editing by Simon Redfern)" adds only the editor).
        for part in credit_text(&article.body[credit.clone()]).split("; ") {
            let who = part.split_once(" by ").map_or(part, |(_, who)| who);
            if !part.is_empty() && !byline.contains(who) && !names.iter().any(|n| n == part) {
                names.push(part.to_string());
            }
        }
    }
    spans.extend(credits);
    skip.extend(merged(spans).into_iter().map(|r| (TextPart::Body, r)));
    article.entity_skip = skip;
    if !names.is_empty() {
        let credits = names.join("; ");
        article.byline = Some(match article.byline.take() {
            Some(byline) => format!("{byline}; {credits}"),
            None => credits,
        });
    }
}

/// Ranges sorted, overlapping and touching ones made one.
fn merged(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => out.push(span),
        }
    }
    out
}

/// "(Reporting by  Sinead Carew ; Editing by  Gary Hill )" -> "Reporting by
/// Sinead Carew; Editing by Gary Hill": brackets and stray space dropped.
fn credit_text(credit: &str) -> String {
    let inner = credit.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')');
    let mut out = String::with_capacity(inner.len());
    for word in inner.split_whitespace() {
        if !out.is_empty() && !word.starts_with([',', ';', ':']) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches('.').to_string()
}

fn section_from_folders(task: &FileTask, rules: &Rules) -> Option<String> {
    let folder = task.folders().rev().find(|f| !is_date_folder(f))?;
    (!rules.is_not_section(folder)).then(|| folder.to_string())
}

/// 2024, 03, 15, 2024-03, 2024-03-15, 20240315 ...: folders that order an
/// archive by time.
fn is_date_folder(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_not_articles_are_summed_up_by_kind() {
        let mut others = OtherRecords::default();
        assert_eq!(others.summary(), None);
        others.add("request".into());
        assert_eq!(
            others.summary().as_deref(),
            Some("web archive: 1 record is not an article (1 request)")
        );
        for kind in ["metadata", "request", "status 404"] {
            others.add(kind.into());
        }
        assert_eq!(
            others.summary().as_deref(),
            Some("web archive: 4 records are not articles (2 request, 1 metadata, 1 status 404)")
        );
        // However many statuses a crawl has, the line stays short.
        for code in 500..600 {
            others.add(format!("status {code}"));
        }
        let summary = others.summary().unwrap_or_default();
        assert!(summary.starts_with("web archive: 104 records are not articles ("));
        assert!(summary.ends_with(", 91 other)"), "{summary}");
    }

    #[test]
    fn furniture_is_blanked_for_entities_and_credits_join_the_byline() {
        let rules = rules::test_rules();
        let text = "-- Acme ( ACME.N ) grows\n-- By Ann Lee\n\nNEW YORK  (Reuters) - Acme Corp ( ACME.N ) \
                    grew.\n\n(Reporting by  Bo Li ; Editing by Cy Roe )\n";
        let mut article = text::parse(text, &rules);
        skip_furniture(&mut article, &rules);
        assert_eq!(
            article.byline.as_deref(),
            Some("Ann Lee; Reporting by Bo Li; Editing by Cy Roe")
        );
        let texts = article.entity_texts();
        let parts = texts.parts();
        assert_eq!(parts[0], ("title", "Acme            grows"));
        let (field, body) = parts[1];
        assert_eq!(field, "body");
        assert_eq!(body.len(), article.body.len(), "offsets stay valid");
        assert!(article
            .body
            .starts_with("NEW YORK (Reuters) - Acme Corp ( ACME.N )"));
        assert_eq!(
            body.split_whitespace().collect::<Vec<_>>(),
            ["Acme", "Corp", "grew."]
        );
    }
}
