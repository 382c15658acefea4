//! Saved web pages: the article's text and metadata found among the page's furniture.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use encoding_rs::Encoding;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use serde_json::Value;

use super::rules::{HtmlRules, MetaSource, Rules};
use super::text::{collapse_ws, decode_entities, non_empty};
use super::{Article, Layout};

/// Whether `bytes` (the start of a file) are an HTML page: after a byte
/// order mark, white space, comments and an XML declaration, the first tag
/// is a doctype `html` or one of the tags a page opens with. Decided by
/// content, so a page is read as one whatever its file is called.
pub fn sniff(bytes: &[u8]) -> bool {
    let mut rest = bytes.get(..bytes.len().min(4096)).unwrap_or(bytes);
    for bom in [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"] {
        if let Some(r) = rest.strip_prefix(bom) {
            if bom.len() == 2 {
                // UTF-16: the markup is every other byte; look at those.
                return sniff_utf16(r, bom == b"\xFF\xFE");
            }
            rest = r;
        }
    }
    loop {
        rest = trim_ascii_start(rest);
        if rest.starts_with(b"<!--") {
            match find(rest, b"-->") {
                Some(end) => rest = &rest[end + 3..],
                None => return false,
            }
        } else if rest.starts_with(b"<?") {
            match find(rest, b"?>") {
                Some(end) => rest = &rest[end + 2..],
                None => return false,
            }
        } else {
            break;
        }
    }
    let head: Vec<u8> = rest.iter().take(16).map(u8::to_ascii_lowercase).collect();
    ["<!doctype html", "<html", "<head", "<body", "<meta", "<title"]
        .iter()
        .any(|t| {
            head.starts_with(t.as_bytes()) && head.get(t.len()).is_none_or(|c| !c.is_ascii_alphanumeric())
        })
}

fn sniff_utf16(bytes: &[u8], little: bool) -> bool {
    let narrow: Vec<u8> = bytes
        .chunks_exact(2)
        .take(256)
        .map(|p| if little { p[0] } else { p[1] })
        .collect();
    sniff(&narrow)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The article of one HTML page, or why the page holds none. `bytes` are
/// the page as saved; `http_charset` is the charset its server declared
/// (web archives keep it), which the page's own declaration cannot
/// override, as in a browser.
pub fn parse(bytes: &[u8], http_charset: Option<&str>, rules: &Rules) -> Result<Article, String> {
    let settings = &rules.html;
    let text = decode(bytes, http_charset);
    let page = scan(&text, settings);
    if page.depth > settings.max_depth {
        return Err(format!(
            "HTML nested deeper than {} elements (the [html] max_depth)",
            settings.max_depth
        ));
    }
    let meta = Metadata::of(&page, settings, rules);
    let options = rs_trafilatura::Options {
        // A news archive holds articles: the page-type classifier is a
        // large share of the extraction time (docs/performance.md) and
        // could only pick another profile.
        page_type: Some(rs_trafilatura::page_type::PageType::Article),
        url: meta.url.clone(),
        ..rs_trafilatura::Options::default()
    };
    // The extractor is a library of heuristics over any markup: a bug in it
    // costs this page, never the run.
    let extracted = catch_unwind(AssertUnwindSafe(|| {
        rs_trafilatura::extract_with_options(&text, &options)
    }))
    .map_err(|_| "the HTML extractor failed on this page".to_string())?;
    let raw_body = match extracted {
        Ok(result) => result.content_text,
        Err(e) => return Err(format!("no article text found in the page ({e})")),
    };
    let body = clean_body(&raw_body, &page, rules);
    let words = body.split_whitespace().count();
    if words < settings.min_words {
        return Err(if words == 0 {
            "no article text in the page (a login wall, an index page, or only furniture)".into()
        } else {
            format!(
                "no article text in the page: {words} words, under the [html] min_words of {} \
                 (a login wall, an index page, or only furniture)",
                settings.min_words
            )
        });
    }
    let mut article = Article::new(Layout::Html);
    article.title = meta.title;
    article.body = body;
    article.captions = page.captions;
    article.byline = meta.author;
    article.url = meta.url;
    article.published = meta.published;
    article.section = meta.section;
    article.language = page.lang.or(meta.language);
    Ok(article)
}

/// The page as text: a byte order mark first, then the charset the server
/// declared, then the page's own `<meta charset>` (in its first 4 KB, as
/// browsers look), else UTF-8 when the bytes are UTF-8 and Windows-1252
/// when not, as for every other file.
fn decode(bytes: &[u8], http_charset: Option<&str>) -> String {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
    }
    let declared = http_charset
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()))
        .or_else(|| meta_charset(bytes.get(..bytes.len().min(4096)).unwrap_or(bytes)));
    match declared {
        // A page that says UTF-16 in ASCII markup is not UTF-16 (the HTML
        // standard reads it as UTF-8).
        Some(enc)
            if enc != encoding_rs::UTF_8 && enc != encoding_rs::UTF_16LE && enc != encoding_rs::UTF_16BE =>
        {
            enc.decode_without_bom_handling(bytes).0.into_owned()
        }
        _ => super::read::decode(bytes),
    }
}

