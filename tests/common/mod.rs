//! The test helper: a temporary archive and index, the real binary run on them, and its JSON read back into structs.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde::Deserialize;
use tempfile::TempDir;

/// `index --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub added: u64,
    pub updated: u64,
    pub deleted: u64,
    pub unchanged: u64,
    pub skipped: Vec<Skipped>,
    pub not_articles: Vec<Skipped>,
    pub docs_total: u64,
    pub elapsed_ms: u64,
    pub files_read: u64,
    pub files_touched: u64,
    pub full: bool,
    pub interrupted: bool,
    pub commits: u32,
}

impl Summary {
    /// (added, updated, deleted, unchanged): what a run did to the articles.
    pub fn counts(&self) -> (u64, u64, u64, u64) {
        (self.added, self.updated, self.deleted, self.unchanged)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// `search --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    pub query: String,
    pub total: usize,
    pub offset: usize,
    pub hits: Vec<Hit>,
    pub facets: Option<Facets>,
    pub histogram: Option<Histogram>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facets {
    pub sections: Vec<SectionCount>,
    pub years: Vec<YearCount>,
    pub entities: Vec<EntityRow>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectionCount {
    pub name: Option<String>,
    pub count: usize,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct YearCount {
    pub year: Option<i32>,
    pub count: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Histogram {
    pub interval: String,
    pub buckets: Vec<Bucket>,
    pub undated: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub period: String,
    pub count: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub id: String,
    pub path: Option<String>,
    pub title: Option<String>,
    pub section: Option<String>,
    pub published: Option<String>,
    pub byline: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    pub score: Option<f32>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    pub entities: Vec<HitEntity>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HitEntity {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub mentions: u32,
}

/// `entities --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entities {
    pub articles: usize,
    pub entities: Vec<EntityRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRow {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub articles: u64,
    pub mentions: u64,
}

/// What `extract --json` prints for `input` (a file, or `-` for `stdin`),
/// run by `cmd`; it must succeed.
pub fn extract_json(mut cmd: Command, input: impl AsRef<std::ffi::OsStr>, stdin: &str) -> Mentions {
    let out = cmd
        .args(["extract", "--json"])
        .arg(input)
        .write_stdin(stdin)
        .output()
        .expect("extract");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("extract --json")
}

/// `extract --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mentions {
    pub mentions: Vec<Mention>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Mention {
    pub text: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub start: usize,
    pub end: usize,
    pub field: String,
}

/// `show --json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub id: String,
    pub path: Option<String>,
    pub archive: Option<String>,
    pub section: Option<String>,
    pub title: Option<String>,
    pub published: Option<String>,
    pub byline: Option<String>,
    pub url: Option<String>,
    pub layout: Option<String>,
    pub language: Option<String>,
    pub captions: Vec<String>,
    pub body: String,
    pub entities: Vec<ArticleEntity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleEntity {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub mentions: u32,
    /// Present (true) when the headline names it.
    pub title: Option<bool>,
}

/// The repository's sample corpus.
pub fn sample_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-corpus")
}

/// `../shared` beside the checkout, when it is there. Tests that need it
/// return early with a message when it is not, except when `CI` is set:
/// CI always has it, and a test must not pass there by doing nothing.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("data").is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared is not beside the checkout, and CI is set"
        );
        eprintln!("skipped: ../shared is not beside the checkout");
        None
    }
}

/// A temporary archive folder and index folder.
pub struct Env {
    pub root: TempDir,
    pub archive: PathBuf,
    pub index: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let root = tempfile::tempdir().expect("temp dir");
        let archive = root.path().join("archive");
        fs::create_dir(&archive).expect("archive dir");
        let index = root.path().join("index");
        Env { root, archive, index }
    }

    /// An archive holding these files of sample-corpus/, at the same
    /// relative paths.
    pub fn with_sample(files: &[&str]) -> Env {
        let env = Env::new();
        for f in files {
            env.copy_sample(f, f);
        }
        env
    }

    /// An archive holding the whole sample corpus.
    pub fn with_whole_sample() -> Env {
        let env = Env::new();
        copy_tree(&sample_corpus(), &env.archive);
        env
    }

    pub fn copy_sample(&self, from: &str, to: &str) -> PathBuf {
        let dest = self.archive.join(to);
        fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        fs::copy(sample_corpus().join(from), &dest).expect("copy sample file");
        dest
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let dest = self.archive.join(rel);
        fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        fs::write(&dest, content).expect("write");
        dest
    }

    /// The binary with `--index` set and a clean environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = bare_cmd();
        cmd.arg("--index").arg(&self.index);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run newsidx")
    }

