//! Searching the way newsrooms do, over the whole sample corpus: filters, sorts, paging, snippets, counts, histograms, facets, field prefixes, fuzzy words, stats.

mod common;

use std::sync::OnceLock;

use common::{stderr, stdout, Env, Results};

/// The sample corpus, indexed once for every test of this file.
fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let env = Env::with_whole_sample();
        env.index();
        env
    })
}

fn search(args: &[&str]) -> Results {
    let out = env()
        .cmd()
        .args(["search", "--json"])
        .args(args)
        .output()
        .expect("run");
    let results: Results = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("search {args:?}: {e}; stderr: {}", stderr(&out)));
    let expected = if results.total > 0 { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(expected), "search {args:?}");
    results
}

fn ids(r: &Results) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

/// Every article, in the given order.
fn everything(sort: &str) -> Results {
    search(&["--since", "1900", "--limit", "100", "--sort", sort])
}

/// Every article, counted by year, section and entity; no hits.
fn everything_counted() -> Results {
    search(&[
        "--since",
        "1900",
        "--histogram",
        "year",
        "--facets",
        "--limit",
        "0",
    ])
}

#[test]
fn sections_filter_without_a_query_newest_first() {
    let politics = search(&["--section", "politics", "--limit", "50"]);
    assert_eq!(politics.query, "");
    // Dated ones newest first, then the undated ones.
    assert_eq!(
        ids(&politics)[..2],
        [
            "exports/feed-2025-03.jsonl#5",
            "headline/politics/2025-01-20-inauguration.txt"
        ]
    );
    let mut undated: Vec<&str> = ids(&politics)[2..].to_vec();
    undated.sort();
    assert_eq!(
        undated,
        [
            "headline/politics/001.txt",
            "headline/politics/002.txt",
            "site/006_52c8e9a0f3d71b4c.txt"
        ]
    );
    // Case does not matter ("Politics" on the scraped page), and several
    // sections mean any of them.
    assert!(politics
        .hits
        .iter()
        .all(|h| h.section.as_deref().map(str::to_lowercase).as_deref() == Some("politics")));
    let sport = search(&["--section", "SPORT"]);
    assert_eq!(sport.total, 6);
    let both = search(&["--section", "Politics", "--section", "sport"]);
    assert_eq!(both.total, politics.total + sport.total);
    // With a query, the filter narrows it.
    assert_eq!(search(&["--section", "politics", "trump"]).total, 2);
}

