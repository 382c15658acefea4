//! News agency XML: each IPTC NewsML-G2 news item or NITF document read as an article (headline, body, byline, section, date, link, captions).

use std::borrow::Cow;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::rules::Rules;
use super::text::{body_from_lines, collapse_ws, named_char, non_empty, strip_by};
use super::{Article, Layout};

/// What an XML file is, by its root element and namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// IPTC NewsML-G2: a `newsMessage` of items, or one `newsItem`.
    NewsMl,
    /// IPTC NITF: one `nitf` document.
    Nitf,
}

impl Kind {
    fn layout(self) -> Layout {
        match self {
            Kind::NewsMl => Layout::Newsml,
            Kind::Nitf => Layout::Nitf,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::NewsMl => "NewsML-G2",
            Kind::Nitf => "NITF",
        }
    }
}

/// The NewsML-G2 namespace (the NAR, "News Architecture"), the same in every G2 version.
const NEWSML_NS: &str = "http://iptc.org/std/nar/2006-10-01/";

/// Agency XML is a dozen levels deep; a file nested deeper than this is
/// refused rather than letting the element stack grow with the input.
const MAX_DEPTH: usize = 256;
/// Bytes kept of one metadata text (headline, name, date, caption): the
/// body is bounded by the file, but a field must not swallow it.
const MAX_META: usize = 16 * 1024;
/// Entries kept of each metadata list of an item (creators, subjects,
/// genres, descriptions, links, captions).
const MAX_LIST: usize = 64;
/// Items read from one message; the rest are reported, not read.
const MAX_ITEMS: usize = 10_000;
/// Events looked at before the root element: a prolog is a declaration,
/// a doctype, a few comments.
const MAX_PROLOG: usize = 64;

/// Elements that end a paragraph of body text (NITF, XHTML).
const BLOCKS: &[&str] = &[
    "p",
    "hl1",
    "hl2",
    "hl3",
    "hl4",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "div",
    "br",
    "block",
    "blockquote",
    "bq",
    "pre",
    "table",
    "tr",
    "ul",
    "ol",
    "dl",
    "media",
    "body.content",
    "inlineXML",
    "section",
    "article",
    "figure",
];

/// The kind of agency XML `text` is, from its first element only (after the
/// declaration, comments and doctype); `None` for any other text or XML.
pub fn detect(text: &str) -> Option<Kind> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with('<') {
        return None;
    }
    let mut reader = Reader::from_str(text);
    for _ in 0..MAX_PROLOG {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => return root_kind(&e),
            Ok(Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
            Ok(Event::Text(t)) if t.trim().is_empty() => {}
            _ => return None,
        }
    }
    None
}

/// NewsML-G2 only in its namespace (a `newsItem` of another vocabulary is
/// not ours to read); NITF with no namespace (DTD-based NITF 3.x) or an
/// NITF one.
fn root_kind(e: &BytesStart) -> Option<Kind> {
    let name = e.name();
    let (local, prefix) = name.decompose();
    let xmlns = match &prefix {
        Some(p) => format!("xmlns:{}", p.as_ref() as &str),
        None => "xmlns".to_string(),
    };
    let namespace = attr(e, &xmlns);
    match local.as_ref() as &str {
        "newsMessage" | "newsItem" => namespace
            .is_some_and(|ns| ns.trim().trim_end_matches('/') == NEWSML_NS.trim_end_matches('/'))
            .then_some(Kind::NewsMl),
        "nitf" => match namespace {
            None => Some(Kind::Nitf),
            Some(ns) => ns.to_ascii_lowercase().contains("nitf").then_some(Kind::Nitf),
        },
        _ => None,
    }
}

/// Each article of the file with its own id (the item's guid, for the items
/// of a `newsMessage`), or why an item is not one; `Err` when the file is
/// not readable as `kind` at all.
///
/// Picture, graphic, video and audio items are not articles and not
/// reported: their caption joins the text item that links to them
/// (`itemMeta/link/@residref`), or the message's only text item.
pub fn parse(text: &str, kind: Kind, rules: &Rules) -> Parsed {
    let mut parser = Parser {
        kind,
        stack: Vec::new(),
        item: None,
        item_depth: 0,
        message: false,
        done: Vec::new(),
        started: 0,
    };
    let mut reader = Reader::from_str(text);
    // A stray `&` is kept as text: a feed with one is still worth reading.
    // End names are checked: a mismatched tag is not well-formed.
    reader.config_mut().allow_dangling_amp = true;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let why = format!("not well-formed XML at byte {}: {e}", reader.error_position());
                return parser.broken(why, rules);
            }
        };
        let step = match event {
            Event::Start(e) => parser.start(&e, false),
            Event::Empty(e) => parser.start(&e, true),
            Event::End(_) => {
                parser.end();
                Ok(())
            }
            Event::Text(t) => {
                parser.text(&t.xml10_content());
                Ok(())
            }
            Event::CData(t) => {
                parser.text(&t.xml10_content());
                Ok(())
            }
            Event::GeneralRef(r) => {
                parser.text(&reference(&r));
                Ok(())
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => Ok(()),
        };
        if let Err(why) = step {
            return parser.broken(why, rules);
        }
        if parser.started > MAX_ITEMS {
            parser.done.push(Finished::Error(format!(
                "more than {MAX_ITEMS} items in one message; the rest are not read"
            )));
            break;
        }
    }
    if let Some(open) = parser.stack.last() {
        let why = format!("XML ends inside <{}>", open.name);
        return parser.broken(why, rules);
    }
    parser.results(rules)
}

