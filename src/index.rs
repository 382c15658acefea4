//! The index on disk: creating and opening it, checking its fields, the writer and its lock, articles in and out.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{Field, IndexRecordOption, OwnedValue, Value};
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::analysis::ENTITY_TOKENIZER;
use crate::article::Article;
use crate::entities::{EntityCount, Found, Kind};
use crate::error::{Error, Result};
use crate::schema::{Fields, Mapping, NewsSchema, SCHEMA_VERSION};

mod entity_list;
pub mod entity_names;
pub mod entity_table;
mod entity_terms;
mod lock;
mod merge;
mod update;

pub use entity_terms::EntityTermsTokenizer;
pub(crate) use lock::try_lock;
pub use lock::RunLock;
pub use update::Snapshot;

/// Written beside tantivy's files: marks the folder as a newsidx index, so
/// newsidx never mistakes (or offers to remove) anything else.
const MARKER_FILE: &str = "newsidx.json";

/// Files that may be in the folder of an index whose creation was cut short
/// (before tantivy wrote meta.json); creating it again is safe.
const CREATION_LEFTOVERS: [&str; 4] = [
    MARKER_FILE,
    ".managed.json",
    ".tantivy-meta.lock",
    ".tantivy-writer.lock",
];

/// tantivy's writer needs at least this much heap per indexing thread.
const MIN_HEAP_PER_THREAD: usize = 16 << 20;

/// Bytes of stored documents compressed as one block: twice tantivy's
/// default. lz4 finds more repeats in a larger block, so the store, most of
/// an index, is smaller; a hit's document costs a larger block to read and
/// decompress (docs/performance.md weighs the two).
const DOCSTORE_BLOCK: usize = 32 << 10;

#[derive(Serialize, Deserialize)]
struct Marker {
    format: String,
    schema_version: u32,
}

/// An open newsidx index.
pub struct NewsIndex {
    dir: PathBuf,
    index: Index,
    mapping: Mapping,
    schema: NewsSchema,
    /// The entity table last read from its file, with the file's name and
    /// fingerprint: a process that lists entities again and again (`serve`)
    /// reads it once per commit.
    table: std::sync::Mutex<Option<(String, u64, std::sync::Arc<entity_table::EntityTable>)>>,
}

impl NewsIndex {
    /// Opens an existing index for reading.
    pub fn open(dir: &Path, mapping: Mapping) -> Result<NewsIndex> {
        if !dir.join("meta.json").is_file() && dir.join(MARKER_FILE).is_file() && has_segments(dir) {
            return Err(Error::Damaged {
                dir: dir.to_path_buf(),
                detail: "meta.json is missing".into(),
            });
        }
        if !dir.join("meta.json").is_file() {
            // Empty, or only what a run creating the index writes before
            // meta.json (a search racing the first `index`): no index yet,
            // not someone else's folder to remove.
            let empty = std::fs::read_dir(dir).map(|d| {
                d.flatten()
                    .all(|e| CREATION_LEFTOVERS.iter().any(|n| e.file_name() == *n))
            });
            return match empty {
                Ok(false) => Err(Error::NotAnIndex {
                    dir: dir.to_path_buf(),
                }),
                _ => Err(Error::NoIndex {
                    dir: dir.to_path_buf(),
                }),
            };
        }
        check_marker(dir)?;
        let index = Index::open_in_dir(dir).map_err(|e| Error::tantivy(dir, "cannot open the index", e))?;
        NewsIndex::wrap(dir, index, mapping)
    }

