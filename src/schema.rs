//! The field mapping (schema/newsidx.toml): loads it, builds the tantivy schema once and hands out typed fields.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED,
};

use crate::analysis::{ENTITY_TOKENIZER, KEYWORD_CI_TOKENIZER, TEXT_TOKENIZER};
use crate::error::{Error, Result};

/// The mapping compiled into the binary.
pub const DEFAULT_MAPPING: &str = include_str!("../schema/newsidx.toml");
/// `DEFAULT_MAPPING` as JSON (build.rs): what `Mapping::builtin` reads.
const DEFAULT_MAPPING_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/newsidx.json"));

/// The mapping version this binary understands.
pub const SCHEMA_VERSION: u32 = 1;

/// The fields the code works with. The mapping sets their options; it cannot
/// add or remove any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Id,
    Path,
    Archive,
    Section,
    Title,
    Body,
    Captions,
    Byline,
    Url,
    Published,
    Layout,
    Language,
}

impl Role {
    /// Every role, in the order the tantivy schema lists them.
    pub const ALL: [Role; 12] = [
        Role::Id,
        Role::Path,
        Role::Archive,
        Role::Section,
        Role::Title,
        Role::Body,
        Role::Captions,
        Role::Byline,
        Role::Url,
        Role::Published,
        Role::Layout,
        Role::Language,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Path => "path",
            Role::Archive => "archive",
            Role::Section => "section",
            Role::Title => "title",
            Role::Body => "body",
            Role::Captions => "captions",
            Role::Byline => "byline",
            Role::Url => "url",
            Role::Published => "published",
            Role::Layout => "layout",
            Role::Language => "language",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// How a field is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Keyword,
    KeywordCi,
    Date,
}

/// One `[fields.NAME]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub stored: bool,
    #[serde(default)]
    pub fast: bool,
    #[serde(default)]
    pub search: bool,
    #[serde(default)]
    pub boost: Option<f32>,
    /// JSON keys feeding this field, lower-cased at load time.
    #[serde(default)]
    pub keys: Vec<String>,
}

/// `[layout]`: how text files are told apart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutRules {
    pub wire_marker: String,
    pub section_max_words: usize,
    pub section_max_chars: usize,
    pub headline_max_words: usize,
    #[serde(default)]
    pub known_sections: Vec<String>,
    pub byline_pattern: String,
}

/// `[html]`: how saved web pages are read (`ingest::html`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HtmlRulesFile {
    /// Metadata sources, most trusted first: json-ld, opengraph, meta, time.
    pub metadata: Vec<String>,
    /// Class names and ids of page furniture left out of the body, on top
    /// of what the extractor knows.
    pub boilerplate_classes: Vec<String>,
    pub max_depth: usize,
    pub min_words: usize,
}

impl Default for HtmlRulesFile {
    fn default() -> Self {
        HtmlRulesFile {
            metadata: ["json-ld", "opengraph", "meta", "time"]
                .map(String::from)
                .to_vec(),
            boilerplate_classes: Vec::new(),
            max_depth: 512,
            min_words: 10,
        }
    }
}

/// `[captions]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptionRules {
    pub credit_patterns: Vec<String>,
}

/// `[boilerplate]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoilerplateRules {
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// `[dates]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRules {
    /// Zone abbreviation -> minutes east of UTC.
    pub zones: HashMap<String, i32>,
}

/// `[sections]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRules {
    #[serde(default)]
    pub not_sections: Vec<String>,
}

/// `[wire]`: news-agency furniture kept in the text but left out of
/// entity extraction (`ingest::rules`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRules {
    #[serde(default)]
    pub instrument_patterns: Vec<String>,
    #[serde(default)]
    pub dateline_patterns: Vec<String>,
    #[serde(default)]
    pub heading_patterns: Vec<String>,
    #[serde(default)]
    pub credit_patterns: Vec<String>,
}

/// The text rules: parsing only, no effect on the index structure.
#[derive(Debug, Clone)]
pub struct TextRules {
    pub layout: LayoutRules,
    pub captions: CaptionRules,
    pub boilerplate: BoilerplateRules,
    pub wire: WireRules,
    pub dates: DateRules,
    pub sections: SectionRules,
    pub entities: EntityRules,
    pub html: HtmlRulesFile,
}

