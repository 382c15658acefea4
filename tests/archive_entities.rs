//! One entity across the whole archive: every name a user may type for it
//! finds the same articles, listings show it once, and an incremental run
//! agrees with a clean build. Articles of our own in
//! sample-corpus/.fixtures/entities.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use common::{stderr, Entities, Env};

const FIXTURES: &str = ".fixtures/entities";

/// The fixture articles, by their file names.
const GRAIN: &str = "20250303/us-tovald-grain-idUSKBN1A0A120250303";
const RESULTS: &str = "20250305/us-tovald-results-idUSKBN1A0B220250305";
const BOARD: &str = "20250307/us-grain-board-rules-idUSKBN1A0C320250307";
const SENATE: &str = "20250310/us-senate-farm-bill-idUSKBN1A0D420250310";
const RUNNER: &str = "20250310/us-athletics-brannigan-idUSKBN1A0E520250310";
const VOTE: &str = "20250312/us-senate-brannigan-vote-idUSKBN1A0F620250312";
const RECORD: &str = "20250312/us-athletics-record-idUSKBN1A0G720250312";
const MARKETS: &str = "20250312/us-markets-brannigan-idUSKBN1A0H820250312";
const ALL: [&str; 8] = [GRAIN, RESULTS, BOARD, SENATE, RUNNER, VOTE, RECORD, MARKETS];
/// Names as later wire copy writes them: a party and a title before the
/// person, "met" between him and two companies.
const HEARING: &str = "20250314/us-farm-panel-hearing-idUSKBN1A0J920250314";

/// A lender the archive names by its nickname and its legal name, which
/// two articles say are one ("... Corporation (Hattie Lane)", "Hattie
/// Lane, formally known as ..."); one article has only the legal name,
/// one only the nickname.
const LENDER_RATES: &str = "20250317/us-farm-lender-rates-idUSKBN1A0K120250317";
const LENDER_PROFILE: &str = "20250318/us-farm-lender-profile-idUSKBN1A0L220250318";
const LENDER_AUDIT: &str = "20250319/us-farm-lender-audit-idUSKBN1A0M320250319";
const LENDER_BONDS: &str = "20250319/us-farm-lender-shares-idUSKBN1A0N420250319";
const LENDER: [&str; 4] = [LENDER_RATES, LENDER_PROFILE, LENDER_AUDIT, LENDER_BONDS];

fn fixture_env(files: &[&str]) -> Env {
    let env = Env::new();
    for f in files {
        env.copy_sample(&format!("{FIXTURES}/{f}"), f);
    }
    env
}

