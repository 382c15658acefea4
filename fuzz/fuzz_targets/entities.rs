//! Entity extraction on any UTF-8 text, split on NUL into up to 8 parts
//! (title, captions, body ... of one article). The extractor (shipped
//! dictionaries, a few user overrides so forced names are looked for too,
//! the built-in mapping's settings) is built once.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use newsidx::entities::dictionary::Overrides;
use newsidx::entities::{count, Dictionary, Extractor};
use newsidx::schema::Mapping;

const OVERRIDES: &str = "alias\tAcme Widget Corp\torg\tAcme|AWC\n\
                         merge\tJoe Bloggs\tJ. Bloggs|Bloggsy\tperson\n\
                         hide\tReuters|AP\n";

static EXTRACTOR: LazyLock<Extractor> = LazyLock::new(|| {
    let overrides = Overrides {
        origin: "fuzz overrides".into(),
        text: OVERRIDES.into(),
    };
    let dict = Dictionary::with_overrides(Some(&overrides)).expect("dictionaries");
    let settings = Mapping::builtin()
        .expect("built-in mapping")
        .rules
        .entities
        .settings();
    Extractor::new(dict, settings).expect("extractor")
});

// One-time set-up (compiling the rules' regexes, loading dictionaries)
// happens before the first input: under ASan it can take past the
// 1 s a single input is allowed.
fuzz_target!(init: {
    LazyLock::force(&EXTRACTOR);
}, |text: &str| {
    let parts: Vec<&str> = text.splitn(8, '\0').collect();
    let mentions = EXTRACTOR.extract(&parts);
    for m in &mentions {
        assert!(
            m.part < parts.len(),
            "mention in part {} of {}",
            m.part,
            parts.len()
        );
        let part = parts[m.part];
        assert!(
            m.start <= m.end && m.end <= part.len(),
            "mention {}..{} in a part of {} bytes",
            m.start,
            m.end,
            part.len()
        );
        assert!(
            part.is_char_boundary(m.start) && part.is_char_boundary(m.end),
            "mention {}..{} cuts a character of {:?}",
            m.start,
            m.end,
            part
        );
        assert!(!m.name.is_empty(), "mention {}..{} with no name", m.start, m.end);
    }
    let title = (parts.len() > 1).then_some(0);
    let _ = count(&mentions, title);
    let _ = EXTRACTOR.article(&parts, title);
});
