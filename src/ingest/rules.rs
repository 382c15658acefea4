//! The mapping's text rules compiled once per run: boilerplate and caption patterns, layout thresholds, JSON keys.

use std::collections::HashSet;

use regex::{Regex, RegexSet};

use super::date::DateParser;
use crate::error::{Error, Result};
use crate::schema::{Mapping, Role};

/// Everything the parsers consult, ready to use from any thread.
#[derive(Debug, Clone)]
pub struct Rules {
    pub(crate) dates: DateParser,
    pub(crate) wire_marker: String,
    pub(crate) section_max_words: usize,
    pub(crate) section_max_chars: usize,
    pub(crate) headline_max_words: usize,
    known_sections: HashSet<String>,
    byline: Regex,
    captions: RegexSet,
    boilerplate_lines: HashSet<String>,
    /// Lines longer than this (as `collapsed_len` counts) are no boilerplate line.
    boilerplate_max: usize,
    boilerplate: RegexSet,
    not_sections: HashSet<String>,
    keys: Vec<(Role, Vec<String>)>,
}

impl Rules {
    pub fn compile(mapping: &Mapping) -> Result<Rules> {
        let rules = &mapping.rules;
        let bad = |what: &str, e: regex::Error| Error::Mapping {
            origin: "field mapping".into(),
            reason: format!("{what}: {}", first_line(&e.to_string())),
        };
        let lower = |v: &[String]| v.iter().map(|s| normalise_key(s)).collect::<HashSet<_>>();
        Ok(Rules {
            dates: DateParser::new(&rules.dates.zones),
            wire_marker: rules.layout.wire_marker.trim_end().to_string(),
            section_max_words: rules.layout.section_max_words,
            section_max_chars: rules.layout.section_max_chars,
            headline_max_words: rules.layout.headline_max_words,
            known_sections: lower(&rules.layout.known_sections),
            byline: Regex::new(&rules.layout.byline_pattern)
                .map_err(|e| bad("[layout] byline_pattern", e))?,
            captions: RegexSet::new(&rules.captions.credit_patterns)
                .map_err(|e| bad("[captions] credit_patterns", e))?,
            boilerplate_lines: lower(&rules.boilerplate.lines),
            boilerplate_max: rules
                .boilerplate
                .lines
                .iter()
                .map(|l| normalise_key(l).len() * 3)
                .max()
                .unwrap_or(0),
            boilerplate: RegexSet::new(&rules.boilerplate.patterns)
                .map_err(|e| bad("[boilerplate] patterns", e))?,
            not_sections: lower(&rules.sections.not_sections),
            keys: Role::ALL
                .into_iter()
                .map(|r| (r, mapping.keys(r).to_vec()))
                .collect(),
        })
    }

    /// A whole line of site furniture ("Advertisement", "More In Politics MORE...").
    pub fn is_boilerplate(&self, line: &str) -> bool {
        let line = line.trim();
        !line.is_empty()
            && ((collapsed_len_at_most(line, self.boilerplate_max)
                && self.boilerplate_lines.contains(&normalise_key(line)))
                || self.boilerplate.is_match(line))
    }

    /// A photo caption: a line ending in a photo credit.
    pub fn is_caption(&self, line: &str) -> bool {
        self.captions.is_match(line.trim())
    }

    pub fn is_byline(&self, line: &str) -> bool {
        self.byline.is_match(line.trim())
    }

    pub fn is_known_section(&self, line: &str) -> bool {
        self.known_sections.contains(&normalise_key(line))
    }

    /// Folder names that group files by source or format, not by section.
    pub fn is_not_section(&self, folder: &str) -> bool {
        self.not_sections.contains(&normalise_key(folder))
    }

    /// The JSON keys feeding `role`, lower-cased, in priority order.
    pub fn keys(&self, role: Role) -> &[String] {
        self.keys
            .iter()
            .find(|(r, _)| *r == role)
            .map_or(&[], |(_, k)| k.as_slice())
    }
}

/// Whether the byte length of `s` with runs of white space made one space
/// is at most `max`; that length is at most 3 times that of its normalised
/// key (lower-casing shrinks a character to no less than a third: the Kelvin
/// sign to "k"). Stops reading once past `max`: every body line is asked.
fn collapsed_len_at_most(s: &str, max: usize) -> bool {
    if s.len() <= max {
        return true;
    }
    // Each word counts with the space after it; the last has none.
    let mut len = 0;
    for word in s.split_whitespace() {
        len += word.len() + 1;
        if len > max + 1 {
            return false;
        }
    }
    true
}

fn normalise_key(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The built-in rules, for unit tests of the parsers.
#[cfg(test)]
pub(crate) fn test_rules() -> Rules {
    Rules::compile(&Mapping::builtin().unwrap()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::test_rules as rules;

    #[test]
    fn boilerplate_lines_and_patterns() {
        let r = rules();
        assert!(r.is_boilerplate("podpis źródła zdjęcia"));
        assert!(r.is_boilerplate("  Advertisement "));
        assert!(r.is_boilerplate("More In Politics MORE..."));
        assert!(r.is_boilerplate("More in World News MORE…"));
        assert!(r.is_boilerplate("Sign up for our newsletter"));
        assert!(r.is_boilerplate("Follow us on X"));
        assert!(r.is_boilerplate("Read more: Why the ECB cut rates"));
        assert!(!r.is_boilerplate("More in sorrow than anger, the minister resigned on Monday."));
        assert!(!r.is_boilerplate("Politics"));
        assert!(!r.is_boilerplate(""));
    }

    #[test]
    fn collapsed_length_is_compared_without_reading_past_the_bound() {
        let collapsed = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").len();
        let lines = [
            "",
            "   ",
            "Advertisement",
            "  Advertisement  ",
            "Sign    up\tfor  our \u{a0} newsletter",
            "a b",
            "More in sorrow than anger, the minister resigned on Monday.",
        ];
        for line in lines {
            for max in 0..=line.len() + 2 {
                assert_eq!(
                    super::collapsed_len_at_most(line, max),
                    collapsed(line) <= max,
                    "{line:?} against {max}"
                );
            }
        }
        // Spaces count once: a line padded past the bound is still boilerplate.
        assert!(rules().is_boilerplate("Sign      up      for      our      newsletter"));
    }

    #[test]
    fn captions_need_a_credit_at_the_end() {
        let r = rules();
        assert!(r.is_caption(
            "Troops march in Pyongyang in 2024. Photo: Korean Central News Agency/Korea News Service via AP"
        ));
        assert!(r.is_caption("Rescuers at work. Photograph: AFP via Getty Images"));
        assert!(r.is_caption("The launch pad at dawn. (Photo by John Smith/Getty Images)"));
        assert!(!r.is_caption("The photo: a rare sight. It was taken in 1999 by a tourist."));
        assert!(!r.is_caption("North Korea appears to have sent at least 3,000 more troops."));
    }
}