/// The ids `--entity NAME` finds, and what it said on stderr (a name the
/// index does not know is searched as a phrase, with a note).
fn entity_ids(env: &Env, name: &str) -> (BTreeSet<String>, Vec<String>) {
    let out = env.run(&["search", "--json", "--limit", "1000", "--entity", name]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let results: common::Results = serde_json::from_slice(&out.stdout).expect("search --json");
    let notes = stderr(&out).lines().map(str::to_string).collect();
    (results.hits.into_iter().map(|h| h.id).collect(), notes)
}

fn ids(files: &[&str]) -> BTreeSet<String> {
    files.iter().map(|f| f.to_string()).collect()
}

fn listing(env: &Env) -> Entities {
    let out = env.run(&["entities", "--json", "--limit", "1000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("entities --json")
}

#[test]
fn every_name_of_an_entity_finds_the_same_articles() {
    let env = fixture_env(&ALL);
    env.index();
    let cases: [(&[&str], &[&str]); 5] = [
        // A surname alone in a later article.
        (&["Harriet Calloway", "Calloway"], &[GRAIN, RESULTS]),
        // Legal suffixes, the first word alone.
        (
            &[
                "Tovald Industries",
                "Tovald Industries Corp.",
                "Tovald Industries Inc",
                "Tovald Industries Corporation",
                "TOVALD INDUSTRIES",
                "Tovald",
            ],
            &[GRAIN, RESULTS, BOARD],
        ),
        // An acronym defined in one article and used alone in another; a
        // country's name before the board's.
        (
            &[
                "Northern Grain Standards Board",
                "NGSB",
                "U.S. Northern Grain Standards Board",
            ],
            &[GRAIN, RESULTS, BOARD],
        ),
        // A possessive.
        (&["Kestrel & Finch", "Kestrel & Finch's"], &[VOTE, MARKETS]),
        // A title before the name.
        (&["Peter Brannigan", "Senator Peter Brannigan"], &[SENATE, VOTE]),
    ];
    for (names, want) in cases {
        for name in names {
            let (found, notes) = entity_ids(&env, name);
            assert_eq!(found, ids(want), "--entity {name:?}");
            assert!(notes.is_empty(), "--entity {name:?}: {notes:?}");
        }
    }
}

#[test]
fn a_person_after_a_party_and_a_title_is_found_by_name() {
    let mut files = ALL.to_vec();
    files.push(HEARING);
    let env = fixture_env(&files);
    env.index();
    let cases: [(&str, &[&str]); 3] = [
        ("Peter Brannigan", &[SENATE, VOTE, HEARING]),
        ("Tovald Industries", &[GRAIN, RESULTS, BOARD, HEARING]),
        ("Kestrel & Finch", &[VOTE, MARKETS, HEARING]),
    ];
    for (name, want) in cases {
        let (found, notes) = entity_ids(&env, name);
        assert_eq!(found, ids(want), "--entity {name:?}");
        assert!(notes.is_empty(), "--entity {name:?}: {notes:?}");
    }
}

#[test]
fn a_legal_name_the_archive_defines_finds_the_entity_and_stays_exact_under_reindexing() {
    let env = fixture_env(&LENDER);
    env.index();
    let names = [
        "Hattie Lane",
        "Federal Agricultural Lending Corporation",
        "Federal Agricultural Lending Corp.",
        "Federal Agricultural Lending",
    ];
    for name in names {
        let (found, notes) = entity_ids(&env, name);
        assert_eq!(found, ids(&LENDER), "--entity {name:?}");
        assert!(notes.is_empty(), "--entity {name:?}: {notes:?}");
    }
    // One entity, listed once under the name news uses, as a company (the
    // tagger reads "Hattie Lane" as a person; the archive says it is a
    // corporation).
    let rows: Vec<_> = listing(&env)
        .entities
        .into_iter()
        .filter(|e| e.name.contains("Hattie") || e.name.contains("Agricultural"))
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].name.as_str(), rows[0].kind.as_str(), rows[0].articles),
        ("Hattie Lane", "org", 4)
    );

    // With one article left that says so, the two names are two entities,
    // as a clean build of the same files has them.
    fs::remove_file(env.archive.join(LENDER_PROFILE)).expect("remove");
    env.index();
    assert_eq!(
        entity_ids(&env, "Hattie Lane").0,
        ids(&[LENDER_RATES, LENDER_BONDS])
    );
    assert_eq!(
        entity_ids(&env, "Federal Agricultural Lending Corp").0,
        ids(&[LENDER_RATES, LENDER_AUDIT])
    );
    let fresh = Env::new();
    common::copy_tree(&env.archive, &fresh.archive);
    fresh.index();
    assert_eq!(entity_state(&env), entity_state(&fresh));
}

#[test]
fn a_surname_of_two_people_stays_itself_and_finds_them_both() {
    let env = fixture_env(&ALL);
    env.index();
    // Peter and Ruth Brannigan are each named in full in two articles: the
    // "Brannigan" of the markets story is neither of them for sure.
    let (peter, _) = entity_ids(&env, "Peter Brannigan");
    let (ruth, _) = entity_ids(&env, "Ruth Brannigan");
    assert_eq!(peter, ids(&[SENATE, VOTE]));
    assert_eq!(ruth, ids(&[RUNNER, RECORD]));
    let (brannigan, notes) = entity_ids(&env, "Brannigan");
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(brannigan, ids(&[SENATE, VOTE, RUNNER, RECORD, MARKETS]));
    let list = listing(&env);
    let row = list
        .entities
        .iter()
        .find(|e| e.name == "Brannigan")
        .expect("a row for the surname alone");
    assert_eq!(row.articles, 5);
}

