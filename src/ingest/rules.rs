//! The mapping's text rules compiled once per run: boilerplate and caption patterns, wire furniture, layout thresholds, JSON keys.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};

use super::date::DateParser;
use crate::error::{Error, Result};
use crate::schema::{Mapping, Role};

/// The longest credit line taken, in bytes: the longest in Reuters 2006-09
/// is about 600 (five reporters, "Additional reporting by ...").
const MAX_CREDIT: usize = 1000;

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
    /// `[wire]` instrument codes, datelines and headings as one alternation:
    /// one pass over a text finds them all. `None` when there are none.
    furniture: Option<Regex>,
    /// `[wire]` credit lines, likewise.
    credits: Option<Regex>,
    not_sections: HashSet<String>,
    keys: Vec<(Role, Vec<String>)>,
    pub(crate) html: HtmlRules,
}

/// `[html]`, checked.
#[derive(Debug, Clone)]
pub struct HtmlRules {
    pub metadata: Vec<MetaSource>,
    /// Lower-cased.
    pub boilerplate_classes: Vec<String>,
    pub max_depth: usize,
    pub min_words: usize,
}

/// Where a page's metadata is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaSource {
    /// `<script type="application/ld+json">`: schema.org's NewsArticle.
    JsonLd,
    /// `og:` and `article:` meta properties.
    OpenGraph,
    /// `<meta name="author|date|...">`.
    Meta,
    /// `<time datetime>` (the date only).
    Time,
}

impl MetaSource {
    fn from_name(name: &str) -> Option<MetaSource> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "json-ld" | "jsonld" => MetaSource::JsonLd,
            "opengraph" | "og" => MetaSource::OpenGraph,
            "meta" => MetaSource::Meta,
            "time" => MetaSource::Time,
            _ => return None,
        })
    }
}

/// The rules of a run, compiled when a file first needs parsing: a run
/// that finds nothing changed compiles no pattern.
pub struct LazyRules<'a> {
    mapping: &'a Mapping,
    cell: OnceLock<Result<Rules>>,
}

