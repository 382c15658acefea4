//! A disk that fills during `index` and `export`: one clear line, the index stays whole at a commit and searchable, no partial file that looks complete, and the next run with space converges exactly.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{contents, copy_tree, sample_corpus, stderr, Env};

/// Space that runs out: a size-limited tmpfs where the machine lets the
/// tests mount one (as root), else a limit on the size of any file the
/// process writes (RLIMIT_FSIZE), which fails writes the same way.
enum Disk {
    Mount { at: PathBuf },
    FileLimit { at: PathBuf, bytes: Option<u64> },
}

impl Disk {
    fn new(at: &Path, mount_bytes: u64, file_bytes: u64) -> Disk {
        fs::create_dir_all(at).expect("mkdir");
        // NEWSIDX_TEST_NO_MOUNT tries the other way on a machine that mounts.
        let mounted = std::env::var_os("NEWSIDX_TEST_NO_MOUNT").is_none()
            && Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={mount_bytes}"), "tmpfs"])
                .arg(at)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        if mounted {
            Disk::Mount { at: at.to_path_buf() }
        } else {
            eprintln!("cannot mount a tmpfs here: RLIMIT_FSIZE stands for the full disk");
            Disk::FileLimit {
                at: at.to_path_buf(),
                bytes: Some(file_bytes),
            }
        }
    }

    fn at(&self) -> &Path {
        match self {
            Disk::Mount { at } | Disk::FileLimit { at, .. } => at,
        }
    }

    /// Space again.
    fn grow(&mut self) {
        match self {
            Disk::Mount { at } => {
                let ok = Command::new("mount")
                    .args(["-o", "remount,size=256m"])
                    .arg(&*at)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "remount");
            }
            Disk::FileLimit { bytes, .. } => *bytes = None,
        }
    }

    /// newsidx with a clean environment, writing to this disk.
    fn run(&self, index: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("newsidx"));
        cmd.env_remove("NEWSIDX_INDEX")
            .env_remove(newsidx::crashtest::VAR)
            .env_remove("NEWSIDX_SCHEMA")
            .env_remove("NEWSIDX_ENTITIES")
            .env_remove("RUST_BACKTRACE")
            .env(
                "XDG_CONFIG_HOME",
                std::env::temp_dir().join("newsidx-tests-no-config"),
            )
            .arg("--index")
            .arg(index)
            .args(args);
        if let Disk::FileLimit {
            bytes: Some(bytes), ..
        } = *self
        {
            // SAFETY: only async-signal-safe calls between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: bytes,
                        rlim_max: bytes,
                    };
                    // Ignored, SIGXFSZ no longer kills: the write fails
                    // with EFBIG, as a full disk's fails with ENOSPC.
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                    if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        cmd.output().expect("run newsidx")
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        if let Disk::Mount { at } = self {
            let _ = Command::new("umount").arg(&*at).status();
        }
    }
}

