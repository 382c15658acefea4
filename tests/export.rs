//! `export`: every document once with all its fields, bulk chunks within their limit, --changes emitting exactly what changed, the engines' index definitions, and tantivy-cli reading the export back.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{one_line_error, stderr, stdout, Env};
use serde::Deserialize;
use serde_json::Value;

/// An exported document, read back: any field newsidx did not promise fails.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    id: String,
    title: Option<String>,
    section: Option<String>,
    published: Option<String>,
    byline: Option<String>,
    url: Option<String>,
    language: Option<String>,
    path: Option<String>,
    captions: Vec<String>,
    body: String,
    persons: Vec<String>,
    places: Vec<String>,
    orgs: Vec<String>,
    misc: Vec<String>,
    hash: String,
}

/// Every field an exported document can have.
const FIELDS: [&str; 15] = [
    "id",
    "title",
    "section",
    "published",
    "byline",
    "url",
    "language",
    "path",
    "captions",
    "body",
    "persons",
    "places",
    "orgs",
    "misc",
    "hash",
];

fn indexed() -> Env {
    let env = Env::with_whole_sample();
    env.index();
    env
}

fn export(env: &Env, args: &[&str]) -> Output {
    let mut cmd = env.cmd();
    cmd.arg("export").args(args);
    cmd.output().expect("run export")
}

fn docs_of(text: &str) -> Vec<Doc> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The chunk files in `dir`, by name.
fn chunks(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    found.sort();
    found
}

/// One bulk action: `index` with its document, or `delete`.
type Action = (String, String, Option<Doc>);

/// A bulk body, checked pair by pair: (action, id) for each action, with
/// the document of each index action.
fn actions(text: &str, index_name: &str) -> Vec<Action> {
    let lines: Vec<&str> = text.lines().collect();
    assert!(text.ends_with('\n'), "a bulk body ends with a newline");
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let action: Value = serde_json::from_str(lines[i]).expect("action line");
        let (kind, meta) = action
            .as_object()
            .and_then(|o| o.iter().next())
            .expect("one action");
        assert_eq!(meta["_index"], index_name, "{}", lines[i]);
        let id = meta["_id"].as_str().expect("_id").to_string();
        let doc = if kind == "index" {
            let doc: Doc = serde_json::from_str(lines.get(i + 1).expect("document after index action"))
                .expect("document line");
            assert_eq!(doc.id, id);
            i += 2;
            Some(doc)
        } else {
            assert_eq!(kind, "delete");
            i += 1;
            None
        };
        out.push((kind.clone(), id, doc));
    }
    out
}

