//! Searching: a `SearchRequest` in, ranked hits with highlighted snippets out.

pub mod entity;
pub mod filter;
pub mod query;
mod stats;
pub mod tally;

use std::cell::{OnceCell, RefCell};
use std::ops::Range;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument, Term};

pub use filter::{Filters, Period, Sort};
use query::Node;
pub use query::QueryError;
pub use stats::{stats, stats_with, EntityStats, Stats};
pub use tally::{Counts, Histogram, SectionCount, Tally, YearCount};

use crate::error::{Error, Result};
use crate::index::{NewsIndex, StoredArticle};
use crate::schema::{FieldKind, Role};

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 180;

/// Shortest typed word that `fuzzy` lets differ by one letter: shorter
/// words have too many neighbours.
const FUZZY_MIN_CHARS: usize = 5;

/// Entities listed with facets.
const FACET_ENTITIES: usize = 10;

/// What to look for.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query text; may be empty when `entities` or filters are given.
    pub query: String,
    /// Entity names every hit must mention (resolved through the aliases).
    pub entities: Vec<String>,
    pub filters: Filters,
    /// Words of 5 letters or more also match words one edit away.
    pub fuzzy: bool,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
    /// Count the matches by this period.
    pub histogram: Option<Period>,
    /// Count the matches by section and year, and list their top entities.
    pub facets: bool,
    /// Threads that may read a result set's articles for its entities
    /// (`facets`, `entities_of`): the command line gives its cores; serve
    /// one, as its searches already run side by side (two per search there
    /// cost a quarter of its throughput under load).
    pub threads: usize,
}

/// Hits of a page when no number is asked for: `search`'s `-n` and serve's `limit`.
pub const DEFAULT_HITS: usize = 10;
/// Rows of an entity listing when no number is asked for: `entities`'s
/// `-n` and serve's `/api/entities` `limit`.
pub const DEFAULT_ENTITY_ROWS: usize = 20;

impl SearchRequest {
    /// A plain query: the first `limit` hits by relevance.
    pub fn new(query: impl Into<String>, limit: usize) -> Self {
        SearchRequest {
            query: query.into(),
            entities: Vec::new(),
            filters: Filters::default(),
            fuzzy: false,
            sort: Sort::Relevance,
            limit,
            offset: 0,
            histogram: None,
            facets: false,
            threads: 1,
        }
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Matching documents in the whole index.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Things the user should know, e.g. an entity searched as a phrase.
    pub notes: Vec<String>,
    pub histogram: Option<Histogram>,
    pub facets: Option<Facets>,
}

/// Counts over the whole result set.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Facets {
    pub sections: Vec<SectionCount>,
    pub years: Vec<YearCount>,
    pub entities: Vec<entity::EntityRow>,
}

#[derive(Debug, Clone)]
pub struct Hit {
    /// `None` when the hits are sorted by date.
    pub score: Option<f32>,
    pub article: StoredArticle,
    pub snippet: Snippet,
}

/// A one-line excerpt and the byte ranges of the matched words in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

pub fn search(index: &NewsIndex, req: &SearchRequest) -> Result<SearchResults> {
    let reader = index.reader()?;
    search_with(index, &reader.searcher(), req)
}