impl<'a> LazyRules<'a> {
    pub fn new(mapping: &'a Mapping) -> LazyRules<'a> {
        LazyRules {
            mapping,
            cell: OnceLock::new(),
        }
    }

    /// The rules, compiled on first use; a bad pattern fails here, on
    /// every call, with the error `Rules::compile` gave.
    pub fn get(&self) -> Result<&Rules> {
        match self.cell.get_or_init(|| Rules::compile(self.mapping)) {
            Ok(rules) => Ok(rules),
            Err(Error::Mapping { origin, reason }) => Err(Error::Mapping {
                origin: origin.clone(),
                reason: reason.clone(),
            }),
            Err(e) => Err(Error::Invalid(e.to_string())),
        }
    }
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
            furniture: alternation(&[
                ("[wire] instrument_patterns", &rules.wire.instrument_patterns),
                ("[wire] dateline_patterns", &rules.wire.dateline_patterns),
                ("[wire] heading_patterns", &rules.wire.heading_patterns),
            ])
            .map_err(|(what, e)| bad(&what, e))?,
            credits: alternation(&[("[wire] credit_patterns", &rules.wire.credit_patterns)])
                .map_err(|(what, e)| bad(&what, e))?,
            not_sections: lower(&rules.sections.not_sections),
            keys: Role::ALL
                .into_iter()
                .map(|r| (r, mapping.keys(r).to_vec()))
                .collect(),
            html: HtmlRules {
                metadata: rules
                    .html
                    .metadata
                    .iter()
                    .map(|n| {
                        MetaSource::from_name(n).ok_or_else(|| Error::Mapping {
                            origin: "field mapping".into(),
                            reason: format!(
                                "[html] metadata: unknown source `{n}` (the sources are json-ld, opengraph, meta, time)"
                            ),
                        })
                    })
                    .collect::<Result<_>>()?,
                boilerplate_classes: rules.html.boilerplate_classes.iter().map(|c| c.trim().to_lowercase()).collect(),
                max_depth: rules.html.max_depth.clamp(16, 4096),
                min_words: rules.html.min_words,
            },
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

    /// The spans of `text` that name no one: instrument codes, datelines,
    /// headings (`[wire]`), whitespace at their ends left out. Appended to
    /// `out` in order, without overlaps.
    pub fn furniture(&self, text: &str, out: &mut Vec<Range<usize>>) {
        if let Some(re) = &self.furniture {
            out.extend(re.find_iter(text).filter_map(|m| trimmed(text, m.range())));
        }
    }

    /// The credit lines of `text` (`[wire] credit_patterns`), in order;
    /// a match longer than `MAX_CREDIT` bytes is no credit line (and would
    /// go into the byline).
    pub fn credits(&self, text: &str) -> Vec<Range<usize>> {
        match &self.credits {
            Some(re) => re
                .find_iter(text)
                .filter(|m| m.len() <= MAX_CREDIT)
                .filter_map(|m| trimmed(text, m.range()))
                .collect(),
            None => Vec::new(),
        }
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

/// One regex matching any of the patterns of these lists, each checked on
/// its own first so a bad one is reported with its list and number.
fn alternation(lists: &[(&str, &Vec<String>)]) -> std::result::Result<Option<Regex>, (String, regex::Error)> {
    let mut all = Vec::new();
    for (what, patterns) in lists {
        for (i, pattern) in patterns.iter().enumerate() {
            Regex::new(pattern).map_err(|e| (format!("{what} #{}", i + 1), e))?;
            // A group of its own keeps a pattern's flags and `|` to itself.
            all.push(format!("(?:{pattern})"));
        }
    }
    if all.is_empty() {
        return Ok(None);
    }
    let names = lists.iter().map(|(what, _)| *what).collect::<Vec<_>>().join(", ");
    // The built-in lists' Unicode classes and counted repeats make a
    // large automaton: with the default cache the lazy DFA is rebuilt
    // again and again and the search falls back to the slow PikeVM.
    regex::RegexBuilder::new(&all.join("|"))
        .dfa_size_limit(64 << 20)
        .build()
        .map(Some)
        .map_err(|e| (format!("{names} (taken together)"), e))
}

/// `range` of `text` without the white space at its ends; `None` if that
/// leaves nothing.
fn trimmed(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let span = text.get(range.clone())?;
    let start = range.start + (span.len() - span.trim_start().len());
    let end = range.end - (span.len() - span.trim_end().len());
    (start < end).then_some(start..end)
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

    /// The texts of the `[wire]` furniture spans the built-in rules find.
    fn furniture(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        rules().furniture(text, &mut spans);
        spans.into_iter().map(|r| &text[r]).collect()
    }

    fn credits(text: &str) -> Vec<&str> {
        rules().credits(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn instrument_codes_in_brackets_and_bare() {
        for (text, code) in [
            ("Netflix Inc ( NFLX.O ) rose", "( NFLX.O )"),
            ("General Electric Co. ( GE.N ) and", "( GE.N )"),
            ("Citigroup Inc (C.N) said", "(C.N)"),
            ("Pall Corp ( PA.N ) fell", "( PA.N )"),
            ("Deere & Co ( DE.N ) rose", "( DE.N )"),
            ("Barclays <BARC.L> said", "<BARC.L>"),
            ("Volkswagen ( VOWG_p.DE ) shares", "( VOWG_p.DE )"),
            ("Berkshire ( BRKa.N ) said", "( BRKa.N )"),
            ("acquire PXRE Group PXT.N in a deal", "PXT.N"),
            ("Thomson Reuters TRI.TO rose", "TRI.TO"),
            ("the unlisted LOL.UL unit", "LOL.UL"),
            ("Toyota 7203.T fell", "7203.T"),
            ("HSBC 0005.HK rose", "0005.HK"),
            ("Volkswagen VOWG.DE rose", "VOWG.DE"),
            ("Cadbury CBRY.L caving in", "CBRY.L"),
            ("the Standard & Poor's 500 index .SPX fell", ".SPX"),
            ("the Nikkei average .N225 rose", ".N225"),
            ("the Dow ( .DJI ) rose", "( .DJI )"),
        ] {
            assert_eq!(furniture(text), [code], "{text:?}");
        }
        // Both codes of a pair, and one ending a sentence.
        assert_eq!(
            furniture("Bear Stearns Cos. Inc. BSC.N, the No. 1 U.S. underwriter, and Ford F.N. ( TRIL.L )"),
            ["BSC.N", "( TRIL.L )"]
        );
    }

    #[test]
    fn ordinary_text_is_no_furniture() {
        for text in [
            "The U.S. economy grew 3.5 percent in St. Louis, Mo., said J.P. Morgan Chase & Co.",
            "Acme Inc. is the No. 2 maker; E.ON and U.K. regulators agreed at 10 a.m. on Jan. 3.",
            "Shares rose 2.5% to $13.50 in version 2.0 of the U.S.A. index (U.S.) and N.Y.",
            "The company told Reuters in an interview that Thomson Reuters Corp. was a rival.",
            "NEW YORK is a city. PARIS - no agency here. (Photo) - a caption.",
            "Reporting by the Financial Times suggested the sale, editing by hand.",
            "Mr. Smith (R-Texas) and Dr. No. spoke.",
        ] {
            assert_eq!(furniture(text), Vec::<&str>::new(), "{text:?}");
            assert_eq!(credits(text), Vec::<&str>::new(), "{text:?}");
        }
    }

    #[test]
    fn datelines_open_a_paragraph() {
        for (text, dateline) in [
            ("NEW YORK (Reuters) - General Electric", "NEW YORK (Reuters) -"),
            ("NEW YORK  (Reuters) - General Electric", "NEW YORK  (Reuters) -"),
            (
                "BANGALORE, India (Reuters) - Shares",
                "BANGALORE, India (Reuters) -",
            ),
            ("WASHINGTON (AP) — The Senate", "WASHINGTON (AP) —"),
            ("PARIS (AFP) - France", "PARIS (AFP) -"),
            ("LONDON, June 3 (Reuters) - Oil", "LONDON, June 3 (Reuters) -"),
            ("BOCA CHICA, Texas (Wire) - SpaceX", "BOCA CHICA, Texas (Wire) -"),
            ("(Reuters) - Williams-Sonoma Inc", "(Reuters) -"),
            ("First.\n\nST. LOUIS (Reuters) - Second", "ST. LOUIS (Reuters) -"),
        ] {
            assert_eq!(furniture(text), [dateline], "{text:?}");
        }
        // Inside a paragraph the agency is running text.
        assert_eq!(furniture("He told Reuters (Reuters) - no."), Vec::<&str>::new());
    }

    #[test]
    fn headings_of_the_agency_data() {
        assert_eq!(
            furniture(
                "according to Reuters Estimates. Thomson Reuters I/B/E/S data (Bangalore Equities Newsroom)"
            ),
            [
                "Reuters Estimates",
                "Thomson Reuters I/B/E/S",
                "(Bangalore Equities Newsroom)"
            ]
        );
        assert_eq!(
            furniture("Reuters Estimates Q3 share view"),
            ["Reuters Estimates"]
        );
    }

    #[test]
    fn credit_lines_in_brackets_or_alone() {
        for (text, credit) in [
            (
                "said. (Reporting by Kevin Krolicki; Editing by Maureen Bavdek and Andre Grenon)",
                "(Reporting by Kevin Krolicki; Editing by Maureen Bavdek and Andre Grenon)",
            ),
            (
                "(Additional reporting by Ed Leefeldt and Deena Beasley)",
                "(Additional reporting by Ed Leefeldt and Deena Beasley)",
            ),
            ("end. (Editing by  Andre Grenon )", "(Editing by  Andre Grenon )"),
            (
                "(Reporting by X in Tokyo; Writing by Y; Editing by Z)",
                "(Reporting by X in Tokyo; Writing by Y; Editing by Z)",
            ),
            ("(Reporting by X, editing by Y)", "(Reporting by X, editing by Y)"),
            ("(Compiled by Phil Wahba)", "(Compiled by Phil Wahba)"),
            (
                "(Writing and editing by Ann Lee)",
                "(Writing and editing by Ann Lee)",
            ),
            ("Text.\n\nCompiled by Jane Doe", "Compiled by Jane Doe"),
            (
                "Text.\n\nWriting by Jane Doe; Editing by Steve C. Johnson",
                "Writing by Jane Doe; Editing by Steve C. Johnson",
            ),
            ("Editing by John Roe\n\nText.", "Editing by John Roe"),
        ] {
            assert_eq!(credits(text), [credit], "{text:?}");
        }
        // Five reporters and their cities: longer than the 400 bytes the
        // pattern once allowed, and a credit all the same.
        let many = format!(
            "(Additional reporting by {} in Caracas; Editing by Jane Doe)",
            ["Frank Jack Daniel, Ana Isabel Martinez and Saul Hudson in Washington"; 6].join(", ")
        );
        assert!(many.len() > 420, "{}", many.len());
        assert_eq!(credits(&format!("Text. {many}")), [many.as_str()]);
        // But no run of text past MAX_CREDIT bytes, paren-free as it may be.
        let run = format!("(Reporting by Jane Doe {})", "and so on ".repeat(120));
        assert_eq!(credits(&run), Vec::<&str>::new());
    }

    #[test]
    fn a_bad_wire_pattern_is_named() {
        let text = crate::schema::DEFAULT_MAPPING
            .replace("heading_patterns = [\n", "heading_patterns = [\n  '(unclosed',\n");
        let mapping = crate::schema::Mapping::parse(&text, "test").expect("mapping");
        let err = super::Rules::compile(&mapping)
            .expect_err("bad pattern")
            .to_string();
        assert!(err.contains("[wire] heading_patterns #1"), "{err}");
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
