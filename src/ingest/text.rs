//! Plain-text layouts: wire ("-- " header), scraped page (section line, headline, captions) and headline-first.

use super::rules::Rules;
use super::{Article, Layout};
use crate::ascii_scan::{is_ascii_space, single_spaced_run};

/// Parses decoded text in whichever text layout it is in. The article may
/// come out without title and body (a file of boilerplate only).
pub fn parse(text: &str, rules: &Rules) -> Article {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if is_wire(&lines, rules) {
        return parse_wire(&lines, rules);
    }
    let cleaned = Cleaned::new(&lines, rules);
    let blocks = cleaned.blocks();
    if is_scraped(&blocks, cleaned.furniture, rules) {
        parse_scraped(blocks, cleaned.captions, rules)
    } else {
        parse_headline(blocks, cleaned.captions, rules)
    }
}

/// Text lines with boilerplate dropped and captions taken out; both leave a
/// blank line behind, so they also end the paragraph they interrupted.
struct Cleaned<'a> {
    lines: Vec<&'a str>,
    captions: Vec<String>,
    /// Whether any caption or boilerplate line was found: the mark of a
    /// page scraped from a site.
    furniture: bool,
}

impl<'a> Cleaned<'a> {
    fn new(lines: &[&'a str], rules: &Rules) -> Self {
        let mut captions: Vec<String> = Vec::new();
        let mut kept = Vec::with_capacity(lines.len());
        let mut furniture = false;
        for &line in lines {
            if rules.is_boilerplate(line) {
                furniture = true;
                kept.push("");
            } else if rules.is_caption(line) {
                furniture = true;
                let caption = collapse_ws(line);
                if !captions.contains(&caption) {
                    captions.push(caption);
                }
                kept.push("");
            } else {
                kept.push(line);
            }
        }
        Cleaned {
            lines: kept,
            captions,
            furniture,
        }
    }

    /// Runs of non-blank lines.
    fn blocks(&self) -> Vec<Vec<&'a str>> {
        self.lines
            .split(|l| l.is_empty())
            .filter(|b| !b.is_empty())
            .map(<[&str]>::to_vec)
            .collect()
    }
}

/// Body text from cleaned lines of a body: every line its own paragraph when
/// `line_per_paragraph` (scraped pages, JSON), else the lines of a block are
/// one hard-wrapped paragraph (wire copy, headline-first files).
pub fn body_from_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    rules: &Rules,
    line_per_paragraph: bool,
) -> (String, Vec<String>) {
    let lines: Vec<&str> = lines.into_iter().map(str::trim).collect();
    let cleaned = Cleaned::new(&lines, rules);
    let blocks = cleaned.blocks();
    (join_paragraphs(&blocks, line_per_paragraph), cleaned.captions)
}

fn join_paragraphs(blocks: &[Vec<&str>], line_per_paragraph: bool) -> String {
    // Written straight into the body: the lines of a paragraph are never
    // joined or collapsed into a string of their own first.
    let mut out = String::with_capacity(blocks.iter().flatten().map(|l| l.len() + 2).sum());
    let mut paragraph = |lines: &[&str]| {
        let before = out.len();
        if before > 0 {
            out.push_str("\n\n");
        }
        let from = out.len();
        for line in lines {
            collapse_into(&mut out, line, from);
        }
        if out.len() == from {
            out.truncate(before);
        }
    };
    for block in blocks {
        if line_per_paragraph {
            block
                .iter()
                .for_each(|line| paragraph(std::slice::from_ref(line)));
        } else {
            paragraph(block);
        }
    }
    out
}

/// Runs of whitespace become one space; ends trimmed.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    collapse_into(&mut out, s, 0);
    out
}

/// Appends the words of `s` to `out`, one space between words, and one
/// before the first when `out` has grown past `from` (the words of several
/// lines appended in turn read as their `collapse_ws` joined by spaces).
fn collapse_into(out: &mut String, s: &str, from: usize) {
    if s.is_ascii() {
        // Every body line passes here, and the general `split_whitespace`
        // decodes each character (the ASCII white space characters are the
        // same). Text is mostly words one space apart, which need no
        // change: stretches of them are copied whole, so only a leading or
        // doubled space, a tab or a line break costs a step of its own.
        let bytes = s.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if is_ascii_space(bytes[at]) {
                at += 1;
                continue;
            }
            let start = at;
            at = single_spaced_run(bytes, at);
            if out.len() > from {
                out.push(' ');
            }
            out.push_str(&s[start..at]);
        }
        return;
    }
    for word in s.split_whitespace() {
        if out.len() > from {
            out.push(' ');
        }
        out.push_str(word);
    }
}

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// The wire layout: its first non-blank lines are "-- " header lines.
fn is_wire(lines: &[&str], rules: &Rules) -> bool {
    let marker = rules.wire_marker.as_str();
    let mut head = lines.iter().filter(|l| !l.is_empty()).take(4);
    match head.next() {
        Some(first) if first.starts_with(marker) => head.filter(|l| l.starts_with(marker)).count() >= 1,
        _ => false,
    }
}

