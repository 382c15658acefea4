//! The JSON API: a request's path and parameters checked into a call, the call answered with the command line's JSON.

use std::fmt;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

use newsidx::entities::Kind;
use newsidx::search::{self, Filters, Period, SearchRequest, Sort, DEFAULT_ENTITY_ROWS, DEFAULT_HITS};

use super::{Answer, State};
use crate::printer::{json_text, EntitiesJson, SearchJson};

/// Longest query, in bytes.
const MAX_QUERY_BYTES: usize = 2000;
/// Most values of a repeatable parameter (`section`, `entity`)...
const MAX_VALUES: usize = 16;
/// ...and the longest of them, in bytes.
const MAX_VALUE_BYTES: usize = 200;
/// Most hits a page of search results may ask for.
const MAX_LIMIT: usize = 100;
/// Deepest page: hits past it cost the collector memory for all before.
const MAX_OFFSET: usize = 10_000;
/// Most rows of an entity listing.
const MAX_ENTITY_ROWS: usize = 1000;

const SEARCH_PARAMS: &[&str] = &[
    "q",
    "section",
    "since",
    "until",
    "entity",
    "sort",
    "limit",
    "offset",
    "fuzzy",
    "histogram",
    "facets",
];
const ENTITIES_PARAMS: &[&str] = &["q", "section", "since", "until", "entity", "type", "limit"];

/// An API request, checked.
pub(super) enum Call {
    Search(SearchRequest),
    Entities {
        request: SearchRequest,
        kind: Option<Kind>,
        limit: usize,
    },
    Stats,
    Show(String),
}

/// For the log of a request that failed inside.
impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Search(r) => write!(f, "a search for {:?}", r.query),
            Call::Entities { .. } => f.write_str("an entity listing"),
            Call::Stats => f.write_str("the stats"),
            Call::Show(id) => write!(f, "the article {id:?}"),
        }
    }
}

/// A request the API refuses, and why.
pub(super) struct Problem {
    status: StatusCode,
    message: String,
}

