//! Searching: a `SearchRequest` in, ranked hits with highlighted snippets out.

pub mod entity;
pub mod query;

use std::ops::Range;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument, Term};

use query::Node;
pub use query::QueryError;

use crate::error::{Error, Result};
use crate::index::{NewsIndex, StoredArticle};
use crate::schema::{FieldKind, Role};

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 180;

/// What to look for.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query text; may be empty when `entities` are given.
    pub query: String,
    /// Entity names every hit must mention (resolved through the aliases).
    pub entities: Vec<String>,
    pub limit: usize,
    pub offset: usize,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Matching documents in the whole index.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Things the user should know, e.g. an entity searched as a phrase.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub score: f32,
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
    let searcher = reader.searcher();
    let BuiltQuery { query, notes, .. } = build_query(index, &searcher, &req.query, &req.entities)?;
    let failed = |e| Error::tantivy(index.dir(), "search failed", e);
    let (top, total) = if req.limit == 0 {
        (Vec::new(), searcher.search(&*query, &Count).map_err(failed)?)
    } else {
        let top = TopDocs::with_limit(req.limit)
            .and_offset(req.offset)
            .order_by_score();
        searcher.search(&*query, &(top, Count)).map_err(failed)?
    };
    let snippets = Snippets::new(&searcher, &*query, index)?;
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
    Ok(SearchResults { total, hits, notes })
}

/// A query ready to run, with what the user should be told about it.
pub struct BuiltQuery {
    pub query: Box<dyn Query>,
    /// E.g. an entity name searched as a phrase.
    pub notes: Vec<String>,
    /// `key()`s of the canonical names the entity names resolved to.
    pub entities: Vec<String>,
}

/// The query text and entity names as one tantivy query: all must match.
/// Entity names that neither dictionaries nor index know become phrases,
/// with a note saying so.
pub fn build_query(
    index: &NewsIndex,
    searcher: &Searcher,
    text: &str,
    entities: &[String],
) -> Result<BuiltQuery> {
    let builder = Builder::new(index);
    let mut notes = Vec::new();
    let mut keys = Vec::new();
    let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !text.trim().is_empty() {
        let node = query::parse(text)?;
        let q = builder.build(&node)?.ok_or_else(|| QueryError {
            message: "the query has no searchable words".into(),
            column: None,
        })?;
        musts.push((Occur::Must, q));
    }
    if !entities.is_empty() {
        // Dictionaries load only when an entity is asked for.
        let resolver = entity::EntityResolver::new(index)?;
        for name in entities {
            if name.trim().is_empty() {
                return Err(Error::Query(QueryError {
                    message: "--entity needs a name".into(),
                    column: None,
                }));
            }
            keys.push(crate::entities::dictionary::key(&resolver.canonical(name)));
            match resolver.resolve(index, searcher, name)? {
                entity::Resolved::Terms(terms) => {
                    musts.push((Occur::Must, entity::entity_query(index, &terms)))
                }
                entity::Resolved::Unknown => {
                    notes.push(format!(
                        "no entity '{name}' in the index; searching it as a phrase"
                    ));
                    let phrase = builder.leaf(None, name)?.ok_or_else(|| QueryError {
                        message: format!("--entity '{name}' has no searchable words"),
                        column: None,
                    })?;
                    musts.push((Occur::Must, phrase));
                }
            }
        }
    }
    let query: Box<dyn Query> = match musts.len() {
        0 => {
            return Err(Error::Query(QueryError {
                message: "give a query or --entity NAME".into(),
                column: None,
            }))
        }
        1 => musts.remove(0).1,
        _ => Box::new(BooleanQuery::new(musts)),
    };
    Ok(BuiltQuery {
        query,
        notes,
        entities: keys,
    })
}

/// Turns a parsed query into a tantivy query, analysing words the way each
/// field was indexed.
struct Builder<'a> {
    index: &'a NewsIndex,
    defaults: Vec<(Field, f32)>,
}

impl<'a> Builder<'a> {
    fn new(index: &'a NewsIndex) -> Self {
        let defaults = index.mapping().default_search_fields(index.fields());
        Builder { index, defaults }
    }

    /// `None` when nothing in `node` can match a term (only punctuation).
    fn build(&self, node: &Node) -> Result<Option<Box<dyn Query>>> {
        Ok(match node {
            Node::Word { field, text } => self.leaf(field.as_deref(), text)?,
            Node::Phrase { field, text } => self.leaf(field.as_deref(), text)?,
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
    fn leaf(&self, field: Option<&str>, text: &str) -> Result<Option<Box<dyn Query>>> {
        let targets = match field {
            None => self.defaults.clone(),
            Some(name) => vec![(self.field(name)?, 1.0)],
        };
        let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in targets {
            if let Some(q) = self.terms(field, text)? {
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
    fn terms(&self, field: Field, text: &str) -> Result<Option<Box<dyn Query>>> {
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
            1 => terms
                .pop()
                .map(|(_, t)| Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>),
            _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
        })
    }
}

fn all_but(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(AllQuery)),
        (Occur::MustNot, q),
    ]))
}

/// Snippet makers for the body, then captions; the body's opening when the
/// match is elsewhere (title, byline).
struct Snippets {
    body: SnippetGenerator,
    captions: SnippetGenerator,
    body_field: Field,
    captions_field: Field,
}

impl Snippets {
    fn new(searcher: &Searcher, query: &dyn Query, index: &NewsIndex) -> Result<Self> {
        let fields = index.fields();
        let make = |field| {
            SnippetGenerator::create(searcher, query, field)
                .map(|mut g| {
                    g.set_max_num_chars(SNIPPET_CHARS);
                    g
                })
                .map_err(|e| Error::tantivy(index.dir(), "cannot build snippets", e))
        };
        Ok(Snippets {
            body: make(fields.body)?,
            captions: make(fields.captions)?,
            body_field: fields.body,
            captions_field: fields.captions,
        })
    }

    fn of(&self, doc: &TantivyDocument) -> Snippet {
        for (generator, field) in [
            (&self.body, self.body_field),
            (&self.captions, self.captions_field),
        ] {
            let s = generator.snippet_from_doc(doc);
            if s.highlighted().is_empty() {
                continue;
            }
            let mut snippet = tidy(s.fragment(), s.highlighted());
            // Mark a fragment cut out of a longer text, as search engines do.
            let whole = field_text(doc, field);
            let range = s.fragment_range();
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
