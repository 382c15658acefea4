//! A JSON Lines file built from structured lines: records whose keys are
//! the built-in mapping's (and others), with values of every JSON type,
//! blank lines, raw text and arrays, optionally CRLF-ended and gzipped;
//! read the way `newsidx index` reads `.jsonl` files.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use newsidx::ingest::{read_file_hashing, Item, Limits, ReadEnd};
use serde_json::{Map, Number, Value};

/// The keys of schema/newsidx.toml's fields, and MongoDB's `$date`.
const KEYS: &[&str] = &[
    "id",
    "_id",
    "guid",
    "uuid",
    "article_id",
    "doc_id",
    "section",
    "category",
    "categories",
    "section_name",
    "desk",
    "rubric",
    "topic",
    "title",
    "headline",
    "heading",
    "head",
    "body",
    "text",
    "maintext",
    "content",
    "article",
    "article_text",
    "full_text",
    "story",
    "description",
    "summary",
    "abstract",
    "captions",
    "caption",
    "image_caption",
    "image_captions",
    "photo_caption",
    "byline",
    "author",
    "authors",
    "creator",
    "by",
    "writer",
    "dc_creator",
    "url",
    "link",
    "source_url",
    "canonical_url",
    "permalink",
    "web_url",
    "published",
    "date",
    "date_publish",
    "published_at",
    "publishedAt",
    "pubdate",
    "datePublished",
    "publication_date",
    "pub_date",
    "datetime",
    "timestamp",
    "created_at",
    "date_published",
    "$date",
    "TITLE",
    "Body",
];

#[derive(Arbitrary, Debug)]
enum Key {
    Known(u8),
    Other(String),
}

impl Key {
    fn name(&self) -> String {
        match self {
            Key::Known(i) => KEYS[*i as usize % KEYS.len()].to_string(),
            Key::Other(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// Text that looks like HTML: `<p>` paragraphs around the strings.
    Html(Vec<String>),
    /// A date-like string from its parts.
    Date(u16, u8, u8, u8, u8, u8, Option<String>),
    Arr(Vec<Val>),
    Obj(Vec<(Key, Val)>),
}

impl Val {
    fn json(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::Number((*i).into()),
            Val::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Val::Str(s) => Value::String(s.clone()),
            Val::Html(paras) => Value::String(
                paras
                    .iter()
                    .map(|p| format!("<p>{p}</p>"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Val::Date(y, mo, d, h, mi, s, zone) => Value::String(format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}",
                zone.as_deref().unwrap_or("Z")
            )),
            Val::Arr(items) => Value::Array(items.iter().map(Val::json).collect()),
            Val::Obj(fields) => Value::Object(object(fields)),
        }
    }
}

fn object(fields: &[(Key, Val)]) -> Map<String, Value> {
    fields.iter().map(|(k, v)| (k.name(), v.json())).collect()
}

#[derive(Arbitrary, Debug)]
enum Line {
    Record(Vec<(Key, Val)>),
    Value(Val),
    Raw(String),
    Blank(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    gzip: bool,
    crlf: bool,
    final_newline: bool,
    lines: Vec<Line>,
}

// One-time set-up (compiling the rules' regexes, loading dictionaries)
// happens before the first input: under ASan it can take past the
// 1 s a single input is allowed.
fuzz_target!(init: {
    common::rules();
}, |input: Input| {
    let mut text = String::new();
    let eol = if input.crlf { "\r\n" } else { "\n" };
    for (i, line) in input.lines.iter().enumerate() {
        if i > 0 {
            text.push_str(eol);
        }
        match line {
            Line::Record(fields) => text.push_str(&Value::Object(object(fields)).to_string()),
            Line::Value(v) => text.push_str(&v.json().to_string()),
            Line::Raw(s) => text.push_str(s),
            Line::Blank(n) => text.extend(std::iter::repeat_n(' ', (*n % 8) as usize)),
        }
    }
    if input.final_newline {
        text.push_str(eol);
    }
    let (name, bytes) = if input.gzip {
        ("a.jsonl.gz", common::gzip(text.as_bytes()))
    } else {
        ("a.jsonl", text.into_bytes())
    };
    let task = common::archive_file(name, &bytes);
    let limits = Limits {
        max_article_bytes: 1 << 20,
    };
    let mut articles = 0usize;
    let (end, hash) = read_file_hashing(&task, common::rules(), &limits, &mut |item| {
        match item {
            Item::Article(article) => {
                articles += 1;
                common::check_article(&article)
            }
            Item::Skipped(skip) | Item::NotArticles(skip) => assert!(!skip.reason.is_empty()),
        }
        true
    });
    assert_ne!(end, ReadEnd::Stopped);
    // A .jsonl that gave articles and was read through has the hash of
    // what was parsed (one refused whole, e.g. text starting "BZh" taken
    // for bzip2, gives neither).
    if end == ReadEnd::Complete && articles > 0 {
        assert!(hash.is_some(), "read through without a hash");
    }
});