/// `[entities]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRules {
    #[serde(default = "yes")]
    pub demonyms_as_country: bool,
    #[serde(default)]
    pub compass: BTreeMap<String, String>,
    /// Words that end a company's name without naming it ("Inc", "Corp"):
    /// "General Motors Corp." is General Motors (`index::entity_table`).
    #[serde(default)]
    pub legal_suffixes: Vec<String>,
    /// The share of the articles naming a full name with a surname (or an
    /// organisation with a first word) that one of them must have for the
    /// surname alone to be that one, archive-wide.
    #[serde(default = "default_short_form_share")]
    pub short_form_share: f64,
    /// Words never listed as a name when found alone ("The").
    #[serde(default)]
    pub not_names: Vec<String>,
    /// Words between two names that say they are one entity ("also known
    /// as", "formal name").
    #[serde(default)]
    pub alias_cues: Vec<String>,
    /// The share of the articles naming a name that must say it is
    /// another for the two to be one entity archive-wide.
    #[serde(default = "default_alias_share")]
    pub alias_share: f64,
}

fn default_alias_share() -> f64 {
    0.5
}

fn yes() -> bool {
    true
}

fn default_short_form_share() -> f64 {
    0.8
}

impl Default for EntityRules {
    fn default() -> Self {
        EntityRules {
            demonyms_as_country: true,
            compass: BTreeMap::new(),
            legal_suffixes: Vec::new(),
            short_form_share: default_short_form_share(),
            not_names: Vec::new(),
            alias_cues: Vec::new(),
            alias_share: default_alias_share(),
        }
    }
}

impl EntityRules {
    /// `key()`s of the legal suffixes, as names are compared with them.
    pub fn suffix_keys(&self) -> Vec<String> {
        self.legal_suffixes
            .iter()
            .map(|s| crate::entities::dictionary::key(s))
            .collect()
    }

    pub fn settings(&self) -> crate::entities::Settings {
        crate::entities::Settings {
            demonyms_as_country: self.demonyms_as_country,
            compass: self
                .compass
                .iter()
                .map(|(abbr, full)| {
                    (
                        crate::entities::dictionary::key(abbr),
                        crate::entities::dictionary::key(full),
                    )
                })
                .collect(),
            alias_cues: self.alias_cues.iter().map(|c| c.to_lowercase()).collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    version: u32,
    fields: BTreeMap<String, FieldSpec>,
    layout: LayoutRules,
    captions: CaptionRules,
    boilerplate: BoilerplateRules,
    #[serde(default)]
    wire: WireRules,
    dates: DateRules,
    sections: SectionRules,
    #[serde(default)]
    entities: EntityRules,
    #[serde(default)]
    html: HtmlRulesFile,
}

/// A loaded, checked mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    specs: BTreeMap<Role, FieldSpec>,
    pub rules: TextRules,
    /// xxh3 of the mapping's text: a changed mapping re-reads every file.
    pub fingerprint: u64,
}

impl Mapping {
    /// The mapping compiled into the binary.
    pub fn builtin() -> Result<Mapping> {
        let origin = "built-in schema/newsidx.toml";
        let file: MappingFile = serde_json::from_str(DEFAULT_MAPPING_JSON).map_err(|e| Error::Mapping {
            origin: origin.to_string(),
            reason: e.to_string(),
        })?;
        Mapping::from_file(file, DEFAULT_MAPPING, origin)
    }