fn parse_wire(lines: &[&str], rules: &Rules) -> Article {
    let marker = rules.wire_marker.as_str();
    let mut parsed = Article::new(Layout::Wire);
    let mut extra_header = Vec::new();
    let mut rest = lines.iter().skip_while(|l| l.is_empty()).peekable();
    let mut position = 0;
    while let Some(line) = rest.next_if(|l| l.starts_with(marker)) {
        let value = line[marker.len()..].trim();
        position += 1;
        if value.is_empty() {
            continue;
        }
        // The first header line is the headline ("-- By the numbers: ..."
        // included) unless it is plainly a link or a date.
        if position == 1 && !is_url(value) && rules.dates.parse(value).is_none() {
            parsed.title = non_empty(collapse_ws(value));
        } else if let Some(byline) = strip_by(value) {
            parsed.byline = non_empty(collapse_ws(byline));
        } else if is_url(value) && parsed.url.is_none() {
            parsed.url = Some(value.to_string());
        } else if let Some(date) = parsed
            .published
            .is_none()
            .then(|| rules.dates.parse(value))
            .flatten()
        {
            parsed.published = Some(date);
        } else if parsed.title.is_none() {
            parsed.title = non_empty(collapse_ws(value));
        } else {
            // An unknown header line is kept as text rather than lost.
            extra_header.push(value);
        }
    }
    let (body, captions) = body_from_lines(extra_header.into_iter().chain(rest.copied()), rules, false);
    parsed.body = body;
    parsed.captions = captions;
    parsed
}

/// "By Jane Doe" -> "Jane Doe"; a bare "By" is an empty byline.
pub(crate) fn strip_by(value: &str) -> Option<&str> {
    if value.eq_ignore_ascii_case("by") {
        return Some("");
    }
    let head = value.get(..3)?;
    head.eq_ignore_ascii_case("by ").then(|| value[3..].trim())
}

fn is_url(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www."))
        && !value.contains(char::is_whitespace)
}

/// The scraped-page layout: a lone short section line, then a headline.
fn is_scraped(blocks: &[Vec<&str>], furniture: bool, rules: &Rules) -> bool {
    let [first, second, ..] = blocks else {
        return false;
    };
    if first.len() != 1 || !is_section_like(first[0], rules) {
        return false;
    }
    if rules.is_known_section(first[0]) {
        return true;
    }
    // A section name no list knows: only on a page that carries site
    // furniture (captions, boilerplate) and when what follows reads as a
    // headline. Otherwise the short line is the headline of a headline-first
    // file, and the next one its standfirst ("Arsenal through on penalties" /
    // "Arsenal win 4-2 on penalties").
    let title = second[0];
    furniture
        && looks_like_headline(title, rules)
        && !rules.is_byline(title)
        && rules.dates.parse(strip_date_label(title)).is_none()
        && (second.len() > 1 || blocks.len() > 2)
}

fn is_section_like(line: &str, rules: &Rules) -> bool {
    let words = word_count(line);
    words >= 1
        && words <= rules.section_max_words
        && line.chars().count() <= rules.section_max_chars
        && line.chars().next().is_some_and(char::is_alphabetic)
        && !line.ends_with(['.', ',', ';', ':', '!', '?'])
        && !line
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '(' | ')' | '"' | '“' | '”'))
}

/// A headline is short and does not end like a sentence.
fn looks_like_headline(line: &str, rules: &Rules) -> bool {
    let core = line.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    word_count(line) <= rules.headline_max_words && !core.ends_with(['.', ',', ';', ':', '…'])
}

fn parse_scraped(blocks: Vec<Vec<&str>>, captions: Vec<String>, rules: &Rules) -> Article {
    let mut parsed = Article::new(Layout::Scraped);
    parsed.captions = captions;
    let mut blocks = blocks.into_iter();
    parsed.section = blocks.next().and_then(|b| b.first().map(|s| collapse_ws(s)));
    let rest = take_title_and_header(&mut parsed, blocks, rules);
    parsed.body = join_paragraphs(&rest, true);
    parsed
}

fn parse_headline(blocks: Vec<Vec<&str>>, captions: Vec<String>, rules: &Rules) -> Article {
    let mut parsed = Article::new(Layout::Headline);
    parsed.captions = captions;
    let rest = take_title_and_header(&mut parsed, blocks.into_iter(), rules);
    parsed.body = join_paragraphs(&rest, false);
    parsed
}

