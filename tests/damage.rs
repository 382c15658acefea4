//! A damaged index, file by file and damage by damage: every command says so in one line with the way out and never panics, `index` never hides damage, and the way out gives back the index.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{bare_cmd, contents, copy_tree, stderr, Env};

/// What can happen to a file on a disk, in a backup, or at a user's hands.
const DAMAGES: [&str; 7] = [
    "removed",
    "emptied",
    "cut in half",
    "zeroed",
    "first byte flipped",
    "middle byte flipped",
    "last byte flipped",
];

fn damage(path: &Path, how: &str) {
    if how == "removed" {
        fs::remove_file(path).expect("remove");
        return;
    }
    let mut bytes = fs::read(path).expect("read");
    let last = bytes.len().saturating_sub(1);
    match how {
        "emptied" => bytes.clear(),
        "cut in half" => bytes.truncate(bytes.len() / 2),
        "zeroed" => bytes.iter_mut().for_each(|b| *b = 0),
        "first byte flipped" if !bytes.is_empty() => bytes[0] ^= 0xff,
        "middle byte flipped" if !bytes.is_empty() => bytes[last / 2] ^= 0xff,
        "last byte flipped" if !bytes.is_empty() => bytes[last] ^= 0xff,
        _ => {}
    }
    fs::write(path, bytes).expect("write");
}

fn run(index: &Path, args: &[&str]) -> Output {
    bare_cmd()
        .arg("--index")
        .arg(index)
        .args(args)
        .output()
        .expect("run newsidx")
}

/// Whether `check` finds the index whole.
fn checks(index: &Path) -> bool {
    run(index, &["check", "--quiet"]).status.code() == Some(0)
}

/// Files of tantivy's (each ends with a checksum) and newsidx's marker:
/// any damage to them is damage `check` must find.
fn checked(name: &str) -> bool {
    name == "meta.json"
        || name == "newsidx.json"
        || name.split_once('.').is_some_and(|(id, _)| id.len() == 32)
}

#[test]
fn every_file_damaged_every_way_gets_one_line_with_the_way_out_and_the_way_out_works() {
    let env = Env::with_sample(&["headline/tech/007.txt", "exports/feed-2025-03.jsonl"]);
    env.index();
    let archive = env.archive.to_str().expect("utf-8").to_string();
    let point_out = env.root.path().join("first.bulk");
    let out = env.run(&["export", "--changes", "--out", point_out.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let whole: BTreeMap<String, (usize, u64)> = contents(&env.index);
    let mut names: Vec<String> = fs::read_dir(&env.index)
        .expect("index dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n.starts_with("catalog-")) && names.iter().any(|n| n.ends_with(".point")),
        "{names:?}"
    );

    // Both cores: the files are shared out between threads.
    let found_by_check = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let one_file = |name: &String| {
        for how in DAMAGES {
            let what = format!("{name} {how}");
            let work = tempfile::tempdir().expect("temp dir");
            let index: PathBuf = work.path().join("index");
            copy_tree(&env.index, &index);
            damage(&index.join(name), how);
            let way_out = format!(
                "rebuild it from the archive: `newsidx --index {} index --full ARCHIVE_DIR...`",
                index.display()
            );
            let export_to = work.path().join("out.ndjson");
            let export_to = export_to.to_str().expect("utf-8");
            let damaged = !checks(&index);
            if checked(name) {
                assert!(damaged, "{what}: `check` found nothing");
            }
            found_by_check.fetch_add(usize::from(damaged), std::sync::atomic::Ordering::Relaxed);
            for args in [
                &["search", "--json", "quantum OR ferries OR trudeau"][..],
                &["search", "--json", "--entity", "Justin Trudeau"],
                &["stats", "--json"],
                &["entities"],
                &["export", "--out", export_to],
                &["export", "--changes", "--out", export_to],
                &["check"],
                &["index", &archive],
            ] {
                let out = run(&index, args);
                let err = stderr(&out);
                let command = args[0];
                assert!(
                    matches!(out.status.code(), Some(0..=2)) && !err.contains("panicked"),
                    "{what}: {command}: exit {:?}: {err}",
                    out.status.code()
                );
                assert!(err.trim_end().lines().count() <= 1, "{what}: {command}: {err}");
                if out.status.code() == Some(2) {
                    let err = err.trim_end();
                    assert!(
                        err.ends_with(&way_out)
                            || err.ends_with(
                                "remove it, and the next `export --changes` sends every document again"
                            ),
                        "{what}: {command}: no way out: {err}"
                    );
                }
            }
            // `index` never hides damage: what `check` found before, it
            // still finds, unless the index is whole again.
            if damaged && checks(&index) {
                assert_eq!(contents(&index), whole, "{what}: `index` hid the damage");
            }
            // The way out.
            let out = run(&index, &["index", "--full", &archive]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{what}: index --full: {}",
                stderr(&out)
            );
            assert!(checks(&index), "{what}: still damaged after index --full");
            assert_eq!(contents(&index), whole, "{what}: index --full gave another index");
            // ... and the catalog with it: the next run reads nothing.
            let next = run(&index, &["index", "--json", &archive]);
            let next: common::Summary = serde_json::from_slice(&next.stdout).expect("index --json");
            assert_eq!(
                next.files_read, 0,
                "{what}: the run after the way out read files again"
            );
            if name.ends_with(".point") && how != "removed" {
                // The export point's way out, as its message says.
                let out = run(&index, &["export", "--changes", "--out", export_to]);
                if out.status.code() == Some(2) {
                    fs::remove_file(index.join(name)).expect("remove the point");
                    let out = run(&index, &["export", "--changes", "--out", export_to]);
                    assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for k in 0..threads {
            let (names, one_file) = (&names, &one_file);
            scope.spawn(move || names.iter().skip(k).step_by(threads).for_each(one_file));
        }
    });
    assert!(found_by_check.into_inner() > 0);
}