/// `search` with the searcher of a reader the caller keeps.
pub fn search_with(index: &NewsIndex, searcher: &Searcher, req: &SearchRequest) -> Result<SearchResults> {
    let built = build_query(index, searcher, req)?;
    let query = &*built.query;
    let failed = |e| Error::tantivy(index.dir(), "search failed", e);
    // No more hits than documents: a limit or offset near usize::MAX must
    // not reach the collector, which allocates for them.
    let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
    let offset = req.offset.min(docs);
    let limit = req.limit.min(docs - offset);
    let (top, total): (Vec<(Option<f32>, DocAddress)>, usize) = if limit == 0 {
        (Vec::new(), searcher.search(query, &Count).map_err(failed)?)
    } else {
        let top = TopDocs::with_limit(limit).and_offset(offset);
        match req.sort {
            Sort::Relevance => {
                let (hits, total) = searcher
                    .search(query, &(top.order_by_score(), Count))
                    .map_err(failed)?;
                (hits.into_iter().map(|(s, a)| (Some(s), a)).collect(), total)
            }
            sort => {
                let newest = sort == Sort::Newest;
                let by_date = top.order_by(move |segment: &SegmentReader| {
                    let dates = segment.fast_fields().date("published").ok();
                    move |doc| date_key(dates.as_ref().and_then(|d| d.first(doc)), newest)
                });
                let (hits, total) = searcher.search(query, &(by_date, Count)).map_err(failed)?;
                (hits.into_iter().map(|(_, a)| (None, a)).collect(), total)
            }
        }
    };
    let mut snippets = Snippets::new(searcher, query, index)?;
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| Error::tantivy(index.dir(), "cannot read a document", e))?;
        let snippet = snippets.of(&doc);
        hits.push(Hit {
            score,
            article: index.stored(&doc),
            snippet,
        });
    }

    let mut histogram = None;
    let mut facets = None;
    if req.histogram.is_some() || req.facets {
        let counts = searcher
            .search(
                query,
                &Tally {
                    period: req.histogram,
                },
            )
            .map_err(failed)?;
        histogram = req.histogram.map(|p| counts.histogram(p));
        if req.facets {
            let (_, _, entities) = entity::list(
                index,
                searcher,
                Some(query),
                None,
                &built.entities,
                FACET_ENTITIES,
                req.threads,
            )?;
            facets = Some(Facets {
                sections: counts.section_rows(),
                years: counts.year_rows(),
                entities,
            });
        }
    }
    Ok(SearchResults {
        total,
        hits,
        notes: built.notes,
        histogram,
        facets,
    })
}

/// The sort key of a date: larger comes first. Undated articles come last
/// either way.
fn date_key(date: Option<tantivy::DateTime>, newest: bool) -> i64 {
    match date {
        None => i64::MIN,
        Some(d) if newest => d.into_timestamp_secs(),
        Some(d) => -d.into_timestamp_secs(),
    }
}

/// Counts every article of the index by section and year (for `stats`).
pub fn tally_all(index: &NewsIndex, searcher: &Searcher) -> Result<Counts> {
    searcher
        .search(&AllQuery, &Tally { period: None })
        .map_err(|e| Error::tantivy(index.dir(), "cannot count the articles", e))
}

/// A query ready to run, with what the user should be told about it.
pub struct BuiltQuery {
    pub query: Box<dyn Query>,
    /// E.g. an entity name searched as a phrase.
    pub notes: Vec<String>,
    /// `key()`s of the canonical names the entity names resolved to.
    pub entities: Vec<String>,
}

/// The entities of the articles a request finds.
pub struct EntityListing {
    /// Articles the listing covers.
    pub articles: usize,
    pub rows: Vec<entity::EntityRow>,
    /// What `build_query` had to say (an entity searched as a phrase).
    pub notes: Vec<String>,
}

/// The entities of the articles `req` finds (its query, entities and
/// filters; every article when it has none), most named first, at most
/// `limit`. The entities it asks for are left out: every article of the
/// set names them. `entities`, and serve's `/api/entities`.
pub fn entities_of(
    index: &NewsIndex,
    searcher: &Searcher,
    req: &SearchRequest,
    kind: Option<crate::entities::Kind>,
    limit: usize,
) -> Result<EntityListing> {
    let everything = req.query.trim().is_empty() && req.entities.is_empty() && req.filters.is_empty();
    let built = if everything {
        None
    } else {
        Some(build_query(index, searcher, req)?)
    };
    let asked = built.as_ref().map(|b| b.entities.clone()).unwrap_or_default();
    let (articles, _, rows) = entity::list(
        index,
        searcher,
        built.as_ref().map(|b| &*b.query),
        kind,
        &asked,
        limit,
        req.threads,
    )?;
    Ok(EntityListing {
        articles,
        rows,
        notes: built.map(|b| b.notes).unwrap_or_default(),
    })
}