/// The charset of a `<meta charset=...>` or `<meta http-equiv=Content-Type
/// content="...; charset=...">` in `head`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut at = 0;
    while let Some(i) = find(&lower[at..], b"<meta") {
        let start = at + i;
        let end = lower[start..]
            .iter()
            .position(|&c| c == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let value = trim_ascii_start(&tag[c + 7..]);
            if let Some(value) = value.strip_prefix(b"=") {
                let value = trim_ascii_start(value);
                let value = value
                    .strip_prefix(b"\"")
                    .or_else(|| value.strip_prefix(b"'"))
                    .unwrap_or(value);
                let label: Vec<u8> = value
                    .iter()
                    .copied()
                    .take_while(|c| c.is_ascii_alphanumeric() || b"-_:.".contains(c))
                    .collect();
                if let Some(enc) = Encoding::for_label(&label) {
                    return Some(enc);
                }
            }
        }
        at = end.max(start + 1);
    }
    None
}

/// What one pass of the tokenizer finds in a page: metadata, captions, the
/// text of furniture the settings name, and how deep it nests.
#[derive(Debug, Default)]
struct Page {
    lang: Option<String>,
    title: String,
    h1: Option<String>,
    /// `(key, content)` of each `<meta>`: the key is its name, property or
    /// itemprop, lower-cased.
    meta: Vec<(String, String)>,
    canonical: Option<String>,
    json_ld: Vec<String>,
    /// `(datetime, marked as the publication time)` of each `<time>`.
    times: Vec<(String, bool)>,
    captions: Vec<String>,
    /// Text of the elements whose class or id names furniture.
    furniture: Vec<String>,
    /// The deepest nesting of elements (an upper bound: end tags a page
    /// leaves out are closed as the HTML parser would for the common ones).
    depth: usize,
}

/// Bounds on what the scan keeps, whatever the page holds.
const MAX_META: usize = 512;
const MAX_TEXTS: usize = 256;
const MAX_TEXT: usize = 64 << 10;
const MAX_JSON_LD: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collect {
    Title,
    H1,
    Caption,
    JsonLd,
    Furniture,
}

struct Open {
    name: String,
    /// The text collector this element started, if any.
    collect: Option<usize>,
}

struct Scanner<'a> {
    settings: &'a HtmlRules,
    page: Page,
    stack: Vec<Open>,
    /// Open collectors: what they collect and their text so far.
    texts: Vec<(Collect, String)>,
    /// Inside a script or style that is no JSON-LD: its text is no page text.
    in_raw: bool,
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
];
/// Elements a new one of the same name closes (`<p>a<p>b`), and those a
/// block closes `p` for: the common omitted end tags, so a sloppy page does
/// not read as a deep one.
const SELF_CLOSING_SIBLINGS: &[&str] = &[
    "p", "li", "dt", "dd", "option", "tr", "td", "th", "tbody", "thead",
];
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