    /// `path` if given, else the built-in mapping.
    pub fn load(path: Option<&Path>) -> Result<Mapping> {
        match path {
            None => Mapping::builtin(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                Mapping::parse(&text, &path.display().to_string())
            }
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Mapping> {
        let bad = |reason: String| Error::Mapping {
            origin: origin.to_string(),
            reason,
        };
        let file: MappingFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        Mapping::from_file(file, text, origin)
    }

    /// The checks of a parsed mapping; `text` is what its fingerprint is
    /// taken of.
    fn from_file(file: MappingFile, text: &str, origin: &str) -> Result<Mapping> {
        let bad = |reason: String| Error::Mapping {
            origin: origin.to_string(),
            reason,
        };
        if file.version != SCHEMA_VERSION {
            return Err(bad(format!(
                "version {} is not the version this newsidx reads ({SCHEMA_VERSION})",
                file.version
            )));
        }
        let mut specs = BTreeMap::new();
        for (name, mut spec) in file.fields {
            let role = Role::from_name(&name).ok_or_else(|| {
                bad(format!(
                    "unknown field `{name}` (the fields are: {})",
                    Role::ALL.map(Role::name).join(", ")
                ))
            })?;
            spec.keys = spec.keys.iter().map(|k| k.to_lowercase()).collect();
            if spec.boost.is_some_and(|b| !(b.is_finite() && b > 0.0)) {
                return Err(bad(format!("field `{name}`: boost must be a positive number")));
            }
            specs.insert(role, spec);
        }
        if let Some(missing) = Role::ALL.into_iter().find(|r| !specs.contains_key(r)) {
            return Err(bad(format!("field `{}` is missing", missing.name())));
        }
        let expect = |role: Role, ok: &[FieldKind]| -> Result<()> {
            let kind = specs[&role].kind;
            if ok.contains(&kind) {
                Ok(())
            } else {
                Err(bad(format!("field `{}` cannot have type {kind:?}", role.name())))
            }
        };
        use FieldKind::*;
        expect(Role::Id, &[Keyword])?;
        expect(Role::Published, &[Date])?;
        for role in [
            Role::Path,
            Role::Archive,
            Role::Url,
            Role::Layout,
            Role::Section,
            Role::Language,
        ] {
            expect(role, &[Keyword, KeywordCi])?;
        }
        for role in [Role::Title, Role::Body, Role::Captions, Role::Byline] {
            expect(role, &[Text, Keyword, KeywordCi])?;
        }
        for role in [Role::Id, Role::Title, Role::Body] {
            if !specs[&role].stored {
                return Err(bad(format!("field `{}` must be stored", role.name())));
            }
        }
        if !specs[&Role::Id].fast {
            return Err(bad("field `id` must be fast (re-indexing reads it)".into()));
        }
        Ok(Mapping {
            specs,
            fingerprint: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            rules: TextRules {
                layout: file.layout,
                captions: file.captions,
                boilerplate: file.boilerplate,
                wire: file.wire,
                dates: file.dates,
                sections: file.sections,
                entities: file.entities,
                html: file.html,
            },
        })
    }

    pub fn spec(&self, role: Role) -> &FieldSpec {
        // Every role is present: `parse` refuses a mapping without one.
        &self.specs[&role]
    }

    /// JSON keys that feed `role`, lower-cased, in priority order.
    pub fn keys(&self, role: Role) -> &[String] {
        &self.spec(role).keys
    }

    /// Builds the tantivy schema this mapping describes.
    pub fn build(&self) -> NewsSchema {
        let mut builder = Schema::builder();
        let mut fields = HashMap::new();
        for role in Role::ALL {
            let spec = self.spec(role);
            let name = role.name();
            let field = match spec.kind {
                FieldKind::Date => {
                    let mut opts = DateOptions::from(INDEXED).set_precision(DateTimePrecision::Seconds);
                    if spec.stored {
                        opts = opts.set_stored();
                    }
                    if spec.fast {
                        opts = opts | FAST;
                    }
                    builder.add_date_field(name, opts)
                }
                kind => builder.add_text_field(name, text_options(kind, spec)),
            };
            fields.insert(role, field);
        }
        // The entity fields are not the mapping's to change: search and the
        // `entities` command depend on exactly this indexing.
        let untokenized = |tokenizer, record| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(record)
                    .set_fieldnorms(false),
            )
        };
        let raw = |record| untokenized("raw", record);
        let entity = builder.add_text_field(
            "entity",
            untokenized(ENTITY_TOKENIZER, IndexRecordOption::WithFreqs),
        );
        let entity_title = builder.add_text_field(
            "entity_title",
            untokenized(ENTITY_TOKENIZER, IndexRecordOption::Basic),
        );
        let entities = builder.add_bytes_field("entities", STORED);
        // The catalog's view from inside the index: which file each document
        // came from (to replace or delete a file's documents in one term) and
        // the hash of what was indexed (to leave unchanged records alone).
        let source = builder.add_text_field("source", raw(IndexRecordOption::Basic));
        let hash = builder.add_u64_field("hash", FAST);
        let field = |r: Role| fields[&r];
        NewsSchema {
            schema: builder.build(),
            fields: Fields {
                id: field(Role::Id),
                path: field(Role::Path),
                archive: field(Role::Archive),
                section: field(Role::Section),
                title: field(Role::Title),
                body: field(Role::Body),
                captions: field(Role::Captions),
                byline: field(Role::Byline),
                url: field(Role::Url),
                published: field(Role::Published),
                layout: field(Role::Layout),
                language: field(Role::Language),
                entity,
                entity_title,
                entities,
                source,
                hash,
            },
        }
    }

