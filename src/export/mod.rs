//! Export: the index's documents as flat JSON for the engines that serve a cluster (Elasticsearch, OpenSearch, Quickwit), in full or as the changes since the last export.

mod config;
mod point;
mod sink;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use config::{engine_config, Engine};
pub use point::{ExportLock, Point};
pub use sink::{Output, Put, Sink};

use crate::entities::Kind;
use crate::error::{Error, Result};
use crate::index::{NewsIndex, Snapshot, StoredArticle};
use crate::schema::{FieldKind, Mapping, Role};

/// The mapping's fields that are exported, in the order documents list them.
/// `captions` is the one field with many values.
const ROLES: [Role; 10] = [
    Role::Id,
    Role::Title,
    Role::Section,
    Role::Published,
    Role::Byline,
    Role::Url,
    Role::Language,
    Role::Path,
    Role::Captions,
    Role::Body,
];

/// One exported field: its name in the documents and how engines should
/// index it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportField {
    pub name: &'static str,
    pub kind: FieldKind,
    /// An array of values.
    pub many: bool,
    /// Kept in a column for sorting, filtering and aggregations.
    pub fast: bool,
    /// Searched by words that name no field.
    pub default_search: bool,
}

/// Every exported field: the stored fields of the mapping, then the
/// canonical entity names by type and the content hash. The documents
/// (`FlatDoc`) and every engine configuration are made from this list.
pub fn fields(mapping: &Mapping) -> Vec<ExportField> {
    let mut out: Vec<ExportField> = ROLES
        .into_iter()
        .filter(|r| mapping.spec(*r).stored)
        .map(|r| {
            let spec = mapping.spec(r);
            ExportField {
                name: r.name(),
                kind: spec.kind,
                many: r == Role::Captions,
                fast: spec.fast,
                // Engines search their default fields with equal weight;
                // fields newsidx weighs down would rank as high as the body.
                default_search: spec.search && spec.boost.unwrap_or(1.0) >= 1.0,
            }
        })
        .collect();
    for name in ENTITY_FIELDS {
        out.push(ExportField {
            name,
            kind: FieldKind::Keyword,
            many: true,
            fast: true,
            default_search: false,
        });
    }
    out.push(ExportField {
        name: "hash",
        kind: FieldKind::Keyword,
        many: false,
        fast: false,
        default_search: false,
    });
    out
}

const ENTITY_FIELDS: [&str; 4] = ["persons", "places", "orgs", "misc"];

/// One exported document: flat, dates in RFC 3339 UTC, entities by their
/// canonical names. A field the article lacks is left out; arrays are always
/// there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlatDoc {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default)]
    pub captions: Vec<String>,
    pub body: String,
    #[serde(default)]
    pub persons: Vec<String>,
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Nationalities, events and other names of no person, place or
    /// organisation.
    #[serde(default)]
    pub misc: Vec<String>,
    /// The content hash newsidx compares to tell a changed article, as 16
    /// hex digits (a u64 does not fit a JSON engine's signed long).
    pub hash: String,
}

impl FlatDoc {
    pub fn new(a: StoredArticle, hash: u64) -> FlatDoc {
        let names = |kind: Kind| -> Vec<String> {
            a.entities
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.name.clone())
                .collect()
        };
        FlatDoc {
            persons: names(Kind::Person),
            places: names(Kind::Place),
            orgs: names(Kind::Org),
            misc: names(Kind::Misc),
            id: a.id,
            title: a.title,
            section: a.section,
            published: a.published.as_ref().map(crate::rfc3339::format),
            byline: a.byline,
            url: a.url,
            language: a.language,
            path: a.path,
            captions: a.captions,
            body: a.body,
            hash: format!("{hash:016x}"),
        }
    }
}

/// What goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One document a line.
    Ndjson,
    /// Elasticsearch/OpenSearch `_bulk` actions: an action line, then the
    /// document for an index action.
    EsBulk,
}

pub struct ExportRequest {
    pub format: Format,
    /// The target index: `_index` of bulk actions, and whose export point
    /// `changes` reads and moves.
    pub name: String,
    /// Only what changed since the last `changes` export to `name`.
    pub changes: bool,
}

/// A document that was not written, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize)]
pub struct ExportSummary {
    /// Documents written (index actions for es-bulk).
    pub documents: u64,
    /// Delete actions written.
    pub deleted: u64,
    /// Documents left as they were at the last export (`changes`).
    pub unchanged: u64,
    pub skipped: Vec<Skipped>,
    /// The chunk files written into an --out folder, as displayed paths
    /// (a JSON string cannot hold every path).
    pub chunks: Vec<String>,
    /// The export point this run made (`changes` with something to say).
    pub point: Option<u64>,
}