/// The query text, entity names and filters as one tantivy query: all
/// must match. Entity names that neither dictionaries nor index know become
/// phrases, with a note saying so.
pub fn build_query(index: &NewsIndex, searcher: &Searcher, req: &SearchRequest) -> Result<BuiltQuery> {
    let builder = Builder::new(index, searcher, req.fuzzy);
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !req.query.trim().is_empty() {
        let node = query::parse(&req.query)?;
        let q = builder.build(&node)?.ok_or_else(|| QueryError {
            message: "the query has no searchable words".into(),
            column: None,
        })?;
        musts.push((Occur::Must, q));
    }
    for name in &req.entities {
        if name.trim().is_empty() {
            return Err(Error::Query(QueryError {
                message: "--entity needs a name".into(),
                column: None,
            }));
        }
        let q = builder.entity(name)?.ok_or_else(|| QueryError {
            message: format!("--entity '{name}' has no searchable words"),
            column: None,
        })?;
        musts.push((Occur::Must, q));
    }
    let section = index.fields().section;
    let filters = req
        .filters
        .queries(index, |name| builder.terms(section, name, false).ok().flatten())?;
    // No query, entity or filter: every article (`newsidx search` lists
    // the newest).
    if musts.is_empty() {
        musts.push((Occur::Must, Box::new(AllQuery)));
    }
    musts.extend(filters.into_iter().map(|q| (Occur::Must, q)));
    let query: Box<dyn Query> = match musts.len() {
        1 => musts.remove(0).1,
        _ => Box::new(BooleanQuery::new(musts)),
    };
    Ok(BuiltQuery {
        query,
        notes: builder.notes.into_inner(),
        entities: builder.keys.into_inner(),
    })
}

/// The indexed fields that have no postings in any segment, from each
/// segment's list of its files' parts (no term dictionary is opened);
/// `None` when a segment cannot say, or there is no segment.
fn fields_without_postings(searcher: &Searcher) -> Option<Vec<Field>> {
    let schema = searcher.schema();
    let mut empty: Option<Vec<Field>> = None;
    for segment in searcher.segment_readers() {
        let in_segment: Vec<Field> = segment
            .fields_metadata()
            .ok()?
            .iter()
            .filter(|m| m.postings_size.is_some_and(|n| n.get_bytes() == 0))
            .filter_map(|m| schema.get_field(&m.field_name).ok())
            .collect();
        empty = Some(match empty {
            None => in_segment,
            Some(so_far) => so_far.into_iter().filter(|f| in_segment.contains(f)).collect(),
        });
    }
    empty
}

/// Turns a parsed query into a tantivy query, analysing words the way each
/// field was indexed.
struct Builder<'a> {
    index: &'a NewsIndex,
    searcher: &'a Searcher,
    defaults: Vec<(Field, f32)>,
    fuzzy: bool,
    /// Loaded with the dictionaries when the first entity is asked for.
    resolver: OnceCell<entity::EntityResolver>,
    notes: RefCell<Vec<String>>,
    /// `key()`s of the canonical names the entities asked for resolved to.
    keys: RefCell<Vec<String>>,
}

impl<'a> Builder<'a> {
    fn new(index: &'a NewsIndex, searcher: &'a Searcher, fuzzy: bool) -> Self {
        let mut defaults = index.mapping().default_search_fields(index.fields());
        // A default field no article has (captions in a wire archive)
        // matches nothing, so leaving it out changes no hit and no score.
        // Asking tantivy about it would cost every query the building of
        // an empty term dictionary, a tenth of a word query's instructions.
        if let Some(empty) = fields_without_postings(searcher) {
            // (Never all of them: a query over no field at all is not one
            // that matches nothing.)
            if defaults.iter().any(|(f, _)| !empty.contains(f)) {
                defaults.retain(|(f, _)| !empty.contains(f));
            }
        }
        Builder {
            index,
            searcher,
            defaults,
            fuzzy,
            resolver: OnceCell::new(),
            notes: RefCell::new(Vec::new()),
            keys: RefCell::new(Vec::new()),
        }
    }

    /// Articles that mention the entity `name` (aliases resolved); a name
    /// the index does not know is searched as a phrase, with a note.
    fn entity(&self, name: &str) -> Result<Option<Box<dyn Query>>> {
        let resolver = match self.resolver.get() {
            Some(r) => r,
            None => {
                let r = entity::EntityResolver::new(self.index, self.searcher)?;
                self.resolver.get_or_init(|| r)
            }
        };
        let (canonical, resolved) = resolver.resolve(self.index, self.searcher, name)?;
        self.keys.borrow_mut().push(canonical);
        match resolved {
            entity::Resolved::Terms(terms) => Ok(Some(entity::entity_query(self.index, &terms))),
            entity::Resolved::Unknown => {
                self.notes.borrow_mut().push(format!(
                    "no entity '{name}' in the index; searching it as a phrase"
                ));
                self.leaf(None, name, false)
            }
        }
    }