#[test]
fn listings_and_articles_name_each_entity_once_by_its_canonical_name() {
    let env = fixture_env(&ALL);
    env.index();
    let list = listing(&env);
    let rows: BTreeMap<&str, (&str, u64)> = list
        .entities
        .iter()
        .map(|e| (e.name.as_str(), (e.kind.as_str(), e.articles)))
        .collect();
    assert_eq!(rows.get("Tovald Industries"), Some(&("org", 3)), "{rows:?}");
    assert_eq!(
        rows.get("Northern Grain Standards Board"),
        Some(&("org", 3)),
        "{rows:?}"
    );
    assert_eq!(rows.get("Harriet Calloway"), Some(&("person", 2)), "{rows:?}");
    for alias in [
        "Calloway",
        "Tovald",
        "Tovald Industries Corp.",
        "Tovald Industries Inc",
        "NGSB",
        "Kestrel & Finch's",
        "Senator Peter Brannigan",
    ] {
        assert!(
            !rows.contains_key(alias),
            "{alias} listed on its own row: {rows:?}"
        );
    }
    // Each row's count is what --entity finds.
    for e in &list.entities {
        let (found, _) = entity_ids(&env, &e.name);
        assert_eq!(found.len() as u64, e.articles, "{}", e.name);
    }
    // `show` gives the archive's names too.
    let shown = env.show(RESULTS);
    let names: BTreeSet<&str> = shown.entities.iter().map(|e| e.name.as_str()).collect();
    for name in [
        "Harriet Calloway",
        "Tovald Industries",
        "Northern Grain Standards Board",
    ] {
        assert!(names.contains(name), "{name} not in {names:?}");
    }
    assert!(
        !names.contains("Calloway") && !names.contains("NGSB"),
        "{names:?}"
    );
    // So does `extract` with the index at hand; without one, the article's.
    let file = env.archive.join(RESULTS);
    let extracted = |with_index: bool| -> BTreeSet<(String, String)> {
        let cmd = if with_index { env.cmd() } else { common::bare_cmd() };
        let found = common::extract_json(cmd, &file, "");
        found.mentions.into_iter().map(|m| (m.text, m.name)).collect()
    };
    let archive = extracted(true);
    assert!(
        archive.contains(&("Calloway".into(), "Harriet Calloway".into())),
        "{archive:?}"
    );
    assert!(
        archive.contains(&("NGSB".into(), "Northern Grain Standards Board".into())),
        "{archive:?}"
    );
    let alone = extracted(false);
    assert!(
        alone.contains(&("Calloway".into(), "Calloway".into())),
        "{alone:?}"
    );
    // Facets of a result set count the entity once per article.
    let facets = env.search("grain", &["--facets"]);
    let tovald: Vec<_> = facets
        .facets
        .expect("facets")
        .entities
        .into_iter()
        .filter(|e| e.name.starts_with("Tovald"))
        .collect();
    assert_eq!(tovald.len(), 1, "{tovald:?}");
}

/// Every entity of the listing with the ids `--entity` finds for it.
fn entity_state(env: &Env) -> BTreeMap<String, (String, u64, BTreeSet<String>)> {
    listing(env)
        .entities
        .into_iter()
        .map(|e| {
            let (found, _) = entity_ids(env, &e.name);
            (e.name, (e.kind, e.articles, found))
        })
        .collect()
}

