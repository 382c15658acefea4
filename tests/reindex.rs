//! Scheduled re-indexing: exact counts for every kind of change, the run lock, signals, --full, and runs killed anywhere.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{stderr, Env, Summary};

/// Files of sample-corpus in every layout: 14 single articles, a JSON Lines
/// feed of 6 records (one without an id of its own, known by its line) and
/// 4 JSON files.
const FILES: &[&str] = &[
    "headline/business/003.txt",
    "headline/business/004.txt",
    "headline/politics/001.txt",
    "headline/politics/002.txt",
    "headline/science/008.txt",
    "headline/sport/005.txt",
    "headline/tech/007.txt",
    "site/001_3fa9c21b7e4d5a60.txt",
    "site/002_b81e04d9c6a2f37e.txt",
    "site/003_0c5d7a19e2fb8843.txt",
    "wire/20240619/us-russia-northkorea-putin-idUSKBN2TQ4M20240619",
    "wire/20240907/us-tennis-usopen-sabalenka-idUSKBN9V5B320240907",
    "wire/20240918/us-usa-fed-rates-idUSKBN5F8X220240918",
    "wire/20241013/us-space-spacex-starship-idUSKBN4H6P120241013",
    "exports/feed-2025-03.jsonl",
    "exports/json/intel-pauses-german-chip-plant.json",
    "exports/json/london-summit-ukraine-coalition.json",
    "exports/json/markets-trump-election-rally.json",
    "exports/json/vance-munich-security-conference.json",
];
const ARTICLES: u64 = 14 + 6 + 4;
const FEED: &str = "exports/feed-2025-03.jsonl";

fn archive() -> Env {
    Env::with_sample(FILES)
}

/// An `index --json` run that must exit 0.
fn update(env: &Env, context: &str) -> Summary {
    let summary = env.index();
    assert!(summary.skipped.is_empty(), "{context}: {:?}", summary.skipped);
    // Contents first: a difference there names the articles.
    env.assert_converged(context);
    assert_eq!(summary.docs_total, env.reference().len() as u64, "{context}");
    summary
}

