//! From archive files to articles: walking, reading, layout detection and parsing (bytes in, `Article` out).

pub mod date;
mod json;
mod pipeline;
pub mod read;
mod rules;
mod text;
pub mod walk;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use pipeline::{run, IngestRequest, IngestSummary, Progress};
pub use read::Limits;
pub use rules::Rules;
use walk::FileTask;

/// How an article was laid out in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Text scraped from a news site: section line, headline, captions, body.
    Scraped,
    /// Headline on the first line, then paragraphs.
    Headline,
    /// Wire archive: "-- " header lines, then the body.
    Wire,
    /// One article per .json file (or an array of them).
    Json,
    /// One article per line of a JSON Lines file.
    Jsonl,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Scraped => "scraped",
            Layout::Headline => "headline",
            Layout::Wire => "wire",
            Layout::Json => "json",
            Layout::Jsonl => "jsonl",
        }
    }
}

/// One article, ready for the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub path: String,
    pub archive: String,
    pub section: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub captions: Vec<String>,
    pub byline: Option<String>,
    pub url: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub layout: Layout,
}

impl Article {
    /// The texts entities are found in, named by field: title, each
    /// caption, body.
    pub fn entity_texts(&self) -> Vec<(&'static str, &str)> {
        let mut parts = Vec::with_capacity(2 + self.captions.len());
        if let Some(title) = &self.title {
            parts.push(("title", title.as_str()));
        }
        parts.extend(self.captions.iter().map(|c| ("captions", c.as_str())));
        parts.push(("body", self.body.as_str()));
        parts
    }

    /// The article's entities with mention counts.
    pub fn entities(&self, extractor: &crate::entities::Extractor) -> Vec<crate::entities::EntityCount> {
        let named = self.entity_texts();
        let texts: Vec<&str> = named.iter().map(|(_, t)| *t).collect();
        let title = self.title.as_ref().map(|_| 0);
        crate::entities::count(&extractor.extract(&texts), title)
    }

    /// An article as a parser starts it; `finish` adds what the path tells
    /// (id, path, archive, and section or date when the text has none).
    fn new(layout: Layout) -> Self {
        Article {
            id: String::new(),
            path: String::new(),
            archive: String::new(),
            section: None,
            title: None,
            body: String::new(),
            captions: Vec::new(),
            byline: None,
            url: None,
            published: None,
            layout,
        }
    }
}

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
}

/// Reads, decodes and parses one file, handing each article or skipped
/// record to `emit` as soon as it is ready (a JSON Lines file of any size is
/// streamed). `emit` returns false to stop early.
pub fn read_file(task: &FileTask, rules: &Rules, limits: &Limits, emit: &mut dyn FnMut(Item) -> bool) {
    let skip = |reason: String| {
        Item::Skipped(Skip {
            path: task.display(),
            reason,
        })
    };
    match read::open(&task.path, &task.name, limits) {
        Err(reason) => {
            emit(skip(reason));
        }
        Ok(read::Opened::Lines(mut stream)) => read_json_lines(task, &mut *stream, rules, limits, emit),
        Ok(read::Opened::Whole { bytes, name }) => {
            if let Some(kind) = read::sniff_binary(&bytes) {
                emit(skip(kind));
                return;
            }
            let text = read::decode(&bytes);
            drop(bytes);
            if text.trim().is_empty() {
                emit(skip("empty file (whitespace only)".into()));
                return;
            }
            let trimmed = text.trim_start();
            if read::is_json(&name) || trimmed.starts_with('{') || trimmed.starts_with('[') {
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(value) => return read_json_value(task, &value, rules, emit),
                    Err(e) if read::is_json(&name) || trimmed.starts_with('{') => {
                        // Several objects one after another: JSON Lines under a .json name.
                        if e.is_syntax() && e.to_string().starts_with("trailing characters") {
                            return read_json_lines(task, &mut text.as_bytes(), rules, limits, emit);
                        }
                        if read::is_json(&name) {
                            emit(skip(format!("invalid JSON: {e}")));
                            return;
                        }
                    }
                    Err(_) => {}
                }
            }
            let article = text::parse(&text, rules);
            if article.title.is_none() && article.body.is_empty() {
                emit(skip("no article text (only boilerplate or captions)".into()));
                return;
            }
            emit(Item::Article(Box::new(finish(task, task.id(), article, rules))));
        }
    }
}

/// A .json file: one article, or an array of them.
fn read_json_value(
    task: &FileTask,
    value: &serde_json::Value,
    rules: &Rules,
    emit: &mut dyn FnMut(Item) -> bool,
) {
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
                    return;
                }
            }
        }
        other => {
            let item = match json::parse_record(other, Layout::Json, rules) {
                Ok((article, _)) => Item::Article(Box::new(finish(task, task.id(), article, rules))),
                Err(why) => Item::Skipped(Skip {
                    path: task.display(),
                    reason: why.to_string(),
                }),
            };
            emit(item);
        }
    }
}

fn read_json_lines(
    task: &FileTask,
    stream: &mut dyn std::io::BufRead,
    rules: &Rules,
    limits: &Limits,
    emit: &mut dyn FnMut(Item) -> bool,
) {
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
                emit(Item::Skipped(Skip {
                    path: task.display(),
                    reason: format!("{}{at}", read::read_error(e)),
                }));
                return;
            }
        };
        line_no += 1;
        let record_path = || format!("{}#{line_no}", task.display());
        let item = match read {
            read::LineRead::Eof => return,
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
            return;
        }
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
        article.published = date::date_from_path(&task.rel);
    }
    article
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
