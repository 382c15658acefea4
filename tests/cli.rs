//! The command-line contract: show, exit codes, one-line errors, ids across runs and archives, the schema check.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{bare_cmd, one_line_error, stderr, stdout, Env};

#[test]
fn show_prints_every_field() {
    let env = Env::with_sample(&["site/003_0c5d7a19e2fb8843.txt"]);
    env.index();
    let out = env.run(&["show", "site/003_0c5d7a19e2fb8843.txt"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("id         site/003_0c5d7a19e2fb8843.txt\n"),
        "{text}"
    );
    assert!(text.contains("\ntitle      Sinner retains Australian Open title\n"));
    assert!(text.contains("\nsection    Sport\n"));
    assert!(text.contains("\nlayout     scraped\n"));
    assert!(text.contains("\ncaptions\n  - Jannik Sinner of Italy lifts the Norman Brookes Challenge Cup"));
    assert!(text
        .trim_end()
        .ends_with("said he was trying to enjoy the moment."));

    let json = env.show("site/003_0c5d7a19e2fb8843.txt");
    assert_eq!(json.section.as_deref(), Some("Sport"));
    assert_eq!(
        json.archive.as_deref(),
        Some(env.archive.canonicalize().expect("path").to_str().expect("utf8"))
    );
}

#[test]
fn show_of_an_unknown_id_exits_1() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    env.index();
    let out = env.run(&["show", "no/such/article.txt"]);
    one_line_error(&out, 1, "newsidx: no document with id no/such/article.txt");
}

#[test]
fn a_missing_index_is_an_error() {
    let env = Env::new();
    for args in [&["search", "korea"][..], &["show", "x"][..]] {
        let out = env.run(args);
        one_line_error(&out, 2, &format!("newsidx: no index at {}", env.index.display()));
        assert!(stderr(&out).contains("newsidx --index"), "says how to build one");
    }
    // What the first `index` writes before meta.json, as a search racing it
    // finds the folder: no index yet, not a folder to remove.
    std::fs::create_dir_all(&env.index).expect("mkdir");
    std::fs::write(
        env.index.join("newsidx.json"),
        "{\"format\": \"newsidx\", \"schema_version\": 1}\n",
    )
    .expect("write");
    std::fs::write(env.index.join(".tantivy-meta.lock"), "").expect("write");
    let out = env.run(&["search", "korea"]);
    one_line_error(&out, 2, &format!("newsidx: no index at {}", env.index.display()));
}

#[test]
fn a_folder_that_is_not_an_index_is_left_alone() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    std::fs::create_dir_all(&env.index).expect("mkdir");
    std::fs::write(env.index.join("notes.txt"), "mine").expect("write");
    let out = env.cmd().arg("index").arg(&env.archive).output().expect("run");
    one_line_error(
        &out,
        2,
        &format!(
            "newsidx: {}: exists but is not a newsidx index",
            env.index.display()
        ),
    );
    assert_eq!(
        std::fs::read_dir(&env.index).expect("dir").count(),
        1,
        "nothing written"
    );
    let out = env.run(&["search", "quantum"]);
    one_line_error(
        &out,
        2,
        &format!(
            "newsidx: {}: exists but is not a newsidx index",
            env.index.display()
        ),
    );
}

#[test]
fn indexing_twice_never_duplicates() {
    let env = Env::with_sample(&["headline/tech/007.txt", "exports/feed-2025-03.jsonl"]);
    let first = env.index();
    assert_eq!((first.counts(), first.docs_total), ((7, 0, 0, 0), 7));
    let second = env.index();
    assert_eq!((second.counts(), second.docs_total), ((0, 0, 0, 7), 7));
    assert_eq!(second.files_read, 0, "unchanged files are not read");
    assert_eq!(env.search("quantum", &[]).total, 2);
}

#[test]
fn ids_are_relative_paths_and_stay_unique_across_archives() {
    let env = Env::new();
    let a = env.root.path().join("a/news");
    let b = env.root.path().join("b/news");
    for dir in [&a, &b] {
        std::fs::create_dir_all(dir.join("politics")).expect("mkdir");
        std::fs::copy(
            common::sample_corpus().join("headline/politics/002.txt"),
            dir.join("politics/002.txt"),
        )
        .expect("copy");
    }
    let summary = env.index_dirs(&[&a, &b]);
    assert_eq!(summary.docs_total, 2);
    let mut ids = env.ids("barnier");
    ids.sort();
    assert_eq!(ids, ["a/news/politics/002.txt", "b/news/politics/002.txt"]);
    assert_eq!(
        env.show("a/news/politics/002.txt").section.as_deref(),
        Some("politics")
    );

    // Nested archive folders would index the same files twice.
    let out = env
        .cmd()
        .arg("index")
        .arg(&a)
        .arg(a.join("politics"))
        .output()
        .expect("run");
    one_line_error(&out, 2, "newsidx: archive folder ");
    assert!(stderr(&out).contains("is inside"));
}

