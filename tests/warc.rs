//! Web archives (WARC): one article per HTML page of a 200 response, the other records one skip, damage and re-indexing as for JSON Lines.
//!
//! The WARCs other than sample-corpus/warc/crawl.warc.gz are built here,
//! record by record (one gzip member each, as Common Crawl writes them), so
//! that no test needs warcio. Tests whose names end in `_html` need the HTML
//! parser (`ingest::html::parse`) to find the pages' text; the others hold
//! whether it reads a page or refuses it.

mod common;

use std::collections::BTreeSet;
use std::io::Write;

use common::{stderr, Env, Summary};
use flate2::write::GzEncoder;
use flate2::Compression;

const SAMPLE: &str = "warc/crawl.warc.gz";
/// The response records of the three pages of the sample crawl.
const HARBOUR: &str = "urn:uuid:8a36d3fd-17bc-5a37-88e7-c4ec44ef95dc";
const LIBRARY: &str = "urn:uuid:0db693ad-e506-5fee-af83-041b681eae38";
const ORCHARD: &str = "urn:uuid:e5897d83-1664-5676-8527-3d0e51df8a8d";
const SAMPLE_OTHERS: &str =
    "web archive: 10 records are not articles (1 warcinfo, 5 request, 1 metadata, 1 status 404, 1 non-HTML, 1 revisit)";

/// One WARC record.
fn record(kind: &str, id: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:test:{id}>\r\nWARC-Target-URI: {uri}\r\n\
         WARC-Date: 2024-11-05T10:00:00Z\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// A news page of our own: title, a JSON-LD block, paragraphs.
fn html(title: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <meta property=\"og:title\" content=\"{title}\">\n\
         <script type=\"application/ld+json\">{{\"@type\": \"NewsArticle\", \"headline\": \"{title}\"}}</script>\n\
         </head><body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>\n{body}</article></body></html>\n"
    )
}

/// A request and the response with this page, as two records.
fn page(id: &str, title: &str, paragraphs: &[&str]) -> Vec<Vec<u8>> {
    let uri = format!("https://local.example/{id}");
    let request = format!("GET /{id} HTTP/1.1\r\nHost: local.example\r\n\r\n");
    let body = html(title, paragraphs);
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    vec![
        record(
            "request",
            &format!("{id}-req"),
            &uri,
            "application/http; msgtype=request",
            request.as_bytes(),
        ),
        record(
            "response",
            id,
            &uri,
            "application/http; msgtype=response",
            response.as_bytes(),
        ),
    ]
}

/// Records as a .warc.gz: each its own gzip member.
fn gzipped(records: &[Vec<u8>]) -> Vec<u8> {
    records
        .iter()
        .flat_map(|r| {
            let mut e = GzEncoder::new(Vec::new(), Compression::fast());
            e.write_all(r).expect("gzip");
            e.finish().expect("gzip")
        })
        .collect()
}

fn pages(ids: &[&str]) -> Vec<Vec<u8>> {
    ids.iter()
        .flat_map(|id| {
            page(
                id,
                &format!("Harbour council report {id}"),
                &[
                    &format!("The council published report {id} on the harbour wall on Tuesday."),
                    "Repairs will start in spring and last two years.",
                ],
            )
        })
        .collect()
}

