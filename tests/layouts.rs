//! Each article layout parsed into exactly the right fields, driven through the real binary.

mod common;

use common::{Env, Summary};

fn single(env: &Env) -> Summary {
    let summary = env.index();
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    summary
}

#[test]
fn scraped_page_section_headline_captions_and_boilerplate() {
    let env = Env::with_sample(&["site/001_3fa9c21b7e4d5a60.txt"]);
    assert_eq!(single(&env).added, 1);
    let a = env.show("site/001_3fa9c21b7e4d5a60.txt");
    assert_eq!(a.layout.as_deref(), Some("scraped"));
    assert_eq!(a.section.as_deref(), Some("World"));
    assert_eq!(
        a.title.as_deref(),
        Some("N. Korea sends thousands more troops to Russia, Seoul lawmakers say")
    );
    // The caption appears twice in the file and is kept once, out of the body.
    assert_eq!(
        a.captions,
        vec!["North Korean leader Kim Jong Un inspects a training base for special operations units in this undated photo. Photo: KCNA via Reuters"]
    );
    assert!(
        a.body
            .starts_with("North Korea has sent more than 10,000 soldiers to Russia"),
        "{}",
        a.body
    );
    assert!(
        a.body.ends_with("the other side of that border,” he said."),
        "{}",
        a.body
    );
    // The sub-heading stays in the body as its own paragraph.
    assert!(a.body.contains("\n\nPayment in oil and technology\n\n"));
    for boilerplate in ["Advertisement", "More In World", "Photo: KCNA"] {
        assert!(!a.body.contains(boilerplate), "{boilerplate} in body");
    }
    assert_eq!(a.published, None);
    assert_eq!(a.byline, None);
}

#[test]
fn scraped_page_with_two_captions_and_trailing_boilerplate() {
    let env = Env::with_sample(&["site/005_9d26f0c4b7e1a358.txt"]);
    single(&env);
    let a = env.show("site/005_9d26f0c4b7e1a358.txt");
    assert_eq!(a.section.as_deref(), Some("Science"));
    assert_eq!(a.captions.len(), 2);
    assert!(a.captions[0].starts_with("Residents cool off at a public fountain in São Paulo"));
    assert!(a.captions[1].ends_with("Photograph: NTB via AFP"));
    assert!(a
        .body
        .starts_with("Last year was the hottest since records began"));
    assert!(a
        .body
        .ends_with("the atmosphere reached new highs again in 2024."));
    assert!(!a.body.contains("podpis źródła zdjęcia"));
    assert!(!a.body.contains("Follow us on X"));
}

#[test]
fn headline_first_takes_section_from_its_folder() {
    let env = Env::with_sample(&["headline/politics/002.txt", "headline/business/004.txt"]);
    single(&env);
    let a = env.show("headline/politics/002.txt");
    assert_eq!(a.layout.as_deref(), Some("headline"));
    assert_eq!(a.title.as_deref(), Some("Barnier ousted"));
    assert_eq!(a.section.as_deref(), Some("politics"));
    assert!(a.body.starts_with("France’s government collapsed on Wednesday"));
    assert_eq!(a.published, None);
    // A first paragraph ending in a closing quote is still a paragraph.
    let b = env.show("headline/business/004.txt");
    assert_eq!(
        b.title.as_deref(),
        Some("Stellantis chief Carlos Tavares resigns after clash with board")
    );
    assert!(b.body.starts_with("Carlos Tavares has stepped down"));
}

#[test]
fn dates_come_from_the_path_in_three_forms() {
    let env = Env::with_sample(&[
        "headline/sport/2024/07/26/paris-opening-ceremony.txt",
        "headline/politics/2025-01-20-inauguration.txt",
        "headline/business/20250312/bank-rate-decision.txt",
    ]);
    single(&env);
    let cases = [
        (
            "headline/sport/2024/07/26/paris-opening-ceremony.txt",
            "2024-07-26T00:00:00Z",
            "sport",
        ),
        (
            "headline/politics/2025-01-20-inauguration.txt",
            "2025-01-20T00:00:00Z",
            "politics",
        ),
        (
            "headline/business/20250312/bank-rate-decision.txt",
            "2025-03-12T00:00:00Z",
            "business",
        ),
    ];
    for (id, date, section) in cases {
        let a = env.show(id);
        assert_eq!(a.published.as_deref(), Some(date), "{id}");
        // Date folders are skipped when the section comes from the path.
        assert_eq!(a.section.as_deref(), Some(section), "{id}");
    }
}