/// `index --json EXTRA... ARCHIVE`, which must exit with `code`.
fn index_exits(env: &Env, extra: &[&str], code: i32) -> Summary {
    let out = env
        .cmd()
        .args(["index", "--json"])
        .args(extra)
        .arg(&env.archive)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn append(path: &Path, text: &str) {
    let mut content = fs::read_to_string(path).expect("read");
    content.push_str(text);
    fs::write(path, content).expect("write");
}

fn feed_lines(env: &Env) -> Vec<String> {
    fs::read_to_string(env.archive.join(FEED))
        .expect("feed")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_feed(env: &Env, lines: &[String]) {
    env.write(FEED, lines.join("\n") + "\n");
}

#[test]
fn each_kind_of_change_costs_exactly_its_articles() {
    let env = archive();
    let first = update(&env, "first run");
    assert_eq!(first.counts(), (ARTICLES, 0, 0, 0));
    assert_eq!(first.files_read, FILES.len() as u64);

    let noop = update(&env, "no-op");
    assert_eq!(noop.counts(), (0, 0, 0, ARTICLES));
    assert_eq!(
        (noop.files_read, noop.commits),
        (0, 0),
        "nothing read, nothing committed"
    );

    // Touched, not changed: read and hashed, not re-indexed; then trusted again.
    let tech = env.archive.join("headline/tech/007.txt");
    let later = SystemTime::now() + Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&tech)
        .and_then(|f| f.set_modified(later))
        .expect("touch");
    let touched = update(&env, "touch");
    assert_eq!(touched.counts(), (0, 0, 0, ARTICLES));
    assert_eq!((touched.files_read, touched.files_touched), (1, 1));
    assert_eq!(update(&env, "after touch").files_read, 0);

    // New content and a new mtime.
    append(&tech, "\nThe quorum of glaciologists disagreed.\n");
    assert_eq!(update(&env, "modify").counts(), (0, 1, 0, ARTICLES - 1));
    assert_eq!(env.ids("glaciologists"), ["headline/tech/007.txt"]);

    // New content of the same size with the old mtime put back (cp -p,
    // rsync -t): the inode's change time still gives it away.
    let sport = env.archive.join("headline/sport/005.txt");
    let old_mtime = fs::metadata(&sport).and_then(|m| m.modified()).expect("mtime");
    let text = fs::read_to_string(&sport).expect("read");
    let at = text.find("the").expect("a 'the' to change");
    let same_size = format!("{}THE{}", &text[..at], &text[at + 3..]);
    fs::write(&sport, &same_size).expect("write");
    fs::File::options()
        .write(true)
        .open(&sport)
        .and_then(|f| f.set_modified(old_mtime))
        .expect("set mtime back");
    assert_eq!(
        update(&env, "same size, same mtime").counts(),
        (0, 1, 0, ARTICLES - 1)
    );

    // A deleted file.
    fs::remove_file(env.archive.join("headline/politics/001.txt")).expect("rm");
    let deleted = update(&env, "delete");
    assert_eq!(deleted.counts(), (0, 0, 1, ARTICLES - 1));
    assert_eq!(
        env.run(&["show", "headline/politics/001.txt"]).status.code(),
        Some(1)
    );

    // A moved file is a delete and an add.
    fs::rename(
        env.archive.join("headline/business/004.txt"),
        env.archive.join("headline/business/004-moved.txt"),
    )
    .expect("mv");
    let moved = update(&env, "move");
    assert_eq!(moved.counts(), (1, 0, 1, ARTICLES - 2));
    assert_eq!(
        env.run(&["show", "headline/business/004.txt"]).status.code(),
        Some(1)
    );
    assert_eq!(
        env.show("headline/business/004-moved.txt").id,
        "headline/business/004-moved.txt"
    );
    let total = ARTICLES - 1;

    // JSON Lines: the last line removed deletes its record only.
    let mut lines = feed_lines(&env);
    assert_eq!(lines.len(), 6);
    lines.pop();
    write_feed(&env, &lines);
    assert_eq!(update(&env, "last line removed").counts(), (0, 0, 1, total - 1));
    let total = total - 1;

    // One record edited: only it is replaced.
    lines[2] = lines[2].replacen("\"title\":\"", "\"title\":\"Edited: ", 1);
    write_feed(&env, &lines);
    assert_eq!(update(&env, "record edited").counts(), (0, 1, 0, total - 1));

    // A line appended: one record added.
    lines.push(r#"{"id":"feed-0099","title":"Late wire","body":"A late story about tariffs."}"#.into());
    write_feed(&env, &lines);
    assert_eq!(update(&env, "line appended").counts(), (1, 0, 0, total));
    let total = total + 1;

    // A line removed above a record known by its line number: that record's
    // id moves with it (README: records without an id of their own).
    assert!(!lines[4].contains("\"id\""), "line 5 has no id of its own");
    lines.remove(1);
    write_feed(&env, &lines);
    let shifted = update(&env, "second line removed");
    assert_eq!(shifted.counts(), (1, 0, 2, total - 2));
    assert_eq!(shifted.docs_total, total - 1);
}

#[test]
fn a_lost_catalog_costs_a_read_not_a_reindex() {
    let env = archive();
    update(&env, "first run");
    for entry in fs::read_dir(&env.index).expect("index dir") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("catalog-"))
        {
            fs::remove_file(path).expect("rm catalog");
        }
    }
    let run = update(&env, "catalog lost");
    assert_eq!(run.counts(), (0, 0, 0, ARTICLES));
    assert_eq!(run.files_read, FILES.len() as u64);
    assert_eq!(update(&env, "catalog written again").files_read, 0);
}

#[test]
fn new_entity_overrides_reindex_every_article() {
    let env = archive();
    update(&env, "first run");
    let overrides = env.root.path().join("entities.tsv");
    fs::write(&overrides, "alias\tKim Jong Un\tperson\tKJU\n").expect("write");
    let out = env.index_with_overrides(&overrides);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Summary = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary.counts(), (0, ARTICLES, 0, 0));
}

#[test]
fn files_skipped_before_are_reported_on_every_run() {
    let env = Env::with_sample(&[
        "headline/tech/007.txt",
        "edge/empty.txt",
        "edge/mixed-records.jsonl",
    ]);
    let first = env.index();
    let second = env.index();
    assert_eq!(second.files_read, 0);
    let paths = |s: &Summary| s.skipped.iter().map(|k| k.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&first).len(), 3, "{:?}", first.skipped);
    let (mut a, mut b) = (paths(&first), paths(&second));
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn an_empty_archive_folder_keeps_its_articles() {
    let env = Env::with_sample(&["headline/tech/007.txt", "headline/sport/005.txt"]);
    env.index();
    for f in ["headline/tech/007.txt", "headline/sport/005.txt"] {
        fs::remove_file(env.archive.join(f)).expect("rm");
    }
    let summary = index_exits(&env, &[], 1);
    assert_eq!((summary.deleted, summary.docs_total), (0, 2));
    assert!(
        summary.skipped[0]
            .reason
            .starts_with("archive folder has no files, but the index holds 2 articles"),
        "{:?}",
        summary.skipped
    );
    // --full is the way to empty it.
    let summary = index_exits(&env, &["--full"], 0);
    assert_eq!((summary.deleted, summary.docs_total), (2, 0));
}