    /// Opens the index, creating it (and its folder) when there is none yet.
    pub fn open_or_create(dir: &Path, mapping: Mapping) -> Result<NewsIndex> {
        if dir.join("meta.json").is_file() || (dir.join(MARKER_FILE).is_file() && has_segments(dir)) {
            return NewsIndex::open(dir, mapping);
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // Empty, or what a run killed while creating the index left behind.
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let name = entry.map_err(|e| Error::io(dir, e))?.file_name();
            // An export's point and lock outlive a rebuild (`clear_damaged`):
            // ids are the archive's, so the next `export --changes` sends
            // only what the rebuilt index holds differently.
            let export_file = name.to_str().is_some_and(|n| {
                let n = n.strip_prefix('.').unwrap_or(n);
                n.starts_with("export-")
                    && [".point", ".lock", ".point.partial"]
                        .iter()
                        .any(|s| n.ends_with(s))
            });
            if !CREATION_LEFTOVERS.iter().any(|n| name == *n) && !export_file {
                return Err(Error::NotAnIndex {
                    dir: dir.to_path_buf(),
                });
            }
        }
        let marker = Marker {
            format: "newsidx".into(),
            schema_version: SCHEMA_VERSION,
        };
        let marker = serde_json::to_string_pretty(&marker).unwrap_or_default();
        std::fs::write(dir.join(MARKER_FILE), marker + "\n")
            .map_err(|e| Error::io(dir.join(MARKER_FILE), e))?;
        let schema = mapping.build();
        // Each indexing thread compresses its own stored documents. On a
        // thread of its own, compression woke up per 16 KiB block and put
        // an indexing thread off its core, a context switch each time
        // (docs/performance.md has what that cost).
        let settings = IndexSettings {
            docstore_compress_dedicated_thread: false,
            docstore_blocksize: DOCSTORE_BLOCK,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema.schema.clone())
            .settings(settings)
            .create_in_dir(dir)
            .map_err(|e| Error::tantivy(dir, "cannot create the index", e))?;
        NewsIndex::wrap(dir, index, mapping)
    }

