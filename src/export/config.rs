//! Index definitions for other engines, made from the exported field list (and so from the field mapping in schema/): an Elasticsearch/OpenSearch mapping, a Quickwit index config, a tantivy-cli meta.json.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::{check_name, fields, ExportField};
use crate::error::Result;
use crate::schema::{FieldKind, Mapping};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Elasticsearch or OpenSearch: the body of `PUT /NAME`.
    Elasticsearch,
    /// Quickwit: the YAML for `quickwit index create --index-config`.
    Quickwit,
    /// tantivy-cli: the meta.json of an empty index folder.
    Tantivy,
}

/// The definition of an index `name` that takes what `export` writes.
pub fn engine_config(mapping: &Mapping, engine: Engine, name: &str) -> Result<String> {
    check_name(name)?;
    let fields = fields(mapping);
    Ok(match engine {
        Engine::Elasticsearch => pretty(&elasticsearch(&fields)),
        Engine::Quickwit => quickwit(&fields, name),
        Engine::Tantivy => pretty(&tantivy(&fields)),
    })
}

fn pretty(value: &Value) -> String {
    // A Value always serialises.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// The normalizer of case-insensitive keyword fields.
const LOWERCASE: &str = "newsidx_lowercase";

fn elasticsearch(fields: &[ExportField]) -> Value {
    let mut properties = Map::new();
    for f in fields {
        // Arrays need nothing of their own: any field takes many values.
        let property = match f.kind {
            FieldKind::Text => json!({ "type": "text", "analyzer": "english" }),
            FieldKind::Keyword => json!({ "type": "keyword" }),
            FieldKind::KeywordCi => json!({ "type": "keyword", "normalizer": LOWERCASE }),
            FieldKind::Date => json!({ "type": "date", "format": "strict_date_optional_time" }),
        };
        properties.insert(f.name.to_string(), property);
    }
    let mut config = json!({
        // A field newsidx does not write is a mistake, not a new field.
        "mappings": { "dynamic": "strict", "properties": properties },
    });
    if fields.iter().any(|f| f.kind == FieldKind::KeywordCi) {
        config["settings"] = json!({
            "analysis": {
                "normalizer": { LOWERCASE: { "type": "custom", "filter": ["lowercase"] } }
            }
        });
    }
    config
}

fn quickwit(fields: &[ExportField], name: &str) -> String {
    let mut y = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(y, "version: 0.8");
    let _ = writeln!(y, "index_id: {name}");
    let _ = writeln!(y, "doc_mapping:");
    let _ = writeln!(y, "  mode: strict");
    let _ = writeln!(y, "  field_mappings:");
    for f in fields {
        let _ = writeln!(y, "    - name: {}", f.name);
        let ty = match (f.kind, f.many) {
            (FieldKind::Date, _) => "datetime",
            (_, true) => "array<text>",
            (_, false) => "text",
        };
        let _ = writeln!(y, "      type: {ty}");
        match f.kind {
            FieldKind::Text => {
                let _ = writeln!(y, "      tokenizer: default");
                let _ = writeln!(y, "      record: position");
            }
            FieldKind::Keyword | FieldKind::KeywordCi => {
                let _ = writeln!(y, "      tokenizer: raw");
            }
            FieldKind::Date => {
                let _ = writeln!(y, "      input_formats: [rfc3339]");
                let _ = writeln!(y, "      output_format: rfc3339");
                let _ = writeln!(y, "      fast_precision: seconds");
            }
        }
        if f.fast || f.kind == FieldKind::Date {
            let _ = writeln!(y, "      fast: true");
        }
    }
    // No timestamp_field: Quickwit drops every document without one (0.6 to
    // 0.9, doc_processor.rs `extract_timestamp`), and archives hold undated
    // articles. The date is still a fast field for range queries.
    if let Some(date) = fields.iter().find(|f| f.kind == FieldKind::Date) {
        let _ = writeln!(
            y,
            "  # timestamp_field: {} -- only if every article is dated: Quickwit drops documents without it",
            date.name
        );
    }
    let search: Vec<&str> = fields
        .iter()
        .filter(|f| f.default_search)
        .map(|f| f.name)
        .collect();
    let _ = writeln!(y, "search_settings:");
    let _ = writeln!(y, "  default_search_fields: [{}]", search.join(", "));
    y
}

fn tantivy(fields: &[ExportField]) -> Value {
    let schema: Vec<Value> = fields
        .iter()
        .map(|f| match f.kind {
            FieldKind::Date => json!({
                "name": f.name,
                "type": "date",
                "options": { "indexed": true, "fieldnorms": false, "fast": f.fast, "stored": true, "precision": "seconds" },
            }),
            kind => {
                let (tokenizer, record) = if kind == FieldKind::Text {
                    ("en_stem", "position")
                } else {
                    ("raw", "basic")
                };
                json!({
                    "name": f.name,
                    "type": "text",
                    "options": {
                        "indexing": { "record": record, "fieldnorms": kind == FieldKind::Text, "tokenizer": tokenizer },
                        "stored": true,
                        "fast": false,
                    },
                })
            }
        })
        .collect();
    json!({
        "index_settings": { "docstore_compression": "lz4", "docstore_blocksize": 16384 },
        "segments": [],
        "schema": schema,
        "opstamp": 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exported_field_is_in_every_definition() {
        let mapping = Mapping::load(None).unwrap();
        let names: Vec<&str> = fields(&mapping).iter().map(|f| f.name).collect();
        assert!(names.iter().all(|n| !n.contains('.')));
        let es: Value =
            serde_json::from_str(&engine_config(&mapping, Engine::Elasticsearch, "news").unwrap()).unwrap();
        let props = es["mappings"]["properties"].as_object().unwrap();
        assert_eq!(props.len(), names.len());
        assert_eq!(props["body"]["analyzer"], "english");
        assert_eq!(props["section"]["normalizer"], LOWERCASE);
        assert_eq!(props["published"]["type"], "date");
        assert_eq!(props["persons"]["type"], "keyword");
        let meta: Value =
            serde_json::from_str(&engine_config(&mapping, Engine::Tantivy, "news").unwrap()).unwrap();
        let tantivy_names: Vec<&str> = meta["schema"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(tantivy_names, names);
        assert!(engine_config(&mapping, Engine::Quickwit, "News").is_err());
    }
}