/// Where the text of an element goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    /// Nowhere: metadata we do not read (children may still be read).
    None,
    /// Nowhere, and nothing inside is read: a second rendition, scripts.
    Skip,
    Headline,
    NitfHeadline,
    NitfTitle,
    By,
    Creator,
    Subject,
    Genre,
    Description,
    FirstCreated,
    ContentCreated,
    VersionCreated,
    Byline,
    BylinePerson,
    BylineTitle,
    /// Marked-up body text (NITF `body.content`, `inlineXML`).
    Body,
    /// Plain body text (`inlineData`): its line breaks mean something.
    PlainBody,
    Caption,
}

struct Frame {
    name: Box<str>,
    sink: Sink,
}

/// A controlled-vocabulary concept (`subject`, `genre`): its code, type and first name.
#[derive(Default)]
struct Concept {
    qcode: String,
    kind: String,
    name: Option<String>,
}

/// What is gathered of one item while its elements go by.
#[derive(Default)]
struct Item {
    guid: Option<String>,
    class: Option<String>,
    headline: String,
    nitf_headline: String,
    nitf_title: String,
    by: String,
    creators: Vec<String>,
    subjects: Vec<Concept>,
    genres: Vec<Concept>,
    /// (role, text)
    descriptions: Vec<(String, String)>,
    first_created: String,
    content_created: String,
    version_created: String,
    date_publication: Option<String>,
    date_issue: Option<String>,
    date_release: Option<String>,
    position_section: Option<String>,
    tobject_subject: Option<String>,
    url: Option<String>,
    /// Guids of the items this one links to (its pictures).
    linked: Vec<String>,
    byline: String,
    byline_person: String,
    byline_title: String,
    paragraphs: Vec<String>,
    paragraph: String,
    plain: String,
    captions: Vec<String>,
}

impl Item {
    fn flush(&mut self) {
        let p = collapse_ws(&self.paragraph);
        self.paragraph.clear();
        if !p.is_empty() {
            self.paragraphs.push(p);
        }
    }

    /// Whether a rendition of the body has been read: a content set's
    /// other renditions (XHTML beside NITF, plain text) say the same again.
    fn has_body(&self) -> bool {
        !self.paragraphs.is_empty() || !self.paragraph.trim().is_empty() || !self.plain.trim().is_empty()
    }
}

/// An item as its elements ended, or why reading stopped.
enum Finished {
    Item(Box<Item>),
    Error(String),
}

/// A finished item, built.
enum Done {
    Text(Box<Article>, Option<String>, Vec<String>),
    /// A picture, graphic, video or audio item: its guid and caption.
    Media(Option<String>, Option<String>),
    NotArticle(String),
}

struct Parser {
    kind: Kind,
    stack: Vec<Frame>,
    item: Option<Item>,
    /// Stack depth of the open item's element.
    item_depth: usize,
    /// The root is a `newsMessage`: items get their guid as id.
    message: bool,
    done: Vec<Finished>,
    started: usize,
}

