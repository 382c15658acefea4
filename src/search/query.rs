//! The query language: words, "phrases", AND / OR / NOT, -word, +word, (groups) and field:prefixes, parsed with positions for error messages.

pub use crate::error::QueryError;

fn error<T>(message: impl Into<String>, column: usize) -> Result<T, QueryError> {
    Err(QueryError {
        message: message.into(),
        column: Some(column),
    })
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A word; `field` when it was written `field:word`.
    Word {
        field: Option<String>,
        text: String,
    },
    /// Words that must appear in this order.
    Phrase {
        field: Option<String>,
        text: String,
    },
    /// `korea*`: any word that starts with `text`.
    Prefix {
        field: Option<String>,
        text: String,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Phrase(String),
    /// `name:` directly followed by a word, phrase or group.
    Field(String),
    Open,
    Close,
    And,
    Or,
    Not,
    Minus,
    Plus,
}

/// Splits the query into tokens, each with its 1-based column.
fn lex(query: &str) -> Result<Vec<(Tok, usize)>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at_word_start = |out: &Vec<(Tok, usize)>, i: usize, chars: &[char]| {
        i == 0
            || chars[i - 1].is_whitespace()
            || chars[i - 1] == '('
            || matches!(out.last(), Some((Tok::Minus | Tok::Plus, _)))
            || (chars[i - 1] == ':' && matches!(out.last(), Some((Tok::Field(_), _))))
    };
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((Tok::Open, col));
                i += 1;
            }
            ')' => {
                out.push((Tok::Close, col));
                i += 1;
            }
            '"' | '“' | '”' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"' || c == '”' || c == '“');
                let Some(len) = close else {
                    return error("unclosed quote", col);
                };
                let text: String = chars[i + 1..i + 1 + len].iter().collect();
                out.push((Tok::Phrase(text), col));
                i += len + 2;
            }
            '-' | '+'
                if at_word_start(&out, i, &chars) && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) =>
            {
                out.push((if c == '-' { Tok::Minus } else { Tok::Plus }, col));
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"' | '“' | '”')
                {
                    // `field:` ends the word when something follows it.
                    if chars[i] == ':' && i > start && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
                        let name: String = chars[start..i].iter().collect();
                        if name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                            out.push((Tok::Field(name.to_lowercase()), start + 1));
                            i += 1;
                            break;
                        }
                    }
                    i += 1;
                }
                if matches!(out.last(), Some((Tok::Field(_), c)) if *c == start + 1) {
                    continue;
                }
                let word: String = chars[start..i].iter().collect();
                let tok = match word.as_str() {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Word(word),
                };
                out.push((tok, col));
            }
        }
    }
    Ok(out)
}

/// Parses a query. Words side by side must all match (AND); OR, NOT and
/// parentheses as usual, AND binding tighter than OR.
pub fn parse(query: &str) -> Result<Node, QueryError> {
    let tokens = lex(query)?;
    if tokens.is_empty() {
        return Err(QueryError {
            message: "empty query".into(),
            column: None,
        });
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        end: query.chars().count() + 1,
        depth: 0,
    };
    let node = parser.or()?;
    if let Some((tok, col)) = parser.peek() {
        let what = if *tok == Tok::Close {
            "unmatched `)`"
        } else {
            "unexpected text"
        };
        return error(what, *col);
    }
    Ok(node)
}

/// Groups and NOTs one inside another at most: the parser, and what runs
/// the query, go one call deeper for each, and a query of 60,000 `(` must
/// be an error, not a stack overflow.
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    /// Groups and NOTs open around the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(Tok, usize)> {
        self.tokens.get(self.pos)
    }

    /// One level deeper (a group or NOT at `col`), if the query may go so.
    fn enter(&mut self, col: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return error(format!("groups and NOTs nested more than {MAX_DEPTH} deep"), col);
        }
        Ok(())
    }

    fn next(&mut self) -> Option<(Tok, usize)> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end, |(_, c)| *c)
    }

    fn or(&mut self) -> Result<Node, QueryError> {
        let mut alternatives = vec![self.and()?];
        while let Some((Tok::Or, col)) = self.peek().cloned() {
            self.pos += 1;
            if self.ends_group() {
                return error("OR needs something after it", col);
            }
            alternatives.push(self.and()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Node::Or(alternatives)
        })
    }

    fn ends_group(&self) -> bool {
        matches!(self.peek(), None | Some((Tok::Close | Tok::Or | Tok::And, _)))
    }

    fn and(&mut self) -> Result<Node, QueryError> {
        let mut items = Vec::new();
        loop {
            match self.peek().cloned() {
                None | Some((Tok::Close | Tok::Or, _)) => break,
                Some((Tok::And, col)) => {
                    if items.is_empty() {
                        return error("AND needs something before it", col);
                    }
                    self.pos += 1;
                    if self.ends_group() {
                        return error("AND needs something after it", col);
                    }
                }
                Some(_) => items.push(self.unary()?),
            }
        }
        match items.len() {
            0 => {
                let col = self.column();
                match self.peek() {
                    Some((Tok::Or, _)) => error("OR needs something before it", col),
                    Some((Tok::Close, _)) => error("empty parentheses", col),
                    _ => error("expected a word or phrase", col),
                }
            }
            1 => Ok(items.remove(0)),
            _ => Ok(Node::And(items)),
        }
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        match self.peek().cloned() {
            Some((Tok::Not, col)) | Some((Tok::Minus, col)) => {
                self.pos += 1;
                if self.ends_group() {
                    return error("NOT needs something after it", col);
                }
                self.enter(col)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Node::Not(Box::new(inner)))
            }
            Some((Tok::Plus, _)) => {
                self.pos += 1;
                self.atom(None)
            }
            _ => self.atom(None),
        }
    }

    fn atom(&mut self, field: Option<&str>) -> Result<Node, QueryError> {
        let col = self.column();
        match self.next() {
            Some((Tok::Word(text), col)) => match text.strip_suffix('*') {
                Some(stem) if !stem.contains('*') => {
                    if stem.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
                        return error("a prefix needs at least 2 letters before `*`", col);
                    }
                    Ok(Node::Prefix {
                        field: field.map(str::to_string),
                        text: stem.to_string(),
                    })
                }
                _ => Ok(Node::Word {
                    field: field.map(str::to_string),
                    text,
                }),
            },
            Some((Tok::Phrase(text), col)) => {
                if text.trim().is_empty() {
                    return error("empty phrase", col);
                }
                Ok(Node::Phrase {
                    field: field.map(str::to_string),
                    text,
                })
            }
            Some((Tok::Open, open)) => {
                self.enter(open)?;
                let inner = self.or_in(field)?;
                self.depth -= 1;
                match self.next() {
                    Some((Tok::Close, _)) => Ok(inner),
                    _ => error("unclosed `(`", open),
                }
            }
            Some((Tok::Field(name), _)) => {
                if field.is_some() {
                    return error("a field inside a field", col);
                }
                if matches!(
                    self.peek(),
                    Some((
                        Tok::Minus | Tok::Plus | Tok::Not | Tok::And | Tok::Or | Tok::Close,
                        _
                    )) | None
                ) {
                    return error(format!("`{name}:` needs a word, phrase or group after it"), col);
                }
                self.atom(Some(&name))
            }
            Some((Tok::Close, c)) => error("unmatched `)`", c),
            Some((_, c)) => error("expected a word or phrase", c),
            None => error("expected a word or phrase", col),
        }
    }

    /// A group under a field prefix: every word in it searches that field.
    fn or_in(&mut self, field: Option<&str>) -> Result<Node, QueryError> {
        let node = self.or()?;
        Ok(match field {
            None => node,
            Some(f) => with_field(node, f),
        })
    }
}

