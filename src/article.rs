//! One article as read from an archive and handed to the index: its fields, its layout, and the texts entities are found in.

use std::borrow::Cow;
use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::entities::{Extractor, Found};

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
    /// A saved web page: the article found among the page's furniture.
    Html,
    /// One article per HTML response record of a web archive (WARC).
    Warc,
    /// IPTC NewsML-G2: one article per news item.
    Newsml,
    /// IPTC NITF, one article per file.
    Nitf,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Scraped => "scraped",
            Layout::Headline => "headline",
            Layout::Wire => "wire",
            Layout::Json => "json",
            Layout::Jsonl => "jsonl",
            Layout::Html => "html",
            Layout::Warc => "warc",
            Layout::Newsml => "newsml",
            Layout::Nitf => "nitf",
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
    /// The language the source declares (`<html lang>`), as written.
    pub language: Option<String>,
    pub layout: Layout,
    /// Byte ranges of title, captions and body that entity extraction
    /// skips (`[wire]` furniture: instrument codes, datelines, credits),
    /// found when the article is read, in order within each part.
    pub entity_skip: Vec<(TextPart, Range<usize>)>,
}

/// A text of an article that entities are found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPart {
    Title,
    /// The caption with this index in `Article::captions`.
    Caption(usize),
    Body,
}

/// The texts entities are found in, with `entity_skip` blanked out.
#[derive(Debug)]
pub struct EntityTexts<'a> {
    parts: Vec<(&'static str, Cow<'a, str>)>,
}

impl EntityTexts<'_> {
    /// Each text named by its field: title, each caption, body.
    pub fn parts(&self) -> Vec<(&'static str, &str)> {
        self.parts.iter().map(|(f, t)| (*f, t.as_ref())).collect()
    }
}

impl Article {
    /// The texts entities are found in, named by field: title, each
    /// caption, body. The spans of `entity_skip` read as spaces of the same
    /// byte length, so the offsets of every mention are those of the
    /// article's own text; a part with nothing to skip is not copied.
    pub fn entity_texts(&self) -> EntityTexts<'_> {
        let mut parts = Vec::with_capacity(2 + self.captions.len());
        if let Some(title) = &self.title {
            parts.push(("title", self.masked(TextPart::Title, title)));
        }
        parts.extend(
            self.captions
                .iter()
                .enumerate()
                .map(|(i, c)| ("captions", self.masked(TextPart::Caption(i), c))),
        );
        parts.push(("body", self.masked(TextPart::Body, &self.body)));
        EntityTexts { parts }
    }

    /// `text` (the article's `part`) with the spans to skip blanked out.
    fn masked<'a>(&self, part: TextPart, text: &'a str) -> Cow<'a, str> {
        let mut spans = self
            .entity_skip
            .iter()
            .filter(|(p, _)| *p == part)
            .map(|(_, r)| r.clone())
            .peekable();
        if spans.peek().is_none() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans {
            // A span that does not fit the text (fields edited after
            // reading) is left alone rather than cut a character in two.
            let (Some(before), Some(_)) = (text.get(at..span.start), text.get(span.clone())) else {
                continue;
            };
            out.push_str(before);
            out.extend(std::iter::repeat_n(' ', span.len()));
            at = span.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// The article's entities with mention counts, and the names it says
    /// are one.
    pub fn entities(&self, extractor: &Extractor) -> Found {
        let named = self.entity_texts();
        let texts: Vec<&str> = named.parts.iter().map(|(_, t)| t.as_ref()).collect();
        let title = self.title.as_ref().map(|_| 0);
        extractor.article(&texts, title)
    }

    /// xxh3 of everything the index keeps of the article, seeded with the
    /// settings it is indexed with: equal hashes mean nothing to re-index.
    pub fn content_hash(&self, settings: u64) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::with_seed(settings);
        let mut field = |s: &str| {
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        fn opt(o: &Option<String>) -> &str {
            o.as_deref().unwrap_or("\u{0}")
        }
        field(&self.id);
        field(&self.path);
        field(&self.archive);
        field(opt(&self.section));
        field(opt(&self.title));
        field(&self.body);
        field(opt(&self.byline));
        field(opt(&self.url));
        field(self.layout.as_str());
        if let Some(language) = &self.language {
            // Only when there is one: articles of the layouts that declare
            // none keep the hash they had.
            field(language);
        }
        field(
            &self
                .published
                .map(|d| d.timestamp().to_string())
                .unwrap_or_default(),
        );
        for caption in &self.captions {
            field(caption);
        }
        h.digest()
    }

    /// An article as a parser starts it; `finish` adds what the path tells
    /// (id, path, archive, and section or date when the text has none).
    pub(crate) fn new(layout: Layout) -> Self {
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
            language: None,
            layout,
            entity_skip: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_with_nothing_to_skip_are_lent_not_copied() {
        let mut article = Article::new(Layout::Headline);
        article.title = Some("Plain headline".into());
        article.body = "Nothing to skip here.".into();
        assert!(article
            .entity_texts()
            .parts
            .iter()
            .all(|(_, t)| matches!(t, Cow::Borrowed(_))));
    }
}
