//! Names an article says are one entity: "the Federal National Mortgage Association (Fannie Mae)", "Fannie Mae, originally called ...".
//!
//! A legal name and the name news uses ("Federal National Mortgage
//! Association", "Fannie Mae") share no word, no initials and no spelling:
//! no rule on the names alone can tell they are one. The articles say so,
//! in a few set forms: the other name in brackets right after the first,
//! or a cue ("also known as", "formal name") between the two. The index
//! keeps each such pair; the archive's entity table decides from how many
//! articles say it whether the two names are one (`index::entity_table`).

use super::dictionary::key;
use super::{Kind, Mention};

/// Bytes between two names that a cue may take ("Fannie Mae, originally
/// called the Federal ...").
const MAX_BETWEEN: usize = 64;

/// Words that may stand around a cue without changing what it says.
const FILLERS: [&str; 7] = ["the", "as", "is", "was", "its", "it", "a"];

/// The pairs of names (as the article's mentions name them, the two
/// `key()`s different) that the article says name one entity, each once:
/// two mentions with only an opening bracket between them and a closing
/// one after the second (neither a place), or only one of `cues`
/// (lower case) and filler words and punctuation between them.
pub fn defined(parts: &[&str], mentions: &[Mention], cues: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in mentions.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        // The kinds may differ: the tagger reads "Freddie Mac" as a
        // person, or a place. The archive's table compares the kinds most
        // articles give.
        if a.part != b.part || b.start < a.end {
            continue;
        }
        let place = a.kind == Kind::Place || b.kind == Kind::Place;
        let Some(text) = parts.get(a.part) else { continue };
        let (Some(between), Some(after)) = (text.get(a.end..b.start), text.get(b.end..)) else {
            continue;
        };
        if !(looks_like_name(&text[a.start..a.end]) && looks_like_name(&text[b.start..b.end])) {
            continue;
        }
        // "WASHINGTON (Reuters) -" is a dateline, not a definition.
        let bracketed = between.trim() == "("
            && after
                .trim_start()
                .strip_prefix(')')
                .is_some_and(|rest| !rest.trim_start().starts_with(['-', '\u{2013}', '\u{2014}']));
        let cued = between.len() <= MAX_BETWEEN && says_same(between, cues);
        // A place in brackets says where, not who; a cue says who.
        if !((bracketed && !place) || cued) {
            continue;
        }
        let (ka, kb) = (key(&a.name), key(&b.name));
        if ka == kb || ka.is_empty() || kb.is_empty() {
            continue;
        }
        let (first, second) = if ka < kb { (ka, kb) } else { (kb, ka) };
        if !out.iter().any(|(x, y)| *x == first && *y == second) {
            out.push((first, second));
        }
    }
    out
}

/// Whether a mention's text may be one name of two: two words or more
/// (an acronym is the initials rules' to settle, and one word is as
/// likely a piece of a name the tagger cut), the first and the last
/// capitalised ("Fed and the" is a tagger's slip).
fn looks_like_name(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let capital = |w: &&str| {
        w.chars()
            .find(|c| c.is_alphanumeric())
            .is_some_and(|c| c.is_uppercase() || c.is_numeric())
    };
    words.len() >= 2 && words.first().is_some_and(capital) && words.last().is_some_and(capital)
}