    /// `None` when nothing in `node` can match a term (only punctuation).
    fn build(&self, node: &Node) -> Result<Option<Box<dyn Query>>> {
        Ok(match node {
            Node::Word { field, text } | Node::Phrase { field, text }
                if field.as_deref() == Some("entity") =>
            {
                self.entity(text)?
            }
            Node::Word { field, text } => self.leaf(field.as_deref(), text, self.fuzzy)?,
            Node::Phrase { field, text } => self.leaf(field.as_deref(), text, false)?,
            Node::Prefix { field, text } => self.prefix(field.as_deref(), text)?,
            Node::Not(inner) => self.build(inner)?.map(all_but),
            Node::Or(items) => {
                let mut shoulds = Vec::new();
                for item in items {
                    if let Some(q) = self.build(item)? {
                        shoulds.push((Occur::Should, q));
                    }
                }
                (!shoulds.is_empty()).then(|| Box::new(BooleanQuery::new(shoulds)) as Box<dyn Query>)
            }
            Node::And(items) => {
                let mut clauses = Vec::new();
                for item in items {
                    let (occur, built) = match item {
                        Node::Not(inner) => (Occur::MustNot, self.build(inner)?),
                        other => (Occur::Must, self.build(other)?),
                    };
                    if let Some(q) = built {
                        clauses.push((occur, q));
                    }
                }
                if clauses.is_empty() {
                    None
                } else {
                    if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                        clauses.push((Occur::Must, Box::new(AllQuery)));
                    }
                    Some(Box::new(BooleanQuery::new(clauses)))
                }
            }
        })
    }

    /// A word or phrase: in the named field, or in every default field with
    /// that field's boost.
    fn leaf(&self, field: Option<&str>, text: &str, fuzzy: bool) -> Result<Option<Box<dyn Query>>> {
        let fuzzy = fuzzy && text.chars().filter(|c| c.is_alphanumeric()).count() >= FUZZY_MIN_CHARS;
        self.each_field(field, |f| self.terms(f, text, fuzzy))
    }

    /// `text*` in the named field or every default field. The prefix is
    /// matched against the indexed words, which are stems for text fields:
    /// `korea*` finds Korea and Korean.
    fn prefix(&self, field: Option<&str>, text: &str) -> Result<Option<Box<dyn Query>>> {
        let mut fold = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        let mut words = Vec::new();
        fold.token_stream(text)
            .process(&mut |t| words.push(t.text.clone()));
        let whole = text.to_lowercase();
        self.each_field(field, |f| {
            let raw = !matches!(self.kind_of(f), FieldKind::Text);
            // Keyword fields hold the whole value as one term.
            let words = if raw { vec![whole.clone()] } else { words.clone() };
            Ok(match words.len() {
                0 => None,
                1 => {
                    let pattern = format!("{}.*", regex::escape(&words[0]));
                    let q = RegexQuery::from_pattern(&pattern, f)
                        .map_err(|e| Error::tantivy(self.index.dir(), "cannot build a prefix query", e))?;
                    Some(Box::new(q) as Box<dyn Query>)
                }
                _ => {
                    let terms = words.iter().map(|w| Term::from_field_text(f, w)).collect();
                    Some(Box::new(PhrasePrefixQuery::new(terms)) as Box<dyn Query>)
                }
            })
        })
    }

    fn kind_of(&self, field: Field) -> FieldKind {
        Role::ALL
            .into_iter()
            .find(|r| self.index.fields().get(*r) == field)
            .map_or(FieldKind::Keyword, |r| self.index.mapping().spec(r).kind)
    }

    /// `make` for the named field, or for every default field with its boost.
    fn each_field(
        &self,
        field: Option<&str>,
        make: impl Fn(Field) -> Result<Option<Box<dyn Query>>>,
    ) -> Result<Option<Box<dyn Query>>> {
        let targets = match field {
            None => self.defaults.clone(),
            Some(name) => vec![(self.field(name)?, 1.0)],
        };
        let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in targets {
            if let Some(q) = make(field)? {
                let q: Box<dyn Query> = if boost == 1.0 {
                    q
                } else {
                    Box::new(BoostQuery::new(q, boost))
                };
                shoulds.push((Occur::Should, q));
            }
        }
        Ok(match shoulds.len() {
            0 => None,
            1 => shoulds.pop().map(|(_, q)| q),
            _ => Some(Box::new(BooleanQuery::new(shoulds))),
        })
    }

    fn field(&self, name: &str) -> Result<Field> {
        let role = Role::from_name(name).ok_or_else(|| {
            Error::Query(QueryError {
                message: format!(
                    "unknown field `{name}` (fields: {}; put the text in quotes to search for it)",
                    Role::ALL.map(Role::name).join(", ")
                ),
                column: None,
            })
        })?;
        if self.index.mapping().spec(role).kind == FieldKind::Date {
            return Err(Error::Query(QueryError {
                message: format!("field `{name}` holds dates and cannot be searched with words"),
                column: None,
            }));
        }
        Ok(self.index.fields().get(role))
    }

    /// The text analysed as the field was: one term, or a phrase of several.
    /// `fuzzy`: one term also matches terms one edit away.
    fn terms(&self, field: Field, text: &str, fuzzy: bool) -> Result<Option<Box<dyn Query>>> {
        let mut analyzer = self
            .index
            .tantivy()
            .tokenizer_for_field(field)
            .map_err(|e| Error::tantivy(self.index.dir(), "cannot analyse the query", e))?;
        let mut terms: Vec<(usize, Term)> = Vec::new();
        let mut stream = analyzer.token_stream(text);
        stream.process(&mut |token| terms.push((token.position, Term::from_field_text(field, &token.text))));
        Ok(match terms.len() {
            0 => None,
            1 => match terms.pop() {
                Some((_, t)) if fuzzy => Some(self.fuzzy(field, text, t)?),
                Some((_, t)) => {
                    Some(Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>)
                }
                None => None,
            },
            _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
        })
    }
}