    /// `index --json` over the archive; any exit code but 0 or 1 fails.
    pub fn index(&self) -> Summary {
        self.index_dirs(&[&self.archive])
    }

    /// `--entities FILE index --json ARCHIVE`, as it came out.
    pub fn index_with_overrides(&self, overrides: &Path) -> Output {
        self.cmd()
            .arg("--entities")
            .arg(overrides)
            .args(["index", "--json"])
            .arg(&self.archive)
            .output()
            .expect("run index")
    }

    pub fn index_dirs(&self, dirs: &[&Path]) -> Summary {
        let mut cmd = self.cmd();
        cmd.arg("index").arg("--json");
        for d in dirs {
            cmd.arg(d);
        }
        let out = cmd.output().expect("run index");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "index exited {code:?}: {}",
            stderr(&out)
        );
        let summary: Summary = serde_json::from_slice(&out.stdout).expect("index --json output");
        assert_eq!(
            code == Some(1),
            !summary.skipped.is_empty(),
            "exit code 1 iff files were skipped"
        );
        summary
    }

    /// `search --json QUERY ARGS...`, which must exit 0 (hits) or 1 (none).
    pub fn search(&self, query: &str, args: &[&str]) -> Results {
        let out = self
            .cmd()
            .arg("search")
            .arg("--json")
            .args(args)
            .arg("--")
            .arg(query)
            .output()
            .expect("search");
        let results: Results = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("search {query:?}: {e}; stderr: {}", stderr(&out)));
        let expected = if results.total > 0 { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(expected), "search {query:?} exit code");
        results
    }

    pub fn ids(&self, query: &str) -> Vec<String> {
        self.search(query, &["--limit", "1000"])
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect()
    }

    pub fn show(&self, id: &str) -> Article {
        let out = self.run(&["show", "--json", id]);
        assert_eq!(out.status.code(), Some(0), "show {id}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("show --json output")
    }
}

/// What an index holds: each document id with how many documents have it
/// and their content hash, read with the library (not the CLI under test).
pub fn contents(index: &Path) -> BTreeMap<String, (usize, u64)> {
    let mapping = newsidx::schema::Mapping::builtin().expect("mapping");
    let index = newsidx::index::NewsIndex::open(index, mapping).expect("open index");
    let docs = newsidx::index::Snapshot::new(&index)
        .and_then(|s| s.documents())
        .expect("read index");
    let mut found: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for (id, hash) in docs {
        let entry = found.entry(id).or_insert((0, hash));
        entry.0 += 1;
    }
    found
}

impl Env {
    /// What a fresh index of the archive as it is now holds.
    pub fn reference(&self) -> BTreeMap<String, (usize, u64)> {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = dir.path().join("index");
        let out = bare_cmd()
            .arg("--index")
            .arg(&index)
            .args(["index", "--quiet"])
            .arg(&self.archive)
            .output()
            .expect("run");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
        contents(&index)
    }

    /// Asserts the index holds exactly the archive's articles, each once,
    /// as a fresh index of it would.
    pub fn assert_converged(&self, context: &str) {
        let found = contents(&self.index);
        let twice: Vec<_> = found.iter().filter(|(_, (n, _))| *n > 1).collect();
        assert!(twice.is_empty(), "{context}: duplicates {twice:?}");
        assert_eq!(
            found,
            self.reference(),
            "{context}: index differs from the archive"
        );
    }
}