impl Parser {
    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), String> {
        let name = e.local_name();
        let local: &str = name.as_ref();
        if self.stack.is_empty() && self.done.is_empty() && self.item.is_none() && !self.message {
            if root_kind(e) != Some(self.kind) {
                return Err(format!("root element <{local}> is not {}", self.kind.name()));
            }
            self.message = local == "newsMessage";
        }
        if BLOCKS.contains(&local) {
            if let Some(item) = self.item.as_mut() {
                item.flush();
            }
        }
        let begins = self.item.is_none()
            && match self.kind {
                Kind::NewsMl => local == "newsItem",
                Kind::Nitf => local == "nitf" && self.stack.is_empty(),
            };
        let sink = if begins {
            self.started += 1;
            self.item = Some(Item {
                guid: attr(e, "guid").and_then(|g| non_empty(g.trim().to_string())),
                ..Item::default()
            });
            self.item_depth = self.stack.len() + 1;
            Sink::None
        } else {
            self.sink_for(local, e)
        };
        if empty {
            if begins {
                self.finish();
            }
            return Ok(());
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
        }
        self.stack.push(Frame {
            name: local.into(),
            sink,
        });
        Ok(())
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if BLOCKS.contains(&&*frame.name) {
            if let Some(item) = self.item.as_mut() {
                item.flush();
            }
        }
        if self.item.is_some() && self.stack.len() < self.item_depth {
            self.finish();
        }
    }

    /// Where the text of element `local` goes, from its parent and the
    /// parent's sink; records the attributes the item keeps.
    fn sink_for(&mut self, local: &str, e: &BytesStart) -> Sink {
        let (parent, inherited) = match self.stack.last() {
            Some(f) => (&*f.name, f.sink),
            None => ("", Sink::None),
        };
        let grandparent = self
            .stack
            .len()
            .checked_sub(2)
            .and_then(|i| self.stack.get(i))
            .map_or("", |f| &*f.name);
        let Some(item) = self.item.as_mut() else {
            return Sink::None;
        };
        if inherited == Sink::Skip {
            return Sink::Skip;
        }
        let first = |s: &String| if s.is_empty() { Some(()) } else { None };
        match (parent, local) {
            // NewsML-G2 item metadata.
            ("itemMeta", "itemClass") => {
                item.class = attr(e, "qcode");
                Sink::None
            }
            ("itemMeta", "firstCreated") => Sink::FirstCreated,
            ("itemMeta", "versionCreated") => Sink::VersionCreated,
            ("itemMeta", "link") => {
                if let Some(guid) = attr(e, "residref") {
                    push_capped(&mut item.linked, guid.trim().to_string());
                }
                let rel = attr(e, "rel").unwrap_or_default();
                let rel = rel.rsplit(':').next().unwrap_or("");
                let web = ["seeAlso", "alternate", "canonical"]
                    .iter()
                    .any(|r| rel.eq_ignore_ascii_case(r))
                    || rel.to_ascii_lowercase().contains("web");
                if web && item.url.is_none() {
                    item.url = attr(e, "href").and_then(|h| web_url(&h));
                }
                Sink::None
            }
            ("contentMeta", "contentCreated") => Sink::ContentCreated,
            ("contentMeta", "headline") => first(&item.headline).map_or(Sink::None, |_| Sink::Headline),
            ("contentMeta", "by") => first(&item.by).map_or(Sink::None, |_| Sink::By),
            ("contentMeta", "creator") => {
                push_capped(&mut item.creators, String::new());
                Sink::None
            }
            ("creator", "name") if grandparent == "contentMeta" => Sink::Creator,
            ("contentMeta", "subject" | "genre") => {
                let concept = Concept {
                    qcode: attr(e, "qcode").unwrap_or_default(),
                    kind: attr(e, "type").unwrap_or_default(),
                    name: None,
                };
                match local {
                    "subject" => push_capped(&mut item.subjects, concept),
                    _ => push_capped(&mut item.genres, concept),
                }
                Sink::None
            }
            ("subject" | "genre", "name") if grandparent == "contentMeta" => {
                let list = if parent == "subject" {
                    &mut item.subjects
                } else {
                    &mut item.genres
                };
                match list.last_mut() {
                    // A concept's first name; the others are translations.
                    Some(c) if c.name.is_none() => {
                        c.name = Some(String::new());
                        if parent == "subject" {
                            Sink::Subject
                        } else {
                            Sink::Genre
                        }
                    }
                    _ => Sink::None,
                }
            }
            ("contentMeta", "description") => {
                let role = attr(e, "role").unwrap_or_default();
                if item.descriptions.len() < MAX_LIST {
                    item.descriptions.push((role, String::new()));
                    Sink::Description
                } else {
                    Sink::None
                }
            }
            ("contentSet", "inlineXML" | "inlineData") => {
                if item.has_body() {
                    Sink::Skip
                } else if local == "inlineXML" {
                    Sink::Body
                } else {
                    Sink::PlainBody
                }
            }
            // NITF, on its own or inside `inlineXML`.
            ("head", "title") => first(&item.nitf_title).map_or(Sink::None, |_| Sink::NitfTitle),
            ("head", "pubdata") => {
                if item.date_publication.is_none() {
                    item.date_publication = attr(e, "date.publication");
                }
                if item.position_section.is_none() {
                    item.position_section = attr(e, "position.section");
                }
                if item.url.is_none() {
                    item.url = attr(e, "ex-ref").and_then(|h| web_url(&h));
                }
                Sink::None
            }
            ("docdata", "date.issue") => {
                if item.date_issue.is_none() {
                    item.date_issue = attr(e, "norm");
                }
                Sink::None
            }
            ("docdata", "date.release") => {
                if item.date_release.is_none() {
                    item.date_release = attr(e, "norm");
                }
                Sink::None
            }
            ("tobject", "tobject.subject") => {
                if item.tobject_subject.is_none() {
                    item.tobject_subject = attr(e, "tobject.subject.type");
                }
                Sink::None
            }
            ("hedline", "hl1") => first(&item.nitf_headline).map_or(Sink::None, |_| Sink::NitfHeadline),
            ("body.head", "byline") => {
                if item.byline.is_empty() && item.byline_person.is_empty() && item.byline_title.is_empty() {
                    Sink::Byline
                } else {
                    Sink::None
                }
            }
            ("byline", "person") if inherited == Sink::Byline => {
                if !item.byline_person.is_empty() {
                    item.byline_person.push_str(", ");
                }
                Sink::BylinePerson
            }
            ("byline", "byttl") if inherited == Sink::Byline => Sink::BylineTitle,
            ("body", "body.content") => Sink::Body,
            (_, "media-caption") => {
                if item.captions.len() < MAX_LIST {
                    item.captions.push(String::new());
                    Sink::Caption
                } else {
                    Sink::None
                }
            }
            // Inside a body: the head of an embedded NITF or XHTML document
            // is metadata (read above), not text; media only by its caption.
            (_, "head" | "body.head" | "media") if inherited == Sink::Body => Sink::None,
            (_, "body.end" | "script" | "style") => Sink::Skip,
            _ => inherited,
        }
    }

    fn text(&mut self, s: &str) {
        let Some(item) = self.item.as_mut() else {
            return;
        };
        let sink = self.stack.last().map_or(Sink::None, |f| f.sink);
        let buf = match sink {
            Sink::None | Sink::Skip => return,
            // Bounded by the file: no text expands (an entity is never
            // longer than its reference).
            Sink::Body => {
                item.paragraph.push_str(s);
                return;
            }
            Sink::PlainBody => {
                item.plain.push_str(s);
                return;
            }
            Sink::Headline => &mut item.headline,
            Sink::NitfHeadline => &mut item.nitf_headline,
            Sink::NitfTitle => &mut item.nitf_title,
            Sink::By => &mut item.by,
            Sink::FirstCreated => &mut item.first_created,
            Sink::ContentCreated => &mut item.content_created,
            Sink::VersionCreated => &mut item.version_created,
            Sink::Byline => &mut item.byline,
            Sink::BylinePerson => &mut item.byline_person,
            Sink::BylineTitle => &mut item.byline_title,
            Sink::Creator => match item.creators.last_mut() {
                Some(c) => c,
                None => return,
            },
            Sink::Subject => match item.subjects.last_mut().and_then(|c| c.name.as_mut()) {
                Some(n) => n,
                None => return,
            },
            Sink::Genre => match item.genres.last_mut().and_then(|c| c.name.as_mut()) {
                Some(n) => n,
                None => return,
            },
            Sink::Description => match item.descriptions.last_mut() {
                Some((_, d)) => d,
                None => return,
            },
            Sink::Caption => match item.captions.last_mut() {
                Some(c) => c,
                None => return,
            },
        };
        append_capped(buf, s, MAX_META);
    }

    /// The open item is complete.
    fn finish(&mut self) {
        if let Some(mut item) = self.item.take() {
            item.flush();
            self.done.push(Finished::Item(Box::new(item)));
        }
    }

    /// The XML broke off: the items read before stand (as the records
    /// before a broken line of a JSON Lines file do), with the reason after
    /// them; with none, the file is refused.
    fn broken(mut self, why: String, rules: &Rules) -> Parsed {
        if self.done.is_empty() {
            return Err(why);
        }
        self.done.push(Finished::Error(why));
        self.results(rules)
    }

    fn results(self, rules: &Rules) -> Parsed {
        let mut built: Vec<Done> = self
            .done
            .into_iter()
            .map(|f| match f {
                Finished::Item(item) => build(*item, self.kind, rules),
                Finished::Error(why) => Done::NotArticle(why),
            })
            .collect();
        attach_media_captions(&mut built);
        let media = built.iter().filter(|d| matches!(d, Done::Media(..))).count();
        let message = self.message;
        let out: Vec<_> = built
            .into_iter()
            .filter_map(|d| match d {
                Done::Text(article, guid, _) => Some(Ok((*article, guid.filter(|_| message)))),
                Done::Media(..) => None,
                Done::NotArticle(why) => Some(Err(why)),
            })
            .collect();
        if out.is_empty() {
            return Err(match media {
                0 => format!("no news item in the {} file", self.kind.name()),
                1 => format!(
                    "{} file holds no text item, only 1 picture, video or audio item",
                    self.kind.name()
                ),
                n => format!(
                    "{} file holds no text item, only {n} picture, video or audio items",
                    self.kind.name()
                ),
            });
        }
        Ok(out)
    }
}