const NDJSON_CANNOT_DELETE: &str =
    "NDJSON has no way to say a document was deleted: export changes as es-bulk";

/// Elasticsearch refuses longer `_id`s.
const MAX_ES_ID: usize = 512;

/// Checks `name` as an index name every target accepts: Elasticsearch
/// wants lower case without most punctuation, Quickwit a letter first and
/// at least three characters.
pub fn check_name(name: &str) -> Result<()> {
    let ok = name.len() >= 3
        && name.len() <= 255
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "bad --name {name:?}: 3 to 255 characters of a-z, 0-9, - and _, starting with a letter \
             (what Elasticsearch, OpenSearch and Quickwit all accept)"
        )))
    }
}

/// Writes the documents of `index` to `output`: all of them, or with
/// `req.changes` what changed since the export point of `req.name`, which
/// then moves. The point moves only after the output is complete, so a
/// failed or killed export is repeated in full by the next one.
pub fn export(index: &NewsIndex, req: &ExportRequest, output: Output) -> Result<ExportSummary> {
    check_name(&req.name)?;
    // Refused before anything is written: found at the first deletion, it
    // would leave the documents before it written and the point unmoved.
    if req.changes && req.format == Format::Ndjson {
        return Err(Error::Invalid(NDJSON_CANNOT_DELETE.into()));
    }
    let snapshot = Snapshot::new(index)?;
    if req.changes {
        export_changes(index, &snapshot, req, output)
    } else {
        export_all(&snapshot, req, output)
    }
}

fn export_all(snapshot: &Snapshot, req: &ExportRequest, output: Output) -> Result<ExportSummary> {
    let stem = match req.format {
        Format::EsBulk => format!("{}-bulk", req.name),
        Format::Ndjson => req.name.clone(),
    };
    let mut sink = Sink::open(output, &stem, false)?;
    let mut summary = ExportSummary::default();
    let mut line = Vec::new();
    let table = snapshot.entity_table()?;
    let mut spellings = HashMap::new();
    snapshot.for_each_document(|address, id, hash| {
        let doc = FlatDoc::new(snapshot.canonical_article(address, &table, &mut spellings)?, hash);
        unit(&mut line, req, Action::Index(&doc))?;
        if put(&mut sink, &line, id, req.format, &mut summary.skipped)? {
            summary.documents += 1;
        }
        Ok(())
    })?;
    summary.chunks = shown(sink.finish()?);
    Ok(summary)
}

fn export_changes(
    index: &NewsIndex,
    snapshot: &Snapshot,
    req: &ExportRequest,
    output: Output,
) -> Result<ExportSummary> {
    let _lock = ExportLock::acquire(index.dir(), &req.name)?;
    let before = Point::read(index.dir(), &req.name)?;
    // An unfinished export with this number left its chunks: this one
    // says all they said and more, so they go.
    let stem = format!("{}-changes-{:06}", req.name, before.seq + 1);
    let mut sink = Sink::open(output, &stem, true)?;
    let mut summary = ExportSummary::default();
    let mut line = Vec::new();
    let mut last: HashMap<String, u64> = before.documents.into_iter().collect();
    let mut after = Vec::with_capacity(snapshot.num_docs() as usize);
    let table = snapshot.entity_table()?;
    let mut spellings = HashMap::new();
    snapshot.for_each_document(|address, id, hash| {
        let was = last.remove(id);
        if was == Some(hash) {
            summary.unchanged += 1;
            after.push((id.to_string(), hash));
            return Ok(());
        }
        let doc = FlatDoc::new(snapshot.canonical_article(address, &table, &mut spellings)?, hash);
        unit(&mut line, req, Action::Index(&doc))?;
        if put(&mut sink, &line, id, req.format, &mut summary.skipped)? {
            summary.documents += 1;
            after.push((id.to_string(), hash));
        } else if let Some(was) = was {
            // Not sent: the cluster still holds the old version, and the
            // next export tries again.
            after.push((id.to_string(), was));
        }
        Ok(())
    })?;
    let mut gone: Vec<(String, u64)> = last.into_iter().collect();
    gone.sort_unstable();
    for (id, hash) in gone {
        unit(&mut line, req, Action::Delete(&id))?;
        if put(&mut sink, &line, &id, req.format, &mut summary.skipped)? {
            summary.deleted += 1;
        } else {
            after.push((id, hash));
        }
    }
    summary.chunks = shown(sink.finish()?);
    if summary.documents + summary.deleted > 0 {
        let point = Point {
            seq: before.seq + 1,
            documents: after,
        };
        point.write(index.dir(), &req.name)?;
        summary.point = Some(point.seq);
    }
    Ok(summary)
}