impl Builder<'_> {
    /// `word` and the words one typo away, each analysed as the field is
    /// and kept when the index has the result, ORed and each ranked as
    /// itself. A typo is one letter added, removed or changed, or two
    /// neighbours swapped, anywhere but the first letter. The edits are made
    /// to the word as typed, before stemming: "inflaton" becomes
    /// "inflation", indexed as "inflat", which no edit of the stem
    /// "inflaton" reaches.
    fn fuzzy(&self, field: Field, word: &str, term: Term) -> Result<Box<dyn Query>> {
        let mut analyzer = self
            .index
            .tantivy()
            .tokenizer_for_field(field)
            .map_err(|e| Error::tantivy(self.index.dir(), "cannot analyse the query", e))?;
        let mut found = std::collections::BTreeSet::new();
        for variant in typos(&word.to_lowercase()) {
            let mut tokens = Vec::new();
            analyzer
                .token_stream(&variant)
                .process(&mut |t| tokens.push(t.text.clone()));
            if let [stem] = tokens.as_slice() {
                let candidate = Term::from_field_text(field, stem);
                if candidate != term && !found.contains(stem) {
                    let n = self
                        .searcher
                        .doc_freq(&candidate)
                        .map_err(|e| Error::tantivy(self.index.dir(), "cannot read the terms", e))?;
                    if n > 0 {
                        found.insert(stem.clone());
                    }
                }
            }
        }
        let mut shoulds: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
        )];
        for stem in found {
            let q = TermQuery::new(Term::from_field_text(field, &stem), IndexRecordOption::WithFreqs);
            shoulds.push((Occur::Should, Box::new(q)));
        }
        Ok(Box::new(BooleanQuery::new(shoulds)))
    }
}

/// Every string one typo away from `word`, its first letter kept: a letter
/// removed, changed or added (from a-z and the word's own letters), or two
/// neighbours swapped.
fn typos(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut alphabet: Vec<char> = ('a'..='z').collect();
    for c in &chars {
        if !alphabet.contains(c) {
            alphabet.push(*c);
        }
    }
    let join = |v: &[char]| v.iter().collect::<String>();
    let mut out = Vec::new();
    for i in 1..=chars.len() {
        if i < chars.len() {
            let mut v = chars.clone();
            v.remove(i);
            out.push(join(&v));
            for &c in &alphabet {
                if c != chars[i] {
                    let mut v = chars.clone();
                    v[i] = c;
                    out.push(join(&v));
                }
            }
            if i + 1 < chars.len() && chars[i] != chars[i + 1] {
                let mut v = chars.clone();
                v.swap(i, i + 1);
                out.push(join(&v));
            }
        }
        for &c in &alphabet {
            let mut v = chars.clone();
            v.insert(i, c);
            out.push(join(&v));
        }
    }
    out
}