#[test]
fn wire_header_lines_and_zone() {
    let id = "wire/20241018/us-korea-north-russia-troops-idUSKBN3LJ0A20241018";
    let env = Env::with_sample(&[id]);
    single(&env);
    let a = env.show(id);
    assert_eq!(a.layout.as_deref(), Some("wire"));
    assert_eq!(
        a.title.as_deref(),
        Some("N.Korea sends 12,000 troops to help Russia in Ukraine war, Seoul says")
    );
    // The credit line's editor joins the byline; its reporter is there.
    assert_eq!(a.byline.as_deref(), Some("Soo-min Cha; Editing by Simon Redfern"));
    // "Fri Oct 18, 2024 4:41am EDT" is 08:41 UTC.
    assert_eq!(a.published.as_deref(), Some("2024-10-18T08:41:00Z"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://www.example-wire.com/article/us-korea-north-russia-troops-idUSKBN3LJ0A20241018")
    );
    // Hard-wrapped lines are joined; paragraphs kept.
    assert!(a.body.starts_with(
        "SEOUL (Wire) - North Korea has decided to send about 12,000 troops, including special forces, to help Russia"
    ));
    assert!(a
        .body
        .ends_with("\n\n(Reporting by Soo-min Cha; Editing by Simon Redfern)"));
    assert!(!a.body.contains("-- "));
    // "wire" is a source folder and the next one up is the archive: no section.
    assert_eq!(a.section, None);
}

#[test]
fn wire_dates_in_winter_and_gmt() {
    let ids = [
        "wire/20241202/us-usa-china-chips-idUSKBN6C2Z820241202",
        "wire/20250130/us-ecb-policy-idUSKBN7R1D920250130",
    ];
    let env = Env::with_sample(&ids);
    single(&env);
    assert_eq!(
        env.show(ids[0]).published.as_deref(),
        Some("2024-12-02T19:35:00Z")
    );
    assert_eq!(
        env.show(ids[0]).byline.as_deref(),
        Some("Ethan Calloway and Mei Lin Tan; Editing by Ann Roe")
    );
    assert_eq!(
        env.show(ids[1]).published.as_deref(),
        Some("2025-01-30T13:31:00Z")
    );
}

#[test]
fn json_files_with_different_key_conventions() {
    let env = Env::with_sample(&[
        "exports/json/vance-munich-security-conference.json",
        "exports/json/markets-trump-election-rally.json",
        "exports/json/london-summit-ukraine-coalition.json",
        "exports/json/intel-pauses-german-chip-plant.json",
    ]);
    assert_eq!(single(&env).added, 4);

    let a = env.show("exports/json/vance-munich-security-conference.json");
    assert_eq!(a.layout.as_deref(), Some("json"));
    assert_eq!(a.section.as_deref(), Some("world"));
    assert_eq!(a.published.as_deref(), Some("2025-02-14T09:30:00Z"));
    assert_eq!(a.byline.as_deref(), Some("Helena Brandt"));

    let b = env.show("exports/json/markets-trump-election-rally.json");
    assert_eq!(
        b.title.as_deref(),
        Some("Wall Street soars, dollar jumps and bitcoin hits record after Trump victory")
    );
    assert_eq!(b.section.as_deref(), Some("business"));
    assert_eq!(b.published.as_deref(), Some("2024-11-06T21:15:00Z"));
    assert_eq!(
        b.byline.as_deref(),
        Some("Marcus Ellery"),
        "the 'By ' of a byline is dropped"
    );

    let c = env.show("exports/json/london-summit-ukraine-coalition.json");
    assert_eq!(
        c.title.as_deref(),
        Some("Starmer pushes “coalition of the willing” for Ukraine after London summit")
    );
    assert!(c
        .body
        .starts_with("British Prime Minister Keir Starmer said on Monday"));
    assert!(c.body.contains("£1.6bn"));
    assert!(
        !c.body
            .contains("Britain and France will work with Ukraine on a peace plan"),
        "description is only a fallback"
    );
    assert_eq!(c.published.as_deref(), Some("2025-03-03T16:40:00Z"));
    assert_eq!(c.byline.as_deref(), Some("Olivia Tennant, James Okoro"));
    assert_eq!(
        c.url.as_deref(),
        Some("https://example.org/world/2025/03/03/starmer-coalition-of-the-willing-ukraine")
    );
    // No section key, and "json" / "exports" are folder names that are not sections.
    assert_eq!(c.section, None);

    let d = env.show("exports/json/intel-pauses-german-chip-plant.json");
    assert_eq!(d.section.as_deref(), Some("tech"));
    assert_eq!(d.published.as_deref(), Some("2024-09-18T00:00:00Z"));
    assert_eq!(d.byline.as_deref(), Some("Lukas Brenner"));
    assert!(d.url.is_some());
}

#[test]
fn json_lines_records_get_their_own_ids() {
    let env = Env::with_sample(&["exports/feed-2025-03.jsonl"]);
    let summary = single(&env);
    assert_eq!((summary.files_read, summary.added, summary.docs_total), (1, 6, 6));
    let a = env.show("exports/feed-2025-03.jsonl#feed-0001");
    assert_eq!(a.layout.as_deref(), Some("jsonl"));
    assert_eq!(
        a.title.as_deref(),
        Some("US tariffs on Canada, Mexico and China take effect, drawing swift retaliation")
    );
    assert_eq!(a.section.as_deref(), Some("business"));
    // Wire-format date inside JSON: 10:12am EST.
    assert_eq!(a.published.as_deref(), Some("2025-03-04T15:12:00Z"));
    assert_eq!(a.byline.as_deref(), Some("Grace Whitfield"));
    // The fifth line has no id: it is known by its line number.
    let e = env.show("exports/feed-2025-03.jsonl#5");
    assert_eq!(
        e.title.as_deref(),
        Some("Mark Carney sworn in as Canada’s prime minister amid trade war with US")
    );
    assert_eq!(e.published.as_deref(), Some("2025-03-14T20:30:00Z"));
}

#[test]
fn gzipped_json_lines() {
    let env = Env::with_sample(&["exports/archive-2024.jsonl.gz"]);
    assert_eq!(single(&env).added, 4);
    let a = env.show("exports/archive-2024.jsonl.gz#2");
    assert_eq!(
        a.title.as_deref(),
        Some("Léon Marchand wins fourth gold as France celebrates its new swimming star")
    );
    assert_eq!(a.section.as_deref(), Some("sport"));
    assert_eq!(a.byline.as_deref(), Some("Camille Arnaud, Peter Lindqvist"));
    assert_eq!(a.published.as_deref(), Some("2024-08-02T22:30:00Z"));
}

#[test]
fn windows_1252_and_utf16_are_decoded() {
    let env = Env::with_sample(&["edge/windows-1252-article.txt", "edge/utf16-article.txt"]);
    single(&env);
    let a = env.show("edge/windows-1252-article.txt");
    assert_eq!(
        a.title.as_deref(),
        Some("Café chain fined £2.4m over allergen labelling")
    );
    assert!(
        a.body
            .contains("Renée Dubois, said the “failure was unacceptable”"),
        "{}",
        a.body
    );
    assert!(a.body.contains("The company’s chief executive"));
    let b = env.show("edge/utf16-article.txt");
    assert_eq!(b.title.as_deref(), Some("Harbour crane toppled by storm"));
    assert!(b
        .body
        .starts_with("A container crane toppled at the port of Rotterdam"));
}

#[test]
fn a_json_array_file_holds_several_articles() {
    let env = Env::new();
    env.write(
        "batch.json",
        r#"[{"title": "First story", "body": "One."}, {"headline": "Second story", "text": "Two.", "id": "s2"}, {"url": "x"}]"#,
    );
    let summary = env.index();
    assert_eq!(summary.added, 2);
    assert_eq!(summary.skipped.len(), 1);
    assert!(
        summary.skipped[0].path.ends_with("batch.json#3"),
        "{:?}",
        summary.skipped
    );
    assert_eq!(env.show("batch.json#1").title.as_deref(), Some("First story"));
    assert_eq!(env.show("batch.json#s2").body, "Two.");
}

#[test]
fn html_in_json_bodies_is_flattened() {
    let env = Env::new();
    env.write(
        "cms.json",
        r#"{"title": "Port strike ends", "content": "<p>Dockers returned to work on Monday.</p><p>Talks&nbsp;will resume &amp; continue.</p>", "section": "Business"}"#,
    );
    single(&env);
    let a = env.show("cms.json");
    assert_eq!(
        a.body,
        "Dockers returned to work on Monday.\n\nTalks will resume & continue."
    );
}

#[test]
fn repeated_record_ids_never_hide_a_record() {
    let env = Env::new();
    let lines = [
        r#"{"id": "a", "title": "First version", "body": "One."}"#,
        r#"{"id": "a", "title": "Second version", "body": "Two."}"#,
        r#"{"id": "4", "title": "Own id four on line three", "body": "Three."}"#,
        r#"{"title": "No id, line four", "body": "Four."}"#,
    ];
    env.write("feed.jsonl", lines.join("\n") + "\n");
    let summary = single(&env);
    assert_eq!(summary.docs_total, 4);
    assert_eq!(env.show("feed.jsonl#a").title.as_deref(), Some("First version"));
    // The repeated id falls back to the line number...
    assert_eq!(env.show("feed.jsonl#2").title.as_deref(), Some("Second version"));
    assert_eq!(
        env.show("feed.jsonl#4").title.as_deref(),
        Some("Own id four on line three")
    );
    // ...and a line number taken by another record's own id gets a suffix.
    assert_eq!(
        env.show("feed.jsonl#4-dup").title.as_deref(),
        Some("No id, line four")
    );
}

const MESSAGE: &str = "agency/harbour-wire-2025-02-11.xml";

#[test]
fn newsml_message_gives_an_article_per_text_item_with_its_guid() {
    let env = Env::with_sample(&[MESSAGE]);
    let summary = single(&env);
    // Two stories; the package and the photo are not articles.
    assert_eq!(summary.added, 2);
    let harbour = format!("{MESSAGE}#urn:newsml:example-agency.test:20250211:harbour-bridge");
    let orchard = format!("{MESSAGE}#urn:newsml:example-agency.test:20250211:orchard-frost");
    let a = env.show(&harbour);
    assert_eq!(a.layout.as_deref(), Some("newsml"));
    assert_eq!(
        a.title.as_deref(),
        Some("Harbour bridge reopens after six-month repair")
    );
    assert_eq!(a.byline.as_deref(), Some("Maren Renwick"));
    assert_eq!(a.section.as_deref(), Some("Metro"));
    // firstCreated, 06:10 at +01:00.
    assert_eq!(a.published.as_deref(), Some("2025-02-11T05:10:00Z"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://news.example-agency.test/2025/02/11/harbour-bridge-reopens")
    );
    assert!(
        a.body
            .starts_with("PORTHALLOW, February 11 (Example Agency) – The Quayline bridge reopened"),
        "{}",
        a.body
    );
    assert!(a.body.contains("the town’s commuters."));
    assert_eq!(a.captions.len(), 1);
    assert!(a.captions[0].starts_with("Cyclists cross the reopened Quayline bridge"));
    let b = env.show(&orchard);
    assert_eq!(b.layout.as_deref(), Some("newsml"));
    assert_eq!(b.byline.as_deref(), Some("Tomasz Okafor-Lind"));
    assert_eq!(b.section.as_deref(), Some("environment"));
    assert_eq!(b.published.as_deref(), Some("2025-02-11T10:55:00Z"));
    assert!(b.captions.is_empty());

    let r = env.search("braziers", &[]);
    assert_eq!(r.total, 1);
    let hit = &r.hits[0];
    assert_eq!(hit.id, orchard);
    assert_eq!(
        hit.title.as_deref(),
        Some("Late frost threatens orchard harvest in the Vell valley")
    );
    assert_eq!(hit.section.as_deref(), Some("environment"));
    assert_eq!(hit.byline.as_deref(), Some("Tomasz Okafor-Lind"));
    assert_eq!(hit.published.as_deref(), Some("2025-02-11T10:55:00Z"));
    // The photo's caption is searchable with its story.
    assert_eq!(env.ids("cyclists"), vec![harbour]);
}

#[test]
fn nitf_article_fields() {
    let id = "agency/tidal-turbine-nitf.xml";
    let env = Env::with_sample(&[id]);
    assert_eq!(single(&env).added, 1);
    let a = env.show(id);
    assert_eq!(a.layout.as_deref(), Some("nitf"));
    assert_eq!(
        a.title.as_deref(),
        Some("Tidal turbine array powers Skarra island for a whole week")
    );
    assert_eq!(a.byline.as_deref(), Some("Ingrid Solvik-Harrow"));
    assert_eq!(a.section.as_deref(), Some("Science & Environment"));
    assert_eq!(a.published.as_deref(), Some("2025-02-04T08:00:00Z"));
    assert_eq!(
        a.url.as_deref(),
        Some("https://news.example-agency.test/science/tidal-turbine-array")
    );
    assert_eq!(
        a.captions,
        vec!["A turbine hub is lowered into the sound off Skarra. Photo: Example Agency"]
    );
    assert!(a
        .body
        .starts_with("An array of six tidal turbines anchored off Skarra"));
    assert!(a
        .body
        .contains("\n\nThe 1,900 islanders normally depend on a diesel plant & an undersea cable"));
    assert!(a.body.contains("\n\n<Operator figures> show the turbines"));
    let r = env.search("turbines", &["--section", "Science & Environment"]);
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].id, id);
}

#[test]
fn broken_agency_xml_is_skipped_with_its_reason() {
    let env = Env::new();
    env.write(
        "feed/cut.xml",
        "<nitf><body><body.content><p>Cut off in the middle",
    );
    env.write(
        "feed/plain.xml",
        "<?xml version=\"1.0\"?><catalog><book>Not news</book></catalog>",
    );
    let summary = env.index();
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    assert!(summary.skipped[0].path.ends_with("feed/cut.xml"));
    assert_eq!(summary.skipped[0].reason, "XML ends inside <p>");
}
