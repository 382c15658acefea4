//! Named entities: people, places and organisations found in article text,
//! each mention resolved to one canonical entity. Knows nothing of tantivy.
//!
//! A mention is found by the tagger (`model`, an averaged perceptron trained
//! on CoNLL-2003, helped by the gazetteer of `dictionary`) or by a name the
//! user listed; `resolve` then maps every mention of an article onto its
//! canonical name: dictionary aliases, demonyms, short forms of a full name
//! met earlier, acronyms.

mod aliases;
mod clusters;
pub mod conll;
pub mod dictionary;
mod features;
pub use features::PremixedState;
mod gazetteer;
mod model;
mod resolve;
mod spans;
pub mod tokens;

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub use dictionary::Dictionary;
use features::Doc;
use model::{kind_of, Model};
pub use model::{Bag, Trainer};

use crate::error::{Error, Result};

/// The weights `examples/train-entities.rs` writes; see docs/entities.md "Retraining the tagger".
const MODEL: &[u8] = include_bytes!("../../schema/entities/tagger.bin.gz");

/// How much of one text the tagger reads. An article is rarely longer;
/// a 30 MB "article" (a dump, a log) would otherwise cost its worker some
/// twelve times its size in token tables.
pub const MAX_EXTRACT_BYTES: usize = 2 << 20;

/// The first `max` bytes of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Person,
    Place,
    Org,
    /// Nationalities, events, titles: CoNLL's MISC. Never one of the other three.
    Misc,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Person, Kind::Place, Kind::Org, Kind::Misc];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Place => "place",
            Kind::Org => "org",
            Kind::Misc => "misc",
        }
    }

    /// "person", "place", "org", "misc" and CoNLL's PER, LOC, ORG, MISC.
    pub fn parse(s: &str) -> Option<Kind> {
        match s.to_ascii_lowercase().as_str() {
            "person" | "per" | "people" => Some(Kind::Person),
            "place" | "loc" | "location" => Some(Kind::Place),
            "org" | "organisation" | "organization" => Some(Kind::Org),
            "misc" => Some(Kind::Misc),
            _ => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn gaz_bit(self) -> u16 {
        match self {
            Kind::Person => dictionary::gaz::PERSON,
            Kind::Place => dictionary::gaz::PLACE,
            Kind::Org => dictionary::gaz::ORG,
            Kind::Misc => dictionary::gaz::DEMONYM,
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Settings from the mapping's `[entities]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// "North Korean troops" counts as a mention of North Korea.
    pub demonyms_as_country: bool,
    /// Abbreviated first words of place names: "N." -> "North".
    pub compass: Vec<(String, String)>,
    /// Words between two names that say they are one ("also known as"),
    /// lower case (`aliases`).
    pub alias_cues: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            demonyms_as_country: true,
            compass: [("n", "north"), ("s", "south"), ("e", "east"), ("w", "west")]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            alias_cues: Vec::new(),
        }
    }
}

/// One mention: a byte range of one of the texts given, and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Which of the texts passed to `extract` it is in.
    pub part: usize,
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub kind: Kind,
}

/// One entity of an article with how often it is mentioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityCount {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub mentions: u32,
    /// Named in the headline: ranks the article higher for this entity.
    #[serde(rename = "title", default, skip_serializing_if = "std::ops::Not::not")]
    pub in_title: bool,
}

/// What an article names: its entities, and pairs of names (`key()`s,
/// sorted) it says are one entity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub entities: Vec<EntityCount>,
    pub aliases: Vec<(String, String)>,
}

/// The extractor: tagger, dictionaries and settings, shared by all threads.
pub struct Extractor {
    dict: Dictionary,
    model: Model,
    settings: Settings,
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Builds the extractor; the error is kept as its message, which every
/// thread that asks gets.
type Build = Box<dyn FnOnce() -> Result<Extractor, String> + Send>;

/// An extractor built the first time an article needs it: a run that
/// finds nothing changed never pays for loading the dictionaries and model.
pub struct LazyExtractor {
    fingerprint: u64,
    cell: LazyLock<Result<Extractor, String>, Build>,
}

impl std::fmt::Debug for LazyExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyExtractor").finish_non_exhaustive()
    }
}