impl Scanner<'_> {
    fn attr<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
        tag.attrs
            .iter()
            .find(|a| a.name.local.as_ref() == name)
            .map(|a| a.value.as_ref())
    }

    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name = tag.name.as_ref();
        match name {
            "html" if self.page.lang.is_none() => {
                self.page.lang = Self::attr(tag, "lang")
                    .or_else(|| Self::attr(tag, "xml:lang"))
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && l.len() <= 35)
                    .map(str::to_string);
            }
            "meta" if self.page.meta.len() < MAX_META => {
                let key = Self::attr(tag, "property")
                    .or_else(|| Self::attr(tag, "name"))
                    .or_else(|| Self::attr(tag, "itemprop"))
                    .or_else(|| Self::attr(tag, "http-equiv"));
                if let (Some(key), Some(content)) = (key, Self::attr(tag, "content")) {
                    self.page
                        .meta
                        .push((key.trim().to_ascii_lowercase(), bounded(content)));
                }
            }
            "link" if self.page.canonical.is_none() => {
                let canonical = Self::attr(tag, "rel").is_some_and(|r| {
                    r.split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("canonical"))
                });
                if canonical {
                    self.page.canonical = Self::attr(tag, "href").map(|h| bounded(h.trim()));
                }
            }
            "time" if self.page.times.len() < MAX_TEXTS => {
                if let Some(dt) = Self::attr(tag, "datetime") {
                    let marked = Self::attr(tag, "pubdate").is_some()
                        || Self::attr(tag, "itemprop")
                            .is_some_and(|p| p.eq_ignore_ascii_case("datePublished"));
                    self.page.times.push((bounded(dt), marked));
                }
            }
            _ => {}
        }
        if tag.self_closing || VOID.contains(&name) {
            return TokenSinkResult::Continue;
        }
        if SELF_CLOSING_SIBLINGS.contains(&name) {
            // Only a sibling in the same scope: `<td>` closes the open `td`
            // of its row, not one of a table outside the one it is in.
            let open = self
                .stack
                .iter()
                .rev()
                .take_while(|o| SELF_CLOSING_SIBLINGS.contains(&o.name.as_str()))
                .position(|o| o.name == name);
            if let Some(at) = open {
                self.pop_to(self.stack.len() - 1 - at);
            }
        }
        if CLOSES_P.contains(&name) && self.stack.last().is_some_and(|o| o.name == "p") {
            self.pop_to(self.stack.len() - 1);
        }
        let collect = match name {
            "title" if self.page.title.is_empty() => Some(Collect::Title),
            "h1" if self.page.h1.is_none() => Some(Collect::H1),
            "figcaption" => Some(Collect::Caption),
            "script" => Self::attr(tag, "type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
                .then_some(Collect::JsonLd),
            _ if self.is_furniture(tag) => Some(Collect::Furniture),
            _ => None,
        };
        let collect = collect.map(|c| {
            self.texts.push((c, String::new()));
            self.texts.len() - 1
        });
        self.stack.push(Open {
            name: name.to_string(),
            collect,
        });
        self.page.depth = self.page.depth.max(self.stack.len());
        match name {
            "script" => {
                self.in_raw = collect.is_none();
                TokenSinkResult::RawData(RawKind::ScriptData)
            }
            "style" => {
                self.in_raw = true;
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            _ => TokenSinkResult::Continue,
        }
    }

    fn is_furniture(&self, tag: &Tag) -> bool {
        if self.settings.boilerplate_classes.is_empty() {
            return false;
        }
        let names = Self::attr(tag, "class")
            .into_iter()
            .flat_map(str::split_ascii_whitespace)
            .chain(Self::attr(tag, "id"));
        names
            .map(str::to_ascii_lowercase)
            .any(|n| self.settings.boilerplate_classes.contains(&n))
    }

    fn end(&mut self, name: &str) {
        self.in_raw = false;
        if let Some(at) = self.stack.iter().rposition(|o| o.name == name) {
            self.pop_to(at);
        }
    }

    /// Closes the element at `at` and every one opened inside it.
    fn pop_to(&mut self, at: usize) {
        while self.stack.len() > at {
            let Some(open) = self.stack.pop() else { break };
            if let Some(i) = open.collect {
                self.finish(i);
            }
        }
    }

    /// Ends the collector `i`. Collectors start and end with their
    /// elements, innermost last, so it is the last one open.
    fn finish(&mut self, i: usize) {
        if i + 1 != self.texts.len() {
            return;
        }
        let Some((kind, text)) = self.texts.pop() else {
            return;
        };
        let page = &mut self.page;
        match kind {
            Collect::JsonLd => {
                if page.json_ld.len() < MAX_TEXTS {
                    page.json_ld.push(text);
                }
            }
            Collect::Title => page.title = collapse_ws(&text),
            Collect::H1 => page.h1 = non_empty(collapse_ws(&text)),
            Collect::Caption => {
                if page.captions.len() < MAX_TEXTS {
                    if let Some(c) = non_empty(collapse_ws(&text)) {
                        if !page.captions.contains(&c) {
                            page.captions.push(c);
                        }
                    }
                }
            }
            Collect::Furniture => {
                if page.furniture.len() < MAX_TEXTS {
                    page.furniture.push(text);
                }
            }
        }
    }

    fn text(&mut self, s: &str) {
        let json = self.texts.last().is_some_and(|(k, _)| *k == Collect::JsonLd);
        if self.in_raw && !json {
            return;
        }
        for (kind, text) in &mut self.texts {
            let cap = if *kind == Collect::JsonLd {
                MAX_JSON_LD
            } else {
                MAX_TEXT
            };
            if (*kind == Collect::JsonLd) != json {
                continue;
            }
            if text.len() + s.len() <= cap {
                text.push_str(s);
            }
        }
    }
}

