//! Splitting text into word tokens with byte offsets, the way the CoNLL-2003 Reuters text is split.
//!
//! The tagger was trained on CoNLL tokens, so the tokenizer follows that
//! convention: possessive 's is its own token, hyphenated words and numbers
//! stay whole, abbreviations keep their period ("U.S.", "Inc.", "N."), and
//! every other punctuation mark stands alone.

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
    while pos < bytes.len() {
        let Some(c) = char_at(text, pos) else {
            break;
        };
        if c.is_whitespace() {
            if c == '\n' || c == '\u{2029}' {
                sentence_start = true;
                line_start = true;
            }
            pos += c.len_utf8();
            continue;
        }
        let end = if is_word_char(c) {
            word_end(text, pos)
        } else if is_apostrophe(c) && possessive_s(&text[pos + c.len_utf8()..]) {
            // The "'s" that `word_end` split off is one token, as in CoNLL.
            pos + c.len_utf8() + 1
        } else {
            pos + c.len_utf8()
        };
        let is_word = is_word_char(c);
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

/// ASCII letters, digits and `_`: the bytes `is_word_char` accepts alone.
const ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'_';
        b += 1;
    }
    t
};

/// How many bytes from the start of `bytes` are ASCII word bytes. Every
/// byte of every word is looked at here: a table answers in one load where
/// the range tests took several branches.
#[inline]
fn ascii_word_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| !ASCII_WORD[usize::from(b)])
        .unwrap_or(bytes.len())
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
            assert_eq!(ASCII_WORD[usize::from(b)], word, "byte {b:#x}");
        }
        assert_eq!(ascii_word_run(b"ab_9-x"), 4);
        assert_eq!(ascii_word_run("aé".as_bytes()), 1);
        assert_eq!(ascii_word_run(b"abc"), 3);
        assert_eq!(ascii_word_run(b""), 0);
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