#[test]
fn dates_include_the_whole_period_named() {
    let march = search(&[
        "--since", "2025-03", "--until", "2025-03", "--limit", "50", "--sort", "oldest",
    ]);
    assert_eq!(march.total, 12);
    let dates: Vec<&str> = march
        .hits
        .iter()
        .map(|h| h.published.as_deref().expect("dated"))
        .collect();
    assert!(dates.iter().all(|d| d.starts_with("2025-03-")), "{dates:?}");
    assert_eq!(dates.first(), Some(&"2025-03-02T10:05:00Z"));
    assert_eq!(dates.last(), Some(&"2025-03-18T14:20:00Z"));
    // A day, inclusive at both ends.
    let day = search(&["--since", "2025-03-14", "--until", "2025-03-14"]);
    assert_eq!(ids(&day), ["exports/feed-2025-03.jsonl#5"]);
    // Years split the dated articles exactly.
    let all = everything("newest");
    let y2024 = search(&["--until", "2024"]).total;
    let y2025 = search(&["--since", "2025"]).total;
    assert_eq!(y2024 + y2025, all.total);
    for bad in ["2025-13", "March", "2025/03"] {
        let out = env()
            .cmd()
            .args(["search", "--since", bad, "korea"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!("newsidx: bad query: --since '{bad}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)\n")
        );
    }
}

#[test]
fn date_sorts_put_undated_articles_last() {
    for (sort, newest) in [("newest", true), ("oldest", false)] {
        let r = everything(sort);
        assert_eq!(r.total, r.hits.len());
        let dates: Vec<Option<&str>> = r.hits.iter().map(|h| h.published.as_deref()).collect();
        let dated = dates.iter().take_while(|d| d.is_some()).count();
        assert!(
            dated > 0 && dates[dated..].iter().all(Option::is_none),
            "{sort}: {dates:?}"
        );
        for pair in dates[..dated].windows(2) {
            let ordered = if newest {
                pair[0] >= pair[1]
            } else {
                pair[0] <= pair[1]
            };
            assert!(ordered, "{sort}: {pair:?}");
        }
        assert!(
            r.hits.iter().all(|h| h.score.is_none()),
            "no score when sorted by date"
        );
    }
    // Relevance is the default with a query.
    let r = search(&["korea"]);
    assert!(r.hits.iter().all(|h| h.score.is_some()));
    let scores: Vec<f32> = r.hits.iter().filter_map(|h| h.score).collect();
    assert!(scores.windows(2).all(|p| p[0] >= p[1]), "{scores:?}");
}

#[test]
fn offset_pages_through_the_same_order() {
    let page = search(&["korea*", "--limit", "10"]);
    assert!(page.total >= 5);
    let second = search(&["korea*", "--limit", "3", "--offset", "2"]);
    assert_eq!(second.offset, 2);
    assert_eq!(second.total, page.total);
    assert_eq!(ids(&second), ids(&page)[2..5].to_vec());
    let beyond = search(&["korea*", "--offset", "100"]);
    assert_eq!((beyond.total, beyond.hits.len()), (page.total, 0));
}

#[test]
fn highlights_point_at_the_query_words() {
    for (query, words) in [
        ("zeppelin", &["zeppelin"][..]),
        ("\"north korea\"", &["north", "korea"][..]),
        ("tariffs OR tariff", &["tariffs", "tariff"][..]),
    ] {
        let r = search(&[query]);
        assert!(r.total > 0, "{query}");
        for hit in &r.hits {
            assert!(!hit.highlights.is_empty(), "{query}: {}", hit.id);
            for [start, end] in &hit.highlights {
                let word = hit.snippet[*start..*end].to_lowercase();
                assert!(
                    words.contains(&word.as_str()),
                    "{query}: highlighted {word:?} in {}",
                    hit.id
                );
            }
        }
    }
}

#[test]
fn a_match_in_the_title_alone_is_the_snippet() {
    // "soaked" is only in the headline of the Paris opening ceremony.
    let r = search(&["soaked"]);
    assert_eq!(r.total, 1);
    let hit = &r.hits[0];
    assert_eq!(Some(hit.snippet.as_str()), hit.title.as_deref());
    let words: Vec<&str> = hit.highlights.iter().map(|[a, b]| &hit.snippet[*a..*b]).collect();
    assert_eq!(words, ["soaked"]);
    // A filter alone matches no word: the body's opening.
    let r = search(&["--section", "sport", "--limit", "1"]);
    assert!(r.hits[0].highlights.is_empty() && !r.hits[0].snippet.is_empty());
}

#[test]
fn count_prints_the_number_alone() {
    let out = env()
        .cmd()
        .args(["search", "--count", "korea*"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{}\n", search(&["korea*"]).total));
    let out = env()
        .cmd()
        .args(["search", "--count", "xylophonist"])
        .output()
        .expect("run");
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), "0\n".to_string()));
}