type Parsed = Result<Vec<Result<(Article, Option<String>), String>>, String>;

/// A picture's caption goes to the text items that link to the picture;
/// when none does and the message holds one text item, to that one (a
/// story sent with its photos). Otherwise it is not kept: which story it
/// belongs to is not said.
fn attach_media_captions(built: &mut [Done]) {
    let texts: Vec<usize> = (0..built.len())
        .filter(|&i| matches!(built[i], Done::Text(..)))
        .collect();
    let mut adds: Vec<(usize, String)> = Vec::new();
    for done in built.iter() {
        let Done::Media(guid, Some(caption)) = done else {
            continue;
        };
        let linked: Vec<usize> = texts
            .iter()
            .copied()
            .filter(|&i| match (&built[i], guid) {
                (Done::Text(_, _, links), Some(g)) => links.contains(g),
                _ => false,
            })
            .collect();
        let targets = if linked.is_empty() && texts.len() == 1 {
            texts.clone()
        } else {
            linked
        };
        adds.extend(targets.into_iter().map(|t| (t, caption.clone())));
    }
    for (i, caption) in adds {
        if let Some(Done::Text(article, ..)) = built.get_mut(i) {
            if !article.captions.contains(&caption) && article.captions.len() < MAX_LIST {
                article.captions.push(caption);
            }
        }
    }
}