#[test]
fn an_archive_that_would_change_ids_is_refused() {
    let env = Env::with_sample(&["headline/tech/007.txt"]);
    env.index();
    let other = env.root.path().join("other");
    fs::create_dir_all(&other).expect("mkdir");
    let out = env
        .cmd()
        .arg("index")
        .arg(&env.archive)
        .arg(&other)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("adding it would change the id of every article already indexed")
            && err.contains("newsidx index --full"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    env.assert_converged("refused run changed nothing");
}

// --- processes stopped, signalled and killed ---------------------------------

/// `newsidx --index I index --json ARCHIVE EXTRA...` as a child process,
/// with `crash` in NEWSIDX_CRASH_AT.
fn spawn(env: &Env, extra: &[&str], crash: Option<&str>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsidx"));
    cmd.arg("--index")
        .arg(&env.index)
        .args(["index", "--json"])
        .args(extra)
        .arg(&env.archive)
        .env_remove("NEWSIDX_INDEX")
        .env_remove("NEWSIDX_ENTITIES")
        .env_remove("NEWSIDX_SCHEMA")
        .env_remove(newsidx::crashtest::VAR)
        .env("XDG_CONFIG_HOME", env.root.path().join("no-config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(crash) = crash {
        cmd.env(newsidx::crashtest::VAR, crash);
    }
    cmd.spawn().expect("spawn newsidx")
}

/// Waits until the child has frozen itself (SIGSTOP at its crash point).
fn wait_stopped(child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stat = fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default();
        // The state follows the parenthesised command name.
        if stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('T'))
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("newsidx ended ({status}) before its stop point");
        }
        assert!(Instant::now() < deadline, "newsidx never reached its stop point");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: a signal to our own child, which has not been reaped yet.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    assert_eq!(rc, 0);
}

/// Once the child has frozen at its stop point, sends it `sig` (which it
/// sees when it runs again), wakes it and waits for it.
fn stop_with(mut child: Child, sig: libc::c_int) -> (ExitStatus, String, String) {
    wait_stopped(&mut child);
    signal(&child, sig);
    signal(&child, libc::SIGCONT);
    finish(child)
}

fn finish(child: Child) -> (ExitStatus, String, String) {
    let out = child.wait_with_output().expect("wait");
    (out.status, common::stdout(&out), common::stderr(&out))
}

#[test]
fn a_file_that_changes_after_its_parse_is_read_again() {
    // The feed is indexed and unchanged: the first file parsed is the new one.
    let env = Env::with_sample(&[FEED]);
    env.index();
    let record = |n: usize| {
        format!(
            r#"{{"id": "late-{n}", "title": "Late record {n}", "body": "Written while newsidx was reading the feed.", "published": "2025-03-30"}}"#
        ) + "\n"
    };
    let during_parse = |file: &str, before: &str, after: &str| {
        env.write(file, before);
        let mut child = spawn(&env, &[], Some("parsed:1:stop"));
        wait_stopped(&mut child);
        env.write(file, after);
        signal(&child, libc::SIGCONT);
        let (status, _, err) = finish(child);
        assert!(status.success(), "{err}");
    };

    // A new file that grows once its parse is done, before the run records
    // it: the next run indexes the lines the parse did not see.
    let two = record(1) + &record(2);
    during_parse("exports/late.jsonl", &record(1), &two);
    update(&env, "after lines appended to a new file during its parse");

    // A new file caught mid-rewrite (its first line only), written whole
    // once the parse is done: the records the parse did not see are read.
    let three = record(3) + &record(4) + &record(5);
    during_parse("exports/rewritten.jsonl", &record(3), &three);
    update(&env, "after a rewrite caught half done");

    // The same for a file read whole.
    let article = |title: &str| format!("{title}\n\nThe ferry service resumed on Monday.\n");
    during_parse(
        "site/ferry.txt",
        &article("Ferry strike ends"),
        &article("Ferry strike ends after three days"),
    );
    update(&env, "after an article rewritten during its parse");
}

#[test]
fn a_kill_while_the_catalog_is_written_leaves_the_live_one_whole() {
    let env = archive();
    update(&env, "first run");
    // Touched, not changed: the run's commit carries no document operation,
    // so it has the live commit's opstamp and its catalog's file name.
    let tech = env.archive.join("headline/tech/007.txt");
    fs::File::options()
        .write(true)
        .open(&tech)
        .and_then(|f| f.set_modified(SystemTime::now() + Duration::from_secs(3600)))
        .expect("touch");
    let (status, _, _) = finish(spawn(&env, &[], Some("catalog-write:1")));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    // The index still knows every file: the next run reads only the
    // touched one.
    let next = update(&env, "after a kill while the catalog was written");
    assert_eq!(next.files_read, 1, "only the touched file is read");
    assert!(
        fs::read_dir(&env.index)
            .expect("index dir")
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().ends_with(".tmp")),
        "no catalog left half written beside the live one"
    );
}

