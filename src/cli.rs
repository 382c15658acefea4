//! The command line: clap's view of newsidx's arguments, and nothing else.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "newsidx",
    version,
    about = "Full-text search for news archives",
    long_about = "Full-text search for news archives: index folders of articles \
                  (scraped pages, wire copy, JSON and JSON Lines exports), then search \
                  them from the command line or, with `serve`, a browser.",
    after_help = "Exit codes: 0 success (search: at least one hit); 1 nothing found, \
                  or for index: some files were skipped; 2 error; 75 another index run \
                  holds the index; 130/143 index stopped by SIGINT/SIGTERM (work done \
                  is committed)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The index folder.
    #[arg(
        long,
        global = true,
        env = "NEWSIDX_INDEX",
        value_name = "DIR",
        default_value = "./newsidx-index"
    )]
    pub index: PathBuf,

    /// A field mapping to use instead of the built-in schema/newsidx.toml.
    #[arg(long, global = true, env = "NEWSIDX_SCHEMA", value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Entity overrides (aliases, merges, hidden names) for index, extract
    /// and evaluate; searches use the copy the index keeps [default:
    /// $XDG_CONFIG_HOME/newsidx/entities.tsv, if it exists].
    #[arg(long, global = true, env = "NEWSIDX_ENTITIES", value_name = "FILE")]
    pub entities: Option<PathBuf>,

    /// Print nothing but results and failures.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Say more: list every skipped file, not just the first 20.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// When to colour the output (NO_COLOR turns `auto` off).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build or update the index from archive folders.
    Index(IndexArgs),
    /// Search the index; with no query and no filter, list the newest articles.
    Search(SearchArgs),
    /// Print one stored article with all its fields.
    Show(ShowArgs),
    /// What the index holds: articles, sections, dates, entities, size, last run.
    Stats(StatsArgs),
    /// Read every file of the index and check it is as it was written
    /// (tantivy's checksums); exit 2 naming a damaged file and the way out.
    Check,
    /// List the entities of the archive, or of the articles a query finds.
    Entities(EntitiesArgs),
    /// Score entity extraction on a CoNLL-2003 file (eng.testa, say).
    Evaluate(EvaluateArgs),
    /// List the entities of one text: each mention with its canonical name.
    Extract(ExtractArgs),
    /// Write the indexed documents for Elasticsearch, OpenSearch or
    /// Quickwit, in full or as the changes since the last export.
    Export(ExportArgs),
    /// Serve the index read-only over HTTP: a search page at / and a JSON
    /// API (/api/search, /api/show/ID, /api/entities, /api/stats) for
    /// scripts; each commit of an `index` run is seen without a restart.
    Serve(ServeArgs),
    /// Print the completion script for a shell (see the README for where
    /// each shell looks for it).
    Completions(CompletionsArgs),
    /// Print newsidx's man page (roff), or write one page per command into
    /// a folder.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0: any free port, printed on
    /// standard error). The default answers this machine only; 0.0.0.0:8080
    /// lets anyone who reaches this machine read the archive.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Searches that run at once; more wait up to 5 s, then get 503 (busy)
    /// [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub searches: Option<u16>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete newsidx's commands and options in.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write newsidx.1 and a page for each command (newsidx-search.1 ...)
    /// into this folder instead, and print their paths.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Archive folders to index.
    #[arg(required = true, value_name = "ARCHIVE_DIR")]
    pub archives: Vec<PathBuf>,

    /// Print the run summary as one JSON object.
    #[arg(long)]
    pub json: bool,

    /// Rebuild the index from scratch instead of updating it; searches use
    /// the old index until the new one is complete.
    #[arg(long)]
    pub full: bool,

    /// Commit after this many changed articles, so a killed run keeps its work.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub commit_every: u64,

    /// Commit at least this often, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub commit_interval: u64,

    /// Cores to use: N parser threads (N/2, rounded up, with --no-entities)
    /// and N indexing threads, at most 8 (tantivy's limit) [default: the
    /// number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// Memory for the index writer, in MiB, shared by its indexing threads.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub writer_memory: usize,

    /// Articles larger than this are skipped, in MiB: a file (after
    /// decompression), one line of a JSON Lines file or one page of a web
    /// archive.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub max_article_size: u64,

    /// Index without finding entities (faster; --entity and `entities` then
    /// find nothing). A later run without it re-indexes every article.
    #[arg(long)]
    pub no_entities: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words, "phrases", AND / OR / NOT, -word, +word, (groups),
    /// field:word (title, body, captions, byline, section, entity ...), prefix*.
    /// Without a query, every article the other options let through, newest
    /// first.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,

    /// Only articles that mention this entity (aliases resolved: "N. Korea"
    /// is North Korea); repeat for articles that mention all of them.
    #[arg(long, value_name = "NAME")]
    pub entity: Vec<String>,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Order of the hits; undated articles come last when sorting by date
    /// [default: relevance with a query, newest without].
    #[arg(long, value_enum, value_name = "ORDER")]
    pub sort: Option<SortArg>,

    /// Words of 5 letters or more also match words one letter away (typos).
    #[arg(long)]
    pub fuzzy: bool,

    /// How many hits to print.
    #[arg(short = 'n', long, default_value_t = newsidx::search::DEFAULT_HITS, value_name = "N")]
    pub limit: usize,

    /// Skip this many hits first (for paging).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub offset: usize,

    /// Print only the number of matches.
    #[arg(long, conflicts_with_all = ["histogram", "facets"])]
    pub count: bool,

    /// Count the matches per year, month or day: a bar chart instead of the
    /// hits (with --json, a list beside them).
    #[arg(long, value_enum, value_name = "PERIOD")]
    pub histogram: Option<PeriodArg>,

    /// Count the matches by section and year and list their top entities,
    /// instead of the hits (with --json, beside them).
    #[arg(long)]
    pub facets: bool,

    /// Print the results as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Conditions on the articles, for `search` and `entities`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only articles of this section (case does not matter); repeat for
    /// articles of any of them.
    #[arg(long, value_name = "NAME")]
    pub section: Vec<String>,

    /// Only articles published in or after this period: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only articles published in or before this period: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    Year,
    Month,
    Day,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The document id, as `search` prints it.
    #[arg(value_name = "ID")]
    pub id: String,

    /// Print the article as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// An article file in any layout newsidx reads, or - for raw text on
    /// standard input [default: -].
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Read FILE as raw text, not as an article: offsets are into the file.
    #[arg(long)]
    pub raw: bool,

    /// Print {"mentions": [{"text", "name", "type", "start", "end", "field"}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EntitiesArgs {
    /// Only the articles this query finds.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,

    /// Only the articles that mention this entity (repeatable).
    #[arg(long, value_name = "NAME")]
    pub entity: Vec<String>,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Only entities of this type.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub kind: Option<KindArg>,

    /// How many entities to print.
    #[arg(short = 'n', long, default_value_t = newsidx::search::DEFAULT_ENTITY_ROWS, value_name = "N")]
    pub limit: usize,

    /// Print {"articles", "entities": [{"name", "type", "articles", "mentions"}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Person,
    Place,
    Org,
    Misc,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// ndjson: one document a line (Quickwit, tantivy-cli, scripts);
    /// es-bulk: `_bulk` actions for Elasticsearch and OpenSearch [default:
    /// ndjson; es-bulk with --changes].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormatArg>,

    /// An existing folder receives numbered chunk files NAME-000001.ndjson
    /// ...; a pipe or device is written to; any other path, one file
    /// [default: standard output].
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// The largest chunk file written into an --out folder, in MB of
    /// 1,000,000 bytes; a bulk action and its document stay together
    /// [default: 10, Quickwit's request limit].
    #[arg(long, value_name = "MB")]
    pub chunk_mb: Option<f64>,

    /// Only what changed since the last `export --changes` to this --name:
    /// new and changed documents as index actions, removed ones as delete
    /// actions. The export point is kept in the index folder and moves
    /// when the export is complete; the first one sends everything.
    #[arg(long)]
    pub changes: bool,

    /// The target index: `_index` of the bulk actions, index_id of the
    /// Quickwit config, and whose export point --changes follows.
    #[arg(long, value_name = "NAME", default_value = "news")]
    pub name: String,

    /// Print the target engine's index definition for the exported fields
    /// (made from the field mapping) instead of documents.
    #[arg(long, value_enum, value_name = "ENGINE", conflicts_with_all = ["format", "out", "chunk_mb", "changes"])]
    pub config: Option<EngineArg>,

    /// Print the export summary as one JSON object (on standard error when
    /// the documents go to standard output).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Ndjson,
    EsBulk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Elasticsearch or OpenSearch mapping and settings (JSON).
    Elasticsearch,
    /// Quickwit index config (YAML).
    Quickwit,
    /// tantivy-cli: the meta.json of an empty index folder.
    Tantivy,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Gold annotations: one token a line, the NER tag (IOB1 or IOB2) last,
    /// -DOCSTART- between articles.
    #[arg(value_name = "CONLL_FILE")]
    pub gold: PathBuf,

    /// Score these tags (same tokens, tag last) instead of newsidx's own.
    #[arg(long, value_name = "CONLL_FILE")]
    pub predicted: Option<PathBuf>,

    /// Print the scores as one JSON object.
    #[arg(long)]
    pub json: bool,
}
