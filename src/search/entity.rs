//! Entity queries (`--entity NAME`) and entity listings of the archive or of
//! a result set.

use std::collections::HashMap;

use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, TantivyDocument, Term};

use crate::entities::dictionary::{key, Dictionary, Overrides};
use crate::entities::{EntityCount, Kind};
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
    compass: Vec<(String, String)>,
    demonyms: bool,
}

impl EntityResolver {
    pub fn new(index: &NewsIndex) -> Result<EntityResolver> {
        let overrides = index
            .entity_overrides()
            .map(|p| Overrides::read(&p))
            .transpose()?;
        Ok(EntityResolver {
            dict: Dictionary::with_overrides(overrides.as_ref())?,
            compass: index.mapping().rules.entities.settings().compass,
            demonyms: index.mapping().rules.entities.demonyms_as_country,
        })
    }

    /// The canonical name NAME stands for: a dictionary name or alias,
    /// "N. Korea" style abbreviations, else NAME itself.
    pub fn canonical(&self, name: &str) -> String {
        let k = key(name);
        let expanded = k.split_once(' ').and_then(|(first, rest)| {
            let (_, full) = self.compass.iter().find(|(abbr, _)| abbr == first)?;
            self.dict.lookup(&format!("{full} {rest}"))
        });
        let demonym = self.demonyms.then(|| self.dict.demonym(name)).flatten();
        match self.dict.lookup(name).or(expanded).or(demonym) {
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
/// number of articles, then mentions, then name.
pub fn list(
    index: &NewsIndex,
    searcher: &Searcher,
    query: Option<&dyn Query>,
    kind: Option<Kind>,
) -> Result<(usize, Vec<EntityRow>)> {
    let failed = |e| Error::tantivy(index.dir(), "cannot list entities", e);
    let docs = match query {
        Some(q) => searcher.search(q, &DocSetCollector).map_err(failed)?,
        None => searcher
            .search(&tantivy::query::AllQuery, &DocSetCollector)
            .map_err(failed)?,
    };
    // One row per name: an entity the tagger typed differently in some
    // articles ("U.S." as an organisation) is still one entity, listed
    // under the type most of its mentions have.
    let mut rows: HashMap<String, (EntityRow, [u64; 4])> = HashMap::new();
    let f = index.fields();
    for address in &docs {
        let doc: TantivyDocument = searcher.doc(*address).map_err(failed)?;
        let Some(json) = doc
            .get_first(f.entities)
            .and_then(|v| tantivy::schema::Value::as_str(&v).map(str::to_string))
        else {
            continue;
        };
        let entities: Vec<EntityCount> = serde_json::from_str(&json).unwrap_or_default();
        let mut seen: Vec<String> = Vec::with_capacity(entities.len());
        for e in entities {
            let k = key(&e.name);
            let (row, by_kind) = rows.entry(k.clone()).or_insert_with(|| {
                (
                    EntityRow {
                        name: e.name.clone(),
                        kind: e.kind,
                        articles: 0,
                        mentions: 0,
                    },
                    [0; 4],
                )
            });
            if !seen.contains(&k) {
                row.articles += 1;
                seen.push(k);
            }
            row.mentions += u64::from(e.mentions);
            by_kind[e.kind as usize] += u64::from(e.mentions);
        }
    }
    let rows = rows.into_values().filter_map(|(mut row, by_kind)| {
        let top = by_kind.iter().copied().max().unwrap_or(0);
        row.kind = Kind::ALL
            .into_iter()
            .find(|k| by_kind[*k as usize] == top)
            .unwrap_or(row.kind);
        kind.is_none_or(|k| k == row.kind).then_some(row)
    });
    let mut rows: Vec<EntityRow> = rows.collect();
    rows.sort_by(|a, b| {
        b.articles
            .cmp(&a.articles)
            .then(b.mentions.cmp(&a.mentions))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.kind.cmp(&b.kind))
    });
    Ok((docs.len(), rows))
}