#[test]
fn a_missing_archive_folder_is_an_error() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["index", "/no/such/archive"])
        .output()
        .expect("run");
    one_line_error(
        &out,
        2,
        "newsidx: archive folder /no/such/archive: no such file or directory",
    );
    assert!(!env.index.exists(), "no index is created for a mistyped archive");
}

#[test]
fn the_index_location_comes_from_the_environment() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    let out = bare_cmd()
        .env("NEWSIDX_INDEX", &env.index)
        .args(["index", "-q"])
        .arg(&env.archive)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "--quiet prints nothing on success"
    );
    let out = bare_cmd()
        .env("NEWSIDX_INDEX", &env.index)
        .args(["search", "--json", "quantum"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn index_prints_a_summary_and_lists_skipped_files() {
    let env = Env::with_sample(&["headline/tech/007.txt", "edge/empty.txt"]);
    let out = env.cmd().arg("index").arg(&env.archive).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "some files were skipped");
    let text = stdout(&out);
    assert!(
        text.starts_with("1 added, 0 updated, 0 deleted, 0 unchanged (2 files read) in "),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with(", 1 skipped; the index holds 1 article"),
        "{text}"
    );
    let err = stderr(&out);
    assert_eq!(
        err.trim_end(),
        format!(
            "newsidx: skipped {}: empty file",
            env.archive.join("edge/empty.txt").display()
        )
    );
}

#[test]
fn an_index_built_with_other_fields_is_refused_with_a_way_out() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    env.index();
    // The same mapping with the byline indexed as one exact value.
    let mapping = newsidx::schema::DEFAULT_MAPPING.replace(
        "[fields.byline]\ntype = \"text\"",
        "[fields.byline]\ntype = \"keyword\"",
    );
    assert_ne!(mapping, newsidx::schema::DEFAULT_MAPPING);
    let file = env.root.path().join("mapping.toml");
    let search_with = |mapping: &str| {
        std::fs::write(&file, mapping).expect("write");
        env.cmd()
            .arg("--schema")
            .arg(&file)
            .args(["search", "quantum"])
            .output()
            .expect("run")
    };
    let out = search_with(&mapping);
    one_line_error(
        &out,
        2,
        &format!(
            "newsidx: {}: the index was built with different fields",
            env.index.display()
        ),
    );
    let err = stderr(&out);
    assert!(err.contains("`byline` is indexed differently"), "{err}");
    assert!(err.contains("rebuild it"), "{err}");

    // A mapping that does not parse says which file and why.
    let out = search_with("version = 1\n[fields.title]\ntype = \"fancy\"\n");
    one_line_error(
        &out,
        2,
        &format!("newsidx: {}: bad field mapping: ", file.display()),
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let env = Env::new();
    for i in 0..400 {
        env.write(
            &format!("p/{i:03}.txt"),
            format!("Parliament debate number {i}\n\nParliament debated the budget for the {i}th time on Tuesday.\n"),
        );
    }
    env.index();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsidx"))
        .env("NO_COLOR", "1")
        .arg("--index")
        .arg(&env.index)
        .args(["search", "--limit", "400", "parliament"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read");
    assert!(first.contains("Parliament debate number"));
    // stdout is dropped here: the rest of the output meets a closed pipe.
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn bad_arguments_exit_2() {
    // On an index that answers, so the exit 2 is the arguments' (without
    // one it was the missing index's).
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    env.index();
    assert_eq!(env.run(&["search", "quantum"]).status.code(), Some(0));
    let archive = env.archive.to_str().expect("utf-8");
    let cases: &[(&[&str], &[&str])] = &[
        (&["search", "--limit", "ten", "quantum"], &["'ten'", "--limit"]),
        (
            &["search", "--sort", "sideways", "quantum"],
            &["'sideways'", "--sort"],
        ),
        (&["search", "--bogus", "quantum"], &["'--bogus'"]),
        (
            &["search", "--count", "--facets", "quantum"],
            &["--count", "--facets"],
        ),
        (&["show"], &["required"]),
        (&["index"], &["required"]),
        (&["index", "--threads", "0", archive], &["'0'", "--threads"]),
        (&["frobnicate"], &["'frobnicate'"]),
    ];
    for (args, names) in cases {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        // The first line says what is wrong, naming it; the missing
        // argument of show and index is named on the next.
        let err = stderr(&out);
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {err}");
        for name in *names {
            assert!(first.contains(name), "{args:?} does not name {name}: {err}");
        }
    }
    assert!(stderr(&env.run(&["show"])).contains("<ID>"));
    assert!(stderr(&env.run(&["index"])).contains("<ARCHIVE_DIR>"));
    // Nothing was changed by the refused runs.
    assert_eq!(env.search("quantum", &[]).total, 1);

    let out = bare_cmd().args(["--help"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Exit codes"));
}

#[test]
fn an_index_whose_creation_was_cut_short_is_created_again() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    // A run killed after writing its marker, before tantivy wrote meta.json.
    std::fs::create_dir_all(&env.index).expect("mkdir");
    std::fs::write(
        env.index.join("newsidx.json"),
        r#"{"format": "newsidx", "schema_version": 1}"#,
    )
    .expect("write");
    std::fs::write(env.index.join(".tantivy-writer.lock"), "").expect("write");
    let summary = env.index();
    assert_eq!(summary.docs_total, 1);
}

#[test]
fn a_second_writer_gets_exit_75() {
    use std::os::fd::AsRawFd;
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    env.index();
    // Hold the writer lock the way a running `index` does (an OS file lock).
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(env.index.join(".tantivy-writer.lock"))
        .expect("lock file");
    // SAFETY: a valid open descriptor; flock has no other preconditions.
    let rc = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(rc, 0);
    // A run with nothing to write never opens the writer: it is not refused.
    let out = env.cmd().arg("index").arg(&env.archive).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A run with an article to add needs the writer, and is refused before
    // it commits anything.
    env.copy_sample("headline/politics/001.txt", "headline/politics/001.txt");
    let out = env.cmd().arg("index").arg(&env.archive).output().expect("run");
    one_line_error(
        &out,
        75,
        &format!(
            "newsidx: another index run holds the lock on {}",
            env.index.display()
        ),
    );
    // Readers are not blocked by the writer, and see the index as it was.
    assert_eq!(env.search("quantum", &[]).total, 1);
    drop(lock);
    assert_eq!(env.index().docs_total, 2);
}

#[test]
fn errors_say_their_cause_once() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    env.index();
    let out = env.run(&["search", "..."]);
    assert_eq!(
        stderr(&out),
        "newsidx: bad query: the query has no searchable words\n"
    );
    let missing = env.root.path().join("no-such-overrides.tsv");
    let out = env
        .cmd()
        .arg("--entities")
        .arg(&missing)
        .arg("index")
        .arg(&env.archive)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("newsidx: {}: no such file or directory\n", missing.display())
    );
}

#[test]
fn hostile_queries_and_sizes_get_one_line_or_an_answer_never_a_crash() {
    let env = Env::with_sample(&["headline/tech/007.txt", "exports/feed-2025-03.jsonl"]);
    env.index();
    // 60,000 groups one inside another overflowed the stack (SIGABRT).
    let deep = format!("{}oil{}", "(".repeat(60_000), ")".repeat(60_000));
    let out = env.run(&["search", &deep]);
    one_line_error(
        &out,
        2,
        "newsidx: bad query: groups and NOTs nested more than 64 deep (column 65)",
    );
    let nots = format!("{}oil", "NOT ".repeat(10_000));
    let out = env.run(&["search", &nots]);
    one_line_error(
        &out,
        2,
        "newsidx: bad query: groups and NOTs nested more than 64 deep",
    );
    // As deep as allowed is a query like any other.
    let ok = format!("{}quantum{}", "(".repeat(64), ")".repeat(64));
    let out = env.run(&["search", "--count", &ok]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A limit or offset near usize::MAX reached tantivy's collector, which
    // allocated for it (a panic).
    let max = usize::MAX.to_string();
    let out = env.run(&["search", "--json", "--limit", &max, "quantum OR tariffs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(&[
        "search",
        "--json",
        "--offset",
        &max,
        "--limit",
        "5",
        "quantum OR tariffs",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results: common::Results = serde_json::from_slice(&out.stdout).expect("json");
    assert!(results.hits.is_empty());
    assert!(results.total > 0);

    // --threads 0 is a usage error; more than tantivy's 8 indexing threads
    // is what the help says it is (8 indexers), not an error.
    let out = env.run(&["index", "--threads", "0", env.archive.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["index", "--threads", "32", env.archive.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn ids_of_files_named_like_records_or_escapes_are_their_own() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let record =
        |n: u32| format!(r#"{{"title": "Ferry record {n}", "body": "Ferries resumed on day {n}."}}"#) + "\n";
    env.write("feed.jsonl", record(1) + &record(2) + &record(3));
    // A file literally named as record 3 of feed.jsonl, and one literally
    // named as the escaped form of a non-UTF-8 name beside it.
    env.write(
        "feed.jsonl#3",
        "Ferry file named like a record\n\nFerries and names.\n",
    );
    env.write("caf%E9.txt", "Ferry cafe with a percent\n\nFerries and cafes.\n");
    let latin1 = env.archive.join(std::ffi::OsStr::from_bytes(b"caf\xE9.txt"));
    std::fs::write(&latin1, "Ferry cafe in Latin-1\n\nFerries and cafes again.\n").expect("write");
    let summary = env.index();
    assert_eq!(summary.docs_total, 6, "{summary:?}");
    let mut ids = env.ids("ferries");
    ids.sort();
    assert_eq!(
        ids,
        [
            "caf%25E9.txt",
            "caf%E9.txt",
            "feed.jsonl#1",
            "feed.jsonl#2",
            "feed.jsonl#3",
            "feed.jsonl%233"
        ]
    );
    // Changing one of a pair leaves the other alone.
    env.write(
        "feed.jsonl#3",
        "Ferry file renamed in its text\n\nFerries and names.\n",
    );
    let next = env.index();
    assert_eq!(next.counts(), (0, 1, 0, 5), "{next:?}");
    assert_eq!(env.ids("ferries").len(), 6);
}