fn shown(paths: Vec<PathBuf>) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

enum Action<'a> {
    Index(&'a FlatDoc),
    Delete(&'a str),
}

/// Writes into `line` what one document or deletion takes, newline-ended:
/// a bulk pair is one unit, never split between chunks.
fn unit(line: &mut Vec<u8>, req: &ExportRequest, action: Action) -> Result<()> {
    line.clear();
    let json = |e: serde_json::Error| Error::Invalid(format!("cannot write a document as JSON: {e}"));
    match (req.format, action) {
        (Format::Ndjson, Action::Index(doc)) => serde_json::to_writer(&mut *line, doc).map_err(json)?,
        (Format::Ndjson, Action::Delete(_)) => return Err(Error::Invalid(NDJSON_CANNOT_DELETE.into())),
        (Format::EsBulk, Action::Index(doc)) => {
            let action = serde_json::json!({ "index": { "_index": req.name, "_id": doc.id } });
            serde_json::to_writer(&mut *line, &action).map_err(json)?;
            line.push(b'\n');
            serde_json::to_writer(&mut *line, doc).map_err(json)?;
        }
        (Format::EsBulk, Action::Delete(id)) => {
            let action = serde_json::json!({ "delete": { "_index": req.name, "_id": id } });
            serde_json::to_writer(&mut *line, &action).map_err(json)?;
        }
    }
    line.push(b'\n');
    Ok(())
}

/// Hands one unit to the sink. Returns whether it went out; one that
/// cannot is listed in `skipped`.
fn put(sink: &mut Sink, line: &[u8], id: &str, format: Format, skipped: &mut Vec<Skipped>) -> Result<bool> {
    if format == Format::EsBulk && id.len() > MAX_ES_ID {
        skipped.push(Skipped {
            id: id.to_string(),
            reason: format!(
                "id is {} bytes; Elasticsearch takes at most {MAX_ES_ID}",
                id.len()
            ),
        });
        return Ok(false);
    }
    match sink.put(line)? {
        Put::Written => Ok(true),
        Put::TooLarge { limit } => {
            skipped.push(Skipped {
                id: id.to_string(),
                reason: format!(
                    "{} bytes written out, more than a chunk holds ({limit} bytes); raise --chunk-mb",
                    line.len()
                ),
            });
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_document_has_exactly_the_exported_fields() {
        let mapping = Mapping::load(None).unwrap();
        let doc = FlatDoc {
            id: "a".into(),
            title: Some("t".into()),
            section: Some("s".into()),
            published: Some("2007-03-19T02:53:00Z".into()),
            byline: Some("b".into()),
            url: Some("u".into()),
            language: Some("en".into()),
            path: Some("p".into()),
            captions: vec!["c".into()],
            body: "x".into(),
            persons: vec![],
            places: vec![],
            orgs: vec![],
            misc: vec![],
            hash: "0".into(),
        };
        let json = serde_json::to_value(&doc).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut names: Vec<&str> = fields(&mapping).iter().map(|f| f.name).collect();
        keys.sort_unstable();
        names.sort_unstable();
        assert_eq!(keys, names);
    }

    #[test]
    fn changes_as_ndjson_are_refused_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let index = NewsIndex::open_or_create(&tmp.path().join("idx"), Mapping::load(None).unwrap()).unwrap();
        let out = tmp.path().join("changes.ndjson");
        let req = ExportRequest {
            format: Format::Ndjson,
            name: "news".into(),
            changes: true,
        };
        let err = export(&index, &req, Output::File(out.clone())).unwrap_err();
        assert_eq!(
            err.to_string(),
            Error::Invalid(NDJSON_CANNOT_DELETE.into()).to_string()
        );
        assert!(!out.exists());
        assert_eq!(Point::read(index.dir(), "news").unwrap().seq, 0);
    }

    #[test]
    fn names_every_engine_takes_pass_and_others_are_refused() {
        for good in ["news", "news-2009", "a_b", "reuters"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "", "ab", "News", "-news", "_news", "1news", "news/x", "news x", "news.x", "new*",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