#[test]
fn an_incremental_run_gives_the_entities_of_a_clean_build() {
    // First the Tovald stories without the acronym's definition, then the
    // rest: what "NGSB" and "Brannigan" are changes with the articles added.
    let env = fixture_env(&[RESULTS, SENATE, MARKETS]);
    env.index();
    let (ngsb, _) = entity_ids(&env, "NGSB");
    assert_eq!(ngsb, ids(&[RESULTS]));
    for f in [GRAIN, BOARD, RUNNER, VOTE, RECORD] {
        env.copy_sample(&format!("{FIXTURES}/{f}"), f);
    }
    env.index();
    let clean = |env: &Env| {
        let fresh = Env::new();
        common::copy_tree(&env.archive, &fresh.archive);
        fresh.index();
        entity_state(&fresh)
    };
    assert_eq!(entity_state(&env), clean(&env), "after adding articles");
    let (ngsb, _) = entity_ids(&env, "NGSB");
    assert_eq!(ngsb, ids(&[GRAIN, RESULTS, BOARD]));

    // A deletion and an edit: Ruth Brannigan's articles go, so "Brannigan"
    // alone is Peter Brannigan's surname now.
    fs::remove_file(env.archive.join(RUNNER)).expect("remove");
    let record = env.archive.join(RECORD);
    let text = fs::read_to_string(&record)
        .expect("read")
        .replace("Ruth Brannigan", "The runner");
    fs::write(&record, text).expect("write");
    env.index();
    assert_eq!(entity_state(&env), clean(&env), "after a deletion and an edit");
    let (brannigan, _) = entity_ids(&env, "Brannigan");
    assert_eq!(brannigan, ids(&[SENATE, VOTE, MARKETS]));
    assert_eq!(entity_ids(&env, "Peter Brannigan").0, brannigan);

    // A run that changes nothing leaves the table as it was.
    let tables = |env: &Env| -> Vec<(String, Vec<u8>)> {
        let mut t: Vec<_> = fs::read_dir(&env.index)
            .expect("index dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("entities-"))
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).expect("read table"),
                )
            })
            .collect();
        t.sort();
        t
    };
    let before = tables(&env);
    assert_eq!(before.len(), 1, "one table, the last commit's");
    env.index();
    assert_eq!(tables(&env), before);

    // A table lost (or damaged) is worked out again: by searches in memory,
    // by the next run on disk.
    fs::remove_file(env.index.join(&before[0].0)).expect("remove table");
    assert_eq!(entity_ids(&env, "Brannigan").0, brannigan);
    env.index();
    assert_eq!(tables(&env), before);
}

/// The one table file in an index folder, as bytes.
fn table_bytes(env: &Env) -> Vec<u8> {
    let tables: Vec<_> = fs::read_dir(&env.index)
        .expect("index folder")
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("entities-") && name.ends_with(".bin")
        })
        .collect();
    assert_eq!(tables.len(), 1, "one entity table");
    fs::read(tables[0].path()).expect("read the table")
}

#[test]
fn an_incremental_runs_table_is_a_clean_builds_byte_for_byte() {
    // The whole sample corpus and the entity fixtures; then articles
    // edited and deleted, so that the index the table is worked out from
    // has deleted documents in several segments.
    let env = Env::with_whole_sample();
    for f in ALL.iter().chain(&LENDER).chain([&HEARING]) {
        env.copy_sample(&format!("{FIXTURES}/{f}"), &format!("entities/{f}"));
    }
    env.index();
    let edits = [
        (RECORD, "Ruth Brannigan", "The runner"),
        (LENDER_AUDIT, "Government auditors", "Auditors at the Treasury"),
        (SENATE, "Peter Brannigan", "Senator Peter Brannigan"),
    ];
    for (f, from, to) in edits {
        let path = env.archive.join("entities").join(f);
        let text = fs::read_to_string(&path).expect("read").replace(from, to);
        fs::write(&path, text).expect("write");
    }
    for f in [RUNNER, LENDER_PROFILE] {
        fs::remove_file(env.archive.join("entities").join(f)).expect("remove");
    }
    let summary = env.index();
    assert_eq!((summary.updated, summary.deleted), (3, 2), "{summary:?}");

    assert!(table_bytes(&env) == clean_table(&env), "the tables differ");

    // An edit that leaves every name's counts as they were (a sentence
    // without names appended): the run keeps the groups of the table
    // before it, and the table is still a clean build's.
    let before = table_bytes(&env);
    let path = env.archive.join("entities").join(GRAIN);
    let mut text = fs::read_to_string(&path).expect("read");
    text.push_str("\nThe terminal will open in the spring.\n");
    fs::write(&path, text).expect("write");
    assert_eq!(env.index().updated, 1);
    let after = table_bytes(&env);
    assert_eq!(
        stats_digest(&after),
        stats_digest(&before),
        "the names' counts changed"
    );
    assert!(
        after == clean_table(&env),
        "the kept table differs from a clean build's"
    );
}

