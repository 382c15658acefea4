//! `newsidx serve`'s page in a real browser: tests/browser/check_page.py drives headless Chromium over a server of the sample corpus.

mod common;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{sample_corpus, Env, Server};

/// How long the whole browser script may take: its waits are 10 s each,
/// so this only catches a hung browser or driver.
const SCRIPT: Duration = Duration::from_secs(300);

/// target/browser-screenshots, emptied of an earlier run's pictures: the
/// screenshots are the test's artefact, left there to look at.
fn screenshot_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| manifest.join("target"), |t| manifest.join(t));
    let dir = target.join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    eprintln!("screenshots: {}", dir.display());
    dir
}

/// Without the browser or python3 the test says so and passes, except
/// when CI is set: there it must not pass by doing nothing.
fn cannot_run(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "the browser test cannot run, and CI is set: {what}; .ci/run installs chromium, chromium-driver and selenium"
    );
    eprintln!("skipped: the browser test cannot run: {what}");
}

#[test]
fn page_works_in_a_browser() {
    let env = Env::new();
    // Exit 1 (some edge files skipped) is fine: index_dirs allows 0 or 1.
    env.index_dirs(&[&sample_corpus()]);
    // Killed when dropped, also when an assertion below fails.
    let server = Server::start(&env.index, &[]);
    let out = screenshot_dir();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_page.py");
    let mut child = match Command::new("python3")
        .arg(&script)
        .arg(&server.url)
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        // Its own process group, so that a hung run can be ended together
        // with the chromedriver and Chromium it started.
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return cannot_run("python3 is not installed"),
        Err(e) => panic!("run python3: {e}"),
    };
    // Read on a thread so a chatty script cannot block on a full pipe
    // while this one waits for it to exit.
    let mut pipe = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + SCRIPT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for check_page.py") {
            break status;
        }
        if Instant::now() > deadline {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            panic!(
                "check_page.py ran over {SCRIPT:?}: a hung browser? stderr:\n{}",
                reader.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = reader.join().unwrap_or_default();
    match status.code() {
        Some(0) => eprint!("{stderr}"),
        Some(2) => cannot_run(
            stderr
                .lines()
                .find_map(|l| l.strip_prefix("cannot run: "))
                .unwrap_or(&stderr),
        ),
        code => panic!(
            "check_page.py exited {code:?}; screenshots in {}\n{stderr}\nserver stderr:\n{}",
            out.display(),
            server.said().join("\n")
        ),
    }
}