/// Takes the headline (the first line of the next block; the block's other
/// lines stay text) and then any byline or date lines standing alone right
/// after it. Returns the blocks left for the body.
fn take_title_and_header<'a>(
    parsed: &mut Article,
    mut blocks: impl Iterator<Item = Vec<&'a str>>,
    rules: &Rules,
) -> Vec<Vec<&'a str>> {
    let mut rest: Vec<Vec<&str>> = Vec::new();
    if let Some(block) = blocks.next() {
        parsed.title = block.first().and_then(|t| non_empty(collapse_ws(t)));
        if block.len() > 1 {
            rest.push(block[1..].to_vec());
        }
    }
    let mut in_header = rest.is_empty();
    for block in blocks {
        if in_header && block.len() == 1 && word_count(block[0]) <= 12 {
            let line = block[0];
            if parsed.byline.is_none() && rules.is_byline(line) {
                parsed.byline = strip_by(line).and_then(|b| non_empty(collapse_ws(b)));
                continue;
            }
            if parsed.published.is_none() {
                if let Some(date) = rules.dates.parse(strip_date_label(line)) {
                    parsed.published = Some(date);
                    continue;
                }
            }
        }
        in_header = false;
        rest.push(block);
    }
    rest
}

fn strip_date_label(line: &str) -> &str {
    for label in [
        "published:",
        "published",
        "updated:",
        "updated",
        "posted:",
        "posted",
        "date:",
    ] {
        if let Some(head) = line.get(..label.len()) {
            if head.eq_ignore_ascii_case(label) {
                return line[label.len()..].trim();
            }
        }
    }
    line
}

/// The HTML character references text in markup carries most (`&amp;`,
/// `&rsquo;`, `&#8217;`, `&#x2019;`) as their characters; anything else,
/// and a `&` that starts none, kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[1..e];
            named_char(name)
                .or_else(|| {
                    name.strip_prefix("#x")
                        .or_else(|| name.strip_prefix("#X"))
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32)
                })
                .map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character of a named reference (`amp`, `rsquo` ...) of those
/// news text uses, the XML five among them.
pub fn named_char(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        _ => return None,
    })
}

