//! Splitting text into word tokens with byte offsets, the way the CoNLL-2003 Reuters text is split.
//!
//! The tagger was trained on CoNLL tokens, so the tokenizer follows that
//! convention: possessive 's is its own token, hyphenated words and numbers
//! stay whole, abbreviations keep their period ("U.S.", "Inc.", "N."), and
//! every other punctuation mark stands alone.

use crate::ascii_scan::{self, Underscore};

/// One token: a byte range of the text and where it sits in its sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    /// First word of a sentence (or of a line), where capitals say little.
    pub sentence_start: bool,
    /// A line break lies between this token and the previous one.
    pub line_start: bool,
}

/// Words that keep their trailing period. Single letters ("J.") and dotted
/// initialisms ("U.S.", "a.m.") are recognised by shape, not listed here.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm",
    "maj", "rev", "hon", "pres", "st", "jr", "sr", "inc", "corp", "co", "ltd", "plc", "bros", "vs", "no",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "calif", "fla",
    "mass", "ariz", "conn", "ill", "mich", "minn", "penn", "tenn", "wash", "wis", "ave", "blvd", "mt", "ft",
    "dept", "univ", "approx", "est", "etc",
];

/// Bytes of the longest of `ABBREVIATIONS`: no longer word needs the scan.
const LONGEST_ABBREVIATION: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < ABBREVIATIONS.len() {
        if ABBREVIATIONS[i].len() > longest {
            longest = ABBREVIATIONS[i].len();
        }
        i += 1;
    }
    longest
};

fn is_word_char(c: char) -> bool {
    // `is_alphanumeric` answers ASCII without the Unicode tables.
    c.is_alphanumeric() || c == '_'
}

/// The character at byte `at` of `text` (a boundary), decoding only when
/// it is not ASCII: most news text is, and this runs once per character.
#[inline]
fn char_at(text: &str, at: usize) -> Option<char> {
    match text.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => text[at..].chars().next(),
        None => None,
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Splits `text` into tokens. Sentences end at . ! ? and at line breaks.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut sentence_start = true;
    let mut line_start = true;
    while let Some(&b) = bytes.get(pos) {
        // An ASCII byte is sorted by the table; any other character is
        // decoded and asked the same questions.
        let (class, len) = match BYTE_CLASS[usize::from(b)] {
            NOT_ASCII => {
                let Some(c) = text[pos..].chars().next() else {
                    break;
                };
                let class = if c == '\u{2029}' {
                    NEWLINE
                } else if c.is_whitespace() {
                    SPACE
                } else if is_word_char(c) {
                    WORD
                } else if is_apostrophe(c) {
                    APOSTROPHE
                } else {
                    OTHER
                };
                (class, c.len_utf8())
            }
            class => (class, 1),
        };
        let end = match class {
            NEWLINE => {
                sentence_start = true;
                line_start = true;
                pos += len;
                continue;
            }
            SPACE => {
                pos += len;
                continue;
            }
            WORD => word_end(text, pos),
            // The "'s" that `word_end` split off is one token, as in CoNLL.
            APOSTROPHE if possessive_s(&text[pos + len..]) => pos + len + 1,
            _ => pos + len,
        };
        let is_word = class == WORD;
        tokens.push(Token {
            start: pos,
            end,
            sentence_start: sentence_start && is_word,
            line_start,
        });
        line_start = false;
        if is_word {
            sentence_start = false;
        } else if matches!(b, b'.' | b'!' | b'?') {
            sentence_start = true;
        }
        pos = end;
    }
    tokens
}

/// What `tokenize` makes of a character.
const NOT_ASCII: u8 = 0;
/// White space that ends a line (and a sentence).
const NEWLINE: u8 = 1;
/// Other white space.
const SPACE: u8 = 2;
/// `is_word_char`.
const WORD: u8 = 3;
const APOSTROPHE: u8 = 4;
/// Punctuation and the rest: a token of its own.
const OTHER: u8 = 5;