/// An item as an article; a media item as its caption.
fn build(item: Item, kind: Kind, rules: &Rules) -> Done {
    let class = item.class.as_deref().unwrap_or("");
    let class = class.rsplit(':').next().unwrap_or("").to_ascii_lowercase();
    if matches!(
        class.as_str(),
        "picture" | "graphic" | "video" | "audio" | "animation"
    ) {
        let described = |(role, d): &(String, String)| {
            (!d.trim().is_empty()).then(|| (role.contains("caption"), collapse_ws(d)))
        };
        let mut found: Vec<(bool, String)> = item.descriptions.iter().filter_map(described).collect();
        // A caption by its role first, else the first description.
        found.sort_by_key(|(caption, _)| !caption);
        let caption = found.into_iter().next().map(|(_, d)| d);
        return Done::Media(item.guid, caption);
    }
    let mut article = Article::new(kind.layout());
    article.title = [&item.headline, &item.nitf_headline, &item.nitf_title]
        .into_iter()
        .map(|t| collapse_ws(t))
        .find(|t| !t.is_empty());
    let (body, found) = if item.paragraphs.is_empty() {
        body_from_lines(item.plain.lines(), rules, false)
    } else {
        body_from_lines(item.paragraphs.iter().map(String::as_str), rules, true)
    };
    article.body = body;
    if article.title.is_none() && article.body.is_empty() {
        let what = match &item.guid {
            Some(guid) => format!("{} item {guid}", kind.name()),
            None => format!("{} item", kind.name()),
        };
        return Done::NotArticle(format!("{what} has no headline or body text"));
    }
    let described = item
        .descriptions
        .iter()
        .filter(|(role, _)| role.contains("caption"))
        .map(|(_, d)| d);
    for caption in item.captions.iter().chain(described).chain(found.iter()) {
        let caption = collapse_ws(caption);
        if !caption.is_empty() && !article.captions.contains(&caption) && article.captions.len() < MAX_LIST {
            article.captions.push(caption);
        }
    }
    article.byline = byline(&item);
    article.section = section(&item);
    article.published = [&item.first_created, &item.content_created, &item.version_created]
        .into_iter()
        .map(String::as_str)
        .chain(item.date_publication.as_deref())
        .chain(item.date_issue.as_deref())
        .chain(item.date_release.as_deref())
        .find_map(|d| rules.dates.parse(d));
    article.url = item.url.clone();
    Done::Text(Box::new(article), item.guid, item.linked)
}

/// The creators' names (NewsML-G2), else the `by` line, else NITF's
/// byline: its persons, its own text, its title (`byttl`), in that order;
/// a leading "By" is dropped.
fn byline(item: &Item) -> Option<String> {
    let by = |s: &str| {
        let s = collapse_ws(s);
        let s = s.trim_end_matches([',', ';', ':']).trim_end();
        let s = strip_by(s).filter(|rest| !rest.is_empty()).unwrap_or(s);
        non_empty(s.to_string())
    };
    let creators: Vec<String> = item
        .creators
        .iter()
        .map(|c| collapse_ws(c))
        .filter(|c| !c.is_empty())
        .collect();
    non_empty(creators.join(", "))
        .or_else(|| by(&item.by))
        .or_else(|| by(&item.byline_person))
        .or_else(|| by(&item.byline))
        .or_else(|| by(&item.byline_title))
}

/// NewsML-G2: a subject from a desk or section scheme (a qcode scheme or
/// type naming a desk, section, department or category), else the first
/// top-level IPTC subject (`medtop:NN000000`, `subj:NN000000`: "sport",
/// "politics"), else the genre. NITF: `pubdata/@position.section`, else
/// `tobject.subject/@tobject.subject.type`.
fn section(item: &Item) -> Option<String> {
    let named = |c: &Concept| c.name.as_deref().map(collapse_ws).and_then(non_empty);
    let desk = |c: &&Concept| {
        let scheme = c.qcode.split(':').next().unwrap_or("").to_ascii_lowercase();
        let kind = c.kind.to_ascii_lowercase();
        ["desk", "section", "dept", "department", "categ"]
            .iter()
            .any(|w| scheme.contains(w) || kind.contains(w))
    };
    let top_level = |c: &&Concept| match c.qcode.split_once(':') {
        Some(("medtop" | "subj", code)) => {
            code.len() == 8 && code.ends_with("000000") && code.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    };
    item.subjects
        .iter()
        .filter(desk)
        .find_map(named)
        .or_else(|| item.subjects.iter().filter(top_level).find_map(named))
        .or_else(|| item.genres.iter().find_map(named))
        .or_else(|| {
            item.position_section
                .as_deref()
                .map(collapse_ws)
                .and_then(non_empty)
        })
        .or_else(|| {
            item.tobject_subject
                .as_deref()
                .map(collapse_ws)
                .and_then(non_empty)
        })
}

/// A reference in text: character references and the five XML entities
/// as their character, the HTML names agencies' tools let through as the
/// character they name, any other name kept as written (no DTD is read,
/// so nothing expands, and an unknown name does not fail the file).
fn reference<'a>(r: &'a BytesRef) -> Cow<'a, str> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) if !c.is_control() || c == '\n' || c == '\t' => Cow::Owned(c.to_string()),
            Ok(Some(_)) => Cow::Borrowed(""),
            _ => Cow::Owned(format!("&{};", &**r)),
        };
    }
    if let Some(c) = named_char(r) {
        return Cow::Owned(c.to_string());
    }
    let known = match &**r {
        "ensp" | "emsp" | "thinsp" => " ",
        "laquo" => "\u{ab}",
        "raquo" => "\u{bb}",
        "bull" => "\u{2022}",
        "middot" => "\u{b7}",
        "deg" => "\u{b0}",
        "copy" => "\u{a9}",
        "reg" => "\u{ae}",
        "trade" => "\u{2122}",
        "euro" => "\u{20ac}",
        "pound" => "\u{a3}",
        other => return Cow::Owned(format!("&{other};")),
    };
    Cow::Borrowed(known)
}