/// The binary with a clean environment and nothing set.
pub fn bare_cmd() -> Command {
    let mut cmd = Command::cargo_bin("newsidx").expect("binary");
    // No user override file may leak in from the machine running the tests.
    let no_config = std::env::temp_dir().join("newsidx-tests-no-config");
    cmd.env_remove("NEWSIDX_INDEX")
        .env_remove(newsidx::crashtest::VAR)
        .env_remove("NEWSIDX_SCHEMA")
        .env_remove("NEWSIDX_ENTITIES")
        .env_remove("RUST_BACKTRACE")
        .env("XDG_CONFIG_HOME", no_config)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    cmd
}

/// The run failed with `code` and said so in one line starting with `starts`.
pub fn one_line_error(out: &Output, code: i32, starts: &str) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(starts), "{err}");
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// A running `newsidx serve` on a free port of 127.0.0.1; dropping it
/// kills it, so a failed assertion leaves nothing listening.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT/`
    pub url: String,
    pub addr: std::net::SocketAddr,
    /// Its standard error, line by line, read on a thread so that the pipe
    /// never fills and blocks the server.
    pub log: std::sync::mpsc::Receiver<String>,
}

impl Server {
    /// `newsidx --index INDEX serve --listen 127.0.0.1:0 ARGS...`, once it
    /// has said where it listens.
    pub fn start(index: &Path, args: &[&str]) -> Server {
        Server::start_with(index, args, None)
    }

    /// `start` with a crash point (`newsidx::crashtest`) set.
    pub fn start_with(index: &Path, args: &[&str], crash_at: Option<&str>) -> Server {
        use std::io::BufRead;
        // bare_cmd's clean environment; assert_cmd cannot spawn a process
        // that keeps running.
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsidx"))
            .arg("--index")
            .arg(index)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("NEWSIDX_INDEX")
            .env_remove("NEWSIDX_SCHEMA")
            .env_remove("NEWSIDX_ENTITIES")
            .env_remove("RUST_BACKTRACE")
            .env_remove(newsidx::crashtest::VAR)
            .envs(crash_at.map(|at| (newsidx::crashtest::VAR, at)))
            .env(
                "XDG_CONFIG_HOME",
                std::env::temp_dir().join("newsidx-tests-no-config"),
            )
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start newsidx serve");
        let (tx, log) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = match log.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("serve said no address within 30 s; it said: {seen:?}");
                }
            };
            if let Some(at) = line.find("http://") {
                let url = line[at..].split_whitespace().next().unwrap_or("").to_string();
                let addr = url
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .parse()
                    .unwrap_or_else(|e| panic!("{url}: {e}"));
                return Server {
                    child,
                    url,
                    addr,
                    log,
                };
            }
            seen.push(line);
        }
    }

    /// `GET path` over a fresh connection.
    pub fn get(&self, path: &str) -> HttpAnswer {
        http_get(self.addr, path)
    }

    /// Sends `request` as it is and reads the answer to the connection's end.
    pub fn raw(&self, request: &str) -> HttpAnswer {
        http(self.addr, request)
    }

    /// Its standard error so far.
    pub fn said(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` from the server at `addr`, over a fresh connection.
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> HttpAnswer {
    http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `request` as it is to `addr` and reads the answer to the
/// connection's end.
pub fn http(addr: std::net::SocketAddr, request: &str) -> HttpAnswer {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to serve");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("read answer");
    HttpAnswer::parse(&bytes)
}

/// An HTTP answer: status, headers (names lower-cased), body.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpAnswer {
    fn parse(bytes: &[u8]) -> HttpAnswer {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        HttpAnswer {
            status,
            headers,
            body: body.to_string(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        let value: serde_json::Value =
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body));
        value["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {:?}", self.body))
            .to_string()
    }
}
