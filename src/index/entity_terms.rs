//! The entity fields' one value per article (each entity term with its mention count) and the tokenizer that gives each term as often as it is mentioned.
//!
//! The `entity` field's term frequency is an entity's mention count. It was
//! written as one field value per mention: 1.7 million values for the
//! Reuters 2006-2009 archive, each copied into the document and tokenized
//! on its own. Now an article's entity field is one value, a line per
//! entity, `TERM` or `TERM<tab>COUNT`, and `EntityTermsTokenizer` gives
//! the term COUNT times (once when no count is given, as for a term typed
//! in a query). The postings are the same; the index is not told the
//! difference.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::entities::{dictionary, Kind};

/// Appends the indexed term of an entity, `person:kim jong un`, to `out`.
pub fn push_term(out: &mut String, kind: Kind, name: &str) {
    out.push_str(kind.as_str());
    out.push(':');
    dictionary::key_into(name, out);
}

/// The kind part of the term that says an article defines two names
/// (`key()`s) as one: `alias:federal national mortgage association|fannie
/// mae`. No kind is named so: `Kind::parse` finds none in it.
pub const ALIAS: &str = "alias";

/// The separator of an alias term's two names: no `key()` has it.
pub const ALIAS_SEPARATOR: char = '\u{1f}';

/// Appends the line of the alias term of the `key()`s `a` and `b` (none
/// when a name holds the separator or a line break).
pub fn push_alias(out: &mut String, a: &str, b: &str) {
    if [a, b].iter().any(|k| k.contains([ALIAS_SEPARATOR, '\n', '\t'])) {
        return;
    }
    out.push_str(ALIAS);
    out.push(':');
    out.push_str(a);
    out.push(ALIAS_SEPARATOR);
    out.push_str(b);
    out.push('\n');
}

/// Mentions counted at most. Term frequency is the mention count; past a
/// few dozen it says nothing more, and a list-like page must not flood the
/// index.
pub const MAX_COUNT: u32 = 1000;

/// Appends a line that gives the term of (`kind`, `name`) `count` times
/// (at most `MAX_COUNT`).
pub fn push_line(out: &mut String, kind: Kind, name: &str, count: u32) {
    push_term(out, kind, name);
    let count = count.min(MAX_COUNT);
    if count != 1 {
        out.push('\t');
        // A u32 in decimal, without `format!`'s machinery.
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        let mut n = count;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend(digits[at..].iter().map(|&d| char::from(d)));
    }
    out.push('\n');
}

#[derive(Clone, Default)]
pub struct EntityTermsTokenizer {
    token: Token,
}

impl Tokenizer for EntityTermsTokenizer {
    type TokenStream<'a> = EntityTermsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EntityTermsStream<'a> {
        self.token.reset();
        EntityTermsStream {
            text,
            at: 0,
            left: 0,
            token: &mut self.token,
        }
    }
}

pub struct EntityTermsStream<'a> {
    text: &'a str,
    /// Where the next line starts.
    at: usize,
    /// Times the current term is still to be given.
    left: u32,
    token: &'a mut Token,
}

impl TokenStream for EntityTermsStream<'_> {
    fn advance(&mut self) -> bool {
        if self.left > 0 {
            self.left -= 1;
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
        while self.at < self.text.len() {
            let rest = &self.text[self.at..];
            let line_len = rest.find('\n').unwrap_or(rest.len());
            let line = &rest[..line_len];
            let from = self.at;
            self.at += line_len + 1;
            // A count is digits after the last tab; anything else there is
            // part of the term.
            let (term, count) = match line.rsplit_once('\t') {
                Some((term, count)) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => {
                    (term, count.parse::<u32>().map_or(MAX_COUNT, |n| n.min(MAX_COUNT)))
                }
                _ => (line, 1),
            };
            if term.is_empty() || count == 0 {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(term);
            self.token.offset_from = from;
            self.token.offset_to = from + term.len();
            self.token.position = self.token.position.wrapping_add(1);
            self.left = count - 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::all_tokens;

    /// (text, position, start, end) of each token of `text`.
    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        all_tokens(EntityTermsTokenizer::default().token_stream(text))
    }

    #[test]
    fn each_term_is_given_as_often_as_its_count() {
        let mut value = String::new();
        push_line(&mut value, Kind::Place, "N. Korea", 3);
        push_line(&mut value, Kind::Person, "Kim Jong-un", 1);
        push_line(&mut value, Kind::Org, "Société Générale", 10);
        assert_eq!(
            value,
            "place:n korea\t3\nperson:kim jong un\norg:société générale\t10\n"
        );
        let got = tokens(&value);
        let texts: Vec<&str> = got.iter().map(|t| t.0.as_str()).collect();
        let mut want = vec!["place:n korea"; 3];
        want.push("person:kim jong un");
        want.extend(["org:société générale"; 10]);
        assert_eq!(texts, want);
        // Positions go up by one; offsets are the term's in the value.
        assert!(got.iter().enumerate().all(|(i, t)| t.1 == i));
        assert_eq!((got[3].2, got[3].3), (16, 34));
        assert_eq!(&value[got[3].2..got[3].3], "person:kim jong un");
    }

    #[test]
    fn a_term_as_typed_is_one_token_and_odd_lines_do_no_harm() {
        assert_eq!(
            tokens("person:kim jong un"),
            [("person:kim jong un".into(), 0, 0, 18)]
        );
        let texts = |v: &str| tokens(v).into_iter().map(|t| t.0).collect::<Vec<_>>();
        // Empty lines and zero counts give nothing; a tab not followed by
        // digits is part of the term; a count too large for u32 is capped.
        assert_eq!(texts("\n\na\t0\n\nb\tx\nc\t\n"), ["b\tx", "c\t"]);
        assert_eq!(texts("\t5\n"), Vec::<String>::new());
        // Counts are capped, also when the value was not written here.
        assert_eq!(tokens("z\t99999999999").len(), MAX_COUNT as usize);
        assert_eq!(tokens("z\t1001").len(), MAX_COUNT as usize);
        let mut value = String::new();
        for n in [0, 1, 2, 9, 10, 1000, u32::MAX] {
            push_line(&mut value, Kind::Misc, "x", n);
        }
        assert_eq!(
            value,
            "misc:x\t0\nmisc:x\nmisc:x\t2\nmisc:x\t9\nmisc:x\t10\nmisc:x\t1000\nmisc:x\t1000\n"
        );
    }
}
