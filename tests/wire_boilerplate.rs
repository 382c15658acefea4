//! Wire furniture (instrument codes, datelines, credit lines, data headings) stays in the text but makes no entities; credits feed the byline.

mod common;

use common::{bare_cmd, extract_json, stderr, Entities, Env};

/// A wire story of our own invention in the wire layout. It lives in a
/// dot-folder, which archives skip, so the whole-corpus tests keep their
/// counts.
const STORY: &str = ".fixtures/wire/20250312/us-halvorsen-pellucid-idUSKBN9Z1X420250312";
const ID: &str = "wire/20250312/us-halvorsen-pellucid-idUSKBN9Z1X420250312";

/// Names the story's furniture would give if it were read as text: the
/// roots of its instrument codes, its dateline and the credited people.
/// ("Norwegian" names Norway, and "in Oslo" is a place in running text.)
const NOT_ENTITIES: &[&str] = &[
    "HFRT",
    "OL",
    "PA",
    "DE",
    "BRWS",
    "O",
    "N",
    "SPX",
    "T",
    "9391",
    "OSLO",
    "Reuters",
    "Reuters Estimates",
    "Desmond Farrowby",
    "Farrowby",
    "Priya Ashcombe",
    "Ashcombe",
    "Tobias Wrenfield",
    "Wrenfield",
    "Marta Quillfeather",
    "Quillfeather",
];

fn indexed() -> Env {
    let env = Env::new();
    env.copy_sample(STORY, ID);
    let summary = env.index();
    assert_eq!(summary.added, 1, "{summary:?}");
    env
}

fn entities(env: &Env) -> Entities {
    let out = env
        .cmd()
        .args(["entities", "--json", "--limit", "1000"])
        .output()
        .expect("entities");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("entities --json")
}

fn assert_no_furniture<'a>(names: impl IntoIterator<Item = (&'a str, &'a str)>, context: &str) {
    let names: Vec<(&str, &str)> = names.into_iter().collect();
    assert!(!names.is_empty(), "{context}: the story names someone");
    for (name, kind) in &names {
        assert!(
            !NOT_ENTITIES.contains(name),
            "{context}: {name:?} ({kind}) is furniture, not an entity: {names:?}"
        );
        assert!(
            !(kind == &"org" && name.eq_ignore_ascii_case("oslo")),
            "{context}: the dateline city is no organisation"
        );
    }
}

#[test]
fn wire_furniture_makes_no_entities() {
    let env = indexed();
    let listed = entities(&env);
    assert_eq!(listed.articles, 1);
    assert_no_furniture(
        listed.entities.iter().map(|e| (e.name.as_str(), e.kind.as_str())),
        "entities",
    );
    let article = env.show(ID);
    assert_no_furniture(
        article
            .entities
            .iter()
            .map(|e| (e.name.as_str(), e.kind.as_str())),
        "show",
    );
}

#[test]
fn extract_skips_the_furniture_too() {
    let env = Env::new();
    let path = env.copy_sample(STORY, ID);
    let found = extract_json(bare_cmd(), &path, "");
    assert_no_furniture(
        found.mentions.iter().map(|m| (m.name.as_str(), m.kind.as_str())),
        "extract",
    );
    // Offsets still point into the text as it is stored.
    env.index();
    let article = env.show(ID);
    for m in found.mentions.iter().filter(|m| m.field == "body") {
        assert_eq!(&article.body[m.start..m.end], m.text, "{m:?}");
    }
}

#[test]
fn credit_lines_feed_the_byline_and_stay_in_the_body() {
    let env = indexed();
    let article = env.show(ID);
    assert_eq!(
        article.byline.as_deref(),
        Some(
            "Marta Quillfeather; Reporting by Marta Quillfeather in Oslo and Desmond Farrowby in New York; \
             Editing by Priya Ashcombe and Tobias Wrenfield"
        )
    );
    // The text is kept as it was: the codes, the dateline, the credits.
    assert!(
        article
            .body
            .starts_with("OSLO, Norway (Reuters) - Norwegian shipping group"),
        "{}",
        article.body
    );
    assert!(article.body.contains("Pellucid Aviation Inc ( PA.N )"));
    assert!(article.body.ends_with(
        "(Reporting by Marta Quillfeather in Oslo and Desmond Farrowby in New York; \
         Editing by Priya Ashcombe and Tobias Wrenfield )"
    ));
    assert_eq!(env.ids("byline:Wrenfield"), [ID]);
    assert_eq!(env.ids("byline:Farrowby"), [ID]);
    assert_eq!(env.ids("body:Ashcombe"), [ID]);
    assert_eq!(env.ids("body:\"PA.N\""), [ID]);
}

#[test]
fn json_records_of_wire_copy_are_read_the_same_way() {
    let env = Env::new();
    let record = serde_json::json!({
        "id": "halvorsen-1",
        "title": "Halvorsen Freight to buy Pellucid ( PA.N )",
        "author": "Marta Quillfeather",
        "body": "OSLO, Norway (Reuters) - Halvorsen Freight ASA ( HFRT.OL ) agreed to buy \
                 Pellucid Aviation Inc ( PA.N ).\n\nShares of Dunmore Tractor Works DE.N rose.\n\n\
                 (Reporting by Desmond Farrowby; Editing by Tobias Wrenfield)",
    });
    env.write("feed.jsonl", format!("{record}\n"));
    env.index();
    let article = env.show("feed.jsonl#halvorsen-1");
    assert_eq!(
        article.byline.as_deref(),
        Some("Marta Quillfeather; Reporting by Desmond Farrowby; Editing by Tobias Wrenfield")
    );
    assert!(article.title.as_deref().is_some_and(|t| t.ends_with("( PA.N )")));
    let listed = entities(&env);
    assert_no_furniture(
        listed.entities.iter().map(|e| (e.name.as_str(), e.kind.as_str())),
        "json entities",
    );
}