/// The records of `file` a run saw: the ids of its articles and the record
/// part of its pages' skips (the pages the HTML parser refused), and the
/// file's own skips and its line of records that are not articles.
fn seen(env: &Env, summary: &Summary, file: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut records: BTreeSet<String> = env
        .ids("layout:warc")
        .into_iter()
        .filter_map(|id| id.strip_prefix(&format!("{file}#")).map(str::to_string))
        .collect();
    let mut own = Vec::new();
    for skip in summary.not_articles.iter().chain(&summary.skipped) {
        let Some((_, rest)) = skip.path.split_once(file) else {
            continue;
        };
        match rest.strip_prefix('#') {
            Some(record) => {
                records.insert(record.to_string());
            }
            None if rest.is_empty() => own.push(skip.reason.clone()),
            None => {}
        }
    }
    (records, own)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sample_crawl_gives_three_pages_and_one_line_for_the_rest() {
    let env = Env::with_sample(&[SAMPLE]);
    let summary = env.index();
    let (records, own) = seen(&env, &summary, SAMPLE);
    assert_eq!(
        records,
        set(&[HARBOUR, LIBRARY, ORCHARD]),
        "{:?}",
        summary.skipped
    );
    assert_eq!(own, [SAMPLE_OTHERS]);
    // Records that are not articles are no failure: the run succeeds.
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let out = env
        .cmd()
        .arg("index")
        .arg(&env.archive)
        .output()
        .expect("run index");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Read once; an unchanged crawl is not read again, nor its line told.
    let again = env.index();
    assert_eq!(again.files_read, 0);
    assert_eq!(seen(&env, &again, SAMPLE), (records, vec![]));
}

#[test]
fn sample_crawl_pages_are_articles_html() {
    let env = Env::with_sample(&[SAMPLE]);
    let summary = env.index();
    assert_eq!(summary.added, 3, "{:?}", summary.skipped);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(summary.not_articles.len(), 1, "{:?}", summary.not_articles);
    let mut ids = env.ids("layout:warc");
    ids.sort();
    let mut want: Vec<String> = [HARBOUR, LIBRARY, ORCHARD]
        .iter()
        .map(|r| format!("{SAMPLE}#{r}"))
        .collect();
    want.sort();
    assert_eq!(ids, want);

    // Plain body; the page's own date and url.
    let a = env.show(&format!("{SAMPLE}#{HARBOUR}"));
    assert_eq!(a.layout.as_deref(), Some("warc"));
    assert_eq!(
        a.title.as_deref(),
        Some("Night ferry to the islands returns after three-year pause")
    );
    assert!(
        a.body
            .starts_with("The overnight ferry between the mainland port"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("option to buy the vessel at the end."),
        "{}",
        a.body
    );
    assert!(!a.body.contains("Subscribe to our newsletter"));
    assert_eq!(a.published.as_deref(), Some("2025-03-11T07:30:00Z"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://gazette.example/news/2025/03/night-ferry-returns")
    );

    // A gzip body; no date or url of its own: the record's.
    let b = env.show(&format!("{SAMPLE}#{LIBRARY}"));
    assert_eq!(
        b.title.as_deref(),
        Some("Town library reopens with a rooftop reading garden")
    );
    assert!(b.body.contains("a reading garden on its roof"), "{}", b.body);
    assert!(!b.body.contains("We use cookies"));
    assert_eq!(b.published.as_deref(), Some("2025-03-12T08:00:00Z"));
    assert_eq!(b.url.as_deref(), Some("https://news.example/library-reopens"));

    // A chunked body in Windows-1252.
    let c = env.show(&format!("{SAMPLE}#{ORCHARD}"));
    assert_eq!(c.title.as_deref(), Some("Late frost threatens valley orchards"));
    assert!(c.body.contains("an estimated £3m in lost sales"), "{}", c.body);
    assert_eq!(c.published.as_deref(), Some("2025-04-02T03:00:00Z"));
    assert_eq!(c.url.as_deref(), Some("https://news.example/orchard-frost"));
}

/// The records of `pages(&["a", "b", "c"])` with b gone, c changed and d new.
fn changed_crawl() -> Vec<Vec<u8>> {
    let mut changed = pages(&["a"]);
    changed.extend(page(
        "c",
        "Harbour council report c, revised",
        &["The revised report moves the repairs to the summer, when the harbour is quieter."],
    ));
    changed.extend(pages(&["d"]));
    changed
}

#[test]
fn records_removed_changed_and_added_are_reconciled() {
    let env = Env::new();
    let file = "crawl/site.warc.gz";
    env.write(file, gzipped(&pages(&["a", "b", "c"])));
    let first = env.index();
    let (records, own) = seen(&env, &first, file);
    assert_eq!(records, set(&["urn:test:a", "urn:test:b", "urn:test:c"]));
    assert_eq!(own, ["web archive: 3 records are not articles (3 request)"]);

    env.write(file, gzipped(&changed_crawl()));
    let second = env.index();
    assert_eq!(second.files_read, 1);
    let (records, own) = seen(&env, &second, file);
    assert_eq!(records, set(&["urn:test:a", "urn:test:c", "urn:test:d"]));
    assert_eq!(own, ["web archive: 3 records are not articles (3 request)"]);
    env.assert_converged("after the crawl changed");
}

#[test]
fn records_removed_changed_and_added_are_counted_html() {
    let env = Env::new();
    let file = "crawl/site.warc.gz";
    env.write(file, gzipped(&pages(&["a", "b", "c"])));
    assert_eq!(env.index().counts(), (3, 0, 0, 0));
    env.write(file, gzipped(&changed_crawl()));
    assert_eq!(env.index().counts(), (1, 1, 1, 1));
    assert_eq!(
        env.show(&format!("{file}#urn:test:c")).title.as_deref(),
        Some("Harbour council report c, revised")
    );
    env.assert_converged("after the crawl changed");
}

#[test]
fn a_cut_crawl_keeps_the_records_before_the_cut() {
    let env = Env::new();
    let gz = gzipped(&pages(&["a", "b", "c"]));
    env.write("cut.warc.gz", &gz[..gz.len() - 30]);
    let plain = pages(&["a", "b", "c"]).concat();
    env.write("cut.warc", &plain[..plain.len() - 30]);
    let summary = env.index();

    let (records, own) = seen(&env, &summary, "cut.warc.gz");
    assert_eq!(records, set(&["urn:test:a", "urn:test:b"]));
    assert_eq!(own.len(), 2, "{own:?}");
    assert_eq!(own[0], "web archive: 3 records are not articles (3 request)");
    assert!(
        own[1].starts_with("truncated file (unexpected end of data) in record 6"),
        "{}",
        own[1]
    );

    let (records, own) = seen(&env, &summary, "cut.warc");
    assert_eq!(records, set(&["urn:test:a", "urn:test:b"]));
    assert_eq!(own[0], "web archive: 3 records are not articles (3 request)");
    assert!(
        own[1].starts_with("truncated file (unexpected end of data) in record 6"),
        "{}",
        own[1]
    );
    assert_eq!(own.len(), 2);
}

#[test]
fn a_warc_is_known_by_its_name_or_its_first_line() {
    let env = Env::new();
    env.write("notes.warc", "These are notes, not a web archive.\n");
    // A crawl under a name that says nothing.
    env.write("crawl-0001.dat", pages(&["a"]).concat());
    env.write("crawl-0002.gz", gzipped(&pages(&["b"])));
    let summary = env.index();
    let notes: Vec<_> = summary
        .skipped
        .iter()
        .filter(|s| s.path.ends_with("notes.warc"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", summary.skipped);
    assert_eq!(
        notes[0].reason,
        "not a web archive (it does not start with a WARC/1.x line)"
    );
    assert_eq!(seen(&env, &summary, "crawl-0001.dat").0, set(&["urn:test:a"]));
    assert_eq!(seen(&env, &summary, "crawl-0002.gz").0, set(&["urn:test:b"]));
}

#[test]
fn a_page_over_the_size_limit_is_skipped_and_the_crawl_read_on() {
    let env = Env::new();
    let big = "The harbour wall report runs long. ".repeat(40_000);
    let mut records = page("big", "A very long report", &[&big]);
    records.extend(pages(&["after"]));
    // Over the limit as a whole, as crawls are: a WARC is streamed.
    env.write("big.warc", records.concat());
    let out = env
        .cmd()
        .args(["index", "--json", "--max-article-size", "1"])
        .arg(&env.archive)
        .output()
        .expect("run index");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: Summary = serde_json::from_slice(&out.stdout).expect("index --json");
    let big_skip: Vec<_> = summary
        .skipped
        .iter()
        .filter(|s| s.path.ends_with("big.warc#urn:test:big"))
        .collect();
    assert_eq!(big_skip.len(), 1, "{:?}", summary.skipped);
    assert!(
        big_skip[0].reason.starts_with("page is 1.")
            && big_skip[0]
                .reason
                .ends_with("over the 1.0 MiB limit for one article"),
        "{}",
        big_skip[0].reason
    );
    let (records, own) = seen(&env, &summary, "big.warc");
    assert_eq!(records, set(&["urn:test:big", "urn:test:after"]));
    assert_eq!(own, ["web archive: 2 records are not articles (2 request)"]);
}

/// sample-corpus/warc/crawl.warc.gz holds the records scripts/make-test-warc
/// makes of tests/data/warc-src (the same every run). Needs
/// python3 with warcio: without it the test says so and returns, except
/// when `CI` is set, where it must not pass by doing nothing.
#[test]
fn sample_crawl_is_what_the_script_makes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let has_warcio = std::process::Command::new("python3")
        .args(["-c", "import warcio"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_warcio {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with warcio is needed (pip install warcio), and CI is set"
        );
        eprintln!("skipped: python3 with warcio is not installed (pip install warcio)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(root.join("scripts/make-test-warc"))
        .arg("crawl.warc.gz")
        .arg(root.join("tests/data/warc-src"))
        .current_dir(dir.path())
        .output()
        .expect("run make-test-warc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Compared decompressed: another zlib may compress the same records
    // to other bytes.
    let inflate = |path: std::path::PathBuf| {
        let mut out = Vec::new();
        let file = std::fs::File::open(&path).expect("open");
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(file), &mut out).expect("gunzip");
        out
    };
    let made = inflate(dir.path().join("crawl.warc.gz"));
    let committed = inflate(root.join("sample-corpus").join(SAMPLE));
    assert!(
        made == committed,
        "sample-corpus/{SAMPLE} differs from what scripts/make-test-warc makes: \
         rebuild it with: cd sample-corpus/warc && ../../scripts/make-test-warc crawl.warc.gz ../../tests/data/warc-src"
    );
}