impl Problem {
    fn bad(message: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(super) fn answer(&self) -> Answer {
        error(self.status, &self.message)
    }
}

/// The call a path and query string ask for.
pub(super) fn parse(path: &str, query: &str) -> Result<Call, Problem> {
    match path {
        "/api/search" => {
            let p = Params::parse(query, SEARCH_PARAMS)?;
            Ok(Call::Search(search_request(&p)?))
        }
        "/api/entities" => {
            let p = Params::parse(query, ENTITIES_PARAMS)?;
            let kind = match p.one("type")? {
                None => None,
                Some("person") => Some(Kind::Person),
                Some("place") => Some(Kind::Place),
                Some("org") => Some(Kind::Org),
                Some("misc") => Some(Kind::Misc),
                Some(other) => {
                    return Err(Problem::bad(format!(
                        "type: `{other}` is not one of person, place, org, misc"
                    )))
                }
            };
            let limit = p.number("limit", DEFAULT_ENTITY_ROWS, MAX_ENTITY_ROWS)?;
            let request = SearchRequest {
                entities: p.many("entity")?,
                filters: filters(&p)?,
                ..SearchRequest::new(p.one("q")?.unwrap_or(""), 0)
            };
            Ok(Call::Entities { request, kind, limit })
        }
        "/api/stats" => {
            Params::parse(query, &[])?;
            Ok(Call::Stats)
        }
        _ => match path.strip_prefix("/api/show/") {
            Some(id) if !id.is_empty() => {
                Params::parse(query, &[])?;
                let id =
                    percent_decode(id).ok_or_else(|| Problem::bad("the article id is not valid UTF-8"))?;
                Ok(Call::Show(id))
            }
            _ => Err(Problem {
                status: StatusCode::NOT_FOUND,
                message:
                    "no such endpoint: the API has /api/search, /api/show/ID, /api/entities and /api/stats"
                        .into(),
            }),
        },
    }
}

fn search_request(p: &Params) -> Result<SearchRequest, Problem> {
    let query = p.one("q")?.unwrap_or("").to_string();
    let sort = match p.one("sort")? {
        None | Some("") => Sort::default_for(&query),
        Some("relevance") => Sort::Relevance,
        Some("newest") => Sort::Newest,
        Some("oldest") => Sort::Oldest,
        Some(other) => {
            return Err(Problem::bad(format!(
                "sort: `{other}` is not one of relevance, newest, oldest"
            )))
        }
    };
    let histogram = match p.one("histogram")? {
        None | Some("") => None,
        Some("year") => Some(Period::Year),
        Some("month") => Some(Period::Month),
        Some("day") => Some(Period::Day),
        Some(other) => {
            return Err(Problem::bad(format!(
                "histogram: `{other}` is not one of year, month, day"
            )))
        }
    };
    Ok(SearchRequest {
        entities: p.many("entity")?,
        filters: filters(p)?,
        fuzzy: p.flag("fuzzy")?,
        sort,
        limit: p.number("limit", DEFAULT_HITS, MAX_LIMIT)?,
        offset: p.number("offset", 0, MAX_OFFSET)?,
        histogram,
        facets: p.flag("facets")?,
        query,
        threads: 1,
    })
}

fn filters(p: &Params) -> Result<Filters, Problem> {
    let date = |name| p.one(name).map(|d| d.filter(|d| !d.trim().is_empty()));
    Filters::parse(
        p.many("section")?,
        date("since")?,
        date("until")?,
        ["since", "until"],
    )
    .map_err(|e| Problem::bad(e.to_string()))
}

/// A query string's parameters, names checked against those an endpoint takes.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str, known: &[&str]) -> Result<Params, Problem> {
        let mut out = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            // `query`, the command line's word for it, is `q` too.
            let name = match name.as_ref() {
                "query" if known.contains(&"q") => "q".into(),
                _ => name,
            };
            if !known.contains(&name.as_ref()) {
                return Err(Problem::bad(if known.is_empty() {
                    format!("unknown parameter `{name}`: this endpoint takes none")
                } else {
                    format!(
                        "unknown parameter `{name}` (this endpoint takes {})",
                        known.join(", ")
                    )
                }));
            }
            let most = if name == "q" {
                MAX_QUERY_BYTES
            } else {
                MAX_VALUE_BYTES
            };
            if value.len() > most {
                return Err(Problem::bad(format!(
                    "{name} is {} bytes long; the most is {most}",
                    value.len()
                )));
            }
            out.push((name.into_owned(), value.into_owned()));
        }
        Ok(Params(out))
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter given at most once.
    fn one<'a>(&'a self, name: &'a str) -> Result<Option<&'a str>, Problem> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(Problem::bad(format!("{name} is given more than once")));
        }
        Ok(first)
    }

    /// A repeatable parameter's non-empty values.
    fn many(&self, name: &str) -> Result<Vec<String>, Problem> {
        let values: Vec<String> = self
            .all(name)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
            .collect();
        if values.len() > MAX_VALUES {
            return Err(Problem::bad(format!(
                "{name} is given {} times; the most is {MAX_VALUES}",
                values.len()
            )));
        }
        Ok(values)
    }

    fn number(&self, name: &str, default: usize, most: usize) -> Result<usize, Problem> {
        match self.one(name)? {
            None | Some("") => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= most => Ok(n),
                Ok(_) => Err(Problem::bad(format!("{name} is {v}; the most is {most}"))),
                Err(_) => Err(Problem::bad(format!("{name}: `{v}` is not a whole number"))),
            },
        }
    }

    /// `name`, `name=true` or `name=1` (and `false`, `0`).
    fn flag(&self, name: &str) -> Result<bool, Problem> {
        match self.one(name)? {
            None => Ok(false),
            Some("" | "true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(v) => Err(Problem::bad(format!("{name}: `{v}` is not true or false"))),
        }
    }
}

/// `%XX` escapes of a URL path decoded; `None` when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|id| id.into_owned())
}

/// Answers a checked call: the same JSON the command prints.
pub(super) fn answer(state: &State, call: Call) -> Answer {
    match respond(state, call) {
        Ok(answer) => answer,
        Err(newsidx::Error::Query(e)) => error(StatusCode::BAD_REQUEST, &format!("bad query: {e}")),
        Err(e) => {
            // The error may name the machine's paths: the log has it, the
            // client only that something failed.
            eprintln!("newsidx: {e}");
            internal_error()
        }
    }
}

