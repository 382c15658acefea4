//! Changing an index in place: what it holds for each file, commits that carry the catalog, the record of the last run.

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;
use tantivy::columnar::{Column, StrColumn};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocId, DocSet, IndexWriter, Searcher, SegmentReader, TantivyDocument, Term, TERMINATED,
};

use super::{NewsIndex, StoredArticle};
use crate::catalog::{self, Catalog, Changes};
use crate::error::{Error, Result};

/// The key of the commit payload that names the catalog file.
const CATALOG_KEY: &str = "catalog";
/// The key of the commit payload that lists the archive folders and their
/// id prefixes, as the catalog does: a lost or damaged catalog must not
/// make the index forget them (a run naming one archive would then give it
/// the prefix of a lone archive and delete every other archive's articles).
const ARCHIVES_KEY: &str = "archives";
/// `Snapshot::documents_of`'s hash of an id found twice (a content hash
/// equals it for one article in 2^64).
pub const DUPLICATED: u64 = u64::MAX;
/// The key of the commit payload that names the copy of the entity
/// overrides its articles were read with (null: none).
pub(super) const OVERRIDES_KEY: &str = "overrides";
/// The last run's summary, rewritten by every run (commit or not).
const LAST_RUN_FILE: &str = "last-run.json";

impl NewsIndex {
    /// The catalog named by the last commit. `Ok(None)` when the index has
    /// documents but no readable catalog: every file must then be read again
    /// (the index, not the catalog, is the truth about documents).
    pub fn catalog(&self) -> Result<Option<Catalog>> {
        let payload = super::commit_payload(&self.dir);
        let name = payload
            .as_ref()
            .and_then(|p| p.get(CATALOG_KEY))
            .and_then(Json::as_str);
        match name {
            Some(name) if !name.contains('/') => Ok(Catalog::read(&self.dir.join(name)).ok()),
            _ => Ok(None),
        }
    }