    /// Fields searched by words that name no field, with their boosts.
    pub fn default_search_fields(&self, fields: &Fields) -> Vec<(Field, f32)> {
        Role::ALL
            .into_iter()
            .filter(|r| self.spec(*r).search)
            .map(|r| (fields.get(r), self.spec(r).boost.unwrap_or(1.0)))
            .collect()
    }
}

fn text_options(kind: FieldKind, spec: &FieldSpec) -> TextOptions {
    let (tokenizer, record) = match kind {
        FieldKind::Text => (TEXT_TOKENIZER, IndexRecordOption::WithFreqsAndPositions),
        FieldKind::KeywordCi => (KEYWORD_CI_TOKENIZER, IndexRecordOption::Basic),
        _ => ("raw", IndexRecordOption::Basic),
    };
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(record)
        .set_fieldnorms(kind == FieldKind::Text);
    let mut opts = TextOptions::default().set_indexing_options(indexing);
    if spec.stored {
        opts = opts | STORED;
    }
    if spec.fast {
        // Fast text columns hold the normalised term, so they can only use
        // whole-value tokenizers.
        let fast_tokenizer = if kind == FieldKind::KeywordCi {
            KEYWORD_CI_TOKENIZER
        } else {
            "raw"
        };
        opts = opts.set_fast(fast_tokenizer);
    }
    opts
}

/// The tantivy schema plus a handle per role.
#[derive(Debug, Clone)]
pub struct NewsSchema {
    pub schema: Schema,
    pub fields: Fields,
}

/// Typed handles on the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub path: Field,
    pub archive: Field,
    pub section: Field,
    pub title: Field,
    pub body: Field,
    pub captions: Field,
    pub byline: Field,
    pub url: Field,
    pub published: Field,
    pub layout: Field,
    pub language: Field,
    /// One term per mention, `person:kim jong un`: exact entity queries,
    /// ranked by how often the article names it.
    pub entity: Field,
    /// The entities the headline names (same terms), for ranking.
    pub entity_title: Field,
    /// The article's entities with display names and counts (`index::entity_list`).
    pub entities: Field,
    /// The id of the file the document came from.
    pub source: Field,
    /// xxh3 of the article's fields and the settings it was indexed with.
    pub hash: Field,
}

impl Fields {
    pub fn get(&self, role: Role) -> Field {
        match role {
            Role::Id => self.id,
            Role::Path => self.path,
            Role::Archive => self.archive,
            Role::Section => self.section,
            Role::Title => self.title,
            Role::Body => self.body,
            Role::Captions => self.captions,
            Role::Byline => self.byline,
            Role::Url => self.url,
            Role::Published => self.published,
            Role::Layout => self.layout,
            Role::Language => self.language,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_mapping_loads_and_builds() {
        let mapping = Mapping::builtin().unwrap();
        let schema = mapping.build();
        // The roles plus the three entity fields, source and hash.
        assert_eq!(schema.schema.fields().count(), Role::ALL.len() + 5);
        assert!(mapping.keys(Role::Body).contains(&"maintext".to_string()));
        let search: Vec<_> = mapping.default_search_fields(&schema.fields);
        assert!(search.iter().any(|(f, b)| *f == schema.fields.title && *b > 1.0));
    }

    #[test]
    fn the_builtin_mapping_read_as_json_is_the_toml_file() {
        // build.rs converts schema/newsidx.toml; the same values, checks
        // and fingerprint as parsing the file itself.
        let mut from_json = Mapping::builtin().unwrap();
        let mut from_toml = Mapping::parse(DEFAULT_MAPPING, "built-in schema/newsidx.toml").unwrap();
        // (A map whose order is its own each time, compared apart.)
        assert_eq!(from_json.rules.dates.zones, from_toml.rules.dates.zones);
        assert!(!from_json.rules.dates.zones.is_empty());
        from_json.rules.dates.zones.clear();
        from_toml.rules.dates.zones.clear();
        assert_eq!(format!("{from_json:?}"), format!("{from_toml:?}"));
        assert_eq!(
            from_json.fingerprint,
            xxhash_rust::xxh3::xxh3_64(DEFAULT_MAPPING.as_bytes())
        );
    }

    #[test]
    fn unknown_and_missing_fields_are_refused() {
        let extra = DEFAULT_MAPPING.replace("[fields.layout]", "[fields.colour]");
        let err = Mapping::parse(&extra, "x.toml").unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let wrong = DEFAULT_MAPPING.replace("version = 1", "version = 7");
        let err = Mapping::parse(&wrong, "x.toml").unwrap_err().to_string();
        assert!(err.starts_with("x.toml: bad field mapping: version 7"), "{err}");
    }
}