fn respond(state: &State, call: Call) -> newsidx::Result<Answer> {
    let index = &state.index;
    let searcher = state.reader.searcher();
    Ok(match call {
        Call::Search(request) => {
            let results = search::search_with(index, &searcher, &request)?;
            json(
                StatusCode::OK,
                &SearchJson::new(&request.query, request.offset, &results),
            )
        }
        Call::Entities { request, kind, limit } => {
            let listing = search::entities_of(index, &searcher, &request, kind, limit)?;
            json(
                StatusCode::OK,
                &EntitiesJson {
                    articles: listing.articles,
                    entities: &listing.rows,
                },
            )
        }
        Call::Stats => json(StatusCode::OK, &search::stats_with(index, &searcher)?),
        Call::Show(id) => match index.get_with_archive_names(&searcher, &id)? {
            None => error(StatusCode::NOT_FOUND, &format!("no document with id {id}")),
            Some(article) => json(StatusCode::OK, &article),
        },
    })
}

/// A JSON body exactly as the command line prints it.
fn json<T: Serialize>(status: StatusCode, value: &T) -> Answer {
    match json_text(value) {
        Ok(text) => json_body(status, text),
        Err(e) => {
            eprintln!("newsidx: cannot write JSON: {e}");
            internal_error()
        }
    }
}

/// `{"error": message}`.
pub(super) fn error(status: StatusCode, message: &str) -> Answer {
    let text = serde_json::json!({ "error": message }).to_string() + "\n";
    json_body(status, text)
}

pub(super) fn internal_error() -> Answer {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; the server's log says more",
    )
}

fn json_body(status: StatusCode, text: String) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(text)));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    // Every answer is of the index as it is now: the next commit changes it.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_reads_escapes_and_keeps_the_rest() {
        assert_eq!(
            percent_decode("wire%2F2024%2Fa.txt").as_deref(),
            Some("wire/2024/a.txt")
        );
        assert_eq!(
            percent_decode("feed.jsonl%2312").as_deref(),
            Some("feed.jsonl#12")
        );
        assert_eq!(percent_decode("caf%C3%A9").as_deref(), Some("café"));
        // A lone or broken escape stays as written.
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn parameters_are_checked() {
        let bad = |q: &str| match parse("/api/search", q) {
            Err(p) => p.message,
            Ok(_) => panic!("{q} was taken"),
        };
        assert!(bad("qq=x").contains("unknown parameter `qq`"));
        assert!(bad("q=a&query=b").contains("q is given more than once"));
        assert!(bad("q=a&q=b").contains("more than once"));
        assert!(bad("limit=101").contains("the most is 100"));
        assert!(bad("limit=-1").contains("not a whole number"));
        assert!(bad("offset=10001").contains("the most is 10000"));
        assert!(bad("sort=best").contains("relevance, newest, oldest"));
        assert!(bad("since=yesterday").contains("since 'yesterday' is not a date"));
        assert!(bad(&format!("q={}", "a".repeat(2001))).contains("2001 bytes"));
        assert!(bad(&"entity=x&".repeat(17)).contains("17 times"));
        let Ok(Call::Search(r)) = parse(
            "/api/search",
            "q=oil+prices&section=world&section=business&facets&limit=5",
        ) else {
            panic!("not a search");
        };
        assert_eq!(r.query, "oil prices");
        assert_eq!(r.filters.sections, ["world", "business"]);
        assert!(r.facets && !r.fuzzy);
        assert_eq!((r.limit, r.offset, r.sort), (5, 0, Sort::Relevance));
        let Ok(Call::Search(r)) = parse("/api/search", "") else {
            panic!("not a search");
        };
        assert_eq!((r.limit, r.sort), (DEFAULT_HITS, Sort::Newest));
        assert!(matches!(parse("/api/nothing", ""), Err(p) if p.status == StatusCode::NOT_FOUND));
        assert!(matches!(parse("/api/show/", ""), Err(p) if p.status == StatusCode::NOT_FOUND));
        assert!(matches!(parse("/api/stats", "x=1"), Err(p) if p.status == StatusCode::BAD_REQUEST));
    }
}
