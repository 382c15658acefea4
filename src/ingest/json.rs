//! JSON and JSON Lines records: the mapping's keys pick each field out of an object.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::rules::Rules;
use super::text::{body_from_lines, collapse_ws, decode_entities, non_empty, strip_by};
use super::{Article, Layout};
use crate::schema::Role;

/// Why a JSON value is not an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAnArticle {
    NotAnObject,
    NoText,
}

impl std::fmt::Display for NotAnArticle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAnArticle::NotAnObject => f.write_str("JSON value is not an object"),
            NotAnArticle::NoText => {
                f.write_str("JSON has no article text (no title or body key with a value)")
            }
        }
    }
}

/// One record as an article, plus its own id if it carries one.
pub fn parse_record(
    value: &Value,
    layout: Layout,
    rules: &Rules,
) -> Result<(Article, Option<String>), NotAnArticle> {
    let Value::Object(object) = value else {
        return Err(NotAnArticle::NotAnObject);
    };
    let record = Record::new(object);
    let mut parsed = Article::new(layout);
    parsed.title = record
        .text(rules, Role::Title)
        .map(|t| collapse_ws(&t))
        .and_then(non_empty);
    if let Some(body) = record.first(rules, Role::Body) {
        let text = match body {
            Value::Array(items) => items
                .iter()
                .filter_map(scalar_text)
                .collect::<Vec<_>>()
                .join("\n"),
            other => scalar_text(other).unwrap_or_default(),
        };
        let text = if looks_like_html(&text) {
            strip_html(&text)
        } else {
            text
        };
        let (body, captions) = body_from_lines(text.lines(), rules, true);
        parsed.body = body;
        parsed.captions = captions;
    }
    if parsed.title.is_none() && parsed.body.is_empty() {
        return Err(NotAnArticle::NoText);
    }
    if let Some(captions) = record.first(rules, Role::Captions) {
        for caption in list_text(captions) {
            let caption = collapse_ws(&caption);
            if !caption.is_empty() && !parsed.captions.contains(&caption) {
                parsed.captions.push(caption);
            }
        }
    }
    parsed.section = record
        .first(rules, Role::Section)
        .and_then(|v| list_text(v).into_iter().next())
        .map(|s| collapse_ws(&s))
        .and_then(non_empty);
    parsed.byline = record.first(rules, Role::Byline).and_then(|v| {
        let names = list_text(v);
        // "By Jane Doe" -> "Jane Doe"; a lone "By" is kept as written.
        let joined = names
            .iter()
            .map(|n| {
                strip_by(n.trim())
                    .filter(|rest| !rest.is_empty())
                    .unwrap_or(n.trim())
            })
            .collect::<Vec<_>>()
            .join(", ");
        non_empty(collapse_ws(&joined))
    });
    parsed.url = record
        .text(rules, Role::Url)
        .map(|u| u.trim().to_string())
        .and_then(non_empty);
    parsed.language = record
        .text(rules, Role::Language)
        .map(|l| l.trim().to_string())
        .filter(|l| l.len() <= 35)
        .and_then(non_empty);
    parsed.published = record.first(rules, Role::Published).and_then(|v| match v {
        Value::Number(n) => n.as_f64().and_then(|n| rules.dates.from_timestamp(n)),
        Value::Object(o) => o
            .get("$date")
            .and_then(scalar_text)
            .and_then(|s| rules.dates.parse(&s)),
        other => scalar_text(other).and_then(|s| rules.dates.parse(&s)),
    });
    let id = record
        .text(rules, Role::Id)
        .map(|s| s.trim().to_string())
        .and_then(non_empty);
    Ok((parsed, id))
}

/// An object's keys, compared case-insensitively.
struct Record<'a> {
    by_key: HashMap<String, &'a Value>,
}

impl<'a> Record<'a> {
    fn new(object: &'a Map<String, Value>) -> Self {
        let mut by_key = HashMap::with_capacity(object.len());
        for (k, v) in object {
            // The first spelling wins when two keys differ only by case.
            by_key.entry(k.to_lowercase()).or_insert(v);
        }
        Record { by_key }
    }

    /// The first key of `role` holding a non-empty value.
    fn first(&self, rules: &Rules, role: Role) -> Option<&'a Value> {
        rules
            .keys(role)
            .iter()
            .filter_map(|k| self.by_key.get(k).copied())
            .find(|v| !is_empty(v))
    }

    fn text(&self, rules: &Rules, role: Role) -> Option<String> {
        self.first(rules, role)
            .and_then(|v| list_text(v).into_iter().next())
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.iter().all(is_empty),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// A string or number as text; objects give their name-like member.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => ["name", "title", "text", "value", "#text", "display_name"]
            .iter()
            .find_map(|k| o.get(*k).and_then(scalar_text)),
        _ => None,
    }
}

/// All texts in a value: one for a scalar, each item's for an array.
fn list_text(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(scalar_text)
            .filter(|s| !s.trim().is_empty())
            .collect(),
        other => scalar_text(other).into_iter().collect(),
    }
}

fn looks_like_html(text: &str) -> bool {
    let lower = text
        .get(..text.len().min(4096))
        .unwrap_or(text)
        .to_ascii_lowercase();
    ["<p>", "<p ", "</p>", "<br", "</div>", "<div"]
        .iter()
        .any(|t| lower.contains(t))
}

/// Tags out, block ends as line breaks, common entities decoded: enough for
/// CMS exports that put HTML in the body.
fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if matches!(
            name.as_str(),
            "p" | "br"
                | "div"
                | "li"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "figcaption"
                | "blockquote"
                | "tr"
        ) {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::ingest::rules::test_rules as rules;

    #[test]
    fn keys_are_case_insensitive_and_prioritised() {
        let v = json!({"Headline": "A", "maintext": "Para one.\n\nPara two.", "description": "lead",
                       "authors": ["Ann Lee", {"name": "Bo Ng"}], "date_publish": "2025-03-03 16:40:00",
                       "category": ["Tech", "AI"], "link": " https://x.org/a ", "id": 17});
        let (p, id) = parse_record(&v, Layout::Jsonl, &rules()).unwrap();
        assert_eq!(p.title.as_deref(), Some("A"));
        assert_eq!(p.body, "Para one.\n\nPara two.");
        assert_eq!(p.byline.as_deref(), Some("Ann Lee, Bo Ng"));
        assert_eq!(p.section.as_deref(), Some("Tech"));
        assert_eq!(p.url.as_deref(), Some("https://x.org/a"));
        assert_eq!(p.published.unwrap().to_rfc3339(), "2025-03-03T16:40:00+00:00");
        assert_eq!(id.as_deref(), Some("17"));
    }

    #[test]
    fn records_without_text_are_refused() {
        let r = rules();
        assert_eq!(
            parse_record(&json!({"url": "x", "body": "  "}), Layout::Json, &r).unwrap_err(),
            NotAnArticle::NoText
        );
        assert_eq!(
            parse_record(&json!([1, 2]), Layout::Json, &r).unwrap_err(),
            NotAnArticle::NotAnObject
        );
    }

    #[test]
    fn html_bodies_are_flattened() {
        let v = json!({"title": "T", "content": "<p>Tom &amp; Jerry&#8217;s <b>fight</b></p><p>Second&nbsp;one</p>"});
        let (p, _) = parse_record(&v, Layout::Json, &rules()).unwrap();
        assert_eq!(p.body, "Tom & Jerry’s fight\n\nSecond one");
    }
}