struct Sink<'a>(RefCell<Scanner<'a>>);

impl TokenSink for Sink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut s = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return s.start(&tag),
                TagKind::EndTag => {
                    s.text(" ");
                    s.end(tag.name.as_ref());
                }
            },
            Token::CharacterTokens(t) => s.text(&t),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// A string from an attribute, cut to a size any metadata fits in.
fn bounded(s: &str) -> String {
    let mut end = s.len().min(MAX_TEXT);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn scan(text: &str, settings: &HtmlRules) -> Page {
    let sink = Sink(RefCell::new(Scanner {
        settings,
        page: Page::default(),
        stack: Vec::new(),
        texts: Vec::new(),
        in_raw: false,
    }));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(text));
    while let html5ever::TokenizerResult::Script(()) = tokenizer.feed(&queue) {}
    tokenizer.end();
    let mut scanner = tokenizer.sink.0.into_inner();
    scanner.pop_to(0);
    scanner.page
}

/// The article's metadata, each field from the most trusted source that
/// has it (`[html] metadata`).
#[derive(Debug, Default)]
struct Metadata {
    title: Option<String>,
    author: Option<String>,
    published: Option<chrono::DateTime<chrono::Utc>>,
    section: Option<String>,
    url: Option<String>,
    language: Option<String>,
}

/// What one source says.
#[derive(Debug, Default)]
struct Said {
    title: Option<String>,
    author: Option<String>,
    date: Option<String>,
    section: Option<String>,
    url: Option<String>,
    site: Option<String>,
    language: Option<String>,
}