/// The class of each ASCII byte; `NOT_ASCII` for the bytes of longer
/// characters. Every character passes here: one load instead of decoding
/// and three predicates.
const BYTE_CLASS: [u8; 256] = {
    let mut t = [NOT_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c == b'\n' {
            NEWLINE
        } else if ascii_scan::is_ascii_space(c) {
            SPACE
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            WORD
        } else if c == b'\'' {
            APOSTROPHE
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

/// How many bytes from the start of `bytes` are ASCII word bytes (`WORD`
/// in `BYTE_CLASS`).
#[inline]
fn ascii_word_run(bytes: &[u8]) -> usize {
    ascii_scan::ascii_word_run(bytes, Underscore::Joins)
}

/// `rest` (after an apostrophe) is a possessive s: "s" and no more letters.
fn possessive_s(rest: &str) -> bool {
    rest.starts_with(['s', 'S']) && !rest[1..].chars().next().is_some_and(is_word_char)
}

/// The end of the word starting at `start`: letters and digits, joined by
/// single hyphens, apostrophes (but not a final 's) and, inside numbers or
/// initialisms, periods, commas, slashes and colons.
fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    let mut at = start;
    let mut last_was_digit = false;
    let mut dotted = false;
    let mut letters_since_dot = 0usize;
    let bytes = text.as_bytes();
    while let Some(c) = char_at(text, at) {
        // A run of ASCII letters and digits at once: most of any word.
        let run = ascii_word_run(&bytes[at..]);
        if run > 0 {
            at += run;
            end = at;
            last_was_digit = bytes[at - 1].is_ascii_digit();
            letters_since_dot += run;
            continue;
        }
        // Only these ASCII characters (and some beyond ASCII) can join
        // what follows to the word; any other ends it, as the `_` arm
        // below would.
        if c.is_ascii() && !matches!(c, '-' | '.' | ',' | '/' | ':' | '\'') {
            break;
        }
        let len = c.len_utf8();
        if is_word_char(c) {
            at += len;
            end = at;
            last_was_digit = c.is_ascii_digit();
            letters_since_dot += 1;
            continue;
        }
        let next = char_at(text, at + len);
        let next_is_word = next.is_some_and(is_word_char);
        match c {
            '-' if next_is_word => {}
            '.' if next_is_word && letters_since_dot == 1 && !last_was_digit => {
                // "U.S": a dotted initialism continues.
                dotted = true;
                at += len;
                end = at;
                letters_since_dot = 0;
                continue;
            }
            '.' | ',' | '/' | ':' if last_was_digit && next.is_some_and(|n| n.is_ascii_digit()) => {}
            c if is_apostrophe(c) && next_is_word => {
                // "Korea's" splits before the 's; "O'Neill" stays whole.
                let rest = &text[at + len..];
                let possessive = possessive_s(rest);
                let negation =
                    at > start + 1 && text[start..at].ends_with(['n', 'N']) && rest.starts_with(['t', 'T']);
                if possessive || negation {
                    return if negation { at - 1 } else { at };
                }
            }
            _ => break,
        }
        at += len;
        end = at;
        letters_since_dot = 0;
    }
    // A trailing period belongs to initials and known abbreviations.
    if text[end..].starts_with('.') {
        let word = &text[start..end];
        let single_letter = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
        if dotted
            || single_letter
            || (word.len() <= LONGEST_ABBREVIATION
                && ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word)))
        {
            end += 1;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| &text[t.start..t.end]).collect()
    }

    #[test]
    fn splits_like_conll() {
        assert_eq!(
            words("N. Korea's troops, U.S. officials said (Yoo Yong-won)."),
            [
                "N.",
                "Korea",
                "'s",
                "troops",
                ",",
                "U.S.",
                "officials",
                "said",
                "(",
                "Yoo",
                "Yong-won",
                ")",
                "."
            ]
        );
        assert_eq!(
            words("Pyongyang\u{2019}s 3,000 troops on 1996-08-30"),
            ["Pyongyang", "\u{2019}s", "3,000", "troops", "on", "1996-08-30"]
        );
        assert_eq!(
            words("O'Neill doesn't work at Acme Inc. now"),
            ["O'Neill", "does", "n't", "work", "at", "Acme", "Inc.", "now"]
        );
        assert_eq!(
            words("Agency/Korea 4.5 p.m. end."),
            ["Agency", "/", "Korea", "4.5", "p.m.", "end", "."]
        );
        // Numbers join across , . / : and nothing else.
        assert_eq!(
            words("at 12:30; 1/2 and 9.5/10 or 3_000+4"),
            ["at", "12:30", ";", "1/2", "and", "9.5/10", "or", "3_000", "+", "4"]
        );
        // Non-ASCII letters inside and around words, where the scan decodes.
        assert_eq!(
            words("Łódź\u{2019}s São-Paulo naïve É.U. 3,5\u{2029}Ωmega"),
            ["Łódź", "\u{2019}s", "São-Paulo", "naïve", "É.U.", "3,5", "Ωmega"]
        );
    }

    #[test]
    fn the_byte_table_holds_the_ascii_word_characters() {
        for b in 0u8..=255 {
            let word = b.is_ascii() && is_word_char(char::from(b));
            assert_eq!(BYTE_CLASS[usize::from(b)] == WORD, word, "byte {b:#x}");
            assert_eq!(
                ascii_scan::is_word_byte(b, Underscore::Joins),
                word,
                "byte {b:#x}"
            );
        }
        assert_eq!(ascii_word_run(b"ab_9-x"), 4);
        assert_eq!(ascii_word_run("aé".as_bytes()), 1);
        assert_eq!(ascii_word_run(b"abc"), 3);
        assert_eq!(ascii_word_run(b""), 0);
    }

    /// The main loop as it was before `BYTE_CLASS`: every character
    /// decoded and asked, the slow and plain reading of the rules.
    fn tokenize_by_chars(text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut pos = 0;
        let (mut sentence_start, mut line_start) = (true, true);
        while let Some(c) = text[pos..].chars().next() {
            if c.is_whitespace() {
                if c == '\n' || c == '\u{2029}' {
                    (sentence_start, line_start) = (true, true);
                }
                pos += c.len_utf8();
                continue;
            }
            let is_word = is_word_char(c);
            let end = if is_word {
                word_end(text, pos)
            } else if is_apostrophe(c) && possessive_s(&text[pos + c.len_utf8()..]) {
                pos + c.len_utf8() + 1
            } else {
                pos + c.len_utf8()
            };
            tokens.push(Token {
                start: pos,
                end,
                sentence_start: sentence_start && is_word,
                line_start,
            });
            line_start = false;
            if is_word {
                sentence_start = false;
            } else if matches!(c, '.' | '!' | '?') {
                sentence_start = true;
            }
            pos = end;
        }
        tokens
    }

    #[test]
    fn the_byte_classes_split_as_the_characters_do() {
        for b in 0u8..128 {
            let c = char::from(b);
            let class = match BYTE_CLASS[usize::from(b)] {
                NEWLINE => c == '\n',
                SPACE => c.is_whitespace() && c != '\n',
                WORD => is_word_char(c),
                APOSTROPHE => is_apostrophe(c),
                OTHER => !c.is_whitespace() && !is_word_char(c) && !is_apostrophe(c),
                _ => false,
            };
            assert!(class, "byte {b:#x}");
        }
        assert!(BYTE_CLASS[128..].iter().all(|&c| c == NOT_ASCII));
        // Every short string of the characters the rules turn on.
        let alphabet = [
            " ", "\n", "a", "B", "1", ".", "'", "\u{2019}", "-", "s", ",", "\u{2029}", "\u{e9}", "\u{85}",
            "\u{b}", "!", "t",
        ];
        for text in crate::testutil::every_string(&alphabet, 4) {
            assert_eq!(tokenize(&text), tokenize_by_chars(&text), "{text:?}");
        }
        for text in [
            "Mr. O'Neill's U.S. don't 3,000.5 p.m.",
            "Inc. Łódź\u{2019}s São-Paulo 1996-08-30",
        ] {
            assert_eq!(tokenize(text), tokenize_by_chars(text), "{text:?}");
        }
    }

    #[test]
    fn marks_sentence_starts() {
        let text = "However, he left. \"In time\" she said!\nThen";
        let starts: Vec<&str> = tokenize(text)
            .iter()
            .filter(|t| t.sentence_start)
            .map(|t| &text[t.start..t.end])
            .collect();
        assert_eq!(starts, ["However", "In", "Then"]);
    }
}
