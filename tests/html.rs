//! Saved web pages read as articles: the text among the furniture, the metadata by precedence, the charset declared.

mod common;

use std::io::Write;

use common::Env;

const JSON_LD: &str = "web/world/kestrel-bay-strike.html";
const OPEN_GRAPH: &str = "web/business/2025/03/northline-locomotives.htm";
const NEITHER: &str = "web/science/skarvik-glacier";
const LATIN1: &str = "web/culture/winter-market.html";
const WALL: &str = "web/world/members-only.html";

/// Words of the pages' furniture: navigation, cookie notice, share buttons,
/// related links, comments, newsletter box, footer, scripts and styles.
const FURNITURE: &[&str] = &[
    "Subscribe for full access",
    "cookies",
    "Share on Facebook",
    "Related stories",
    "Ardmore port expansion",
    "harbourwatcher",
    "the offer is an insult",
    "Sign up for our newsletter",
    "Most read",
    "Privacy policy",
    "All rights reserved",
    "dataLayer",
    "font-family",
    "Arial",
    "Retina",
];

fn assert_no_furniture(body: &str) {
    for word in FURNITURE {
        assert!(!body.contains(word), "{word:?} in the body:\n{body}");
    }
}

#[test]
fn a_page_with_json_ld_takes_its_fields_from_it() {
    let env = Env::with_sample(&[JSON_LD]);
    let summary = env.index();
    assert_eq!(
        (summary.added, summary.skipped.len()),
        (1, 0),
        "{:?}",
        summary.skipped
    );
    let a = env.show(JSON_LD);
    assert_eq!(a.layout.as_deref(), Some("html"));
    // JSON-LD's headline, section and author, over og:title and article:section.
    assert_eq!(
        a.title.as_deref(),
        Some("Dock workers at Kestrel Bay walk out over night-shift pay")
    );
    assert_eq!(a.section.as_deref(), Some("World"));
    assert_eq!(a.byline.as_deref(), Some("Marta Oyelaran"));
    assert_eq!(a.published.as_deref(), Some("2025-03-04T07:45:00Z"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://ledger.example/world/2025/03/04/kestrel-bay-strike")
    );
    assert_eq!(a.language.as_deref(), Some("en-GB"));
    assert_eq!(
        a.captions,
        vec!["Cranes stand idle at the Kestrel Bay container terminal on Tuesday morning. Photo: Jonas Albrecht"]
    );
    assert!(
        a.body.starts_with("More than four hundred dock workers"),
        "{}",
        a.body
    );
    assert!(a.body.ends_with("put to its members."), "{}", a.body);
    assert_eq!(a.body.split("\n\n").count(), 6, "{}", a.body);
    assert_no_furniture(&a.body);
    assert!(
        !a.body.contains("Cranes stand idle"),
        "the caption is its own field"
    );
    // Entities come from the article's text, not its markup.
    let names: Vec<&str> = a.entities.iter().map(|e| e.name.as_str()).collect();
    assert!(names.contains(&"Pauline Okafor"), "{names:?}");
    assert!(
        names.contains(&"Kestrel Maritime Holdings") || names.contains(&"Kestrel Maritime"),
        "{names:?}"
    );
    for code in ["Arial", "Retina", "Helvetica", "Facebook"] {
        assert!(!names.contains(&code), "{code} is an entity: {names:?}");
    }
}

#[test]
fn a_page_with_only_opengraph_tags() {
    let env = Env::with_sample(&[OPEN_GRAPH]);
    env.index();
    let a = env.show(OPEN_GRAPH);
    assert_eq!(
        a.title.as_deref(),
        Some("Rail freight operator orders forty electric locomotives")
    );
    assert_eq!(a.section.as_deref(), Some("Business"));
    // The article:author that is a profile link is no name.
    assert_eq!(a.byline.as_deref(), Some("Samuel Achterberg"));
    assert_eq!(a.published.as_deref(), Some("2025-03-12T08:15:00Z"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://ledger.example/business/2025/03/12/northline-locomotives")
    );
    assert!(
        a.body
            .starts_with("Northline Freight, the country's second-largest"),
        "{}",
        a.body
    );
    assert!(
        a.body.ends_with("contracted out to the manufacturer."),
        "{}",
        a.body
    );
    assert_no_furniture(&a.body);
}

#[test]
fn a_page_with_neither_uses_the_title_element_meta_and_time_and_its_folder() {
    let env = Env::with_sample(&[NEITHER]);
    env.index();
    let a = env.show(NEITHER);
    assert_eq!(
        a.layout.as_deref(),
        Some("html"),
        "known by its content, not a name"
    );
    assert_eq!(
        a.title.as_deref(),
        Some("Survey finds Skarvik glacier retreating twice as fast as expected")
    );
    assert_eq!(a.section.as_deref(), Some("science"));
    assert_eq!(a.byline.as_deref(), Some("Agnes Lindholm and Per Nyvold"));
    assert_eq!(a.published.as_deref(), Some("2025-02-20T14:30:00Z"));
    assert_eq!(a.url, None);
    assert_eq!(a.body.split("\n\n").count(), 5, "{}", a.body);
    assert_no_furniture(&a.body);
}

#[test]
fn a_latin1_page_is_read_in_the_charset_it_declares() {
    let env = Env::with_sample(&[LATIN1]);
    env.index();
    let a = env.show(LATIN1);
    assert_eq!(
        a.title.as_deref(),
        Some("Café owners in Søndre Torg celebrate the return of the winter market")
    );
    assert!(
        a.body.contains("Björn Ødegård, who has run the Café Zürich"),
        "{}",
        a.body
    );
    assert!(a.body.contains("São Miguel and Kraków"), "{}", a.body);
    assert!(!a.body.contains('\u{FFFD}'));
    assert_eq!(a.language.as_deref(), Some("nb"));
    // The language is a field to search by, in any case.
    assert_eq!(env.search("language:NB", &[]).total, 1);
    // Searchable by its words, accents folded.
    let hits = env.search("zurich", &[]);
    assert_eq!(hits.total, 1);
}

#[test]
fn a_subscription_wall_is_skipped_with_its_reason() {
    let env = Env::with_sample(&[WALL, JSON_LD]);
    let summary = env.index();
    assert_eq!(summary.added, 1);
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    assert!(summary.skipped[0].path.ends_with("members-only.html"));
    assert!(
        summary.skipped[0]
            .reason
            .starts_with("no article text in the page"),
        "{}",
        summary.skipped[0].reason
    );
}

#[test]
fn gzipped_and_oddly_named_pages_are_pages() {
    let env = Env::new();
    let page = std::fs::read(common::sample_corpus().join(JSON_LD)).expect("sample page");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&page).expect("gzip");
    env.write("saved/strike.html.gz", gz.finish().expect("gzip"));
    env.write("saved/strike.shtml", &page);
    env.write("saved/strike.txt", &page);
    let summary = env.index();
    assert_eq!(
        (summary.added, summary.skipped.len()),
        (3, 0),
        "{:?}",
        summary.skipped
    );
    for id in ["saved/strike.html.gz", "saved/strike.shtml", "saved/strike.txt"] {
        let a = env.show(id);
        assert_eq!(a.layout.as_deref(), Some("html"), "{id}");
        assert_eq!(
            a.title.as_deref(),
            Some("Dock workers at Kestrel Bay walk out over night-shift pay")
        );
    }
}

#[test]
fn hostile_pages_are_skipped_or_read_never_a_crash() {
    let env = Env::new();
    let deep = format!("<!DOCTYPE html><html><body>{}deep text", "<div>".repeat(200_000));
    env.write("deep.html", deep);
    let formatting = format!("<html><body><article><p>{}words", "<b><i>".repeat(50_000));
    env.write("formatting.html", formatting);
    let tables = format!("<html><body>{}x", "<table><tr><td>".repeat(30_000));
    env.write("tables.html", tables);
    env.write(
        "empty-page.html",
        "<!DOCTYPE html><html><head><title>Nothing</title></head><body></body></html>",
    );
    env.write("not-closed.html", "<html><head><title>Half a page");
    env.write("json-ld-garbage.html", "<html><head><script type=\"application/ld+json\">{\"@type\": [[[[[[</script></head><body><p>short</p></body></html>");
    let mut bytes = b"<html><head><meta charset=\"x-made-up\"></head><body><p>".to_vec();
    bytes.extend((0..4000).map(|i| (i % 251) as u8));
    env.write("binaryish.html", bytes);
    let out = env.cmd().args(["index"]).arg(&env.archive).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    assert!(
        stderr.contains("deep.html: HTML nested deeper than 512 elements"),
        "{stderr}"
    );
    assert!(stderr.contains("empty-page.html: no article text"), "{stderr}");
}

#[test]
fn furniture_class_names_in_the_mapping_leave_the_body() {
    let promo = "<div class=\"inline-promo\"><p>Read our special report on the future of the northern ports and what it means for the towns that depend on them, and the people who work there.</p></div>";
    let page = std::fs::read_to_string(common::sample_corpus().join(JSON_LD))
        .expect("sample page")
        .replace(
            "<p>Seven container ships",
            &format!("{promo}\n<p>Seven container ships"),
        );
    let env = Env::new();
    env.write("strike.html", &page);
    env.index();
    let promo_words = "Read our special report on the future of the northern ports";
    assert!(
        env.show("strike.html").body.contains(promo_words),
        "the extractor keeps it"
    );

    let mapping = std::fs::read_to_string(common::sample_corpus().join("../schema/newsidx.toml"))
        .expect("mapping")
        .replace(
            "boilerplate_classes = []",
            "boilerplate_classes = [\"Inline-Promo\"]",
        );
    let mapping_file = env.root.path().join("mapping.toml");
    std::fs::write(&mapping_file, mapping).expect("write mapping");
    let out = env
        .cmd()
        .env("NEWSIDX_SCHEMA", &mapping_file)
        .args(["index", "--quiet"])
        .arg(&env.archive)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = env
        .cmd()
        .env("NEWSIDX_SCHEMA", &mapping_file)
        .args(["show", "strike.html"])
        .output()
        .expect("run");
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(!shown.contains(promo_words), "{shown}");
    assert!(shown.contains("Seven container ships were waiting"), "{shown}");
}

#[test]
fn an_unknown_metadata_source_is_a_mapping_error() {
    let env = Env::with_sample(&[JSON_LD]);
    let mapping = std::fs::read_to_string(common::sample_corpus().join("../schema/newsidx.toml"))
        .expect("mapping")
        .replace(
            "metadata = [\"json-ld\", ",
            "metadata = [\"microdata\", \"json-ld\", ",
        );
    let mapping_file = env.root.path().join("mapping.toml");
    std::fs::write(&mapping_file, mapping).expect("write mapping");
    let out = env
        .cmd()
        .env("NEWSIDX_SCHEMA", &mapping_file)
        .arg("index")
        .arg(&env.archive)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[html] metadata: unknown source `microdata`"),
        "{stderr}"
    );
}