/// `<meta>` keys read as each field when the source is `meta` (names other
/// than OpenGraph's and `article:`'s that sites use).
const META_TITLE: &[&str] = &[
    "title",
    "twitter:title",
    "dc.title",
    "headline",
    "sailthru.title",
    "parsely-title",
];
const META_AUTHOR: &[&str] = &[
    "author",
    "byl",
    "dc.creator",
    "dcterms.creator",
    "sailthru.author",
    "parsely-author",
    "article.author",
    "cxenseparse:author",
];
const META_DATE: &[&str] = &[
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "datepublished",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.date",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "original-publish-date",
    "date.available",
];
const META_SECTION: &[&str] = &[
    "section",
    "article-section",
    "parsely-section",
    "category",
    "cxenseparse:section",
];

impl Metadata {
    fn of(page: &Page, settings: &HtmlRules, rules: &Rules) -> Metadata {
        let saids: Vec<Said> = settings
            .metadata
            .iter()
            .map(|source| match source {
                MetaSource::JsonLd => json_ld(&page.json_ld),
                MetaSource::OpenGraph => open_graph(page),
                MetaSource::Meta => meta_names(page),
                MetaSource::Time => Said {
                    date: page
                        .times
                        .iter()
                        .find(|(_, marked)| *marked)
                        .or(page.times.first())
                        .map(|(d, _)| d.clone()),
                    ..Said::default()
                },
            })
            .collect();
        let first = |f: fn(&Said) -> Option<&String>| {
            saids.iter().find_map(|s| f(s).filter(|v| !v.trim().is_empty()))
        };
        let site = first(|s| s.site.as_ref()).cloned();
        let url = first(|s| s.url.as_ref())
            .or(page.canonical.as_ref())
            .map(|u| u.trim().to_string())
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
        let title = first(|s| s.title.as_ref())
            .map(|t| clean_text(t))
            .and_then(non_empty)
            .or_else(|| non_empty(page.title.clone()))
            .or_else(|| page.h1.clone())
            .map(|t| strip_site_name(&t, site.as_deref(), url.as_deref()));
        let published = saids
            .iter()
            .filter_map(|s| s.date.as_deref())
            .find_map(|d| rules.dates.parse(d));
        Metadata {
            title: title.and_then(non_empty),
            author: first(|s| s.author.as_ref())
                .map(|a| clean_text(a))
                .and_then(non_empty),
            published,
            section: first(|s| s.section.as_ref())
                .map(|a| clean_text(a))
                .and_then(non_empty),
            url,
            language: first(|s| s.language.as_ref()).cloned(),
        }
    }
}

fn meta<'p>(page: &'p Page, keys: &[&str]) -> Option<&'p String> {
    keys.iter()
        .find_map(|k| page.meta.iter().find(|(key, v)| key == k && !v.trim().is_empty()))
        .map(|(_, v)| v)
}

fn open_graph(page: &Page) -> Said {
    let authors: Vec<&str> = page
        .meta
        .iter()
        .filter(|(k, v)| k == "article:author" && !looks_like_url(v))
        .map(|(_, v)| v.as_str())
        .collect();
    Said {
        title: meta(page, &["og:title"]).cloned(),
        author: (!authors.is_empty()).then(|| authors.join(", ")),
        date: meta(
            page,
            &["article:published_time", "og:published_time", "article:published"],
        )
        .cloned(),
        section: meta(page, &["article:section"]).cloned(),
        url: meta(page, &["og:url"]).cloned(),
        site: meta(page, &["og:site_name"]).cloned(),
        language: meta(page, &["og:locale"]).cloned(),
    }
}

fn meta_names(page: &Page) -> Said {
    Said {
        title: meta(page, META_TITLE).cloned(),
        author: meta(page, META_AUTHOR).filter(|a| !looks_like_url(a)).cloned(),
        date: meta(page, META_DATE).cloned(),
        section: meta(page, META_SECTION).cloned(),
        url: None,
        site: meta(page, &["application-name", "twitter:site"]).cloned(),
        language: meta(page, &["content-language", "language", "dc.language"]).cloned(),
    }
}

