//! The real corpora beside the checkout (../shared): BBC, Reuters 2006 as a wire archive, and the seed article.
//! Each test returns early with a message when ../shared is absent, and fails when CI is set.

mod common;

use std::process::Command;

use common::{shared, Env};

#[test]
fn bbc_archive_sections_and_latin1_pound() {
    let Some(shared) = shared() else { return };
    let env = Env::new();
    let summary = env.index_dirs(&[&shared.join("data/bbc")]);
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(
        (summary.files_read, summary.added, summary.docs_total),
        (2225, 2225, 2225)
    );
    for (section, count) in [
        ("business", 510),
        ("entertainment", 386),
        ("politics", 417),
        ("sport", 511),
        ("tech", 401),
    ] {
        let r = env.search(&format!("section:{section}"), &["--limit", "0"]);
        assert_eq!(r.total, count, "{section}");
    }
    assert_eq!(
        env.search("layout:headline", &["--limit", "0"]).total,
        2225,
        "every BBC file is headline-first"
    );
    // sport/199.txt has a raw Latin-1 0xA3.
    let a = env.show("sport/199.txt");
    assert_eq!(a.title.as_deref(), Some("Chelsea sack Mutu"));
    assert!(
        a.body.contains("a £15.8m signing from Parma"),
        "{}",
        &a.body[..300]
    );
    assert!(!a.body.contains('\u{FFFD}'));
}

#[test]
fn reuters_2006_as_a_wire_archive() {
    let Some(shared) = shared() else { return };
    let env = Env::new();
    let status = Command::new("python3")
        .arg(shared.join("tools/reuters-to-folders"))
        .arg(&env.archive)
        .arg(shared.join("data/reuters/reuters_2006.jsonl.gz"))
        .status()
        .expect("python3 runs the Reuters tool");
    assert!(status.success());
    let summary = env.index();
    assert!(
        summary.skipped.is_empty(),
        "{:?}",
        &summary.skipped[..summary.skipped.len().min(5)]
    );
    assert_eq!(summary.docs_total, 2073);
    let all = env.search("layout:wire", &["--limit", "3000"]);
    assert_eq!(all.total, 2073);
    for hit in &all.hits {
        assert!(
            hit.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{} has no title",
            hit.id
        );
        assert!(
            hit.url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://www.reuters.com/")),
            "{} url",
            hit.id
        );
        assert!(hit.published.is_some(), "{} has no date", hit.id);
        // The wire date agrees with the day folder (zone shifts stay within a day or so).
        let day = chrono::NaiveDate::parse_from_str(&hit.id[..8], "%Y%m%d").expect("day folder");
        let published = hit.published.as_deref().unwrap_or_default();
        let date = chrono::NaiveDate::parse_from_str(&published[..10], "%Y-%m-%d").expect("date");
        assert!((date - day).num_days().abs() <= 1, "{}: {published}", hit.id);
    }
    // "Mon Nov 27, 2006 2:32pm EST" -> 19:32 UTC.
    let a = env.show("20061127/businesspro-media-summit-iac-hsn-dc-idUSN2747719520061127");
    assert_eq!(a.published.as_deref(), Some("2006-11-27T19:32:00Z"));
    assert_eq!(
        a.title.as_deref(),
        Some("Diller sees more competitive HSN in 18 months")
    );
    assert_eq!(a.byline, None, "an empty '-- By' line is no byline");
    assert!(
        a.body.starts_with("NEW YORK (Reuters) - IAC/InterActiveCorp."),
        "{}",
        &a.body[..100]
    );
}

#[test]
fn the_seed_article_in_any_folder() {
    let Some(shared) = shared() else { return };
    let seed = shared.join("seed/000_f518fdf54261334a.txt");
    let env = Env::new();
    for (i, folder) in ["", "deep/er/folder/", "2025/03/06/"].iter().enumerate() {
        let dest = env.archive.join(format!("{folder}seed{i}.txt"));
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&seed, &dest).expect("copy seed");
    }
    let summary = env.index();
    assert_eq!(summary.docs_total, 3);
    for id in ["seed0.txt", "deep/er/folder/seed1.txt", "2025/03/06/seed2.txt"] {
        let a = env.show(id);
        assert_eq!(a.layout.as_deref(), Some("scraped"), "{id}");
        assert_eq!(a.section.as_deref(), Some("Politics"), "{id}");
        assert_eq!(
            a.title.as_deref(),
            Some("N. Korea sent 3,000 more soldiers to aid Russia in its war in Ukraine, S. Korea says")
        );
        assert_eq!(
            a.captions,
            ["Intelligence reports indicate that North Korea has already sent 11,000 troops to Russia in the autumn of 2024. Photo: Korean Central News Agency/Korea News Service via AP"]
        );
        assert!(a.body.starts_with("North Korea appears to have sent"));
        assert!(a.body.contains("Moscow and Pyongyang’s deepening cooperation"));
        assert!(a.body.ends_with("Matsegora told the outlet."));
        for not_body in [
            "podpis źródła zdjęcia",
            "More In Politics",
            "Photo: Korean Central",
        ] {
            assert!(!a.body.contains(not_body), "{not_body} in body");
            assert!(!a.title.as_deref().unwrap_or_default().contains(not_body));
        }
    }
    assert_eq!(
        env.show("2025/03/06/seed2.txt").published.as_deref(),
        Some("2025-03-06T00:00:00Z")
    );
    assert_eq!(env.show("seed0.txt").published, None, "never the file's mtime");
}

/// The article-extraction benchmark's 181 saved pages, scored by the repo's
/// script with the benchmark's own metric: the bars of issue 23.
#[test]
fn saved_news_pages_meet_the_extraction_bars() {
    let Some(shared) = shared() else { return };
    let bench = shared.join("data/article-extraction-benchmark");
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/eval-extraction"))
        .args(["--newsidx", env!("CARGO_BIN_EXE_newsidx")])
        .arg("--bench")
        .arg(&bench)
        .args(["--min-f1", "0.95", "--min-titles", "175"])
        .output()
        .expect("python3 runs scripts/eval-extraction");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("pages 181, read 181"), "{stdout}");
    assert!(stdout.contains("bodies with markup or CSS 0"), "{stdout}");
    assert!(
        stdout.contains("markup/CSS/script words among them 0"),
        "{stdout}"
    );
}