fn all_but(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(AllQuery)),
        (Occur::MustNot, q),
    ]))
}

/// Snippet makers for the body, then the captions, then the title: the
/// first that holds a match gives the snippet; the body's opening when none
/// does (a match in the byline, or an entity or filter alone).
struct Snippets {
    /// (maker, field), in order of preference; no maker for a field the
    /// query has no term of (it could highlight nothing).
    makers: Vec<(Option<Fragments>, Field)>,
    body_field: Field,
}

/// The best fragment of a field's text for the query's terms in that field:
/// tantivy's `SnippetGenerator` (the same fragments, scores and choice),
/// without its lower-casing of every token into a new string. Tokens of
/// the text analyzers are lower case already.
struct Fragments {
    /// The query's terms in the field, each weighted 1 / (1 + doc_freq).
    terms: std::collections::BTreeMap<String, tantivy::Score>,
    analyzer: TextAnalyzer,
}

/// A fragment of a text: its byte range, and the ranges of the terms found
/// in it, relative to the fragment.
struct Fragment {
    range: Range<usize>,
    highlighted: Vec<Range<usize>>,
}

impl Fragments {
    /// The text is cut into fragments: one ends before the token that would
    /// take it past `SNIPPET_CHARS` bytes from its start, and the next
    /// starts at that token. The fragment whose terms weigh most is chosen,
    /// the first of equals; `None` when no fragment holds a term.
    fn best(&mut self, text: &str) -> Option<Fragment> {
        let mut best: Option<(tantivy::Score, Fragment)> = None;
        let mut score: tantivy::Score = 0.0;
        let mut current = Fragment {
            range: 0..0,
            highlighted: Vec::new(),
        };
        let keep =
            |score: tantivy::Score, fragment: Fragment, best: &mut Option<(tantivy::Score, Fragment)>| {
                if score > 0.0 && best.as_ref().is_none_or(|(b, _)| score > *b) {
                    *best = Some((score, fragment));
                }
            };
        let mut stream = self.analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            if token.offset_to - current.range.start > SNIPPET_CHARS {
                let start = token.offset_from;
                let done = std::mem::replace(
                    &mut current,
                    Fragment {
                        range: start..start,
                        highlighted: Vec::new(),
                    },
                );
                keep(score, done, &mut best);
                score = 0.0;
            }
            current.range.end = token.offset_to;
            // (A whole-value analyzer keeps capitals; the generator compared
            // every token lower-cased.)
            let weight = if token
                .text
                .bytes()
                .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
            {
                self.terms.get(&token.text.to_lowercase())
            } else {
                self.terms.get(token.text.as_str())
            };
            if let Some(&weight) = weight {
                score += weight;
                current.highlighted.push(token.offset_from..token.offset_to);
            }
        }
        keep(score, current, &mut best);
        best.map(|(_, mut f)| {
            let start = f.range.start;
            for h in &mut f.highlighted {
                *h = h.start - start..h.end - start;
            }
            f
        })
    }
}