/// Names the version of the code's rules for reading names (`spans`,
/// `resolve`): when they change, an index built by an older newsidx reads
/// every article again on its next run.
const READING_RULES: &[u8] =
    b"reading rules 8: persons side by side, titles before persons, ampersands, cued places, companies by their cues, legal forms, analysts at, said it, word sums by class, storms, the before organisations";

impl LazyExtractor {
    pub fn new(overrides: Option<dictionary::Overrides>, settings: Settings) -> LazyExtractor {
        // Changes when anything that decides the entities found changes:
        // the dictionaries, the user's overrides, the model, the settings.
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for text in dictionary::BUILTIN_TEXTS {
            h.update(text.as_bytes());
        }
        h.update(MODEL);
        h.update(clusters::BUILTIN);
        h.update(READING_RULES);
        h.update(overrides.as_ref().map_or("", |o| o.text.as_str()).as_bytes());
        h.update(format!("{settings:?}").as_bytes());
        let fingerprint = h.digest();
        let build = move || {
            Dictionary::with_overrides(overrides.as_ref())
                .and_then(|dict| Extractor::new(dict, settings))
                .map_err(|e| e.to_string())
        };
        LazyExtractor {
            fingerprint,
            cell: LazyLock::new(Box::new(build)),
        }
    }

    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The extractor, built on first use (a bad override file fails here).
    pub fn get(&self) -> Result<&Extractor> {
        self.cell
            .as_ref()
            .map_err(|message| Error::Invalid(message.clone()))
    }
}

impl Extractor {
    pub fn new(dict: Dictionary, settings: Settings) -> Result<Extractor> {
        Extractor::with_model(dict, settings, MODEL)
    }

    /// An extractor with other weights than the built-in ones (`Trainer::to_bytes`).
    pub fn with_model(dict: Dictionary, settings: Settings, model: &[u8]) -> Result<Extractor> {
        let model = Model::from_bytes(model)?;
        Ok(Extractor {
            dict,
            model,
            settings,
        })
    }

    /// Whether the tagger was trained with the dictionaries built in now; if
    /// not, it must be retrained (docs/entities.md).
    pub fn model_matches_dictionaries(&self) -> bool {
        self.model.trained_with == Dictionary::builtin().map(|d| d.fingerprint()).unwrap_or(0)
    }

    /// The mentions in `parts` (title, captions, body ... of one article),
    /// resolved together so a short form in one part finds its full name in
    /// another. Sorted by part, then offset. Only the first
    /// `MAX_EXTRACT_BYTES` of a part are read.
    pub fn extract(&self, parts: &[&str]) -> Vec<Mention> {
        let parts: Vec<&str> = parts.iter().map(|p| head(p, MAX_EXTRACT_BYTES)).collect();
        let raw = self.find(&parts);
        resolve::resolve(self, &parts, raw)
    }

    /// An article's entities (`parts` as for `extract`, `title` the part
    /// that is its headline) and the names it says are one.
    pub fn article(&self, parts: &[&str], title: Option<usize>) -> Found {
        let mentions = self.extract(parts);
        Found {
            aliases: aliases::defined(parts, &mentions, &self.settings.alias_cues),
            entities: count(&mentions, title),
        }
    }

    /// Mentions as the tagger and the user's names find them, unresolved.
    fn find(&self, parts: &[&str]) -> Vec<resolve::Raw> {
        let mut raw = Vec::new();
        let mut history = features::History::default();
        for (part, text) in parts.iter().enumerate() {
            let doc = Doc::new(text, tokens::tokenize(text), &self.dict);
            let tags = self.model.tag(&doc, &mut history);
            // (first token, last token, kind) of the mention being read.
            let mut spans: Vec<spans::Span> = Vec::new();
            let mut open: Option<spans::Span> = None;
            for (i, &tag) in tags.iter().enumerate() {
                match kind_of(tag) {
                    Some((kind, false)) if matches!(open, Some((_, _, k)) if k == kind) => {
                        if let Some(o) = open.as_mut() {
                            o.1 = i;
                        }
                    }
                    Some((kind, _)) => {
                        spans.extend(open.take());
                        open = Some((i, i, kind));
                    }
                    None => spans.extend(open.take()),
                }
            }
            spans.extend(open.take());
            for (first, last, kind) in spans::repair(&doc, &self.dict, spans) {
                let t = doc.tokens[first];
                // One capitalised word opening a sentence, in no name list:
                // as likely "Photo" as a name (see `resolve`).
                let weak = first == last
                    && t.sentence_start
                    && doc.gaz_bits(first) & (dictionary::gaz::FIRST_NAME | dictionary::gaz::LAST_NAME) == 0;
                raw.push(resolve::Raw {
                    part,
                    start: t.start,
                    end: doc.tokens[last].end,
                    kind,
                    weak,
                });
            }
            if !self.dict.forced().is_empty() {
                resolve::add_forced(self, part, &doc, &mut raw);
            }
        }
        raw
    }

