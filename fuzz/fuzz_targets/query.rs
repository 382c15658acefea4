//! The query language parser (`newsidx search QUERY`) on any UTF-8, and
//! the `--since` / `--until` date parser on the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsidx::search::filter::{parse_date, End};
use newsidx::search::query::parse;

fuzz_target!(|text: &str| {
    match parse(text) {
        Ok(node) => {
            let _ = format!("{node:?}");
        }
        Err(e) => {
            // Columns are 1-based character columns, at most one past the end.
            if let Some(col) = e.column {
                let chars = text.chars().count();
                assert!(
                    (1..=chars + 1).contains(&col),
                    "column {col} outside a query of {chars} characters: {e}"
                );
            }
            let _ = e.to_string();
        }
    }
    let start = parse_date(text, End::Start, "--since");
    let after = parse_date(text, End::After, "--until");
    if let (Ok(start), Ok(after)) = (&start, &after) {
        assert!(
            start < after,
            "period of {text:?} ends ({after}) before it starts ({start})"
        );
    }
    // `After` needs the period's start to exist, so it never parses alone.
    if after.is_ok() {
        assert!(start.is_ok(), "{text:?}: an end without a start");
    }
});