#[test]
fn a_bug_in_the_walk_is_an_error_not_an_interrupted_run() {
    let env = archive();
    update(&env, "first run");
    append(
        &env.archive.join("headline/tech/007.txt"),
        "\nA zeppelin appeared.\n",
    );
    let (status, out, err) = finish(spawn(&env, &[], Some("walk:1:panic")));
    // Before: "stopped by SIGINT", exit 130, and a run record saying so.
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("newsidx: internal error while walking the archive"),
        "{err}"
    );
    update(&env, "the next run");
}

#[test]
fn a_lost_catalog_forgets_no_archive() {
    let env = Env::new();
    let a = env.root.path().join("a/news");
    let b = env.root.path().join("b/news");
    for dir in [&a, &b] {
        fs::create_dir_all(dir.join("politics")).expect("mkdir");
        fs::copy(
            common::sample_corpus().join("headline/politics/002.txt"),
            dir.join("politics/002.txt"),
        )
        .expect("copy");
    }
    let first = env.index_dirs(&[&a, &b]);
    assert_eq!(first.docs_total, 2);
    let ids = |env: &Env| {
        let mut ids = env.ids("barnier");
        ids.sort();
        ids
    };
    let before = ids(&env);
    for entry in fs::read_dir(&env.index).expect("index").flatten() {
        if entry.file_name().to_string_lossy().starts_with("catalog-") {
            fs::remove_file(entry.path()).expect("remove catalog");
        }
    }
    // A run over one of the two: before, it took the prefix of a lone
    // archive, added its article again under a new id and deleted the
    // other archive's.
    let next = env.index_dirs(&[&a]);
    assert_eq!(next.counts(), (0, 0, 0, 1), "{next:?}");
    assert_eq!(next.docs_total, 2);
    assert_eq!(ids(&env), before);
}

#[test]
fn an_id_the_index_holds_twice_is_made_one_when_its_file_is_read() {
    let env = Env::with_sample(&[FEED]);
    env.index();
    let held = common::contents(&env.index);
    let (id, (_, hash)) = held
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), *v))
        .expect("a document");
    // A second document under the same id, file and content hash, as a
    // killed run or an old id collision left them.
    {
        let mapping = newsidx::schema::Mapping::builtin().expect("mapping");
        let index = newsidx::index::NewsIndex::open(&env.index, mapping).expect("open");
        let catalog = index.catalog().expect("catalog").expect("a catalog");
        let article = newsidx::ingest::Article {
            id: id.clone(),
            path: String::new(),
            archive: String::new(),
            section: None,
            title: Some("A copy".into()),
            body: "A copy of a record.".into(),
            captions: Vec::new(),
            byline: None,
            url: None,
            published: None,
            language: None,
            layout: newsidx::ingest::Layout::Jsonl,
            entity_skip: Vec::new(),
        };
        let doc = index.to_document(&article, &Default::default(), FEED, hash);
        let mut writer = index.writer(1, 50 << 20).expect("writer");
        writer.add_document(doc).expect("add");
        index
            .commit(
                &mut writer,
                &catalog,
                &Default::default(),
                &Default::default(),
                None,
                true,
            )
            .expect("commit");
    }
    assert_eq!(common::contents(&env.index)[&id].0, 2);
    // The file changes elsewhere: the run that reads it finds the id twice.
    let mut lines = feed_lines(&env);
    lines.push(
        r#"{"id": "late-1", "title": "Late record", "body": "Added later.", "published": "2025-03-30"}"#
            .into(),
    );
    write_feed(&env, &lines);
    update(&env, "after a run that read the file");
}

#[test]
fn a_file_half_applied_at_a_periodic_commit_is_read_again_even_if_restored() {
    let env = Env::with_sample(&[FEED]);
    env.index();
    let old = fs::read(env.archive.join(FEED)).expect("feed");
    // Every record changes; the run commits after each document and is
    // killed after its first commit, the feed half applied.
    let changed: Vec<String> = feed_lines(&env)
        .iter()
        .map(|l| l.replace("\"title\":\"", "\"title\":\"Updated: "))
        .collect();
    assert_ne!(changed, feed_lines(&env));
    write_feed(&env, &changed);
    let (status, _, err) = finish(spawn(&env, &["--commit-every", "1"], Some("commit:1")));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL),
        "{err}"
    );
    // The feed goes back to the bytes the catalog knew (a restore).
    fs::write(env.archive.join(FEED), &old).expect("restore");
    update(&env, "after the restore");
}