#[test]
fn every_document_is_exported_once_with_all_its_fields() {
    let env = indexed();
    let out = export(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = docs_of(&stdout(&out));
    assert_eq!(stderr(&out).trim(), format!("exported {} documents", docs.len()));

    let indexed = common::contents(&env.index);
    let exported: BTreeMap<&str, &Doc> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    assert_eq!(exported.len(), docs.len(), "an id exported twice");
    assert_eq!(
        exported.keys().copied().collect::<Vec<_>>(),
        indexed.keys().map(String::as_str).collect::<Vec<_>>()
    );
    for doc in &docs {
        assert_eq!(doc.hash, format!("{:016x}", indexed[&doc.id].1), "{}", doc.id);
        let stored = env.show(&doc.id);
        assert_eq!(doc.title, stored.title, "{}", doc.id);
        assert_eq!(doc.section, stored.section, "{}", doc.id);
        assert_eq!(doc.byline, stored.byline, "{}", doc.id);
        assert_eq!(doc.url, stored.url, "{}", doc.id);
        assert_eq!(doc.language, stored.language, "{}", doc.id);
        assert_eq!(doc.path, stored.path, "{}", doc.id);
        assert_eq!(doc.captions, stored.captions, "{}", doc.id);
        assert_eq!(doc.body, stored.body, "{}", doc.id);
        assert_eq!(doc.published, stored.published, "{}", doc.id);
        if let Some(date) = &doc.published {
            assert!(chrono_like_utc(date), "{date}");
        }
        for (kind, names) in [
            ("person", &doc.persons),
            ("place", &doc.places),
            ("org", &doc.orgs),
        ] {
            let expected: Vec<&str> = stored
                .entities
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| e.name.as_str())
                .collect();
            assert_eq!(
                names.iter().map(String::as_str).collect::<Vec<_>>(),
                expected,
                "{}",
                doc.id
            );
        }
    }

    // One article with every field, checked by value.
    let site = exported["site/009_7d3e5b1a9c2f4e80.txt"];
    assert!(
        site.persons.contains(&"Hanna Lindqvist".to_string()),
        "{:?}",
        site.persons
    );
    assert!(
        site.places.contains(&"North Korea".to_string()),
        "{:?}",
        site.places
    );
    assert!(
        site.orgs.contains(&"Baltic Maritime Observatory".to_string()),
        "{:?}",
        site.orgs
    );
    assert_eq!(site.captions.len(), 1);
    let wire = exported["wire/20240619/us-russia-northkorea-putin-idUSKBN2TQ4M20240619"];
    assert_eq!(wire.published.as_deref(), Some("2024-06-19T15:58:00Z"));
    assert!(wire.url.as_deref().is_some_and(|u| u.starts_with("http")));
    assert!(wire.byline.is_some());

    // The same documents in the same order into one file.
    let file = env.root.path().join("all.ndjson");
    let out = export(&env, &["--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&file).unwrap(), stdout(&export(&env, &[])));
}

/// RFC 3339 in UTC to the second: `YYYY-MM-DDTHH:MM:SSZ`.
fn chrono_like_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && s.chars().filter(char::is_ascii_digit).count() == 14
}

#[test]
fn bulk_chunks_stay_within_the_limit_and_never_split_a_pair() {
    let env = indexed();
    let all = docs_of(&stdout(&export(&env, &[])));
    let dir = env.root.path().join("bulk");
    fs::create_dir(&dir).unwrap();
    let out = export(
        &env,
        &[
            "--format",
            "es-bulk",
            "--name",
            "archive",
            "--chunk-mb",
            "0.02",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = chunks(&dir);
    assert!(files.len() >= 3, "{files:?}");
    assert_eq!(
        stdout(&out).trim(),
        format!("exported {} documents in {} chunk files", all.len(), files.len())
    );
    let mut ids = Vec::new();
    for (n, file) in files.iter().enumerate() {
        assert_eq!(
            file.file_name().unwrap().to_str().unwrap(),
            format!("archive-bulk-{:06}.ndjson", n + 1)
        );
        let text = fs::read_to_string(file).unwrap();
        assert!(text.len() <= 20_000, "{} is {} bytes", file.display(), text.len());
        for (kind, id, doc) in actions(&text, "archive") {
            assert_eq!(kind, "index");
            assert!(doc.is_some());
            ids.push(id);
        }
    }
    let expected: Vec<String> = all.iter().map(|d| d.id.clone()).collect();
    assert_eq!(
        ids, expected,
        "every document once, in the order of a plain export"
    );

    // A folder that holds an export already is not written over.
    let again = export(
        &env,
        &[
            "--format",
            "es-bulk",
            "--name",
            "archive",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    one_line_error(&again, 2, "newsidx: ");
    assert!(
        stderr(&again).contains("archive-bulk-000001.ndjson"),
        "{}",
        stderr(&again)
    );

    // Documents larger than a chunk are named and left out; exit 1.
    let small = env.root.path().join("small");
    fs::create_dir(&small).unwrap();
    let out = export(
        &env,
        &[
            "--format",
            "es-bulk",
            "--chunk-mb",
            "0.001",
            "--out",
            small.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let left_out: BTreeSet<String> = stderr(&out)
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("newsidx: ").expect("newsidx: prefix");
            let (id, reason) = rest.split_once(": not exported: ").expect("not exported line");
            assert!(reason.contains("raise --chunk-mb"), "{reason}");
            id.to_string()
        })
        .collect();
    let mut written = BTreeSet::new();
    for file in chunks(&small) {
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.len() <= 1000, "{} is {} bytes", file.display(), text.len());
        written.extend(actions(&text, "news").into_iter().map(|(_, id, _)| id));
    }
    assert!(!left_out.is_empty() && !written.is_empty());
    assert!(left_out.is_disjoint(&written));
    assert_eq!(left_out.len() + written.len(), all.len());
}

#[test]
fn bad_arguments_get_one_line_and_exit_2() {
    let env = indexed();
    let file = env.root.path().join("x.ndjson");
    let file = file.to_str().unwrap();
    for (args, says) in [
        (vec!["--chunk-mb", "5"], "--chunk-mb"),
        (vec!["--chunk-mb", "5", "--out", file], "--chunk-mb"),
        (vec!["--changes", "--format", "ndjson"], "--changes"),
        (vec!["--name", "News"], "bad --name"),
        (vec!["--config", "quickwit", "--name", "a b"], "bad --name"),
    ] {
        let out = export(&env, &args);
        one_line_error(&out, 2, "newsidx: ");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let dir = env.root.path().join("d");
    fs::create_dir(&dir).unwrap();
    let out = export(&env, &["--chunk-mb", "0", "--out", dir.to_str().unwrap()]);
    one_line_error(&out, 2, "newsidx: bad --chunk-mb");
    let out = common::bare_cmd()
        .arg("--index")
        .arg(env.root.path().join("none"))
        .arg("export")
        .output()
        .unwrap();
    one_line_error(&out, 2, "newsidx: no index at");
    assert!(!Path::new(file).exists());
}

const FILES: &[&str] = &[
    "headline/politics/001.txt",
    "headline/politics/002.txt",
    "site/009_7d3e5b1a9c2f4e80.txt",
    "wire/20240619/us-russia-northkorea-putin-idUSKBN2TQ4M20240619",
    "exports/feed-2025-03.jsonl",
];

/// `export --changes --out DIR` into a fresh folder: its actions, its
/// chunk files' names and what it printed.
fn changes(env: &Env, name: &str) -> (Vec<Action>, Vec<String>, String) {
    let dir = tempfile::tempdir_in(env.root.path()).unwrap();
    let out = export(
        env,
        &["--changes", "--name", name, "--out", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut all = Vec::new();
    let mut names = Vec::new();
    for file in chunks(dir.path()) {
        names.push(file.file_name().unwrap().to_str().unwrap().to_string());
        all.extend(actions(&fs::read_to_string(&file).unwrap(), name));
    }
    (all, names, stdout(&out).trim().to_string())
}

fn kinds(actions: &[Action]) -> Vec<(&str, &str)> {
    actions
        .iter()
        .map(|(k, id, _)| (k.as_str(), id.as_str()))
        .collect()
}

#[test]
fn changes_emit_exactly_what_changed_and_nothing_twice() {
    let env = Env::with_sample(FILES);
    let first = env.index();
    let total = first.docs_total;

    // The first export sends everything, the second nothing.
    let (sent, names, said) = changes(&env, "news");
    assert_eq!(sent.len() as u64, total);
    assert!(sent.iter().all(|(k, _, d)| k == "index" && d.is_some()));
    assert_eq!(names, ["news-changes-000001-000001.ndjson"]);
    assert_eq!(
        said,
        format!("export 1: {total} documents to index, 0 to delete, 0 unchanged in 1 chunk file")
    );
    let (sent, names, said) = changes(&env, "news");
    assert!(sent.is_empty() && names.is_empty(), "{said}");
    assert_eq!(
        said,
        format!("nothing changed since the last export ({total} unchanged)")
    );

    // Add one file, change one, change one record of the feed, delete one.
    env.copy_sample("headline/science/008.txt", "headline/science/008.txt");
    let changed = env.archive.join("headline/politics/002.txt");
    let text = fs::read_to_string(&changed).unwrap();
    fs::write(
        &changed,
        text.replacen("\n\n", "\n\nAn added first paragraph.\n\n", 1),
    )
    .unwrap();
    let feed = env.archive.join("exports/feed-2025-03.jsonl");
    let text = fs::read_to_string(&feed).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut record: Value = serde_json::from_str(&lines[1]).unwrap();
    let feed_id = format!("exports/feed-2025-03.jsonl#{}", record["id"].as_str().unwrap());
    record["body"] = Value::String(format!(
        "{} A correction was appended.",
        record["body"].as_str().unwrap()
    ));
    lines[1] = record.to_string();
    fs::write(&feed, lines.join("\n") + "\n").unwrap();
    fs::remove_file(env.archive.join("headline/politics/001.txt")).unwrap();
    let second = env.index();
    assert_eq!(
        second.counts(),
        (1, 2, 1, total - 3),
        "added, updated, deleted, unchanged"
    );

    let (sent, names, said) = changes(&env, "news");
    let mut expected = vec![
        ("index", "headline/politics/002.txt"),
        ("index", feed_id.as_str()),
        ("index", "headline/science/008.txt"),
        ("delete", "headline/politics/001.txt"),
    ];
    let mut got = kinds(&sent);
    // Deletes come last; the rest in index order.
    assert_eq!(got.last(), expected.last());
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    let modified = sent
        .iter()
        .find(|(_, id, _)| id == &feed_id)
        .unwrap()
        .2
        .as_ref()
        .unwrap();
    assert!(modified.body.ends_with("A correction was appended."));
    assert_eq!(names, ["news-changes-000002-000001.ndjson"]);
    assert_eq!(
        said,
        format!(
            "export 2: 3 documents to index, 1 to delete, {} unchanged in 1 chunk file",
            total - 3
        )
    );

    // Nothing again; and a re-index that changes nothing changes nothing.
    env.index();
    assert!(changes(&env, "news").0.is_empty());
    // Another target has its own point: it gets everything once.
    let (sent, _, _) = changes(&env, "mirror");
    assert_eq!(sent.len() as u64, second.docs_total);
    assert!(changes(&env, "mirror").0.is_empty());

    // A --full rebuild of the same files changes nothing either.
    let out = env.run(&["index", "--full", "--quiet", env.archive.to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(changes(&env, "news").0.is_empty());
}

#[test]
fn the_export_holds_each_entity_as_newsidx_lists_and_finds_it() {
    let env = indexed();
    let out = export(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = docs_of(&stdout(&out));
    let out = env.run(&["entities", "--json", "--limit", "100000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed: common::Entities = serde_json::from_slice(&out.stdout).expect("entities --json");
    assert!(listed.entities.len() > 50, "{} entities", listed.entities.len());
    let field_of = |d: &Doc, kind: &str| -> Vec<String> {
        match kind {
            "person" => d.persons.clone(),
            "place" => d.places.clone(),
            "org" => d.orgs.clone(),
            "misc" => d.misc.clone(),
            other => panic!("type {other}"),
        }
    };
    // Every listed entity: as many exported documents hold its name in the
    // field of its type as `--entity` finds.
    for e in listed.entities.iter().take(200) {
        let holding = docs
            .iter()
            .filter(|d| field_of(d, &e.kind).contains(&e.name))
            .count();
        let out = env.run(&["search", "--entity", &e.name, "--count"]);
        let found: usize = stdout(&out).trim().parse().expect("a count");
        assert_eq!(
            holding, found,
            "{} ({}): exported in {holding}, --entity finds {found}",
            e.name, e.kind
        );
    }
    // Every exported name is a name `entities` lists, with that type.
    let rows: BTreeMap<&str, &str> = listed
        .entities
        .iter()
        .map(|e| (e.name.as_str(), e.kind.as_str()))
        .collect();
    let mut exported = 0;
    for d in &docs {
        for kind in ["person", "place", "org", "misc"] {
            for name in field_of(d, kind) {
                exported += 1;
                assert_eq!(
                    rows.get(name.as_str()),
                    Some(&kind),
                    "{name} ({kind}) in {}",
                    d.id
                );
            }
        }
    }
    assert!(exported > 100);
}

#[test]
fn changes_with_nothing_changed_leave_no_file() {
    let env = indexed();
    let file = env.root.path().join("changes.bulk");
    let first = export(&env, &["--changes", "--out", file.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(fs::metadata(&file).unwrap().len() > 0);
    let again = export(&env, &["--changes", "--out", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        !file.exists(),
        "nothing changed: no file for `_bulk` to refuse or post twice"
    );
}

#[test]
fn a_killed_export_moves_no_point_and_its_chunks_are_replaced() {
    let env = Env::with_sample(FILES);
    let total = env.index().docs_total;
    let dir = env.root.path().join("outbox");
    fs::create_dir(&dir).unwrap();
    let args = [
        "export",
        "--changes",
        "--chunk-mb",
        "0.01",
        "--out",
        dir.to_str().unwrap(),
    ];

    let killed = env
        .cmd()
        .env(newsidx::crashtest::VAR, "export-chunk:2")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        killed.status.code(),
        None,
        "killed by a signal: {}",
        stderr(&killed)
    );
    let left = chunks(&dir);
    assert_eq!(left.len(), 2, "{left:?}");

    // The next export says everything again, under the same number, in
    // place of what the killed one left.
    let out = env.cmd().args(args).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = chunks(&dir);
    assert!(files.len() >= 2);
    let summary: Value = serde_json::from_slice(&out.stdout).expect("--json summary");
    assert_eq!(summary["documents"], total);
    assert_eq!(summary["deleted"], 0);
    assert_eq!(summary["point"], 1);
    let listed: Vec<&str> = summary["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let expected: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert_eq!(listed, expected);
    let mut ids = BTreeSet::new();
    for (n, file) in files.iter().enumerate() {
        assert_eq!(
            file.file_name().unwrap().to_str().unwrap(),
            format!("news-changes-000001-{:06}.ndjson", n + 1)
        );
        for (kind, id, _) in actions(&fs::read_to_string(file).unwrap(), "news") {
            assert_eq!(kind, "index");
            assert!(ids.insert(id));
        }
    }
    assert_eq!(ids.len() as u64, total);
    assert!(changes(&env, "news").0.is_empty());
}

#[test]
fn a_second_export_of_changes_to_one_target_is_refused() {
    let env = indexed();
    let lock = newsidx::export::ExportLock::acquire(&env.index, "news").expect("lock");
    let out = export(&env, &["--changes"]);
    one_line_error(&out, 75, "newsidx: another `export --changes`");
    assert!(stdout(&out).is_empty());
    // Full exports and other targets do not wait for it.
    assert_eq!(export(&env, &[]).status.code(), Some(0));
    assert_eq!(
        export(&env, &["--changes", "--name", "other"]).status.code(),
        Some(0)
    );
    drop(lock);
    assert_eq!(export(&env, &["--changes"]).status.code(), Some(0));
}

/// `export --config ENGINE` by `cmd`, which names the index or none.
fn config(mut cmd: assert_cmd::Command, engine: &str) -> String {
    let out = cmd.args(["export", "--config", engine]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_elasticsearch_mapping_names_every_field_with_its_type() {
    let env = indexed();
    let es: Value = serde_json::from_str(&config(env.cmd(), "elasticsearch")).expect("JSON");
    assert_eq!(es["mappings"]["dynamic"], "strict");
    let props = es["mappings"]["properties"].as_object().expect("properties");
    let names: BTreeSet<&str> = props.keys().map(String::as_str).collect();
    assert_eq!(names, FIELDS.into_iter().collect());
    for f in ["title", "body", "captions", "byline"] {
        assert_eq!(
            props[f],
            serde_json::json!({"type": "text", "analyzer": "english"}),
            "{f}"
        );
    }
    for f in ["id", "url", "path", "persons", "places", "orgs", "hash"] {
        assert_eq!(props[f], serde_json::json!({"type": "keyword"}), "{f}");
    }
    let normalizer = props["section"]["normalizer"]
        .as_str()
        .expect("section normalizer");
    assert_eq!(props["section"]["type"], "keyword");
    assert_eq!(
        es["settings"]["analysis"]["normalizer"][normalizer]["filter"],
        serde_json::json!(["lowercase"])
    );
    assert_eq!(props["published"]["type"], "date");

    // Made from the field mapping: a byline mapped as a keyword is one.
    let mapping =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/newsidx.toml")).unwrap();
    let (head, tail) = mapping
        .split_once("[fields.byline]\ntype = \"text\"")
        .expect("byline in the mapping");
    let custom = env.root.path().join("mapping.toml");
    fs::write(
        &custom,
        format!("{head}[fields.byline]\ntype = \"keyword\"{tail}"),
    )
    .unwrap();
    let mut cmd = env.cmd();
    cmd.arg("--schema").arg(&custom);
    let es: Value = serde_json::from_str(&config(cmd, "elasticsearch")).unwrap();
    assert_eq!(
        es["mappings"]["properties"]["byline"],
        serde_json::json!({"type": "keyword"})
    );
}

#[test]
fn the_quickwit_config_names_every_field_with_its_type() {
    use yaml_rust2::{Yaml, YamlLoader};
    // No index is needed.
    let mut cmd = common::bare_cmd();
    cmd.args(["--index", "/nonexistent"]);
    let text = config(cmd, "quickwit");
    let docs = YamlLoader::load_from_str(&text).expect("YAML");
    let qw = &docs[0];
    assert_eq!(qw["index_id"].as_str(), Some("news"));
    let mapping = &qw["doc_mapping"];
    // Quickwit drops a document without its timestamp field, and archives
    // hold undated articles: none is named.
    assert!(mapping["timestamp_field"].is_badvalue(), "{text}");
    assert!(text.contains("# timestamp_field: published"), "{text}");
    let search: Vec<&str> = qw["search_settings"]["default_search_fields"]
        .as_vec()
        .expect("default_search_fields")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(search, ["title", "body"]);
    let fields: BTreeMap<&str, &Yaml> = mapping["field_mappings"]
        .as_vec()
        .expect("field_mappings")
        .iter()
        .map(|f| (f["name"].as_str().expect("name"), f))
        .collect();
    assert_eq!(
        fields.keys().copied().collect::<BTreeSet<_>>(),
        FIELDS.into_iter().collect()
    );
    let get = |f: &str, key: &str| fields[f][key].as_str().map(str::to_string);
    for f in ["title", "body", "byline"] {
        assert_eq!(get(f, "type").as_deref(), Some("text"), "{f}");
        assert_eq!(get(f, "tokenizer").as_deref(), Some("default"), "{f}");
        assert_eq!(get(f, "record").as_deref(), Some("position"), "{f}");
    }
    assert_eq!(get("captions", "type").as_deref(), Some("array<text>"));
    for f in ["section", "persons", "places", "orgs"] {
        assert_eq!(get(f, "tokenizer").as_deref(), Some("raw"), "{f}");
        assert_eq!(fields[f]["fast"].as_bool(), Some(true), "{f}");
    }
    for f in ["persons", "places", "orgs"] {
        assert_eq!(get(f, "type").as_deref(), Some("array<text>"), "{f}");
    }
    for f in ["id", "url", "path", "hash", "section"] {
        assert_eq!(get(f, "type").as_deref(), Some("text"), "{f}");
        assert_eq!(get(f, "tokenizer").as_deref(), Some("raw"), "{f}");
    }
    assert_eq!(get("published", "type").as_deref(), Some("datetime"));
    assert_eq!(fields["published"]["fast"].as_bool(), Some(true));
    let formats: Vec<&str> = fields["published"]["input_formats"]
        .as_vec()
        .expect("input_formats")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(formats, ["rfc3339"]);
}

#[test]
fn the_tantivy_config_indexes_the_export_into_an_index_of_the_same_fields() {
    // What `tantivy index -i DIR < docs.ndjson` does (tantivy-cli): open the
    // index the config's meta.json defines, parse each line against its
    // schema, commit. Done with the tantivy library here, so the test needs
    // no tool installed.
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::Value as _;
    use tantivy::{Index, TantivyDocument};

    let env = indexed();
    let export_file = env.root.path().join("docs.ndjson");
    let out = export(&env, &["--out", export_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = fs::read_to_string(&export_file).unwrap();

    let dir = env.root.path().join("tantivy");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("meta.json"), config(env.cmd(), "tantivy")).unwrap();
    let index = Index::open_in_dir(&dir).expect("the config is an index");
    let schema = index.schema();
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 50 << 20).expect("writer");
    for (n, line) in lines.lines().enumerate() {
        let doc = TantivyDocument::parse_json(&schema, line)
            .unwrap_or_else(|e| panic!("line {}: {e}: {line}", n + 1));
        writer.add_document(doc).expect("add");
    }
    writer.commit().expect("commit");
    let reader = index.reader().expect("reader");
    let searcher = reader.searcher();
    assert_eq!(searcher.num_docs(), lines.lines().count() as u64);

    // The entity arrays are searchable there as whole names.
    let query = QueryParser::for_index(&index, Vec::new())
        .parse_query("persons:\"Hanna Lindqvist\"")
        .expect("query");
    let hits = searcher
        .search(&query, &TopDocs::with_limit(10).order_by_score())
        .expect("search");
    assert_eq!(hits.len(), 1);
    let doc: TantivyDocument = searcher.doc(hits[0].1).expect("doc");
    let id = schema.get_field("id").expect("id field");
    assert_eq!(
        doc.get_first(id).and_then(|v| v.as_str()),
        Some("site/009_7d3e5b1a9c2f4e80.txt")
    );
}

/// A stand-in for a cluster's `_bulk` endpoint: records each request body
/// and answers `"errors":false`, or `"errors":true` while `refuse` is set.
struct FakeCluster {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    refuse: Arc<AtomicBool>,
}

impl FakeCluster {
    fn start() -> FakeCluster {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(AtomicBool::new(false));
        let (b, r) = (Arc::clone(&bodies), Arc::clone(&refuse));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = FakeCluster::answer(stream, &b, &r);
            }
        });
        FakeCluster { url, bodies, refuse }
    }

    fn answer(
        mut stream: TcpStream,
        bodies: &Mutex<Vec<String>>,
        refuse: &AtomicBool,
    ) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        assert!(request_line.starts_with("POST /_bulk "), "{request_line}");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "expect: 100-continue" {
                stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let errors = refuse.load(Ordering::SeqCst);
        if !errors {
            bodies.lock().unwrap().push(String::from_utf8(body).unwrap());
        }
        let reply = format!("{{\"took\":1,\"errors\":{errors},\"items\":[]}}");
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        )
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.bodies.lock().unwrap())
    }
}

#[test]
fn the_sync_script_sends_each_change_once_in_order_and_keeps_what_failed() {
    let curl = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    if !curl.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "curl is not installed, and CI is set: .ci/run installs it"
        );
        eprintln!("skipped: curl is not installed");
        return;
    }
    let env = Env::with_sample(FILES);
    let cluster = FakeCluster::start();
    let outbox = env.root.path().join("outbox");
    let bin = Path::new(env!("CARGO_BIN_EXE_newsidx"));
    let pass = || {
        Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/newsidx-sync-elasticsearch"))
            .arg(&env.archive)
            .env("NEWSIDX", bin)
            .env("NEWSIDX_INDEX", &env.index)
            .env("ES_URL", &cluster.url)
            .env("ES_INDEX", "news")
            .env("OUTBOX", &outbox)
            .env("XDG_CONFIG_HOME", env.root.path().join("no-config"))
            .output()
            .unwrap()
    };

    let out = pass();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sent = cluster.take();
    assert_eq!(sent.len(), 1);
    let total = common::contents(&env.index).len();
    assert_eq!(actions(&sent[0], "news").len(), total);
    assert!(chunks(&outbox).is_empty(), "sent chunks are removed");

    // Nothing changed: nothing sent.
    assert_eq!(pass().status.code(), Some(0));
    assert!(cluster.take().is_empty());

    // The cluster refuses: the chunk stays and the pass fails.
    fs::remove_file(env.archive.join("headline/politics/001.txt")).unwrap();
    cluster.refuse.store(true, Ordering::SeqCst);
    let out = pass();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));
    assert_eq!(chunks(&outbox).len(), 1);

    // Next pass: the kept chunk goes first, then the new change.
    cluster.refuse.store(false, Ordering::SeqCst);
    env.copy_sample("headline/science/008.txt", "headline/science/008.txt");
    let out = pass();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sent: Vec<Vec<(String, String)>> = cluster
        .take()
        .iter()
        .map(|body| {
            actions(body, "news")
                .into_iter()
                .map(|(k, id, _)| (k, id))
                .collect()
        })
        .collect();
    assert_eq!(
        sent,
        [
            vec![("delete".to_string(), "headline/politics/001.txt".to_string())],
            vec![("index".to_string(), "headline/science/008.txt".to_string())],
        ]
    );
    assert!(chunks(&outbox).is_empty());
}

#[test]
fn a_pipe_or_device_as_out_is_written_to_and_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let env = Env::with_whole_sample();
    let n = env.index().docs_total as usize;
    let fifo = env.root.path().join("loader.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // A loader reading the pipe, as `curl --data-binary @fifo` would.
    // The first export of changes sends every document (two lines each in
    // `_bulk`); the second finds nothing changed; a full export is a line a
    // document.
    for (args, want) in [(&["--changes"][..], 2 * n), (&["--changes"][..], 0), (&[][..], n)] {
        let mut reader = Command::new("cat")
            .arg(&fifo)
            .stdout(Stdio::piped())
            .spawn()
            .expect("cat");
        let mut all = args.to_vec();
        all.extend(["--out", fifo.to_str().expect("utf-8")]);
        let out = export(&env, &all);
        // Before the fix the pipe was replaced by a file, and `cat` waited
        // for a writer that never came.
        let still_fifo = fs::metadata(&fifo).map(|m| m.file_type().is_fifo());
        if !matches!(still_fifo, Ok(true)) {
            let _ = reader.kill();
        }
        let read = reader.wait_with_output().expect("cat output");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(matches!(still_fifo, Ok(true)), "{args:?}: the pipe was replaced");
        let lines = read
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        assert_eq!(lines, want, "{args:?}: lines through the pipe");
    }
}