impl Snippets {
    fn new(searcher: &Searcher, query: &dyn Query, index: &NewsIndex) -> Result<Self> {
        let fields = index.fields();
        let failed = |e| Error::tantivy(index.dir(), "cannot build snippets", e);
        // As `SnippetGenerator::create`, with the highlighting analyzer for
        // text fields.
        let make = |field: Field| -> Result<(Option<Fragments>, Field)> {
            let mut terms: std::collections::BTreeSet<&Term> = std::collections::BTreeSet::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field {
                    terms.insert(term);
                }
            });
            let mut terms_text: std::collections::BTreeMap<String, tantivy::Score> = Default::default();
            for term in terms {
                let value = term.value();
                let Some(text) = value.as_str() else { continue };
                let doc_freq = searcher.doc_freq(term).map_err(failed)?;
                if doc_freq > 0 {
                    terms_text.insert(text.to_string(), 1.0 / (1.0 + doc_freq as tantivy::Score));
                }
            }
            if terms_text.is_empty() {
                return Ok((None, field));
            }
            let stemmed = matches!(
                searcher.schema().get_field_entry(field).field_type(),
                tantivy::schema::FieldType::Str(o)
                    if o.get_indexing_options().is_some_and(|i| i.tokenizer() == crate::analysis::TEXT_TOKENIZER)
            );
            let tokenizer = if stemmed {
                crate::analysis::highlight_analyzer(terms_text.keys().map(String::as_str))
            } else {
                index.tantivy().tokenizer_for_field(field).map_err(failed)?
            };
            Ok((
                Some(Fragments {
                    terms: terms_text,
                    analyzer: tokenizer,
                }),
                field,
            ))
        };
        Ok(Snippets {
            makers: vec![make(fields.body)?, make(fields.captions)?, make(fields.title)?],
            body_field: fields.body,
        })
    }

    fn of(&mut self, doc: &TantivyDocument) -> Snippet {
        for (maker, field) in &mut self.makers {
            let Some(maker) = maker else { continue };
            let whole = field_text(doc, *field);
            let Some(best) = maker.best(&whole) else { continue };
            let range = best.range.clone();
            let mut snippet = tidy(&whole[range.clone()], &best.highlighted);
            // Mark a fragment cut out of a longer text, as search engines do.
            if whole
                .get(..range.start)
                .is_some_and(|before| !before.trim().is_empty())
            {
                snippet.text.insert(0, '…');
                let shift = '…'.len_utf8();
                for h in &mut snippet.highlights {
                    *h = h.start + shift..h.end + shift;
                }
            }
            if whole
                .get(range.end..)
                .is_some_and(|after| !after.trim().is_empty())
            {
                snippet.text.push('…');
            }
            return snippet;
        }
        lead(&field_text(doc, self.body_field))
    }
}

/// A field's values as the snippet generator sees them: joined by spaces.
fn field_text(doc: &TantivyDocument, field: Field) -> String {
    use tantivy::schema::Value;
    let values: Vec<&str> = doc.get_all(field).filter_map(|v| v.as_str()).collect();
    values.join(" ").trim().to_string()
}

/// The opening of a text, cut at a word boundary.
fn lead(text: &str) -> Snippet {
    let mut end = text.len();
    if let Some((i, _)) = text.char_indices().nth(SNIPPET_CHARS) {
        end = text[..i].rfind(char::is_whitespace).unwrap_or(i);
    }
    let mut snippet = tidy(&text[..end], &[]);
    if end < text.len() {
        snippet.text.push('…');
    }
    snippet
}

/// Whitespace runs (line breaks included) become single spaces, moving the
/// highlight ranges with the text.
fn tidy(fragment: &str, ranges: &[Range<usize>]) -> Snippet {
    let mut text = String::with_capacity(fragment.len());
    let mut map = vec![0usize; fragment.len() + 1];
    let mut after_space = true;
    for (i, c) in fragment.char_indices() {
        map[i] = text.len();
        if c.is_whitespace() {
            if !after_space {
                text.push(' ');
                after_space = true;
            }
        } else {
            text.push(c);
            after_space = false;
        }
    }
    if text.ends_with(' ') {
        text.pop();
    }
    map[fragment.len()] = text.len();
    let highlights = ranges
        .iter()
        .filter(|r| {
            r.end <= fragment.len() && fragment.is_char_boundary(r.start) && fragment.is_char_boundary(r.end)
        })
        .map(|r| map[r.start].min(text.len())..map[r.end].min(text.len()))
        .filter(|r| r.start < r.end)
        .collect();
    Snippet { text, highlights }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_keep_the_first_letter() {
        let t = typos("abc");
        for expected in ["ac", "ab", "axc", "abx", "acb", "abcd", "aabc", "abbc"] {
            assert!(t.contains(&expected.to_string()), "{expected}");
        }
        assert!(t.iter().all(|v| v.starts_with('a')));
        assert!(!t.contains(&"bc".to_string()) && !t.contains(&"xbc".to_string()));
        assert!(typos("inflaton").contains(&"inflation".to_string()));
    }

    #[test]
    fn tidy_moves_highlights() {
        let s = tidy(" North\n\nKorea  sent", &[1..6, 8..13]);
        assert_eq!(s.text, "North Korea sent");
        assert_eq!(&s.text[s.highlights[0].clone()], "North");
        assert_eq!(&s.text[s.highlights[1].clone()], "Korea");
    }

    #[test]
    fn lead_cuts_at_a_word() {
        let text = "word ".repeat(100);
        let s = lead(&text);
        assert!(s.text.ends_with("word…"));
        assert!(s.text.chars().count() <= SNIPPET_CHARS + 1);
    }
}