fn looks_like_url(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.")
}

/// `@type`s that are an article (schema.org's Article and its kinds).
fn is_article_type(t: &str) -> bool {
    let t = t.rsplit(['/', ':']).next().unwrap_or(t);
    t.ends_with("Article")
        || matches!(
            t,
            "BlogPosting" | "LiveBlogPosting" | "Report" | "SocialMediaPosting"
        )
}

fn types(v: &Value) -> Vec<&str> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The first article object in the page's JSON-LD scripts (inside an
/// array or an `@graph` as sites nest them), walked without recursion.
fn json_ld(scripts: &[String]) -> Said {
    for script in scripts {
        // Some sites wrap the JSON in a CDATA section or an HTML comment.
        let script = script
            .trim()
            .trim_start_matches("<!--")
            .trim_end_matches("-->")
            .trim()
            .trim_start_matches("//<![CDATA[")
            .trim_end_matches("//]]>")
            .trim();
        let Ok(value) = serde_json::from_str::<Value>(script) else {
            continue;
        };
        let mut todo = vec![&value];
        let mut seen = 0;
        while let Some(v) = todo.pop() {
            seen += 1;
            if seen > 10_000 {
                break;
            }
            match v {
                Value::Array(items) => todo.extend(items.iter().rev()),
                Value::Object(o) => {
                    if types(v).into_iter().any(is_article_type) {
                        return said_of_article(v);
                    }
                    if let Some(graph) = o.get("@graph") {
                        todo.push(graph);
                    }
                    if let Some(main) = o.get("mainEntity") {
                        todo.push(main);
                    }
                }
                _ => {}
            }
        }
    }
    Said::default()
}

fn said_of_article(v: &Value) -> Said {
    let string = |key: &str| -> Option<String> {
        match v.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.iter().find_map(Value::as_str).map(str::to_string),
            _ => None,
        }
    };
    Said {
        title: string("headline").or_else(|| string("name")),
        author: v.get("author").or_else(|| v.get("creator")).and_then(names),
        date: string("datePublished").or_else(|| string("dateCreated")),
        section: string("articleSection"),
        url: string("url").filter(|u| looks_like_url(u)),
        site: v
            .get("publisher")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        language: string("inLanguage"),
    }
}

/// The names of a JSON-LD `author`: a string, a Person or Organization
/// with a name, or a list of them, joined with commas.
fn names(v: &Value) -> Option<String> {
    let one = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) if !looks_like_url(s) => Some(s.clone()),
            Value::Object(_) => v.get("name").and_then(|n| match n {
                Value::String(s) => Some(s.clone()),
                Value::Array(a) => a.iter().find_map(Value::as_str).map(str::to_string),
                _ => None,
            }),
            _ => None,
        }
    };
    let all: Vec<String> = match v {
        Value::Array(items) => items.iter().take(32).filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    };
    let mut out: Vec<String> = Vec::new();
    for n in all.into_iter().map(|n| clean_text(&n)).filter(|n| !n.is_empty()) {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    (!out.is_empty()).then(|| out.join(", "))
}

/// Metadata text as a reader sees it: character references decoded (JSON-LD
/// and meta tags carry them twice-escaped), tags dropped, control characters
/// out, white space one space.
fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match rest.find('>') {
            Some(end) if rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') => {
                out.push(' ');
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('<');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    let visible: String = decoded
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    collapse_ws(&visible)
}