    /// Resolves gold mentions the way `extract` resolves found ones, so that
    /// document-level scores compare like with like.
    pub fn resolve_spans(&self, parts: &[&str], spans: &[(usize, usize, usize, Kind)]) -> Vec<Mention> {
        let raw = spans
            .iter()
            .map(|&(part, start, end, kind)| resolve::Raw {
                part,
                start,
                end,
                kind,
                weak: false,
            })
            .collect();
        resolve::resolve(self, parts, raw)
    }
}

/// Entities of an article with mention counts, most mentioned first; the
/// mentions in part `title` mark the entity as a title entity.
pub fn count(mentions: &[Mention], title: Option<usize>) -> Vec<EntityCount> {
    // Keyed like `resolve`'s maps: SipHash was a visible share of ingest.
    let mut by_name: HashMap<(&str, Kind), (u32, bool, usize), features::PremixedState> =
        HashMap::with_capacity_and_hasher(mentions.len(), Default::default());
    for (order, m) in mentions.iter().enumerate() {
        let e = by_name
            .entry((m.name.as_str(), m.kind))
            .or_insert((0, false, order));
        e.0 += 1;
        e.1 |= Some(m.part) == title;
    }
    let mut out: Vec<(usize, EntityCount)> = by_name
        .into_iter()
        .map(|((name, kind), (mentions, in_title, order))| {
            (
                order,
                EntityCount {
                    name: name.to_string(),
                    kind,
                    mentions,
                    in_title,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| b.1.mentions.cmp(&a.1.mentions).then(a.0.cmp(&b.0)));
    out.into_iter().map(|(_, e)| e).collect()
}

/// A gold document on the tokens this tokenizer makes, for training.
pub struct TrainingDoc {
    text: String,
    tokens: Vec<tokens::Token>,
    gold: Vec<u8>,
}

/// Projects the gold spans of `doc` onto our tokens as BILOU tags.
pub fn training_doc(doc: &conll::GoldDoc) -> TrainingDoc {
    let toks = tokens::tokenize(&doc.text);
    let mut gold = vec![0u8; toks.len()];
    let mut i = 0;
    for s in &doc.spans {
        while i < toks.len() && toks[i].start < s.start {
            i += 1;
        }
        let from = i;
        while i < toks.len() && toks[i].start < s.end {
            i += 1;
        }
        for (j, tag) in gold.iter_mut().enumerate().take(i).skip(from) {
            let at = match (j == from, j + 1 == i) {
                (true, true) => model::Place::Unit,
                (true, false) => model::Place::Begin,
                (false, true) => model::Place::Last,
                (false, false) => model::Place::Inside,
            };
            *tag = model::tag_of(s.kind, at);
        }
    }
    TrainingDoc {
        text: doc.text.clone(),
        tokens: toks,
        gold,
    }
}

impl Trainer {
    pub fn learn_doc(&mut self, doc: &TrainingDoc, dict: &Dictionary) -> (usize, usize) {
        let prepared = Doc::new(&doc.text, doc.tokens.clone(), dict);
        self.learn(&prepared, &doc.gold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extractor(overrides: Option<&str>) -> Extractor {
        let overrides = overrides.map(|text| dictionary::Overrides {
            origin: "test".into(),
            text: text.into(),
        });
        Extractor::new(
            Dictionary::with_overrides(overrides.as_ref()).unwrap(),
            Settings::default(),
        )
        .unwrap()
    }

    fn found(ex: &Extractor, text: &str) -> Vec<(String, String, Kind)> {
        ex.extract(&[text])
            .into_iter()
            .map(|m| (text[m.start..m.end].to_string(), m.name, m.kind))
            .collect()
    }

    fn has(list: &[(String, String, Kind)], text: &str, name: &str, kind: Kind) -> bool {
        list.iter().any(|(t, n, k)| t == text && n == name && *k == kind)
    }

    #[test]
    fn any_text_extracts_without_panicking_and_offsets_are_boundaries() {
        let ex = extractor(Some("alias\tÉva Kő\tperson\tKő\n"));
        let palette = [
            "a",
            "Z",
            "É",
            "ő",
            "'",
            "\u{2019}",
            "s",
            "S",
            "n't",
            "-",
            ".",
            ",",
            " ",
            "\n",
            "U.S.",
            "1",
            "/",
            ":",
            "\u{0301}",
            "\u{05d0}",
            "\u{4e2d}",
            "\u{1F600}",
            "\t",
            "(",
            "\"",
            "Kő",
            "N.",
            "Mr.",
            "\u{0}",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..(seed % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(palette[(seed % palette.len() as u64) as usize]);
            }
            for m in ex.extract(&[&text, "Vladimir Putin"]) {
                let part = if m.part == 0 {
                    text.as_str()
                } else {
                    "Vladimir Putin"
                };
                assert!(
                    part.is_char_boundary(m.start) && part.is_char_boundary(m.end) && m.start < m.end,
                    "{text:?}"
                );
            }
        }
        let long = "Angela Merkel met Emmanuel Macron in Paris. ".repeat(60_000);
        let found = ex.extract(&[&long]);
        assert!(found.iter().all(|m| m.end <= MAX_EXTRACT_BYTES));
        assert!(found.len() > 1000);
    }

    #[test]
    fn tagger_was_trained_with_these_dictionaries() {
        assert!(
            extractor(None).model_matches_dictionaries(),
            "schema/entities changed: retrain with `cargo run --release --example train-entities -- \
             ../shared/data/conll2003/eng.train schema/entities/tagger.bin.gz`"
        );
    }

    #[test]
    fn resolves_aliases_short_forms_and_demonyms() {
        let ex = extractor(None);
        let text = "Vladimir Putin met envoys from N. Korea in Moscow on Monday. Putin said North Korean \
                    troops would stay, U.S. officials said.";
        let got = found(&ex, text);
        assert!(
            has(&got, "Vladimir Putin", "Vladimir Putin", Kind::Person),
            "{got:?}"
        );
        assert!(has(&got, "Putin", "Vladimir Putin", Kind::Person), "{got:?}");
        assert!(has(&got, "N. Korea", "North Korea", Kind::Place), "{got:?}");
        assert!(has(&got, "North Korean", "North Korea", Kind::Place), "{got:?}");
        assert!(has(&got, "U.S.", "United States", Kind::Place), "{got:?}");
        assert!(has(&got, "Moscow", "Moscow", Kind::Place), "{got:?}");
        assert_eq!(dictionary::key("N.Korea"), "n korea");
        assert_eq!(dictionary::key("U.S."), "us");
        assert_eq!(dictionary::key("Kim Jong-un"), "kim jong un");
        assert_eq!(dictionary::key("  Pyongyang\u{2019}s "), "pyongyang's");
        assert!(!got.iter().any(|(t, _, _)| t == "Monday"), "{got:?}");
    }

    #[test]
    fn user_overrides_add_merge_and_hide() {
        let ex = extractor(Some(
            "# test\nalias\tMarta Zielinska\tperson\tM. Zielinska\nmerge\tRossiyskaya Gazeta\tRG|Rossiiskaya Gazeta\torg\nhide\tMoscow\n",
        ));
        let got = found(
            &ex,
            "M. Zielinska told RG in Moscow that Rossiiskaya Gazeta was wrong.",
        );
        assert!(
            has(&got, "M. Zielinska", "Marta Zielinska", Kind::Person),
            "{got:?}"
        );
        assert!(has(&got, "RG", "Rossiyskaya Gazeta", Kind::Org), "{got:?}");
        assert!(
            has(&got, "Rossiiskaya Gazeta", "Rossiyskaya Gazeta", Kind::Org),
            "{got:?}"
        );
        assert!(!got.iter().any(|(_, n, _)| n == "Moscow"), "{got:?}");
        let bad = dictionary::Overrides {
            origin: "mine.tsv".into(),
            text: "rename\tX\n".into(),
        };
        let err = Dictionary::with_overrides(Some(&bad)).unwrap_err().to_string();
        assert!(
            err.contains("mine.tsv line 1") && err.contains("'rename' is not an override"),
            "{err}"
        );
    }
}
