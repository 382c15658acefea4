//! Entity queries (`--entity NAME`) and entity listings of the archive or of
//! a result set.

use std::collections::HashMap;

use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::entities::dictionary::key;
use crate::entities::{Kind, Settings};
use crate::error::{Error, Result};
use crate::index::entity_names::EntityNames;
use crate::index::entity_table::{
    canonical_counts_with, name_stats, side_by_side, spelling_of, EntityTable, NotNames, Resolutions,
};
use crate::index::{entity_term, NewsIndex};

/// Weight of a headline mention against the body's term-frequency score.
const TITLE_BOOST: f32 = 2.0;

/// An entity name as asked, resolved against the index.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// The indexed terms it stands for (one per type it was indexed under).
    Terms(Vec<Term>),
    /// Neither the dictionaries nor the index know it.
    Unknown,
}

/// Resolves NAME through the dictionaries and the overrides the index was
/// built with, then through the archive's entity table (one entity for
/// every name the archive uses for it), and keeps the terms the index
/// actually holds. Both are read from what the last `index` run wrote for
/// resolution (`index::entity_names`), or loaded whole for an index
/// without it.
pub struct EntityResolver {
    names: std::cell::RefCell<EntityNames>,
    settings: Settings,
    suffixes: Vec<String>,
}

impl EntityResolver {
    pub fn new(index: &NewsIndex, searcher: &Searcher) -> Result<EntityResolver> {
        Ok(EntityResolver::with_names(index, index.entity_names(searcher)?))
    }

    /// A resolver over `names` (the kept file, or the table and
    /// dictionaries loaded whole).
    pub fn with_names(index: &NewsIndex, names: EntityNames) -> EntityResolver {
        let rules = &index.mapping().rules.entities;
        EntityResolver {
            names: std::cell::RefCell::new(names),
            settings: rules.settings(),
            suffixes: rules.suffix_keys(),
        }
    }

    /// `key()` of the dictionaries' canonical name for NAME: a dictionary
    /// name or alias, "N. Korea" style abbreviations, a demonym's country,
    /// else NAME itself.
    fn dictionary_key(&self, names: &EntityNames, name: &str) -> String {
        let k = key(name);
        // `Dictionary::lookup`: by key, then a case-sensitive alias as
        // written.
        let lookup = |name: &str| {
            names
                .alias(&key(name))
                .map(|(canonical, _)| canonical)
                .or_else(|| names.case_sensitive(name.trim()))
        };
        let found = lookup(name)
            .or_else(|| {
                let (first, rest) = k.split_once(' ')?;
                let (_, full) = self.settings.compass.iter().find(|(abbr, _)| abbr == first)?;
                lookup(&format!("{full} {rest}"))
            })
            .or_else(|| {
                self.settings
                    .demonyms_as_country
                    .then(|| names.demonym(&k))
                    .flatten()
            });
        match found {
            Some(canonical) => canonical.to_string(),
            None => key(name.trim()),
        }
    }

    /// The `key()` of the entity NAME stands for in this archive, and the
    /// terms that find its articles.
    pub fn resolve(&self, index: &NewsIndex, searcher: &Searcher, name: &str) -> Result<(String, Resolved)> {
        let found = self.resolve_with(&self.names.borrow(), index, searcher, name)?;
        if !self.names.borrow().is_damaged() {
            return Ok(found);
        }
        // A page of the kept file was damaged: what was read of it is no
        // answer, and the rest of this process reads none of it.
        let loaded = index.entity_names_loaded(searcher)?;
        *self.names.borrow_mut() = loaded;
        self.resolve_with(&self.names.borrow(), index, searcher, name)
    }