    /// Removes a damaged index's files (tantivy's and newsidx's own, no
    /// others), so that `index --full` can build it again in its folder.
    /// Refused unless the folder is marked as a newsidx index.
    pub fn clear_damaged(dir: &Path) -> Result<()> {
        if !dir.join(MARKER_FILE).is_file() && !has_own_files(dir) {
            return Err(Error::NotAnIndex {
                dir: dir.to_path_buf(),
            });
        }
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name == "meta.json"
                || name == ".managed.json"
                || is_segment_file(&name)
                || is_own_binary(&name)
                || ["entity-overrides", "last-run.json"]
                    .iter()
                    .any(|p| name.starts_with(p));
            if ours {
                std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            }
        }
        Ok(())
    }

    /// What is damaged in the index at `dir`, found by the checksum tantivy
    /// ends each of its files with. Asked after a read failed or panicked,
    /// never on the way to a result: it reads the whole index. `None` when
    /// every file is as written (the failure was something else).
    pub fn damage(dir: &Path) -> Option<Error> {
        let as_damage = |e| match Error::tantivy(dir, "cannot check the index", e) {
            d @ Error::Damaged { .. } => Some(d),
            _ => None,
        };
        let index = match Index::open_in_dir(dir) {
            Ok(index) => index,
            Err(e) => return as_damage(e),
        };
        let bad = match index.validate_checksum() {
            Ok(bad) => bad,
            Err(e) => return as_damage(e),
        };
        let mut names: Vec<String> = bad
            .iter()
            .map(|p| {
                p.file_name()
                    .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
            })
            .collect();
        names.sort();
        let first = names.first()?;
        let detail = match names.len() {
            1 => format!("{first}: its checksum does not match its bytes"),
            n => format!(
                "{first} and {} more files: their checksums do not match their bytes",
                n - 1
            ),
        };
        Some(Error::Damaged {
            dir: dir.to_path_buf(),
            detail,
        })
    }

    fn wrap(dir: &Path, index: Index, mapping: Mapping) -> Result<NewsIndex> {
        let schema = mapping.build();
        let found = index.schema();
        if found != schema.schema {
            return Err(Error::SchemaMismatch {
                dir: dir.to_path_buf(),
                detail: schema_difference(&found, &schema.schema),
            });
        }
        crate::analysis::register_tokenizers(&index);
        index
            .tokenizers()
            .register(ENTITY_TOKENIZER, EntityTermsTokenizer::default());
        Ok(NewsIndex {
            dir: dir.to_path_buf(),
            index,
            mapping,
            schema,
            table: std::sync::Mutex::new(None),
        })
    }

    /// The copy of the user's entity overrides the last commit's articles
    /// were read with, if any.
    pub fn entity_overrides(&self) -> Option<PathBuf> {
        NewsIndex::committed_overrides(&self.dir)
    }

    /// The copy of the overrides the last commit of the index in `dir`
    /// names (read from its meta.json, so that no index need be opened),
    /// or the one an older newsidx kept beside it.
    pub fn committed_overrides(dir: &Path) -> Option<PathBuf> {
        let payload = commit_payload(dir)?;
        let path = match payload.get(update::OVERRIDES_KEY) {
            Some(serde_json::Value::String(name)) if is_overrides_file(name) => dir.join(name),
            Some(_) => return None,
            None => dir.join(LEGACY_OVERRIDES_FILE),
        };
        path.is_file().then_some(path)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn fields(&self) -> &Fields {
        &self.schema.fields
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// The one writer of the index. tantivy holds an OS lock on the folder
    /// while it lives; a second writer gets `Error::Locked`.
    /// At most `MAX_INDEXING_THREADS` indexing threads, tantivy's limit.
    pub fn writer(&self, threads: usize, heap_bytes: usize) -> Result<IndexWriter> {
        let threads = threads.clamp(1, MAX_INDEXING_THREADS);
        let heap = heap_bytes.max(threads * MIN_HEAP_PER_THREAD);
        let writer: IndexWriter = self
            .index
            .writer_with_num_threads(threads, heap)
            .map_err(|e| Error::tantivy(&self.dir, "cannot open a writer", e))?;
        writer.set_merge_policy(Box::new(merge::CappedMerges::default()));
        // Files a killed run's commit wrote before its meta.json (a
        // segment's `<id>.<opstamp>.del`) would have the names this run's
        // commit gives its own, and tantivy refuses to overwrite a file:
        // "FileAlreadyExists" (found by scripts/stress-reindex). They are
        // in no commit, so they go first.
        writer
            .garbage_collect_files()
            .wait()
            .map_err(|e| Error::tantivy(&self.dir, "cannot remove a killed run's files", e))?;
        Ok(writer)
    }

    /// A reader at the last commit; it does not follow later commits.
    pub fn reader(&self) -> Result<IndexReader> {
        self.reader_with(ReloadPolicy::Manual)
    }

    /// A reader that follows the index: each commit of an `index` run is
    /// seen within about a second (tantivy watches meta.json), for a process
    /// that outlives the runs (`serve`). It takes no lock.
    pub fn following_reader(&self) -> Result<IndexReader> {
        self.reader_with(ReloadPolicy::OnCommitWithDelay)
    }

    fn reader_with(&self, policy: ReloadPolicy) -> Result<IndexReader> {
        self.index
            .reader_builder()
            .reload_policy(policy)
            .try_into()
            .map_err(|e| Error::tantivy(&self.dir, "cannot read the index", e))
    }

    pub fn id_term(&self, id: &str) -> Term {
        Term::from_field_text(self.schema.fields.id, id)
    }

    /// The tantivy document for an article of the file `source`, whose
    /// content hash is `hash`.
    pub fn to_document(&self, a: &Article, found: &Found, source: &str, hash: u64) -> TantivyDocument {
        let f = &self.schema.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &a.id);
        doc.add_text(f.source, source);
        doc.add_u64(f.hash, hash);
        doc.add_text(f.path, &a.path);
        doc.add_text(f.archive, &a.archive);
        if let Some(section) = &a.section {
            doc.add_text(f.section, section);
        }
        if let Some(title) = &a.title {
            doc.add_text(f.title, title);
        }
        doc.add_text(f.body, &a.body);
        for caption in &a.captions {
            doc.add_text(f.captions, caption);
        }
        if let Some(byline) = &a.byline {
            doc.add_text(f.byline, byline);
        }
        if let Some(url) = &a.url {
            doc.add_text(f.url, url);
        }
        if let Some(published) = a.published {
            doc.add_date(
                f.published,
                tantivy::DateTime::from_timestamp_secs(published.timestamp()),
            );
        }
        doc.add_text(f.layout, a.layout.as_str());
        if let Some(language) = &a.language {
            doc.add_text(f.language, language);
        }
        let entities = &found.entities;
        if !entities.is_empty() {
            // One value per field, a line per entity: see `entity_terms`.
            let mut terms = String::with_capacity(entities.len() * 24);
            let mut in_title = String::new();
            for e in entities {
                entity_terms::push_line(&mut terms, e.kind, &e.name, e.mentions);
                if e.in_title {
                    entity_terms::push_line(&mut in_title, e.kind, &e.name, 1);
                }
            }
            for (a, b) in &found.aliases {
                entity_terms::push_alias(&mut terms, a, b);
            }
            doc.add_text(f.entity, &terms);
            if !in_title.is_empty() {
                doc.add_text(f.entity_title, &in_title);
            }
            doc.add_bytes(f.entities, &entity_list::encode(entities));
        }
        doc
    }

    /// An article as stored.
    pub fn stored(&self, doc: &TantivyDocument) -> StoredArticle {
        let f = &self.schema.fields;
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
        StoredArticle {
            id: text(f.id).unwrap_or_default(),
            path: text(f.path),
            archive: text(f.archive),
            section: text(f.section),
            title: text(f.title),
            published: doc
                .get_first(f.published)
                .and_then(|v| v.as_datetime())
                .and_then(|d| DateTime::from_timestamp(d.into_timestamp_secs(), 0)),
            byline: text(f.byline),
            url: text(f.url),
            layout: text(f.layout),
            language: text(f.language),
            captions: doc
                .get_all(f.captions)
                .filter_map(|v| match OwnedValue::from(v) {
                    OwnedValue::Str(s) => Some(s),
                    _ => None,
                })
                .collect(),
            body: text(f.body).unwrap_or_default(),
            entities: self.stored_entities(doc),
        }
    }

    /// The entity counts stored with an article.
    pub fn stored_entities(&self, doc: &TantivyDocument) -> Vec<EntityCount> {
        doc.get_first(self.schema.fields.entities)
            .and_then(|v| v.as_bytes())
            .map(entity_list::decode)
            .unwrap_or_default()
    }

    /// The stored article with this id, if any.
    pub fn get(&self, searcher: &Searcher, id: &str) -> Result<Option<StoredArticle>> {
        let query = TermQuery::new(self.id_term(id), IndexRecordOption::Basic);
        let found = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| Error::tantivy(&self.dir, "search failed", e))?;
        match found.first() {
            None => Ok(None),
            Some((_, address)) => {
                let doc: TantivyDocument = searcher
                    .doc(*address)
                    .map_err(|e| Error::tantivy(&self.dir, "cannot read a document", e))?;
                Ok(Some(self.stored(&doc)))
            }
        }
    }
}