#[test]
fn histograms_and_facets_add_up_to_the_total() {
    for query in ["the", "korea*", "trade"] {
        let r = search(&[query, "--histogram", "month", "--facets", "--limit", "0"]);
        assert!(r.hits.is_empty());
        let h = r.histogram.as_ref().expect("histogram");
        assert_eq!(h.interval, "month");
        let counted: usize = h.buckets.iter().map(|b| b.count).sum();
        assert_eq!(counted + h.undated, r.total, "{query}");
        // Consecutive months, from the first with a match to the last.
        for pair in h.buckets.windows(2) {
            let (y0, m0) = pair[0].period.split_once('-').expect("YYYY-MM");
            let (y1, m1) = pair[1].period.split_once('-').expect("YYYY-MM");
            let (y0, m0, y1, m1): (u32, u32, u32, u32) = (
                y0.parse().unwrap(),
                m0.parse().unwrap(),
                y1.parse().unwrap(),
                m1.parse().unwrap(),
            );
            assert_eq!(y1 * 12 + m1, y0 * 12 + m0 + 1, "{query}: {pair:?}");
        }
        assert!(
            h.buckets.first().is_none_or(|b| b.count > 0) && h.buckets.last().is_none_or(|b| b.count > 0)
        );
        let f = r.facets.as_ref().expect("facets");
        assert_eq!(
            f.sections.iter().map(|s| s.count).sum::<usize>(),
            r.total,
            "{query}"
        );
        assert_eq!(f.years.iter().map(|y| y.count).sum::<usize>(), r.total, "{query}");
        assert_eq!(
            f.years.iter().find(|y| y.year.is_none()).map_or(0, |y| y.count),
            h.undated
        );
    }
    // Over everything: the years of the sample corpus.
    let r = everything_counted();
    let years: Vec<(String, usize)> = r
        .histogram
        .expect("histogram")
        .buckets
        .into_iter()
        .map(|b| (b.period, b.count))
        .collect();
    let facets = r.facets.expect("facets");
    assert_eq!(years.len(), 2);
    assert_eq!(years.iter().map(|(_, n)| n).sum::<usize>(), r.total);
    assert_eq!(facets.years.iter().filter(|y| y.year.is_some()).count(), 2);
    assert!(facets.entities.iter().any(|e| e.name == "United States"));
    let day = search(&["korea*", "--histogram", "day", "--limit", "0"])
        .histogram
        .expect("histogram");
    assert!(day.buckets.iter().all(|b| b.period.len() == 10));
}

#[test]
fn field_prefixes_search_one_field() {
    // "zeppelin" is in a body, never in a title.
    assert_eq!(search(&["zeppelin"]).total, 1);
    assert_eq!(search(&["title:zeppelin"]).total, 0);
    assert_eq!(search(&["body:zeppelin"]).total, 1);
    assert_eq!(
        ids(&search(&["section:politics", "--limit", "50"])).len(),
        search(&["--section", "politics"]).total
    );
    let mut by_field = ids(&search(&["entity:\"N. Korea\"", "--limit", "50"]))
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    let mut by_flag = ids(&search(&["--entity", "North Korea", "--limit", "50"]))
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    by_field.sort();
    by_flag.sort();
    assert!(!by_field.is_empty());
    assert_eq!(by_field, by_flag);
}

#[test]
fn prefixes_and_fuzzy_words() {
    // korea* finds "Korea" and "Korean" (indexed as stems).
    let korea = search(&["korea", "--limit", "50"]).total;
    let korean = search(&["korean", "--limit", "50"]).total;
    let prefix = search(&["korea*", "--limit", "50"]).total;
    assert!(
        prefix >= korea.max(korean) && prefix < korea + korean + 1,
        "{korea} {korean} {prefix}"
    );
    // A typo finds nothing, unless --fuzzy, and then exactly what the word does.
    assert_eq!(search(&["goverment"]).total, 0);
    let fuzzy = search(&["goverment", "--fuzzy", "--limit", "50"]);
    let right = search(&["government", "--limit", "50"]);
    let (mut a, mut b) = (ids(&fuzzy), ids(&right));
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(search(&["zepelin", "--fuzzy"]).total, 1);
    // The typo is mended before stemming: "inflaton" is "inflation", indexed
    // as "inflat", two edits from the stem "inflaton".
    let inflation = search(&["inflation", "--limit", "50"]);
    assert!(inflation.total > 0);
    for typo in ["inflaton", "inflatoin", "inflasion"] {
        assert_eq!(
            search(&[typo, "--fuzzy", "--limit", "50"]).total,
            inflation.total,
            "{typo}"
        );
    }
    // Words under 5 letters are not made fuzzy: "oik" is not "oil".
    assert_eq!(search(&["oik", "--fuzzy"]).total, 0);
}