    fn resolve_with(
        &self,
        names: &EntityNames,
        index: &NewsIndex,
        searcher: &Searcher,
        name: &str,
    ) -> Result<(String, Resolved)> {
        let k = self.dictionary_key(names, name);
        // As typed, without a legal suffix, without a country before it
        // ("U.S. Securities and Exchange Commission").
        let mut tries = vec![k.clone(), crate::index::entity_table::normal(&k, &self.suffixes)];
        let words: Vec<&str> = k.split(' ').collect();
        for p in 1..=2.min(words.len().saturating_sub(1)) {
            let prefix = words[..p].join(" ");
            if names.is_country_key(&prefix) {
                tries.push(words[p..].join(" "));
            }
        }
        // "President Bush", "Sen. John McCain": the name after its titles;
        // "Warren E. Buffett": the name without its middle initials.
        let untitled: Vec<&str> = words
            .iter()
            .copied()
            .skip_while(|w| crate::entities::dictionary::is_title_word(w))
            .collect();
        if !untitled.is_empty() && untitled.len() < words.len() {
            tries.push(untitled.join(" "));
        }
        // "Prime Minister Gordon Brown", "Tory leader Michael Howard": the
        // name at the end, longest first, when nothing above is known.
        for from in 1..words.len().saturating_sub(1) {
            tries.push(words[from..].join(" "));
        }
        tries.extend(crate::index::entity_table::without_middle_initials(&untitled));
        for t in &tries {
            if let Some(g) = names.find_typed(t, &self.suffixes) {
                let terms = g
                    .terms
                    .iter()
                    .map(|t| Term::from_field_text(index.fields().entity, t))
                    .collect();
                return Ok((g.key.to_string(), Resolved::Terms(terms)));
            }
            let mut terms = Vec::new();
            for kind in Kind::ALL {
                let term = Term::from_field_text(index.fields().entity, &entity_term(kind, t));
                let n = searcher
                    .doc_freq(&term)
                    .map_err(|e| Error::tantivy(index.dir(), "cannot read the entity index", e))?;
                if n > 0 {
                    terms.push(term);
                }
            }
            if !terms.is_empty() {
                return Ok((t.clone(), Resolved::Terms(terms)));
            }
        }
        Ok((k, Resolved::Unknown))
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
/// out the names in `exclude` (`key()` form), reading the articles on
/// `threads` threads (at most two). Every name is counted under
/// the archive's entity it is (`index::entity_table`). Returns the number
/// of articles, the number of distinct entities before the cut, and the
/// rows.
pub fn list(
    index: &NewsIndex,
    searcher: &Searcher,
    query: Option<&dyn Query>,
    kind: Option<Kind>,
    exclude: &[String],
    limit: usize,
    threads: usize,
) -> Result<(usize, usize, Vec<EntityRow>)> {
    let failed = |e| Error::tantivy(index.dir(), "cannot list entities", e);
    let table = index.entity_table(searcher)?;
    let mut tally = Tally::default();
    let articles = match query {
        Some(q) => {
            // In the store's order: the articles of one compressed block
            // come one after the other, and the block is read once.
            let mut docs: Vec<_> = searcher
                .search(q, &DocSetCollector)
                .map_err(failed)?
                .into_iter()
                .collect();
            docs.sort_unstable();
            // Each article's stored list is read and resolved: most of the
            // time of a wide query's facets. Two threads take a half each
            // (their tallies join into what one thread's would be).
            let two = threads > 1 && docs.len() >= TWO_THREADS_FROM;
            let (first, second) = docs.split_at(if two { docs.len() / 2 } else { 0 });
            let count = |part: &[DocAddress]| -> Result<Tally> {
                let mut tally = Tally::default();
                let mut resolutions = Resolutions::default();
                for address in part {
                    let doc: TantivyDocument = searcher.doc(*address).map_err(failed)?;
                    for e in canonical_counts_with(&table, index.stored_entities(&doc), &mut resolutions) {
                        tally.add(e.key, e.spelling, e.kind, 1, u64::from(e.mentions));
                    }
                }
                Ok(tally)
            };
            tally = if first.is_empty() {
                count(second)?
            } else {
                let (b, a) = side_by_side("newsidx-facets", || count(second), || count(first));
                let b = b
                    .unwrap_or_else(|_| Err(Error::Invalid("internal error while counting entities".into())));
                let mut a = a?;
                a.join(b?);
                a
            };
            docs.len()
        }
        None => {
            tally_index(index, searcher, &table, &mut tally)?;
            searcher.num_docs() as usize
        }
    };
    let not_names = NotNames::new(index);
    let rows: Vec<_> = tally
        .rows(kind, exclude)
        .into_iter()
        .filter(|(_, row)| !not_names.key(&row.name, row.kind))
        .collect();
    let distinct = rows.len();
    // The index holds names lower-cased; the spelling comes from an
    // article that has it. A name of two letters is one only in capitals
    // ("EU", "GM"), not a fragment ("Mr", "St").
    let mut out = Vec::with_capacity(limit.min(rows.len()));
    for (spelling, mut row) in rows {
        if out.len() >= limit {
            break;
        }
        row.name = match spelling {
            Some(name) => name,
            None => spelling_of(index, searcher, &row.name)?.unwrap_or(row.name),
        };
        if not_names.spelling(&row.name) {
            continue;
        }
        out.push(row);
    }
    Ok((articles, distinct, out))
}

/// Every entity term of the index with its live articles and mentions,
/// read from the postings: no stored document is opened. Names of the
/// archive's groups are counted by their group.
fn tally_index(index: &NewsIndex, searcher: &Searcher, table: &EntityTable, tally: &mut Tally) -> Result<()> {
    for s in name_stats(index, searcher)? {
        if !table.is_grouped(&s.key) {
            tally.add(s.key.into_owned(), None, s.kind, s.articles, s.mentions);
        }
    }
    for g in &table.groups {
        if g.articles > 0 {
            tally.add(g.key.clone(), None, g.kind, g.articles, g.mentions);
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

#[derive(Default)]
struct Counted {
    spelling: Option<String>,
    articles: u64,
    mentions: u64,
    by_kind: [u64; 4],
}

impl Counted {
    /// Counts `later` in, as if its articles came after these.
    fn absorb(&mut self, later: Counted) {
        let lowercase = |s: &Option<String>| s.as_ref().is_some_and(|s| s.chars().any(char::is_lowercase));
        // Small letters beat a headline's capitals; else the first spelling stays.
        if self.spelling.is_none() || (!lowercase(&self.spelling) && lowercase(&later.spelling)) {
            self.spelling = later.spelling;
        }
        self.articles += later.articles;
        self.mentions += later.mentions;
        for (sum, n) in self.by_kind.iter_mut().zip(later.by_kind) {
            *sum += n;
        }
    }
}

/// Articles from which a result set's entities are counted on two threads.
const TWO_THREADS_FROM: usize = 512;

impl Tally {
    /// Adds `later`, the tally of articles that come after this one's:
    /// the result is what one tally of them all, in order, would be.
    fn join(&mut self, later: Tally) {
        for (k, l) in later.rows {
            self.rows.entry(k).or_default().absorb(l);
        }
    }

    fn add(&mut self, k: String, spelling: Option<String>, kind: Kind, articles: u64, mentions: u64) {
        let mut by_kind = [0; 4];
        by_kind[kind as usize] = mentions;
        self.rows.entry(k).or_default().absorb(Counted {
            spelling,
            articles,
            mentions,
            by_kind,
        });
    }

    /// Sorted rows; `name` is the key until a spelling is known.
    fn rows(self, kind: Option<Kind>, exclude: &[String]) -> Vec<(Option<String>, EntityRow)> {
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
                    (c.spelling, row)
                })
            })
            .collect();
        rows.sort_by(|(_, a), (_, b)| {
            b.articles
                .cmp(&a.articles)
                .then(b.mentions.cmp(&a.mentions))
                .then_with(|| a.name.cmp(&b.name))
        });
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_tallies_joined_are_the_tally_of_all() {
        // (key, spelling, kind, mentions): spellings in capitals, with small
        // letters, none; one key under two kinds.
        let adds: Vec<(&str, Option<&str>, Kind, u64)> = vec![
            ("obama", None, Kind::Person, 2),
            ("obama", Some("OBAMA"), Kind::Person, 1),
            ("fed", Some("FED"), Kind::Org, 3),
            ("obama", Some("Obama"), Kind::Person, 4),
            ("fed", None, Kind::Org, 1),
            ("fed", Some("Fed"), Kind::Org, 2),
            ("obama", Some("Barack Obama"), Kind::Person, 1),
            ("u.s.", Some("U.S."), Kind::Place, 5),
            ("u.s.", Some("U.S."), Kind::Org, 1),
            ("fed", Some("FEDERAL"), Kind::Org, 1),
            ("u.s.", None, Kind::Place, 2),
        ];
        let tally_of = |part: &[(&str, Option<&str>, Kind, u64)]| {
            let mut t = Tally::default();
            for &(k, spelling, kind, mentions) in part {
                t.add(k.to_string(), spelling.map(str::to_string), kind, 1, mentions);
            }
            t
        };
        let whole = tally_of(&adds).rows(None, &[]);
        for cut in 0..=adds.len() {
            let mut joined = tally_of(&adds[..cut]);
            joined.join(tally_of(&adds[cut..]));
            assert_eq!(joined.rows(None, &[]), whole, "cut at {cut}");
        }
        // The spellings it is about: small letters first met win.
        let spelling = |k: &str| {
            whole
                .iter()
                .find(|(_, r)| r.name == k)
                .and_then(|(s, _)| s.clone())
        };
        assert_eq!(spelling("obama").as_deref(), Some("Obama"));
        assert_eq!(spelling("fed").as_deref(), Some("Fed"));
        assert_eq!(spelling("u.s.").as_deref(), Some("U.S."));
    }
}
