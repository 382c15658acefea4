//! The `--schema` field mapping (TOML) on any text: `Mapping::parse`, and
//! for a mapping that parses, what is built from it: the tantivy schema,
//! the entity settings, the export engine configs and, with
//! NEWSIDX_FUZZ_RULES=1 (slow: see below), the text rules (regexes), which
//! then read a few fixed articles (wire, scraped, JSON Lines) as `newsidx
//! index` would. Ok or Err, never a panic.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use newsidx::export::{engine_config, Engine};
use newsidx::ingest::{read_file, Item, Limits, Rules};
use newsidx::schema::{Mapping, Role};

const SAMPLES: [(&str, &str); 3] = [
    (
        "wire",
        "-- Acme ( ACME.N ) cuts rates by half a point\n-- By Ann Lee\n-- Wed Sep 18, 2024 4:27pm EDT\n\
         -- https://www.example.com/a\n\nWASHINGTON (Reuters) - The Federal Reserve cut rates on \
         Wednesday.\n\n  Fed Chair Jerome Powell spoke.\n\n(Reporting by Bo Li; Editing by Cy Roe)\n",
    ),
    (
        "scraped.txt",
        "Business\n\nBank holds rates\n\nBy Jane Doe\n15 March 2025 10:00 GMT\n\nPhoto: Getty Images\n\
         The Bank of England held rates.\n\nShare this article\n",
    ),
    (
        "feed.jsonl",
        "{\"id\":\"x1\",\"title\":\"T\",\"body\":\"<p>One</p><p>Two</p>\",\"author\":\"By A\",\
         \"date\":\"2025-03-04T10:00:00Z\",\"category\":\"World\"}\n{\"headline\":\"H\",\"text\":[\"a\",\"b\"],\
         \"published\":{\"$date\":\"2024-01-01\"}}\n",
    ),
];

static COMPILE_RULES: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("NEWSIDX_FUZZ_RULES").is_some_and(|v| v == "1"));

const ENGINES: [Engine; 3] = [Engine::Elasticsearch, Engine::Quickwit, Engine::Tantivy];

fuzz_target!(|text: &str| {
    let Ok(mapping) = Mapping::parse(text, "fuzz.toml") else {
        return;
    };
    for role in Role::ALL {
        let _ = mapping.spec(role);
        let _ = mapping.keys(role);
    }
    let _ = mapping.rules.entities.settings();
    let _ = mapping.rules.entities.suffix_keys();
    let schema = mapping.build();
    let _ = mapping.default_search_fields(&schema.fields);
    for engine in ENGINES {
        let _ = engine_config(&mapping, engine, "fuzz");
    }
    // Compiling the rules' regexes takes seconds per input in this
    // instrumented build (the built-in mapping's [wire] alternation alone
    // ~3 s under ASan), over the 1 s timeout: only with
    // NEWSIDX_FUZZ_RULES=1 (and a larger -timeout).
    if !*COMPILE_RULES {
        return;
    }
    let Ok(rules) = Rules::compile(&mapping) else {
        return;
    };
    let limits = Limits {
        max_article_bytes: 1 << 20,
    };
    for (name, content) in SAMPLES {
        let task = common::archive_file(name, content.as_bytes());
        read_file(&task, &rules, &limits, &mut |item| {
            if let Item::Article(article) = item {
                common::check_article(&article);
            }
            true
        });
    }
});