/// An attribute's value by its qualified name, entities resolved (as
/// written when one is unknown), at most `MAX_META` bytes.
fn attr(e: &BytesStart, key: &str) -> Option<String> {
    let a = e
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() as &str == key)?;
    let value = match a.normalized_value(XmlVersion::Implicit1_0) {
        Ok(v) => v.into_owned(),
        Err(_) => a.value.into_owned(),
    };
    let mut out = String::new();
    append_capped(&mut out, &value, MAX_META);
    Some(out)
}

/// `s` appended to `buf` as far as `cap` bytes allow, cut at a character.
fn append_capped(buf: &mut String, s: &str, cap: usize) {
    let room = cap.saturating_sub(buf.len());
    if s.len() <= room {
        buf.push_str(s);
        return;
    }
    let mut end = room;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    buf.push_str(&s[..end]);
}

fn push_capped<T>(list: &mut Vec<T>, value: T) {
    if list.len() < MAX_LIST {
        list.push(value);
    }
}

/// Only a real web address is a url: an http(s) link with no spaces.
fn web_url(href: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    ((lower.starts_with("http://") || lower.starts_with("https://")) && !href.contains(char::is_whitespace))
        .then(|| href.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::rules::test_rules;

    const NS: &str = "http://iptc.org/std/nar/2006-10-01/";

    fn articles(text: &str, kind: Kind) -> Vec<Result<(Article, Option<String>), String>> {
        parse(text, kind, &test_rules()).expect("readable")
    }

    fn one(text: &str, kind: Kind) -> Article {
        let mut items = articles(text, kind);
        assert_eq!(items.len(), 1);
        items.remove(0).expect("an article").0
    }

    fn iso(a: &Article) -> String {
        a.published
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }

    #[test]
    fn detects_each_kind_by_root_and_namespace() {
        let message = format!(
            "<?xml version=\"1.0\"?>\n<!-- feed -->\n<newsMessage xmlns=\"{NS}\"><header/></newsMessage>"
        );
        assert_eq!(detect(&message), Some(Kind::NewsMl));
        let item = format!("\u{feff}  <newsItem xmlns=\"{NS}\" guid=\"g\"/>");
        assert_eq!(detect(&item), Some(Kind::NewsMl));
        let prefixed = format!("<nar:newsItem xmlns:nar=\"{NS}\" guid=\"g\"></nar:newsItem>");
        assert_eq!(detect(&prefixed), Some(Kind::NewsMl));
        let nitf = "<?xml version=\"1.0\"?>\n<!DOCTYPE nitf SYSTEM \"nitf-3-2.dtd\">\n<nitf><head/></nitf>";
        assert_eq!(detect(nitf), Some(Kind::Nitf));
        let nitf_ns = "<nitf xmlns=\"http://iptc.org/std/NITF/2006-10-18/\"><body/></nitf>";
        assert_eq!(detect(nitf_ns), Some(Kind::Nitf));
    }

    #[test]
    fn other_xml_and_text_are_not_detected() {
        for text in [
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item/></channel></rss>",
            "<!DOCTYPE html><html><head><title>x</title></head><body><p>x</p></body></html>",
            "<?xml version=\"1.0\"?><catalog><book/></catalog>",
            // The right names in no namespace, or another one.
            "<newsItem guid=\"g\"><contentMeta/></newsItem>",
            "<newsMessage xmlns=\"http://example.com/feeds\"/>",
            "<x:newsItem xmlns=\"http://iptc.org/std/nar/2006-10-01/\" xmlns:x=\"urn:other\"/>",
            "<nitf xmlns=\"http://example.com/other\"/>",
            "Headline\n\n<newsItem> is mentioned in this text.",
            "",
            "<",
            "<!-- only a comment -->",
        ] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn namespace_prefixes_are_read_by_local_name() {
        let text = format!(
            r#"<nar:newsItem xmlns:nar="{NS}" guid="tag:x,2025:1">
              <nar:itemMeta><nar:itemClass qcode="ninat:text"/>
                <nar:versionCreated>2025-01-02T03:04:05Z</nar:versionCreated></nar:itemMeta>
              <nar:contentMeta><nar:headline>Prefixed  headline</nar:headline>
                <nar:creator><nar:name>Ann Example</nar:name></nar:creator></nar:contentMeta>
              <nar:contentSet><nar:inlineXML>
                <n:nitf xmlns:n="http://iptc.org/std/NITF/2006-10-18/"><n:body><n:body.content>
                  <n:p>First paragraph.</n:p><n:p>Second <n:em>one</n:em>.</n:p>
                </n:body.content></n:body></n:nitf>
              </nar:inlineXML></nar:contentSet>
            </nar:newsItem>"#
        );
        assert_eq!(detect(&text), Some(Kind::NewsMl));
        let mut items = articles(&text, Kind::NewsMl);
        // A single item: the file's own article, no id of its own.
        let (a, id) = items.remove(0).expect("article");
        assert_eq!(id, None);
        assert_eq!(a.layout, Layout::Newsml);
        assert_eq!(a.title.as_deref(), Some("Prefixed headline"));
        assert_eq!(a.body, "First paragraph.\n\nSecond one.");
        assert_eq!(a.byline.as_deref(), Some("Ann Example"));
        assert_eq!(iso(&a), "2025-01-02T03:04:05Z");
    }

    #[test]
    fn entities_are_decoded_and_unknown_ones_kept_not_expanded() {
        let text = r#"<?xml version="1.0"?>
<!DOCTYPE nitf [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<nitf><body><body.head><hedline><hl1>Fish &amp; chips&#8217; price &#x2014; up</hl1></hedline></body.head>
<body.content><p>Caf&#233;&nbsp;owners &lt;angry&gt; &quot;again&quot; &lol3; &madeup; R&D</p></body.content></body></nitf>"#;
        let a = one(text, Kind::Nitf);
        assert_eq!(a.title.as_deref(), Some("Fish & chips\u{2019} price \u{2014} up"));
        assert_eq!(a.body, "Café owners <angry> \"again\" &lol3; &madeup; R&D");
    }

    #[test]
    fn deep_nesting_is_refused_with_a_reason() {
        let depth = MAX_DEPTH + 10;
        let text = format!("<nitf>{}{}</nitf>", "<p>".repeat(depth), "</p>".repeat(depth));
        let why = parse(&text, Kind::Nitf, &test_rules()).expect_err("too deep");
        assert!(why.contains("deeper than 256"), "{why}");
        // As deep as allowed is read.
        let ok = format!(
            "<nitf><body><body.content>{}deep{}</body.content></body></nitf>",
            "<p>".repeat(MAX_DEPTH - 4),
            "</p>".repeat(MAX_DEPTH - 4)
        );
        assert_eq!(one(&ok, Kind::Nitf).body, "deep");
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        let rules = test_rules();
        for (text, says) in [
            (
                "<nitf><body><body.content><p>x</div>",
                "not well-formed XML at byte ",
            ),
            ("<nitf><body a=\"1></body></nitf>", "not well-formed XML at byte "),
            (
                "<nitf><body></body></body></nitf>",
                "not well-formed XML at byte ",
            ),
            ("<nitf><body><body.content><p>cut off", "XML ends inside <p>"),
            ("<rss><nitf/></rss>", "root element <rss> is not NITF"),
        ] {
            let why = parse(text, Kind::Nitf, &rules).expect_err(text);
            assert!(why.starts_with(says), "{text}: {why}");
        }
        // An item with nothing to read is not an article, with its reason.
        let empty = format!("<newsItem xmlns=\"{NS}\" guid=\"g9\"><contentMeta/></newsItem>");
        let items = articles(&empty, Kind::NewsMl);
        assert_eq!(
            items[0].as_ref().err().map(String::as_str),
            Some("NewsML-G2 item g9 has no headline or body text")
        );
        // A message cut off after its first item keeps that item.
        let cut = format!(
            "<newsMessage xmlns=\"{NS}\"><itemSet><newsItem guid=\"a\"><contentMeta><headline>Kept</headline>\
             </contentMeta></newsItem><newsItem guid=\"b\"><contentMeta><headline>Lost"
        );
        let items = articles(&cut, Kind::NewsMl);
        assert_eq!(items.len(), 2);
        let (a, id) = items[0].as_ref().expect("first item");
        assert_eq!((a.title.as_deref(), id.as_deref()), (Some("Kept"), Some("a")));
        assert_eq!(
            items[1].as_ref().err().map(String::as_str),
            Some("XML ends inside <headline>")
        );
    }

    #[test]
    fn a_message_gives_its_text_items_with_guids_and_the_photo_caption() {
        let text = include_str!("../../sample-corpus/agency/harbour-wire-2025-02-11.xml");
        assert_eq!(detect(text), Some(Kind::NewsMl));
        let items = articles(text, Kind::NewsMl);
        assert_eq!(items.len(), 2, "the package and the picture are not articles");
        let (a, id) = items[0].as_ref().expect("harbour story");
        assert_eq!(
            id.as_deref(),
            Some("urn:newsml:example-agency.test:20250211:harbour-bridge")
        );
        assert_eq!(
            a.title.as_deref(),
            Some("Harbour bridge reopens after six-month repair")
        );
        assert_eq!(a.byline.as_deref(), Some("Maren Renwick"));
        // The desk scheme's subject before the Media Topic and the genre.
        assert_eq!(a.section.as_deref(), Some("Metro"));
        // firstCreated before contentCreated and versionCreated.
        assert_eq!(iso(a), "2025-02-11T05:10:00Z");
        assert_eq!(
            a.url.as_deref(),
            Some("https://news.example-agency.test/2025/02/11/harbour-bridge-reopens")
        );
        assert!(
            a.body.starts_with(
                "PORTHALLOW, February 11 (Example Agency) \u{2013} The Quayline bridge reopened"
            ),
            "{}",
            a.body
        );
        assert!(a.body.contains("the town\u{2019}s commuters."));
        assert!(a.body.contains("anchors & resurfaced"));
        assert!(a.body.contains("\n\nFerries return to timetable\n\n"));
        assert!(
            !a.body.contains("Transport Correspondent"),
            "the NITF head is not body"
        );
        assert!(!a.body.contains("plain rendition"), "one rendition only");
        assert_eq!(a.captions, ["Cyclists cross the reopened Quayline bridge in Porthallow on February 11, 2025. Photo: Selin Achterberg / Example Agency"]);
        let (b, id) = items[1].as_ref().expect("orchard story");
        assert_eq!(
            id.as_deref(),
            Some("urn:newsml:example-agency.test:20250211:orchard-frost")
        );
        assert_eq!(b.byline.as_deref(), Some("Tomasz Okafor-Lind"));
        assert_eq!(b.section.as_deref(), Some("environment"));
        assert_eq!(iso(b), "2025-02-11T10:55:00Z");
        assert_eq!(b.url, None);
        assert!(b.captions.is_empty(), "the photo is linked to the other story");
        assert!(b.body.starts_with("Growers in the Vell valley"));
        assert!(b.body.ends_with("\u{201c}One more night like this and we lose the blossom,\u{201d} said Agnete Brask, who farms 40 hectares of apples."));
        assert!(!b.body.contains("Late frost"), "the XHTML head is not body");
    }

    #[test]
    fn an_nitf_document_gives_every_field() {
        let text = include_str!("../../sample-corpus/agency/tidal-turbine-nitf.xml");
        assert_eq!(detect(text), Some(Kind::Nitf));
        let mut items = articles(text, Kind::Nitf);
        let (a, id) = items.remove(0).expect("article");
        assert_eq!(id, None);
        assert_eq!(a.layout, Layout::Nitf);
        assert_eq!(
            a.title.as_deref(),
            Some("Tidal turbine array powers Skarra island for a whole week")
        );
        assert_eq!(a.byline.as_deref(), Some("Ingrid Solvik-Harrow"));
        assert_eq!(a.section.as_deref(), Some("Science & Environment"));
        assert_eq!(iso(&a), "2025-02-04T08:00:00Z");
        assert_eq!(
            a.url.as_deref(),
            Some("https://news.example-agency.test/science/tidal-turbine-array")
        );
        assert_eq!(
            a.captions,
            ["A turbine hub is lowered into the sound off Skarra. Photo: Example Agency"]
        );
        let paragraphs: Vec<&str> = a.body.split("\n\n").collect();
        assert_eq!(paragraphs.len(), 3, "{}", a.body);
        assert!(paragraphs[0].ends_with("the longest stretch yet for the project."));
        assert_eq!(paragraphs[1], "The 1,900 islanders normally depend on a diesel plant & an undersea cable that failed twice last winter.");
        assert!(paragraphs[2].starts_with("<Operator figures> show"));
        assert!(!a.body.contains("Edited by"), "body.end is not body");
    }

    #[test]
    fn nitf_fallbacks_for_byline_section_and_date() {
        let text = r#"<nitf><head><title>Head title</title>
            <tobject><tobject.subject tobject.subject.type="Sport"/></tobject>
            <docdata><date.issue norm="20061127T143200-0500"/></docdata></head>
            <body><body.head><byline><byttl>Sports Network</byttl></byline></body.head>
            <body.content><p>Text.</p></body.content></body></nitf>"#;
        let a = one(text, Kind::Nitf);
        assert_eq!(a.title.as_deref(), Some("Head title"));
        assert_eq!(a.byline.as_deref(), Some("Sports Network"));
        assert_eq!(a.section.as_deref(), Some("Sport"));
        assert_eq!(iso(&a), "2006-11-27T19:32:00Z");
        let by_text =
            "<nitf><body><body.head><byline>By Meredith Jameson, <byttl>Staff Reporter</byttl></byline>\
                       </body.head><body.content><p>x</p></body.content></body></nitf>";
        assert_eq!(
            one(by_text, Kind::Nitf).byline.as_deref(),
            Some("Meredith Jameson")
        );
    }

    #[test]
    fn a_message_of_pictures_only_holds_no_article() {
        let text = format!(
            "<newsMessage xmlns=\"{NS}\"><itemSet><newsItem guid=\"p1\"><itemMeta><itemClass qcode=\"ninat:picture\"/>\
             </itemMeta><contentMeta><description role=\"drol:caption\">A photo.</description></contentMeta></newsItem>\
             </itemSet></newsMessage>"
        );
        let why = parse(&text, Kind::NewsMl, &test_rules()).expect_err("no article");
        assert_eq!(
            why,
            "NewsML-G2 file holds no text item, only 1 picture, video or audio item"
        );
    }
}