#[test]
fn bad_queries_say_where_and_exit_2() {
    for (query, message) in [
        (
            "korea AND",
            "newsidx: bad query: AND needs something after it (column 7)\n",
        ),
        ("(korea", "newsidx: bad query: unclosed `(` (column 1)\n"),
        (
            "k*",
            "newsidx: bad query: a prefix needs at least 2 letters before `*` (column 1)\n",
        ),
        ("colour:red", "newsidx: bad query: unknown field `colour`"),
    ] {
        let out = env().cmd().args(["search", "--", query]).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{query}");
        let err = stderr(&out);
        assert!(err.starts_with(message), "{query}: {err}");
        assert_eq!(err.lines().count(), 1, "{query}: {err}");
    }
    // A bare `search` is no longer one: it lists the newest articles
    // (no_query_and_no_filter_lists_the_newest_articles).
}

/// `stats --json`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Stats {
    documents: usize,
    sections: Vec<common::SectionCount>,
    earliest: Option<String>,
    latest: Option<String>,
    undated: usize,
    entities: EntityStats,
    index_bytes: u64,
    segments: usize,
    last_run: Option<serde_json::Value>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityStats {
    distinct: usize,
    top: Vec<common::EntityRow>,
}

#[test]
fn stats_describe_the_index() {
    let out = env().cmd().args(["stats", "--json"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stats: Stats = serde_json::from_slice(&out.stdout).expect("stats json");
    let all = everything_counted();
    assert_eq!(stats.documents, 58);
    assert_eq!(stats.sections.iter().map(|s| s.count).sum::<usize>(), 58);
    assert_eq!(stats.documents - stats.undated, all.total);
    assert_eq!(stats.earliest.as_deref(), Some("2024-04-08T21:10:00Z"));
    // The crawl's orchard page.
    assert_eq!(stats.latest.as_deref(), Some("2025-04-02T03:00:00Z"));
    assert!(stats.entities.distinct > 100 && stats.entities.top.len() == 10);
    assert_eq!(stats.entities.top[0].name, "United States");
    assert!(stats.index_bytes > 10_000 && stats.segments >= 1);
    let run = stats.last_run.expect("last run");
    assert_eq!(run["added"], 58);
    assert_eq!(run["complete"], true);
}

#[test]
fn entities_of_a_filtered_result_set() {
    let out = env()
        .cmd()
        .args(["entities", "--json", "--section", "politics", "--since", "2025"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listing: common::Entities = serde_json::from_slice(&out.stdout).expect("json");
    let set = search(&["--section", "politics", "--since", "2025"]);
    assert_eq!(listing.articles, set.total);
    assert_eq!(listing.articles, 2);
    assert!(listing.entities.iter().all(|e| e.articles as usize <= set.total));
    assert!(listing.entities.iter().any(|e| e.name == "Donald Trump"));
}

#[test]
fn no_query_and_no_filter_lists_the_newest_articles() {
    // Before: clap refused a search with neither (exit 2).
    let all = search(&["--limit", "100"]);
    assert_eq!(all.query, "");
    assert_eq!(all.total, 58, "every article of the sample corpus");
    assert_eq!(all.hits.len(), 58);
    assert!(all.hits.iter().all(|h| h.score.is_none()), "sorted by date");
    // The dated articles newest first, as the filters sort them, then the
    // undated ones.
    let dated = everything("newest");
    assert_eq!(ids(&all)[..dated.total], ids(&dated)[..]);
    assert!(all.hits[dated.total..].iter().all(|h| h.published.is_none()));
    // Ten by default, and --sort still applies.
    assert_eq!(ids(&search(&[])), ids(&dated)[..10]);
    assert_eq!(
        ids(&search(&["--sort", "oldest", "--limit", "3"])),
        ids(&everything("oldest"))[..3]
    );

    let count = env().run(&["search", "--count"]);
    assert_eq!(stdout(&count), "58\n");
    let out = env().run(&["search"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let first = dated.hits[0].title.as_deref().expect("title");
    assert_eq!(
        text.lines().next(),
        Some(format!("  1. {first}").as_str()),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1-10 of 58 matches"), "{text}");
}