#[test]
fn a_kill_right_after_the_commit_leaves_searches_with_the_overrides_it_was_read_with() {
    let env = Env::with_sample(&["site/009_7d3e5b1a9c2f4e80.txt"]);
    env.index();
    let overrides = env.root.path().join("entities.tsv");
    fs::write(
        &overrides,
        "merge\tRossiyskaya Gazeta\tRossiiskaya Gazeta|RG\torg\n",
    )
    .expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsidx"));
    cmd.arg("--index")
        .arg(&env.index)
        .arg("--entities")
        .arg(&overrides)
        .args(["index", "--json"])
        .arg(&env.archive)
        .env_remove("NEWSIDX_INDEX")
        .env_remove("NEWSIDX_SCHEMA")
        .env("XDG_CONFIG_HOME", env.root.path().join("no-config"))
        .env(newsidx::crashtest::VAR, "commit:1");
    let out = cmd.output().expect("run");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&out.status),
        Some(libc::SIGKILL),
        "{}",
        stderr(&out)
    );
    // The commit's articles were read with the overrides: a search without
    // the flag resolves "RG" with them, as the run would have left it.
    let out = env.run(&["search", "--json", "--entity", "RG"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "RG is a name the index knows");
}

#[test]
fn a_second_run_gets_75_while_searches_see_the_last_commit() {
    let env = archive();
    env.index();
    for f in ["headline/tech/007.txt", "site/001_3fa9c21b7e4d5a60.txt"] {
        append(&env.archive.join(f), "\nA zeppelin appeared.\n");
    }
    let mut first = spawn(&env, &[], Some("doc:1:stop"));
    wait_stopped(&mut first);

    let out = env.cmd().arg("index").arg(&env.archive).output().expect("run");
    common::one_line_error(
        &out,
        75,
        &format!(
            "newsidx: another index run holds the lock on {}",
            env.index.display()
        ),
    );
    // Readers are not blocked, and see the last commit: no zeppelin yet.
    assert_eq!(env.search("quantum", &[]).total, 2);
    assert!(env.ids("zeppelin").is_empty());

    // A run that dies leaves no lock behind.
    signal(&first, libc::SIGKILL);
    let (status, _, _) = finish(first);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    update(&env, "after the killed run");
    assert_eq!(env.ids("zeppelin").len(), 2);
}

#[test]
fn sigterm_commits_what_is_done_and_exits_143() {
    let env = archive();
    let child = spawn(&env, &["--commit-every", "1000"], Some("doc:5:stop"));
    let (status, out, err) = stop_with(child, libc::SIGTERM);
    assert_eq!(status.code(), Some(143), "{err}");
    assert!(
        err.contains("newsidx: stopped by SIGTERM; the work done is committed"),
        "{err}"
    );
    let summary: Summary = serde_json::from_str(&out).expect("json summary");
    assert!(summary.interrupted);
    assert!(summary.added >= 5, "{summary:?}");
    assert!(
        summary.docs_total >= 5 && summary.docs_total < ARTICLES,
        "{summary:?}"
    );
    assert_eq!(common::contents(&env.index).len() as u64, summary.docs_total);
    let next = update(&env, "after SIGTERM");
    assert_eq!(next.added + summary.added, ARTICLES);
}

#[test]
fn sigint_exits_130() {
    let env = archive();
    let child = spawn(&env, &[], Some("doc:2:stop"));
    let (status, _, err) = stop_with(child, libc::SIGINT);
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("stopped by SIGINT"), "{err}");
    update(&env, "after SIGINT");
}

#[test]
fn full_rebuild_serves_the_old_index_until_it_commits() {
    let env = archive();
    env.index();
    let before = common::contents(&env.index);
    fs::remove_file(env.archive.join("headline/politics/001.txt")).expect("rm");
    env.write(
        "headline/politics/010.txt",
        "Zeppelin summit\n\nLeaders met aboard a zeppelin.\n",
    );

    let mut child = spawn(&env, &["--full"], Some("doc:10:stop"));
    wait_stopped(&mut child);
    assert_eq!(
        common::contents(&env.index),
        before,
        "searches still see the old index"
    );
    assert!(env.ids("zeppelin").is_empty());
    signal(&child, libc::SIGCONT);
    let (status, out, err) = finish(child);
    assert_eq!(status.code(), Some(0), "{err}");
    let summary: Summary = serde_json::from_str(&out).expect("json");
    assert!(summary.full);
    assert_eq!(summary.counts(), (1, 0, 1, ARTICLES - 1));
    env.assert_converged("after --full");

    // A rebuild stopped by a signal is abandoned: the index stays as it was.
    let before = common::contents(&env.index);
    fs::remove_file(env.archive.join("headline/politics/002.txt")).expect("rm");
    let child = spawn(&env, &["--full"], Some("doc:3:stop"));
    let (status, _, err) = stop_with(child, libc::SIGTERM);
    assert_eq!(status.code(), Some(143), "{err}");
    assert!(
        err.contains("the rebuild was abandoned, the index is as it was"),
        "{err}"
    );
    assert_eq!(common::contents(&env.index), before);
    update(&env, "after the abandoned rebuild");
}