/// Whether `between` is one cue with only fillers and punctuation around
/// it: ", originally called the", ": -- Formal name:".
fn says_same(between: &str, cues: &[String]) -> bool {
    let lower = between.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    // Punctuation only at the ends and between words: no digits or other
    // names hide in it, as `words` has them all.
    if lower
        .chars()
        .any(|c| !(c.is_alphanumeric() || c.is_whitespace() || ",:;-–—(\"'".contains(c)))
    {
        return false;
    }
    cues.iter().any(|cue| {
        let cue: Vec<&str> = cue.split_whitespace().collect();
        if cue.is_empty() {
            return false;
        }
        (0..words.len()).any(|at| {
            words[at..].starts_with(&cue)
                && words[..at]
                    .iter()
                    .chain(&words[at + cue.len()..])
                    .all(|w| FILLERS.contains(w))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues() -> Vec<String> {
        ["originally called", "formal name", "also known as"]
            .map(String::from)
            .to_vec()
    }

    /// The mentions of `names` in `text`, each its first occurrence.
    fn mentions(text: &str, names: &[(&str, Kind)]) -> Vec<Mention> {
        let mut out: Vec<Mention> = names
            .iter()
            .map(|&(name, kind)| {
                let start = text.find(name).expect("the name is in the text");
                Mention {
                    part: 0,
                    start,
                    end: start + name.len(),
                    name: name.to_string(),
                    kind,
                }
            })
            .collect();
        out.sort_by_key(|m| m.start);
        out
    }

    fn pairs(text: &str, names: &[(&str, Kind)]) -> Vec<(String, String)> {
        defined(&[text], &mentions(text, names), &cues())
    }

    const FNMA: &str = "Federal National Mortgage Association";

    #[test]
    fn a_name_in_brackets_after_another_is_the_same_entity() {
        let text = format!("Congress set up the {FNMA} (Fannie Mae) in 1938.");
        let found = pairs(&text, &[(FNMA, Kind::Org), ("Fannie Mae", Kind::Org)]);
        assert_eq!(found, vec![(key("Fannie Mae"), key(FNMA))]);
    }

    #[test]
    fn a_cue_between_two_names_makes_them_one() {
        let text = format!("Fannie Mae, originally called the {FNMA}, was created in 1938.");
        let found = pairs(&text, &[("Fannie Mae", Kind::Org), (FNMA, Kind::Org)]);
        assert_eq!(found.len(), 1);
        // The tagger's place is a name too when a cue says so.
        let text = "FREDDIE MAC: -- Formal name: Federal Home Loan Mortgage Corp. -- Created in 1970";
        let found = pairs(
            text,
            &[
                ("FREDDIE MAC", Kind::Place),
                ("Federal Home Loan Mortgage Corp.", Kind::Org),
            ],
        );
        assert_eq!(found.len(), 1);
        let text = format!("FANNIE MAE: -- Formal name: {FNMA} -- Created in 1938");
        assert_eq!(
            pairs(&text, &[("FANNIE MAE", Kind::Org), (FNMA, Kind::Org)]).len(),
            1
        );
    }

    #[test]
    fn other_words_places_and_other_kinds_make_no_pair() {
        // Brackets that hold more than the name, or are not closed after it.
        let text = "Maiden Lane (Bear Stearns assets) was set up.";
        assert!(pairs(text, &[("Maiden Lane", Kind::Org), ("Bear Stearns", Kind::Org)]).is_empty());
        let text = "Maiden Lane (Bear Stearns, JPMorgan) was set up.";
        assert!(pairs(text, &[("Maiden Lane", Kind::Org), ("Bear Stearns", Kind::Org)]).is_empty());
        // A place in brackets says where, not who.
        let text = "Fannie Mae (Washington) said.";
        assert!(pairs(text, &[("Fannie Mae", Kind::Org), ("Washington", Kind::Place)]).is_empty());
        let text = "SAC Capital (United States) said.";
        assert!(pairs(
            text,
            &[("SAC Capital", Kind::Org), ("United States", Kind::Place)]
        )
        .is_empty());
        let text = "Rockland County (New York) said.";
        assert!(pairs(
            text,
            &[("Rockland County", Kind::Place), ("New York", Kind::Place)]
        )
        .is_empty());
        // A cue with other words: "Ford, also known for its Mustang, and GM".
        let text = "Ford, also known for trucks, and General Motors";
        assert!(pairs(text, &[("Ford", Kind::Org), ("General Motors", Kind::Org)]).is_empty());
        let text = "Ford met General Motors";
        assert!(pairs(text, &[("Ford", Kind::Org), ("General Motors", Kind::Org)]).is_empty());
        // A cue with a figure in it.
        let text = "Ford, also known as 2 General Motors";
        assert!(pairs(text, &[("Ford", Kind::Org), ("General Motors", Kind::Org)]).is_empty());
    }

    #[test]
    fn acronyms_single_words_slips_and_datelines_make_no_pair() {
        // Acronyms and one-word names are for the initials rules.
        let text = "the Radio Corporation of America (RCA) said";
        assert!(pairs(
            text,
            &[("Radio Corporation of America", Kind::Org), ("RCA", Kind::Org)]
        )
        .is_empty());
        let text = "Sun (Microsystems Inc) said";
        assert!(pairs(text, &[("Sun", Kind::Org), ("Microsystems Inc", Kind::Org)]).is_empty());
        // A name that ends in a small word is the tagger's slip.
        let text = "the Fed and the (Securities and Exchange Commission) said";
        let found = pairs(
            text,
            &[
                ("Fed and the", Kind::Org),
                ("Securities and Exchange Commission", Kind::Org),
            ],
        );
        assert!(found.is_empty());
        // A reporter's name and city before the wire's dateline.
        let text = "By Karey Wutkowski WASHINGTON (Thomson Reuters) - Regulators said";
        let found = pairs(
            text,
            &[
                ("Karey Wutkowski WASHINGTON", Kind::Person),
                ("Thomson Reuters", Kind::Org),
            ],
        );
        assert!(found.is_empty());
        let text = "By Karey Wutkowski WASHINGTON (Thomson Reuters) said";
        assert_eq!(
            pairs(
                text,
                &[
                    ("Karey Wutkowski WASHINGTON", Kind::Person),
                    ("Thomson Reuters", Kind::Org)
                ]
            )
            .len(),
            1,
            "not a dateline"
        );
    }

    #[test]
    fn one_name_twice_is_no_pair_and_a_pair_is_listed_once() {
        let text = "Fannie Mae (FANNIE MAE) and Fannie Mae (Federal National Mortgage Association) \
                    and Federal National Mortgage Association (Fannie Mae)";
        let mut ms = Vec::new();
        for (name, at) in [
            ("Fannie Mae", 0),
            ("FANNIE MAE", 12),
            ("Fannie Mae", 28),
            (FNMA, 40),
            (FNMA, 83),
            ("Fannie Mae", 122),
        ] {
            assert_eq!(&text[at..at + name.len()], name);
            ms.push(Mention {
                part: 0,
                start: at,
                end: at + name.len(),
                name: name.to_string(),
                kind: Kind::Org,
            });
        }
        assert_eq!(defined(&[text], &ms, &cues()).len(), 1);
    }
}
