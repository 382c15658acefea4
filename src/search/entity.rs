//! Entity queries (`--entity NAME`) and entity listings of the archive or of
//! a result set.

use std::collections::HashMap;

use tantivy::collector::DocSetCollector;
use tantivy::postings::Postings;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term, TERMINATED};

use crate::entities::dictionary::{key, Dictionary, Overrides};
use crate::entities::{Kind, Settings};
use crate::error::{Error, Result};
use crate::index::{entity_term, NewsIndex};

/// Weight of a headline mention against the body's term-frequency score.
const TITLE_BOOST: f32 = 2.0;

/// An entity name as asked, resolved against the index.
pub enum Resolved {
    /// The indexed terms it stands for (one per type it was indexed under).
    Terms(Vec<Term>),
    /// Neither the dictionaries nor the index know it.
    Unknown,
}

/// Resolves NAME through the dictionaries and the overrides the index was
/// built with, then keeps the types the index actually holds it under.
pub struct EntityResolver {
    dict: Dictionary,
    settings: Settings,
}

impl EntityResolver {
    pub fn new(index: &NewsIndex) -> Result<EntityResolver> {
        let overrides = index
            .entity_overrides()
            .map(|p| Overrides::read(&p))
            .transpose()?;
        Ok(EntityResolver {
            dict: Dictionary::names(overrides.as_ref())?,
            settings: index.mapping().rules.entities.settings(),
        })
    }

    /// The canonical name NAME stands for: a dictionary name or alias,
    /// "N. Korea" style abbreviations, a demonym's country, else NAME itself.
    pub fn canonical(&self, name: &str) -> String {
        let k = key(name);
        let found = self
            .dict
            .lookup(name)
            .or_else(|| self.dict.lookup_compass(&k, &self.settings.compass))
            .or_else(|| {
                self.settings
                    .demonyms_as_country
                    .then(|| self.dict.demonym_key(&k))
                    .flatten()
            });
        match found {
            Some(i) => self.dict.entry(i).name.clone(),
            None => name.trim().to_string(),
        }
    }

    pub fn resolve(&self, index: &NewsIndex, searcher: &Searcher, name: &str) -> Result<Resolved> {
        let canonical = self.canonical(name);
        let mut terms = Vec::new();
        for kind in Kind::ALL {
            let term = Term::from_field_text(index.fields().entity, &entity_term(kind, &canonical));
            let n = searcher
                .doc_freq(&term)
                .map_err(|e| Error::tantivy(index.dir(), "cannot read the entity index", e))?;
            if n > 0 {
                terms.push(term);
            }
        }
        Ok(if terms.is_empty() {
            Resolved::Unknown
        } else {
            Resolved::Terms(terms)
        })
    }
}

/// Articles naming the entity, ranked by mention count, headline mentions first.
pub fn entity_query(index: &NewsIndex, terms: &[Term]) -> Box<dyn Query> {
    let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for term in terms {
        shoulds.push((
            Occur::Should,
            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
        ));
        let title = Term::from_field_text(index.fields().entity_title, term.value().as_str().unwrap_or(""));
        shoulds.push((
            Occur::Should,
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(title, IndexRecordOption::Basic)),
                TITLE_BOOST,
            )),
        ));
    }
    let any_mention: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|t| {
            (
                Occur::Should,
                Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic)) as Box<dyn Query>,
            )
        })
        .collect();
    // Must mention it somewhere; the title boost only ranks.
    Box::new(BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(BooleanQuery::new(any_mention)) as Box<dyn Query>,
        ),
        (Occur::Should, Box::new(BooleanQuery::new(shoulds))),
    ]))
}

/// One row of an entity listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntityRow {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Articles that name it.
    pub articles: u64,
    /// Mentions over all those articles.
    pub mentions: u64,
}

/// Entities of the articles `query` matches (all articles for `None`), by
/// number of articles, then mentions, then name; at most `limit`, leaving
/// out the names in `exclude` (`key()` form). Returns the number of
/// articles, the number of distinct entities before the cut, and the rows.
pub fn list(
    index: &NewsIndex,
    searcher: &Searcher,
    query: Option<&dyn Query>,
    kind: Option<Kind>,
    exclude: &[String],
    limit: usize,
) -> Result<(usize, usize, Vec<EntityRow>)> {
    let failed = |e| Error::tantivy(index.dir(), "cannot list entities", e);
    let mut tally = Tally::default();
    let articles = match query {
        Some(q) => {
            let docs = searcher.search(q, &DocSetCollector).map_err(failed)?;
            for address in &docs {
                let doc: TantivyDocument = searcher.doc(*address).map_err(failed)?;
                for e in index.stored_entities(&doc) {
                    tally.add(
                        key(&e.name),
                        Some(e.name),
                        e.kind,
                        1,
                        u64::from(e.mentions),
                        Vec::new(),
                    );
                }
            }
            docs.len()
        }
        None => {
            tally_index(index, searcher, &mut tally)?;
            searcher.num_docs() as usize
        }
    };
    let mut rows = tally.rows(kind, exclude);
    let distinct = rows.len();
    rows.truncate(limit);
    // The index holds names lower-cased; the spelling comes from one
    // article that has it.
    for (row, samples) in &mut rows {
        if row.0.is_some() {
            continue;
        }
        for address in samples.iter() {
            let doc: TantivyDocument = searcher.doc(*address).map_err(failed)?;
            let k = key(&row.1.name);
            if let Some(e) = index
                .stored_entities(&doc)
                .into_iter()
                .find(|e| key(&e.name) == k)
            {
                // Small letters beat a headline's capitals.
                let better = e.name.chars().any(char::is_lowercase);
                row.0 = Some(e.name);
                if better {
                    break;
                }
            }
        }
    }
    Ok((
        articles,
        distinct,
        rows.into_iter()
            .map(|((spelling, mut row), _)| {
                if let Some(name) = spelling {
                    row.name = name;
                }
                row
            })
            .collect(),
    ))
}