/// Changes the archive so that the next run has documents to add, replace
/// and delete, and files to delete: enough events for every crash point.
fn churn(env: &Env, round: usize) {
    for (i, f) in FILES.iter().enumerate().filter(|(_, f)| f.ends_with(".txt")) {
        if (i + round).is_multiple_of(3) {
            append(
                &env.archive.join(f),
                &format!("\nRound {round} adds a line to story {i}.\n"),
            );
        }
    }
    for k in 0..3 {
        env.write(
            &format!("headline/extra/{round}-{k}.txt"),
            format!("Extra story {round} {k}\n\nA council in Oslo met for round {round}.\n"),
        );
    }
    // Files of two rounds ago go away.
    if let Ok(entries) = fs::read_dir(env.archive.join("headline/extra")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.split('-').next().and_then(|r| r.parse::<usize>().ok()) == round.checked_sub(2) {
                fs::remove_file(entry.path()).expect("rm");
            }
        }
    }
    let mut lines = feed_lines(env);
    let n = lines.len();
    lines[round % n] = lines[round % n].replacen("\"title\":\"", &format!("\"title\":\"R{round} "), 1);
    if round % 4 == 3 && n > 3 {
        lines.remove(0);
    } else {
        lines.push(format!(
            r#"{{"id":"r{round}","title":"Round {round}","body":"Story of round {round}."}}"#
        ));
    }
    write_feed(env, &lines);
}

/// Whether `child` holds the run lock: `flock` on the index folder, which
/// `index` takes before it reads or writes anything and keeps until it has
/// printed its summary (as /proc/locks lists it).
fn holds_run_lock(child: &Child, index: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let inode = fs::metadata(index).expect("index folder").ino().to_string();
    let pid = child.id().to_string();
    let locks = fs::read_to_string("/proc/locks").expect("/proc/locks");
    locks.lines().any(|line| {
        // "1: FLOCK  ADVISORY  WRITE 4242 00:2a:123456 0 EOF"
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.get(1) == Some(&"FLOCK")
            && fields.get(4) == Some(&pid.as_str())
            && fields.get(5).and_then(|f| f.rsplit(':').next()) == Some(inode.as_str())
    })
}

#[test]
fn runs_killed_anywhere_converge_on_the_next_run() {
    let env = archive();
    update(&env, "first run");
    // Each round's churn gives the run more articles, catalogs (with
    // --commit-every 3), commits and deleted files (three: a JSON Lines
    // record removed is not a file's deletion) than its point counts.
    let mut points: Vec<String> = Vec::new();
    points.extend((1..=8).map(|n| format!("doc:{n}")));
    points.extend((1..=4).map(|n| format!("catalog:{n}")));
    points.extend((1..=4).map(|n| format!("commit:{n}")));
    points.extend((1..=3).map(|n| format!("delete:{n}")));
    // After the last commit, before the archive's entity table is written.
    points.push("entity-table:1".into());
    assert_eq!(points.len(), 20, "docs/operations.md counts them");
    for (round, point) in points.iter().enumerate() {
        churn(&env, round);
        let child = spawn(&env, &["--commit-every", "3"], Some(point));
        let (status, _, err) = finish(child);
        // Killed there, not run to the end: a point that never fires
        // tests nothing.
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL),
            "{point} never fired: {status} {err}"
        );
        // Whatever the moment, the index opens at a commit.
        let out = env.run(&["search", "--json", "council"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{point}: {}",
            stderr(&out)
        );
        update(&env, &format!("round {round}, after a kill at {point}"));
    }

    // And at moments no crash point names: SIGKILL after a delay, at a
    // tenth, three tenths ... nine tenths of a run as long as an unkilled
    // one. A kill counts when it landed mid-run: the run had not exited,
    // held its lock (so it had started), had printed no summary (so it had
    // not finished) and died of the signal. One that missed is tried again,
    // later if it came before the lock, earlier if the run had ended.
    churn(&env, points.len());
    let clock = Instant::now();
    let (status, _, err) = finish(spawn(&env, &["--commit-every", "2"], None));
    assert!(status.success(), "{err}");
    let run = clock.elapsed();
    update(&env, "after an unkilled run");
    let mut round = points.len() + 1;
    let mut landed: Vec<Duration> = Vec::new();
    let mut missed: Vec<(Duration, &str)> = Vec::new();
    for tenths in [1, 3, 5, 7, 9] {
        let mut delay = run * tenths / 10;
        loop {
            assert!(
                missed.len() < 10,
                "of runs of {run:?}, only these timed kills landed mid-run: {landed:?}; missed: {missed:?}"
            );
            churn(&env, round);
            round += 1;
            let mut child = spawn(&env, &["--commit-every", "2"], None);
            std::thread::sleep(delay);
            let running = child.try_wait().expect("wait").is_none();
            let locked = running && holds_run_lock(&child, &env.index);
            // A run that already ended was reaped by `try_wait`: its pid is
            // no longer ours to signal, and the kill is a miss.
            if running {
                signal(&child, libc::SIGKILL);
            }
            let (status, out, err) = finish(child);
            let killed = std::os::unix::process::ExitStatusExt::signal(&status) == Some(libc::SIGKILL);
            let at = delay;
            let landed_now = running && locked && killed && out.is_empty();
            if landed_now {
                landed.push(at);
            } else if !running || !killed || !out.is_empty() {
                assert!(killed || matches!(status.code(), Some(0 | 1)), "{status} {err}");
                missed.push((at, "after the run"));
                delay = delay * 2 / 3;
            } else {
                missed.push((at, "before the run took its lock"));
                delay = delay * 2 + Duration::from_millis(5);
            }
            update(&env, &format!("after SIGKILL at {at:?}"));
            if landed_now {
                break;
            }
        }
    }
    eprintln!("timed kills mid-run at {landed:?} of runs of {run:?}; missed: {missed:?}");
}