/// Letters and digits only, lower-cased: "The Guardian" and "theguardian"
/// are one site name.
fn squashed(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A title without the site name that pages add before or after the
/// headline ("Headline | Site", "Site - Headline"): a part cut off by a
/// separator is dropped when it is the site's declared name or its host.
fn strip_site_name(title: &str, site: Option<&str>, url: Option<&str>) -> String {
    let host = url
        .and_then(|u| u.split("://").nth(1))
        .and_then(|rest| rest.split(['/', '?', '#', ':']).next())
        .map(|h| h.trim_start_matches("www.").to_ascii_lowercase());
    let is_site = |part: &str| {
        let p = squashed(part);
        if p.is_empty() {
            return false;
        }
        site.is_some_and(|s| squashed(s) == p)
            || host.as_deref().is_some_and(|h| {
                squashed(h) == p || h.split('.').any(|label| label.len() > 2 && squashed(label) == p)
            })
    };
    let mut title = title.trim().to_string();
    for _ in 0..2 {
        let mut cut = false;
        for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " « ", " : "] {
            if let Some((head, tail)) = title.rsplit_once(sep) {
                if is_site(tail) && !head.trim().is_empty() {
                    title = head.trim().to_string();
                    cut = true;
                    break;
                }
            }
            if let Some((head, tail)) = title.split_once(sep) {
                if is_site(head) && !tail.trim().is_empty() {
                    title = tail.trim().to_string();
                    cut = true;
                    break;
                }
            }
        }
        if !cut {
            break;
        }
    }
    title
}