fn out_of_space(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    // Files skipped as unreadable are said before; the error is one line.
    let lines: Vec<&str> = err
        .trim_end()
        .lines()
        .filter(|l| !l.starts_with("newsidx: skipped "))
        .collect();
    assert_eq!(lines.len(), 1, "{what}: {err}");
    assert!(
        lines[0].contains("no space left on device") || lines[0].contains("file too large"),
        "{what}: {err}"
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
}

/// Every chunk file in `dir` is whole: JSON lines, the last one ended.
fn chunks_whole(dir: &Path) {
    for entry in fs::read_dir(dir).expect("dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".partial"), "{name} left behind");
        if name.ends_with(".ndjson") {
            let text = fs::read_to_string(entry.path()).expect("read chunk");
            assert!(text.ends_with('\n'), "{name} cut short");
            for line in text.lines() {
                serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

#[test]
fn a_disk_that_fills_during_index_and_export_leaves_the_index_whole_and_the_next_run_converges() {
    // Space runs out at different writes (a segment's store, postings, fast
    // fields, meta.json, the catalog), each of which tantivy reports its
    // own way.
    // NEWSIDX_TEST_DISK_KB=110,130,... sweeps other sizes (the tmpfs's or,
    // with NEWSIDX_TEST_NO_MOUNT, the file limit's).
    let sizes: Vec<(u64, u64)> = match std::env::var("NEWSIDX_TEST_DISK_KB") {
        Ok(kb) => kb
            .split(',')
            .filter_map(|k| k.trim().parse::<u64>().ok())
            .map(|k| (k << 10, k << 10))
            .collect(),
        // Sizes at which the first index fits and the whole sample does
        // not (KiB of tmpfs, KiB per file).
        Err(_) => [(120, 4), (160, 6), (200, 8), (240, 8), (280, 10)]
            .map(|(mount, file): (u64, u64)| (mount << 10, file << 10))
            .to_vec(),
    };
    for (mount_bytes, file_bytes) in sizes {
        eprintln!(
            "disk of {} KiB / files of {} KiB",
            mount_bytes >> 10,
            file_bytes >> 10
        );
        fills(mount_bytes, file_bytes);
    }
}

fn fills(mount_bytes: u64, file_bytes: u64) {
    let mut env = Env::new();
    let mut disk = Disk::new(&env.root.path().join("disk"), mount_bytes, file_bytes);
    env.index = disk.at().join("index");
    let index = env.index.clone();
    copy_tree(&sample_corpus().join("headline"), &env.archive.join("headline"));
    let archive = env.archive.to_str().expect("utf-8").to_string();
    // The first index fits (built without the file limit).
    let first = match &mut disk {
        Disk::FileLimit { bytes, .. } => {
            let limit = bytes.take();
            let out = disk.run(&index, &["index", "--quiet", &archive]);
            if let Disk::FileLimit { bytes, .. } = &mut disk {
                *bytes = limit;
            }
            out
        }
        Disk::Mount { .. } => disk.run(&index, &["index", "--quiet", &archive]),
    };
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before: BTreeMap<String, (usize, u64)> = contents(&index);

    // The whole sample does not.
    copy_tree(&sample_corpus(), &env.archive);
    let want = env.reference();
    let out = disk.run(&index, &["index", "--commit-every", "5", &archive]);
    out_of_space(&out, "index");
    // Whole, at a commit: every file as written, searchable, each article
    // once and in a version the archive had.
    let check = disk.run(&index, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let search = disk.run(&index, &["search", "--json", "ferry OR quantum"]);
    assert!(matches!(search.status.code(), Some(0 | 1)), "{}", stderr(&search));
    for (id, (n, hash)) in contents(&index) {
        assert_eq!(n, 1, "{id} twice");
        assert!(
            before.get(&id) == Some(&(1, hash)) || want.get(&id) == Some(&(1, hash)),
            "{id}: a version the archive never had"
        );
    }

    // Exports that do not fit: no file that looks complete, no point moved.
    let file = disk.at().join("all.ndjson");
    let out = disk.run(&index, &["export", "--out", file.to_str().expect("utf-8")]);
    out_of_space(&out, "export to a file");
    assert!(!file.exists(), "a partial export looks complete");
    let chunks = disk.at().join("chunks");
    fs::create_dir(&chunks).expect("mkdir");
    let bulk = chunks.to_str().expect("utf-8");
    let out = disk.run(&index, &["export", "--changes", "--out", bulk, "--chunk-mb", "1"]);
    out_of_space(&out, "export of changes to chunks");
    chunks_whole(&chunks);
    chunks_whole(disk.at());

    // Space again: the next runs converge.
    disk.grow();
    let out = disk.run(&index, &["index", "--quiet", &archive]);
    // 1: the sample's unreadable files are skipped.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    env.assert_converged("after the disk had space again");
    for entry in fs::read_dir(&chunks).expect("dir").flatten() {
        fs::remove_file(entry.path()).expect("remove chunk");
    }
    let out = disk.run(&index, &["export", "--changes", "--out", bulk, "--chunk-mb", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    chunks_whole(&chunks);
    // The point never moved: every document is sent, as to a new target.
    let mut sent = 0;
    for entry in fs::read_dir(&chunks).expect("dir").flatten() {
        let text = fs::read_to_string(entry.path()).expect("read");
        sent += text.lines().filter(|l| l.starts_with(r#"{"index""#)).count();
    }
    assert_eq!(sent, want.len());
}