#[test]
fn a_half_read_file_deleted_before_the_next_run_leaves_nothing() {
    let env = archive();
    update(&env, "first run");
    let records: Vec<String> = (1..=6)
        .map(|i| {
            format!(r#"{{"id":"n{i}","title":"Night desk {i}","body":"Story {i} from the night desk."}}"#)
        })
        .collect();
    env.write("exports/night.jsonl", records.join("\n") + "\n");
    // Commits after every document; killed while adding the third record,
    // so two are committed from a file the catalog never completed.
    let child = spawn(&env, &["--commit-every", "1"], Some("doc:3"));
    let (status, _, err) = finish(child);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL),
        "{err}"
    );
    let night = |env: &Env| {
        common::contents(&env.index)
            .keys()
            .filter(|id| id.starts_with("exports/night.jsonl#"))
            .count()
    };
    assert_eq!(night(&env), 2, "two records were committed");
    fs::remove_file(env.archive.join("exports/night.jsonl")).expect("rm");
    let next = update(&env, "after the half-read file went away");
    assert_eq!(next.deleted, 2);
    assert_eq!(night(&env), 0);
}

#[test]
fn no_entities_then_entities_reindexes_every_article() {
    let env = archive();
    let summary = index_exits(&env, &["--no-entities"], 0);
    assert_eq!(summary.counts(), (ARTICLES, 0, 0, 0));
    let listing = env.run(&["entities", "--json"]);
    assert_eq!(listing.status.code(), Some(1), "no entities were indexed");
    // The default run finds entities again: every article changes.
    assert_eq!(env.index().counts(), (0, ARTICLES, 0, 0));
    assert_eq!(env.run(&["entities", "--json"]).status.code(), Some(0));
}

#[test]
fn eight_searches_in_a_loop_during_commits_never_fail_and_each_sees_a_whole_commit() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let env = Env::new();
    env.write("start/first.txt", "Harbour report zero\n\nThe harbour opened.\n");
    env.index();
    // 3,000 one-article files: 30 commits of 100 articles while 8
    // processes search.
    const N: usize = 3000;
    for i in 1..N {
        env.write(
            &format!("s{}/{i:05}.txt", i % 10),
            format!("Harbour report number {i}\n\nThe harbour of town {i} reopened on day {i}.\n"),
        );
    }
    let mut indexer = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsidx"))
        .arg("--index")
        .arg(&env.index)
        .args(["index", "--quiet", "--commit-every", "100"])
        .arg(&env.archive)
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .expect("index");
    let done = AtomicBool::new(false);
    let seen: Vec<Vec<usize>> = std::thread::scope(|scope| {
        let searchers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut totals = Vec::new();
                    // One more search after the run ended.
                    let mut last = false;
                    while !last {
                        last = done.load(Ordering::Acquire);
                        let out = env.run(&["search", "--json", "--limit", "0", "harbour"]);
                        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                        let results: common::Results = serde_json::from_slice(&out.stdout).expect("json");
                        totals.push(results.total);
                    }
                    totals
                })
            })
            .collect();
        let status = indexer.wait().expect("wait");
        done.store(true, Ordering::Release);
        assert_eq!(status.code(), Some(0));
        searchers
            .into_iter()
            .map(|s| s.join().expect("searcher"))
            .collect()
    });
    let mut counts = std::collections::BTreeSet::new();
    for totals in &seen {
        // A commit is whole (the first article, then 100 at a time, then
        // the rest), and a search never goes back to an older one.
        for t in totals {
            assert!((t - 1) % 100 == 0 || *t == N, "{t} articles: half a commit");
            counts.insert(*t);
        }
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
        assert_eq!(totals.last(), Some(&N));
    }
    // The searches did run during the commits.
    assert!(counts.len() > 2, "{counts:?}");
}