    /// The archive folders the last commit holds, from its payload (an
    /// index committed by an older newsidx has none there).
    pub fn committed_archives(&self) -> Result<Vec<catalog::ArchiveEntry>> {
        let payload = super::commit_payload(&self.dir);
        let list = payload
            .as_ref()
            .and_then(|p| p.get(ARCHIVES_KEY))
            .and_then(Json::as_array);
        Ok(list
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some(catalog::ArchiveEntry {
                    canonical: a.get("canonical")?.as_str()?.to_string(),
                    prefix: a.get("prefix")?.as_str()?.to_string(),
                })
            })
            .collect())
    }

    /// The summary of the last run that finished (or was stopped by a
    /// signal), changes or not.
    pub fn last_run(&self) -> Option<Json> {
        let text = std::fs::read_to_string(self.dir.join(LAST_RUN_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Records a run's summary, replacing the last in one rename. Not
    /// flushed to the disk: only `stats` reads it, and takes a file a power
    /// cut emptied for none, while its two flushes were waits on the disk
    /// in a run that otherwise may write nothing.
    pub fn save_last_run(&self, run: &Json) -> Result<()> {
        let path = self.dir.join(LAST_RUN_FILE);
        let text = serde_json::to_string_pretty(run).unwrap_or_default() + "\n";
        crate::replace::replace_file_unsynced(&path, text.as_bytes())
    }

    /// Commits what `writer` holds together with `catalog` (with `changes`,
    /// and without the entries of the files `in_flight`): the catalog file
    /// is on disk before meta.json names it, and replaced catalogs are
    /// removed only after.
    pub fn commit(
        &self,
        writer: &mut IndexWriter,
        catalog: &Catalog,
        changes: &Changes,
        in_flight: &HashSet<String>,
        overrides: Option<&str>,
        complete: bool,
    ) -> Result<()> {
        let failed = |e| Error::tantivy(&self.dir, "cannot commit", e);
        let mut prepared = writer.prepare_commit().map_err(failed)?;
        let name = catalog::file_name(prepared.opstamp());
        catalog.write(changes, in_flight, complete, &self.dir.join(&name))?;
        // The overrides the commit's articles were read with, named by it:
        // a search resolves names with exactly these, whenever a run stops.
        let overrides_name = match overrides {
            Some(text) => {
                let file = super::overrides_file_name(prepared.opstamp());
                crate::replace::replace_file(&self.dir.join(&file), text.as_bytes())?;
                Some(file)
            }
            None => None,
        };
        crate::crashtest::point("catalog");
        let archives: Vec<Json> = catalog
            .archives
            .iter()
            .map(|a| serde_json::json!({ "canonical": a.canonical, "prefix": a.prefix }))
            .collect();
        let payload = serde_json::json!({
            CATALOG_KEY: name,
            ARCHIVES_KEY: archives,
            OVERRIDES_KEY: overrides_name,
        });
        prepared.set_payload(&payload.to_string());
        prepared.commit().map_err(failed)?;
        crate::crashtest::point("commit");
        catalog::remove_others(&self.dir, &name);
        crate::replace::remove_others(&self.dir, super::is_overrides_copy, overrides_name.as_deref());
        Ok(())
    }

    pub fn source_term(&self, source: &str) -> Term {
        Term::from_field_text(self.schema.fields.source, source)
    }
}

/// The index as the run found it: the answers an incremental run needs
/// about what is already there. Safe to share between threads.
pub struct Snapshot<'a> {
    index: &'a NewsIndex,
    searcher: Searcher,
}

impl<'a> Snapshot<'a> {
    pub fn new(index: &'a NewsIndex) -> Result<Snapshot<'a>> {
        Ok(Snapshot {
            index,
            searcher: index.reader()?.searcher(),
        })
    }

    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn failed(&self, e: impl std::fmt::Display) -> Error {
        Error::Index {
            dir: self.index.dir.clone(),
            what: "cannot read the index",
            message: e.to_string(),
        }
    }

    /// Calls `f` with each segment's live documents holding `source`.
    fn for_each_doc(
        &self,
        source: &str,
        mut f: impl FnMut(&SegmentReader, &[DocId]) -> Result<()>,
    ) -> Result<()> {
        let term = self.index.source_term(source);
        let mut docs = Vec::new();
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(term.field()).map_err(|e| self.failed(e))?;
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::Basic)
                .map_err(|e| self.failed(e))?
            else {
                continue;
            };
            let alive = segment.alive_bitset();
            docs.clear();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    docs.push(doc);
                }
                doc = postings.advance();
            }
            if !docs.is_empty() {
                f(segment, &docs)?;
            }
        }
        Ok(())
    }

    /// The ids and content hashes of the documents of one file; an id the
    /// index holds more than once has `DUPLICATED` for its hash, which no
    /// article's equals, so that the file's next read replaces them with
    /// one.
    pub fn documents_of(&self, source: &str) -> Result<HashMap<String, u64>> {
        let mut docs = HashMap::new();
        self.for_each_doc(source, |segment, found| {
            let columns = IdColumns::of(segment, self)?;
            for doc in found {
                if let Some((id, hash)) = columns.get(*doc, self)? {
                    docs.entry(id).and_modify(|h| *h = DUPLICATED).or_insert(hash);
                }
            }
            Ok(())
        })?;
        Ok(docs)
    }

    /// The id and content hash of every live document, in index order.
    pub fn documents(&self) -> Result<Vec<(String, u64)>> {
        let mut docs = Vec::with_capacity(self.num_docs() as usize);
        self.for_each_document(|_, id, hash| {
            docs.push((id.to_string(), hash));
            Ok(())
        })?;
        Ok(docs)
    }

    /// Calls `f` with the address, id and content hash of every live
    /// document, in index order, reading no stored document.
    pub fn for_each_document(&self, mut f: impl FnMut(DocAddress, &str, u64) -> Result<()>) -> Result<()> {
        for (ord, segment) in self.searcher.segment_readers().iter().enumerate() {
            let columns = IdColumns::of(segment, self)?;
            for doc in segment.doc_ids_alive() {
                if let Some((id, hash)) = columns.get(doc, self)? {
                    f(DocAddress::new(ord as u32, doc), &id, hash)?;
                }
            }
        }
        Ok(())
    }

    /// The stored article at `address`.
    pub fn article(&self, address: DocAddress) -> Result<StoredArticle> {
        let doc: TantivyDocument = self.searcher.doc(address).map_err(|e| self.failed(e))?;
        Ok(self.index.stored(&doc))
    }

    /// The archive's entity table as this snapshot sees it.
    pub fn entity_table(&self) -> Result<std::sync::Arc<super::entity_table::EntityTable>> {
        self.index.entity_table(&self.searcher)
    }

    /// The stored article at `address`, its entities under the archive's
    /// names (`spellings` keeps the names looked up so far).
    pub fn canonical_article(
        &self,
        address: DocAddress,
        table: &super::entity_table::EntityTable,
        spellings: &mut std::collections::HashMap<String, String>,
    ) -> Result<StoredArticle> {
        let mut article = self.article(address)?;
        article.entities = super::entity_table::canonical_entities(
            self.index,
            &self.searcher,
            table,
            std::mem::take(&mut article.entities),
            spellings,
        )?;
        Ok(article)
    }

    /// How many documents came from one file.
    pub fn count_of(&self, source: &str) -> Result<u64> {
        let mut n = 0;
        self.for_each_doc(source, |_, found| {
            n += found.len() as u64;
            Ok(())
        })?;
        Ok(n)
    }

    /// Every file that has documents in the index (a file may be named
    /// more than once, once per segment).
    pub fn sources(&self, mut f: impl FnMut(&str)) -> Result<()> {
        let field = self.index.fields().source;
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(field).map_err(|e| self.failed(e))?;
            let mut terms = inverted.terms().stream().map_err(|e| self.failed(e))?;
            while terms.advance() {
                if let Ok(source) = std::str::from_utf8(terms.key()) {
                    f(source);
                }
            }
        }
        Ok(())
    }
}

/// A segment's id and hash columns: what identifies a document and tells
/// whether it changed, read without touching the stored documents.
struct IdColumns {
    ids: StrColumn,
    hashes: Column<u64>,
}

impl IdColumns {
    fn of(segment: &SegmentReader, snapshot: &Snapshot) -> Result<IdColumns> {
        let fast = segment.fast_fields();
        Ok(IdColumns {
            ids: fast
                .str("id")
                .map_err(|e| snapshot.failed(e))?
                .ok_or_else(|| snapshot.failed("the id field is not fast"))?,
            hashes: fast.u64("hash").map_err(|e| snapshot.failed(e))?,
        })
    }

    fn get(&self, doc: DocId, snapshot: &Snapshot) -> Result<Option<(String, u64)>> {
        let Some(ord) = self.ids.term_ords(doc).next() else {
            return Ok(None);
        };
        let mut id = String::new();
        self.ids
            .ord_to_str(ord, &mut id)
            .map_err(|e| snapshot.failed(e))?;
        Ok(Some((id, self.hashes.first(doc).unwrap_or(0))))
    }
}