/// Every entity term of the index with its live articles and mentions,
/// read from the postings: no stored document is opened.
fn tally_index(index: &NewsIndex, searcher: &Searcher, tally: &mut Tally) -> Result<()> {
    let failed = |e: std::io::Error| Error::tantivy(index.dir(), "cannot list entities", e.into());
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let inverted = segment
            .inverted_index(index.fields().entity)
            .map_err(|e| Error::tantivy(index.dir(), "cannot list entities", e))?;
        let alive = segment.alive_bitset();
        let mut terms = inverted.terms().stream().map_err(failed)?;
        while terms.advance() {
            let Some((kind, name)) = std::str::from_utf8(terms.key())
                .ok()
                .and_then(|t| t.split_once(':'))
            else {
                continue;
            };
            let Some(kind) = Kind::parse(kind) else { continue };
            let mut postings = inverted
                .read_postings_from_terminfo(terms.value(), IndexRecordOption::WithFreqs)
                .map_err(failed)?;
            let (mut articles, mut mentions) = (0u64, 0u64);
            let mut samples = Vec::new();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    articles += 1;
                    mentions += u64::from(postings.term_freq());
                    if samples.len() < SPELLING_SAMPLES {
                        samples.push(DocAddress::new(ord as u32, doc));
                    }
                }
                doc = postings.advance();
            }
            if articles > 0 {
                tally.add(name.to_string(), None, kind, articles, mentions, samples);
            }
        }
    }
    Ok(())
}

/// Rows being counted, one per name: an entity the tagger typed
/// differently in some articles ("U.S." as an organisation) is still one
/// entity, listed under the type most of its mentions have.
#[derive(Default)]
struct Tally {
    rows: HashMap<String, Counted>,
}

struct Counted {
    spelling: Option<String>,
    articles: u64,
    mentions: u64,
    by_kind: [u64; 4],
    samples: Vec<DocAddress>,
}

/// Articles read per listed name to find how it is spelled.
const SPELLING_SAMPLES: usize = 3;

impl Tally {
    fn add(
        &mut self,
        k: String,
        spelling: Option<String>,
        kind: Kind,
        articles: u64,
        mentions: u64,
        samples: Vec<DocAddress>,
    ) {
        let c = self.rows.entry(k).or_insert(Counted {
            spelling: None,
            articles: 0,
            mentions: 0,
            by_kind: [0; 4],
            samples: Vec::new(),
        });
        let lowercase = |s: &Option<String>| s.as_ref().is_some_and(|s| s.chars().any(char::is_lowercase));
        // Small letters beat a headline's capitals.
        if c.spelling.is_none() || (!lowercase(&c.spelling) && lowercase(&spelling)) {
            c.spelling = spelling;
        }
        c.articles += articles;
        c.mentions += mentions;
        c.by_kind[kind as usize] += mentions;
        if c.samples.len() < SPELLING_SAMPLES {
            c.samples
                .extend(samples.into_iter().take(SPELLING_SAMPLES - c.samples.len()));
        }
    }

    /// Sorted rows; `name` is the key until a spelling is known.
    #[allow(clippy::type_complexity)]
    fn rows(
        self,
        kind: Option<Kind>,
        exclude: &[String],
    ) -> Vec<((Option<String>, EntityRow), Vec<DocAddress>)> {
        let mut rows: Vec<_> = self
            .rows
            .into_iter()
            .filter(|(k, _)| !exclude.contains(k))
            .filter_map(|(k, c)| {
                let top = c.by_kind.iter().copied().max().unwrap_or(0);
                let main = Kind::ALL
                    .into_iter()
                    .find(|x| c.by_kind[*x as usize] == top)
                    .unwrap_or(Kind::Misc);
                kind.is_none_or(|want| want == main).then(|| {
                    let row = EntityRow {
                        name: k,
                        kind: main,
                        articles: c.articles,
                        mentions: c.mentions,
                    };
                    ((c.spelling, row), c.samples)
                })
            })
            .collect();
        rows.sort_by(|((_, a), _), ((_, b), _)| {
            b.articles
                .cmp(&a.articles)
                .then(b.mentions.cmp(&a.mentions))
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }
}