/// The extracted text as a body: one paragraph a line, the site's furniture
/// lines and the text of elements the settings name left out, captions
/// (kept in their own field) not repeated.
fn clean_body(raw: &str, page: &Page, rules: &Rules) -> String {
    let furniture: std::collections::HashSet<String> = page
        .furniture
        .iter()
        .flat_map(|t| t.lines().map(collapse_ws).collect::<Vec<_>>())
        .chain(page.furniture.iter().map(|t| collapse_ws(t)))
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let line = collapse_ws(line);
        if line.is_empty()
            || rules.is_boilerplate(&line)
            || furniture.contains(&line)
            || page.captions.contains(&line)
        {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::rules::test_rules;

    #[test]
    fn pages_are_known_by_their_first_tag() {
        assert!(sniff(b"<!DOCTYPE html>\n<html>"));
        assert!(sniff(b"\xEF\xBB\xBF  <!-- saved --> <html lang=en>"));
        assert!(sniff(b"<?xml version=\"1.0\"?><!DOCTYPE HTML PUBLIC>"));
        assert!(sniff(b"<HEAD><TITLE>x</TITLE>"));
        assert!(!sniff(b"<nitf><head>"));
        assert!(!sniff(b"<htmlx>"));
        assert!(!sniff(b"Politics\nA headline <html> in text"));
        assert!(!sniff(b"<!-- never closed"));
    }

    #[test]
    fn the_declared_charset_decides() {
        let page = b"<html><head><meta charset=\"iso-8859-1\"></head><body><p>Caf\xe9</p></body></html>";
        assert!(decode(page, None).contains("Café"));
        let page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"></head>\xc4\xe0";
        assert!(decode(page, None).ends_with("Да"));
        // The server's word beats the page's.
        assert!(decode("<meta charset=utf-8>é".as_bytes(), Some("iso-8859-1")).ends_with("Ã©"));
        // No declaration: UTF-8 when the bytes are.
        assert!(decode("<p>é</p>".as_bytes(), None).contains('é'));
    }

    #[test]
    fn metadata_follows_the_precedence() {
        let page = r#"<html lang="en-GB"><head>
            <title>Page title | Daily Planet</title>
            <meta property="og:title" content="OG title">
            <meta property="og:site_name" content="Daily Planet">
            <meta property="article:published_time" content="2024-03-02T10:00:00Z">
            <meta name="author" content="Meta Author">
            <link rel="canonical" href="https://planet.example/a/1">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebPage","name":"not this"},
              {"@type":["NewsArticle"],"headline":"Council votes &amp; decides","datePublished":"2024-03-01T09:30:00+01:00",
               "articleSection":["Politics"],"author":[{"@type":"Person","name":"Lois Lane"},{"name":"Clark Kent"}]}]}</script>
            </head><body><p>x</p></body></html>"#;
        let rules = test_rules();
        let scanned = scan(page, &rules.html);
        assert_eq!(scanned.lang.as_deref(), Some("en-GB"));
        let m = Metadata::of(&scanned, &rules.html, &rules);
        assert_eq!(m.title.as_deref(), Some("Council votes & decides"));
        assert_eq!(m.author.as_deref(), Some("Lois Lane, Clark Kent"));
        assert_eq!(m.section.as_deref(), Some("Politics"));
        assert_eq!(
            m.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-03-01T08:30:00+00:00")
        );
        assert_eq!(m.url.as_deref(), Some("https://planet.example/a/1"));
    }

    #[test]
    fn without_json_ld_opengraph_then_meta_then_time_then_the_title_element() {
        let rules = test_rules();
        let page = r#"<html><head><title>Storm hits coast - Daily Planet</title>
            <meta name="byl" content="By Jimmy Olsen"></head>
            <body><time datetime="2023-11-05T08:00:00Z">Nov 5</time></body></html>"#;
        let m = Metadata::of(&scan(page, &rules.html), &rules.html, &rules);
        assert_eq!(m.title.as_deref(), Some("Storm hits coast - Daily Planet"));
        assert_eq!(m.author.as_deref(), Some("By Jimmy Olsen"));
        assert_eq!(
            m.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2023-11-05T08:00:00+00:00")
        );
        let with_site = page.replace(
            "<title>",
            "<meta property=og:site_name content=\"Daily Planet\"><title>",
        );
        let m = Metadata::of(&scan(&with_site, &rules.html), &rules.html, &rules);
        assert_eq!(m.title.as_deref(), Some("Storm hits coast"));
    }

    #[test]
    fn the_site_name_comes_off_either_end_of_a_title() {
        let url = Some("https://www.theguardian.com/world/x");
        assert_eq!(
            strip_site_name("A city on the brink | The Guardian", None, url),
            "A city on the brink"
        );
        assert_eq!(
            strip_site_name("WSJ - Markets rally", None, Some("https://wsj.com/a")),
            "Markets rally"
        );
        assert_eq!(
            strip_site_name("Left - right - centre", Some("Elsewhere"), url),
            "Left - right - centre"
        );
    }

    #[test]
    fn captions_scripts_and_depth() {
        let rules = test_rules();
        let page = "<html><body><figure><img src=x><figcaption>The harbour at dawn. Photo: A. Smith</figcaption></figure>\
                    <script>var retina = 'Arial';</script><style>.a{color:red}</style><p>text</p></body></html>";
        let scanned = scan(page, &rules.html);
        assert_eq!(scanned.captions, vec!["The harbour at dawn. Photo: A. Smith"]);
        let deep = format!("<html><body>{}x", "<div>".repeat(5000));
        assert!(scan(&deep, &rules.html).depth >= 5000);
        let sloppy = format!("<html><body><ul>{}</ul>", "<li><p>item".repeat(5000));
        assert!(scan(&sloppy, &rules.html).depth < 10);
        let sloppy = format!("<html><body><table>{}</table>", "<tr><td>a<td>b".repeat(5000));
        assert!(scan(&sloppy, &rules.html).depth < 10);
        // Tables in cells and lists in items nest, closed or not.
        let tables = format!("<html><body>{}x", "<table><tr><td>".repeat(1000));
        assert!(scan(&tables, &rules.html).depth >= 3000);
        let lists = format!("<html><body>{}x", "<ul><li>".repeat(1000));
        assert!(scan(&lists, &rules.html).depth >= 2000);
    }

    #[test]
    fn character_references_in_metadata_are_decoded() {
        assert_eq!(
            clean_text("Investors don&#39;t &amp; won&rsquo;t <b>know</b>"),
            "Investors don't & won’t know"
        );
        assert_eq!(clean_text("AT&T; a < b & c"), "AT&T; a < b & c");
        assert_eq!(clean_text("bell&#7;less"), "bellless");
    }
}