pub fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::rules::test_rules as rules;

    /// `collapse_ws` as the Unicode white space rules give it.
    fn general(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn ascii_white_space_collapses_as_unicode_white_space_does() {
        let texts = [
            "",
            " ",
            "word",
            "  two  words  ",
            "tab\there\r\nand\x0bvertical\x0cfeed",
            "\n\nlead and trail\t",
            "a \u{a0}b\u{2003} c",
        ];
        for text in texts {
            assert_eq!(collapse_ws(text), general(text), "{text:?}");
        }
        for b in 0u8..0x80 {
            let text = format!("x{}y", char::from(b));
            assert_eq!(collapse_ws(&text), general(&text), "byte {b:#x}");
        }
        // Every string of up to seven of these: words, single and doubled
        // spaces and other white space at either end and in between.
        for text in crate::testutil::every_string(&["a", " ", "\t", "Z", "\n"], 7) {
            let text = text.as_str();
            assert_eq!(collapse_ws(text), general(text), "{text:?}");
            let mut out = "kept".to_string();
            collapse_into(&mut out, text, 2);
            let expected = match general(text) {
                g if g.is_empty() => "kept".to_string(),
                g => format!("kept {g}"),
            };
            assert_eq!(out, expected, "{text:?} after other words");
        }
    }

    #[test]
    fn paragraphs_read_as_their_lines_joined_and_collapsed() {
        // What the body was before paragraphs were written in place.
        let joined = |blocks: &[Vec<&str>], per_line: bool| {
            let mut paragraphs: Vec<String> = Vec::new();
            for block in blocks {
                if per_line {
                    paragraphs.extend(block.iter().map(|l| general(l)));
                } else {
                    paragraphs.push(general(&block.join(" ")));
                }
            }
            paragraphs.retain(|p| !p.is_empty());
            paragraphs.join("\n\n")
        };
        let blocks: Vec<Vec<&str>> = vec![
            vec!["  ", "\t"],
            vec!["NEW YORK (Reuters) - The ", "fund  said", "", "it would"],
            vec![" ", "Łódź  \u{a0} café", "then ASCII "],
            vec!["one"],
            vec![],
            vec!["\u{2003}", "last  line "],
        ];
        for per_line in [false, true] {
            for n in 0..=blocks.len() {
                let part = &blocks[..n];
                assert_eq!(
                    join_paragraphs(part, per_line),
                    joined(part, per_line),
                    "{n} blocks, {per_line}"
                );
            }
        }
    }

    #[test]
    fn wire_header_lines_are_classified_by_content() {
        let text = "-- Exxon offers plan\n-- By Jane Roe  and  John Doe\n-- Fri Oct 20, 2006 6:15pm EDT\n-- http://example.com/a\n\nANCHORAGE  (Reuters) - Exxon \noffered to pay. \n\n  Second paragraph.\n";
        let p = parse(text, &rules());
        assert_eq!(p.layout, Layout::Wire);
        assert_eq!(p.title.as_deref(), Some("Exxon offers plan"));
        assert_eq!(p.byline.as_deref(), Some("Jane Roe and John Doe"));
        assert_eq!(p.url.as_deref(), Some("http://example.com/a"));
        assert_eq!(p.published.unwrap().to_rfc3339(), "2006-10-20T22:15:00+00:00");
        assert_eq!(
            p.body,
            "ANCHORAGE (Reuters) - Exxon offered to pay.\n\nSecond paragraph."
        );
    }

    #[test]
    fn first_wire_header_is_the_headline_whatever_it_says() {
        let text = "-- By the numbers: storm costs\n-- By Ann Lee\n-- Mon Nov 27, 2006 2:32pm EST\n-- Desk: markets\n\nBody.\n";
        let p = parse(text, &rules());
        assert_eq!(p.title.as_deref(), Some("By the numbers: storm costs"));
        assert_eq!(p.byline.as_deref(), Some("Ann Lee"));
        assert_eq!(p.body, "Desk: markets\n\nBody.", "an unknown header line is kept");
        // An empty first line leaves the headline empty; the byline stays a byline.
        let p = parse("-- \n-- By Ann Lee\n-- http://x.com/a\n\nBody.\n", &rules());
        assert_eq!((p.title, p.byline.as_deref()), (None, Some("Ann Lee")));
    }

    #[test]
    fn empty_wire_byline_is_no_byline() {
        let p = parse("-- Diller sees more\n-- By \n-- Mon Nov 27, 2006 2:32pm EST\n-- http://x.com/a\n\nNEW YORK - Text.\n", &rules());
        assert_eq!(p.byline, None);
        assert_eq!(p.body, "NEW YORK - Text.");
    }

    #[test]
    fn scraped_page_with_captions_and_boilerplate() {
        let text = "World\n\nFloods hit the valley\n\nA flooded street. Photo: Jane Doe/AP\nA flooded street. Photo: Jane Doe/AP\nAdvertisement\n\nFirst paragraph.\nSecond paragraph.\n\nA sub-heading\n\nLast paragraph.\nMore In World MORE...";
        let p = parse(text, &rules());
        assert_eq!(p.layout, Layout::Scraped);
        assert_eq!(p.section.as_deref(), Some("World"));
        assert_eq!(p.title.as_deref(), Some("Floods hit the valley"));
        assert_eq!(p.captions, vec!["A flooded street. Photo: Jane Doe/AP"]);
        assert_eq!(
            p.body,
            "First paragraph.\n\nSecond paragraph.\n\nA sub-heading\n\nLast paragraph."
        );
    }

    #[test]
    fn short_headline_first_is_not_a_section() {
        let text =
            "Safin slumps\n\nMarat Safin lost in the first round on Monday.\n\nHe said he was tired.\n";
        let p = parse(text, &rules());
        assert_eq!(p.layout, Layout::Headline);
        assert_eq!(p.section, None);
        assert_eq!(p.title.as_deref(), Some("Safin slumps"));
        assert!(p.body.starts_with("Marat Safin lost"));
    }

    #[test]
    fn headline_with_standfirst_is_not_a_scraped_page() {
        let text =
            "Arsenal through on penalties\n\nArsenal win 4-2 on penalties\n\nThe goalkeeper saved twice.\n";
        let p = parse(text, &rules());
        assert_eq!(p.layout, Layout::Headline);
        assert_eq!(p.title.as_deref(), Some("Arsenal through on penalties"));
        assert!(p
            .body
            .starts_with("Arsenal win 4-2 on penalties\n\nThe goalkeeper"));
        let scraped = "Lifestyle\n\nTen walks for winter\n\nA frosty path. Photo: Ann Lee\n\nWrap up warm.\n";
        let p = parse(scraped, &rules());
        assert_eq!(p.layout, Layout::Scraped);
        assert_eq!(p.section.as_deref(), Some("Lifestyle"));
    }

    #[test]
    fn byline_and_date_lines_after_the_headline() {
        let text = "Rates held\n\nBy Ann Lee\n\n12 March 2025\n\nThe bank held rates.\n";
        let p = parse(text, &rules());
        assert_eq!(p.byline.as_deref(), Some("Ann Lee"));
        assert_eq!(p.published.unwrap().to_rfc3339(), "2025-03-12T00:00:00+00:00");
        assert_eq!(p.body, "The bank held rates.");
    }
}