fn with_field(node: Node, f: &str) -> Node {
    match node {
        Node::Word { field: None, text } => Node::Word {
            field: Some(f.to_string()),
            text,
        },
        Node::Phrase { field: None, text } => Node::Phrase {
            field: Some(f.to_string()),
            text,
        },
        Node::Prefix { field: None, text } => Node::Prefix {
            field: Some(f.to_string()),
            text,
        },
        Node::And(items) => Node::And(items.into_iter().map(|n| with_field(n, f)).collect()),
        Node::Or(items) => Node::Or(items.into_iter().map(|n| with_field(n, f)).collect()),
        Node::Not(inner) => Node::Not(Box::new(with_field(*inner, f))),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(t: &str) -> Node {
        Node::Word {
            field: None,
            text: t.into(),
        }
    }

    #[test]
    fn precedence_and_negation() {
        let n = parse("korea troops OR missiles -china").unwrap();
        assert_eq!(
            n,
            Node::Or(vec![
                Node::And(vec![word("korea"), word("troops")]),
                Node::And(vec![word("missiles"), Node::Not(Box::new(word("china")))]),
            ])
        );
        assert_eq!(
            parse("a AND NOT b").unwrap(),
            Node::And(vec![word("a"), Node::Not(Box::new(word("b")))])
        );
        assert_eq!(parse("+a").unwrap(), word("a"));
        assert_eq!(parse("well-known").unwrap(), word("well-known"));
    }

    #[test]
    fn fields_and_phrases() {
        assert_eq!(
            parse("title:\"north korea\" section:(politics OR world)").unwrap(),
            Node::And(vec![
                Node::Phrase {
                    field: Some("title".into()),
                    text: "north korea".into()
                },
                Node::Or(vec![
                    Node::Word {
                        field: Some("section".into()),
                        text: "politics".into()
                    },
                    Node::Word {
                        field: Some("section".into()),
                        text: "world".into()
                    },
                ]),
            ])
        );
        assert_eq!(parse("10:30").unwrap(), word("10:30"));
    }

    #[test]
    fn malformed_queries_say_where() {
        let err = |q: &str| parse(q).unwrap_err().to_string();
        assert_eq!(err("\"north korea"), "unclosed quote (column 1)");
        assert_eq!(err("(a OR b"), "unclosed `(` (column 1)");
        assert_eq!(err("a OR b)"), "unmatched `)` (column 7)");
        assert_eq!(err("a AND"), "AND needs something after it (column 3)");
        assert_eq!(err("OR a"), "OR needs something before it (column 1)");
        assert_eq!(err("a ()"), "empty parentheses (column 4)");
        assert_eq!(
            err("title:-a"),
            "`title:` needs a word, phrase or group after it (column 1)"
        );
        assert_eq!(err("   "), "empty query");
        assert_eq!(err("NOT"), "NOT needs something after it (column 1)");
        assert_eq!(
            err("a k*"),
            "a prefix needs at least 2 letters before `*` (column 3)"
        );
    }

    #[test]
    fn prefixes() {
        let prefix = |field: Option<&str>, text: &str| Node::Prefix {
            field: field.map(str::to_string),
            text: text.into(),
        };
        assert_eq!(parse("korea*").unwrap(), prefix(None, "korea"));
        assert_eq!(
            parse("title:(korea* OR japan)").unwrap(),
            Node::Or(vec![
                prefix(Some("title"), "korea"),
                Node::Word {
                    field: Some("title".into()),
                    text: "japan".into()
                },
            ])
        );
        // A star inside a word is no prefix: the analyser drops it.
        assert_eq!(
            parse("a*b").unwrap(),
            Node::Word {
                field: None,
                text: "a*b".into()
            }
        );
    }
}