#[test]
fn a_first_build_of_twelve_thousand_articles_commits_once() {
    // Commits are for a killed run to keep its work; each one's segments
    // are merged again later. The default count bound is above what the
    // 30 s interval lets a run index, so the interval decides (here put
    // out of reach, so that only the count bound is tested).
    let env = Env::new();
    let mut feed = String::new();
    for i in 0..12_000 {
        feed.push_str(&format!(
            "{{\"id\":\"n{i}\",\"title\":\"Harbour note {i}\",\"body\":\"The harbour reopened on day {i}.\"}}\n"
        ));
    }
    env.write("feed.jsonl", feed);
    let out = env
        .cmd()
        .args(["index", "--json", "--commit-interval", "86400"])
        .arg(&env.archive)
        .output()
        .expect("run newsidx");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Summary = serde_json::from_slice(&out.stdout).expect("summary");
    assert_eq!((summary.added, summary.commits), (12_000, 1));
}

/// The patterns of the field mapping are compiled only when a file needs
/// parsing, but a bad one is still reported by every run that could meet
/// it: a first run over an empty archive, and a run after the mapping
/// changed, even one that finds no file changed.
#[test]
fn a_bad_pattern_in_the_mapping_is_reported_before_anything_is_written() {
    let mapping = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/newsidx.toml"))
        .expect("mapping");
    let good_line = mapping
        .lines()
        .find(|l| l.starts_with("byline_pattern = "))
        .expect("byline_pattern in the mapping");
    let bad = mapping.replacen(good_line, "byline_pattern = '^(by'", 1);
    let run = |env: &Env, text: &str| {
        let file = env.root.path().join("mapping.toml");
        fs::write(&file, text).expect("write mapping");
        env.cmd()
            .arg("--schema")
            .arg(&file)
            .args(["index", "--json"])
            .arg(&env.archive)
            .output()
            .expect("run")
    };
    let expect_bad = |out: &std::process::Output| {
        common::one_line_error(
            out,
            2,
            "newsidx: field mapping: bad field mapping: [layout] byline_pattern: ",
        );
    };

    let catalogs = |env: &Env| {
        let mut names: Vec<String> = fs::read_dir(&env.index)
            .into_iter()
            .flatten()
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("catalog-"))
            .collect();
        names.sort();
        names
    };

    let empty = Env::new();
    expect_bad(&run(&empty, &bad));
    assert!(catalogs(&empty).is_empty());

    let env = archive();
    assert_eq!(run(&env, &mapping).status.code(), Some(0));
    let before = common::contents(&env.index);
    let catalog = catalogs(&env);
    expect_bad(&run(&env, &bad));
    assert_eq!(common::contents(&env.index), before);
    assert_eq!(catalogs(&env), catalog);
    // The good mapping again: nothing changed, nothing to parse.
    let out = run(&env, &mapping);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Summary = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary.unchanged, ARTICLES);
    assert_eq!(summary.files_read, 0);
}

#[test]
fn the_summarys_elapsed_time_is_the_whole_runs_entity_table_included() {
    // The run stands still while its entity table is worked out, after the
    // last commit and after the run record is written: the summary's time
    // takes that in, the record's does not.
    let env = Env::with_sample(&[FEED]);
    let mut child = spawn(&env, &[], Some("entity-table:1:stop"));
    wait_stopped(&mut child);
    let frozen = Duration::from_millis(1500);
    std::thread::sleep(frozen);
    signal(&child, libc::SIGCONT);
    let (status, out, err) = finish(child);
    assert!(status.success(), "{err}");
    let summary: Summary = serde_json::from_str(&out).expect("summary");
    let record: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(env.index.join("last-run.json")).expect("run record"))
            .expect("run record JSON");
    let recorded = record["elapsed_ms"].as_u64().expect("elapsed_ms");
    assert!(
        summary.elapsed_ms >= recorded + frozen.as_millis() as u64,
        "summary {} ms, record {recorded} ms",
        summary.elapsed_ms
    );
}