#[test]
fn a_run_held_to_one_thread_works_out_the_same_table() {
    // `--threads 1` keeps the table's work on one thread (no thread for
    // the dictionaries, the terms read in one pass).
    let env = Env::with_whole_sample();
    for f in ALL.iter().chain(&LENDER) {
        env.copy_sample(&format!("{FIXTURES}/{f}"), &format!("entities/{f}"));
    }
    let archive = env.archive.to_str().expect("utf-8");
    let out = env.run(&["index", "--json", "--threads", "1", archive]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(table_bytes(&env) == clean_table(&env), "the tables differ");
}

/// The table a clean build of `env`'s archive writes, as bytes.
fn clean_table(env: &Env) -> Vec<u8> {
    let fresh = Env::new();
    common::copy_tree(&env.archive, &fresh.archive);
    fresh.index();
    table_bytes(&fresh)
}

/// The digest of the names' counts a table was worked out from (after its
/// magic and fingerprint).
fn stats_digest(table: &[u8]) -> &[u8] {
    &table[16..32]
}

/// An article with the header lines of the wire's files.
fn wire(title: &str, body: &str) -> String {
    format!("-- {title}\n-- By Staff\n-- Mon Mar 10, 2025 9:00am EST\n-- https://www.example-wire.com/article/x\n\n{body}\n")
}

#[test]
fn a_run_that_keeps_every_names_counts_counts_the_groups_articles_again() {
    // "Brannigan" stands for Peter and Ruth Brannigan both: its articles
    // are theirs and its own.
    let env = Env::new();
    let articles = [
        ("p1", "Farm bill vote", "Senator Peter Brannigan said on Monday the farm bill would pass. Peter Brannigan has led the committee since 2019."),
        ("p2", "Farm bill passes", "The Senate passed the farm bill. Peter Brannigan called it a win for growers in the state."),
        ("r1", "Record in Oslo", "Ruth Brannigan ran the fastest mile of the season in Oslo on Sunday. The crowd cheered."),
        ("r2", "Runner wins", "Ruth Brannigan won the race in Berlin. The weather was cold and wet."),
        ("m1", "Markets", "Brannigan said the markets were calm. Traders waited for the data."),
    ];
    for (file, title, body) in articles {
        env.write(&format!("20250310/{file}"), wire(title, body));
    }
    env.index();
    let row = |env: &Env| {
        listing(env)
            .entities
            .into_iter()
            .find(|e| e.name == "Brannigan")
            .map(|e| e.articles)
    };
    assert_eq!(row(&env), Some(5));
    let before = table_bytes(&env);

    // Ruth Brannigan's name moves from one article to another that names
    // Peter Brannigan: every name keeps its articles and mentions, so the
    // groups are kept, but "Brannigan" is found in one article fewer.
    env.write(
        "20250310/p2",
        wire("Farm bill passes", "The Senate passed the farm bill. Peter Brannigan called it a win for growers in the state. Ruth Brannigan watched from the gallery."),
    );
    env.write(
        "20250310/r2",
        wire(
            "Runner wins",
            "The runner won the race in Berlin. The weather was cold and wet.",
        ),
    );
    assert_eq!(env.index().updated, 2);
    let after = table_bytes(&env);
    assert_eq!(
        stats_digest(&after),
        stats_digest(&before),
        "the names' counts changed"
    );
    assert_eq!(row(&env), Some(4));
    assert!(
        after == clean_table(&env),
        "the kept table differs from a clean build's"
    );
}