/// Whether `name` is one of tantivy's segment files: 32 hex digits, a dot,
/// a component ("store", "idx", ...; "123.del" for deletes).
fn is_segment_file(name: &str) -> bool {
    name.split_once('.').is_some_and(|(id, ext)| {
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && !ext.is_empty()
    })
}

/// Whether the folder holds any of tantivy's segment files.
fn has_segments(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| is_segment_file(&e.file_name().to_string_lossy()))
    })
}

/// Whether the folder holds files only newsidx writes (the catalog, the
/// entity table and names, the last run's report).
fn has_own_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name == "last-run.json" || (name.ends_with(".bin") && is_own_binary(&name))
        })
    })
}

/// Whether `name` starts like the binary files only newsidx writes: the
/// catalog, the entity table, the names `--entity` resolves with.
fn is_own_binary(name: &str) -> bool {
    ["catalog-", "entities-", "entity-names-"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// tantivy's limit on a writer's indexing threads.
pub const MAX_INDEXING_THREADS: usize = 8;

/// Where an older newsidx kept the copy of the user's entity overrides.
const LEGACY_OVERRIDES_FILE: &str = "entity-overrides.tsv";
const OVERRIDES_PREFIX: &str = "entity-overrides-";
const OVERRIDES_SUFFIX: &str = ".tsv";

/// The copy of the overrides a commit keeps.
fn overrides_file_name(opstamp: u64) -> String {
    format!("{OVERRIDES_PREFIX}{opstamp}{OVERRIDES_SUFFIX}")
}

fn is_overrides_file(name: &str) -> bool {
    name.strip_prefix(OVERRIDES_PREFIX)
        .and_then(|rest| rest.strip_suffix(OVERRIDES_SUFFIX))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// What the last commit recorded beside its documents (the archives, the
/// overrides copy), read from meta.json without opening the index: a search
/// needs it before it opens one.
fn commit_payload(dir: &Path) -> Option<serde_json::Value> {
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("meta.json")).ok()?).ok()?;
    serde_json::from_str(meta.get("payload")?.as_str()?).ok()
}

/// Whether `name` is a copy of the overrides: any commit's, the legacy
/// one, or a temporary file.
fn is_overrides_copy(name: &str) -> bool {
    is_overrides_file(name) || name == LEGACY_OVERRIDES_FILE || name.ends_with(".tsv.tmp")
}

/// The indexed term of an entity: `person:kim jong un`.
pub fn entity_term(kind: Kind, name: &str) -> String {
    let mut term = String::with_capacity(kind.as_str().len() + 1 + name.len());
    entity_terms::push_term(&mut term, kind, name);
    term
}

/// An article read back from the index.
#[derive(Debug, Clone, Serialize)]
pub struct StoredArticle {
    pub id: String,
    pub path: Option<String>,
    pub archive: Option<String>,
    pub section: Option<String>,
    pub title: Option<String>,
    #[serde(serialize_with = "crate::rfc3339::serialize_opt")]
    pub published: Option<DateTime<Utc>>,
    pub byline: Option<String>,
    pub url: Option<String>,
    pub layout: Option<String>,
    pub language: Option<String>,
    pub captions: Vec<String>,
    pub body: String,
    pub entities: Vec<EntityCount>,
}

fn check_marker(dir: &Path) -> Result<()> {
    let path = dir.join(MARKER_FILE);
    // A folder with newsidx's own files beside tantivy's is an index whose
    // marker was damaged or lost, not someone else's folder: the way out is
    // a rebuild, not "choose another --index".
    let lost = |detail: String| {
        if has_own_files(dir) {
            Error::Damaged {
                dir: dir.to_path_buf(),
                detail,
            }
        } else {
            Error::NotAnIndex {
                dir: dir.to_path_buf(),
            }
        }
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(lost(format!("{MARKER_FILE} is missing")))
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    let marker: Marker = serde_json::from_slice(&bytes).map_err(|e| {
        lost(format!(
            "{MARKER_FILE}: {}",
            crate::error::tidy_message(&e.to_string())
        ))
    })?;
    if marker.format != "newsidx" {
        return Err(Error::NotAnIndex {
            dir: dir.to_path_buf(),
        });
    }
    if marker.schema_version != SCHEMA_VERSION {
        return Err(Error::SchemaMismatch {
            dir: dir.to_path_buf(),
            detail: format!(
                "schema version {}, this newsidx writes version {SCHEMA_VERSION}",
                marker.schema_version
            ),
        });
    }
    Ok(())
}

/// Names the fields that differ between two schemas.
fn schema_difference(found: &tantivy::schema::Schema, expected: &tantivy::schema::Schema) -> String {
    let mut diffs = Vec::new();
    for (_, entry) in expected.fields() {
        match found.get_field(entry.name()) {
            Err(_) => diffs.push(format!("`{}` is missing", entry.name())),
            Ok(field) if found.get_field_entry(field) != entry => {
                diffs.push(format!("`{}` is indexed differently", entry.name()))
            }
            Ok(_) => {}
        }
    }
    for (_, entry) in found.fields() {
        if expected.get_field(entry.name()).is_err() {
            diffs.push(format!("`{}` is not in the mapping", entry.name()));
        }
    }
    if diffs.is_empty() {
        "fields are in another order".into()
    } else {
        diffs.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_indexes_compress_stored_documents_on_the_indexing_threads() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("idx");
        let index = NewsIndex::open_or_create(&dir, Mapping::load(None).unwrap()).unwrap();
        assert!(!index.tantivy().settings().docstore_compress_dedicated_thread);
        assert_eq!(index.tantivy().settings().docstore_blocksize, DOCSTORE_BLOCK);
        // The settings are the index's own: they hold when opened again.
        drop(index);
        let index = NewsIndex::open_or_create(&dir, Mapping::load(None).unwrap()).unwrap();
        assert!(!index.tantivy().settings().docstore_compress_dedicated_thread);
        assert_eq!(index.tantivy().settings().docstore_blocksize, DOCSTORE_BLOCK);
    }
}
