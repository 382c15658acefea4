//! From mentions as found to canonical entities: dictionary aliases and
//! demonyms, the compass rule ("N. Korea"), short forms of a full name in the
//! same article ("Putin" after "Vladimir Putin"), acronyms, one type per name.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::dictionary::key;
use super::features::{Doc, PremixedState};
use super::{Extractor, Kind, Mention};

/// A mention as the tagger (or a user's name) found it.
#[derive(Debug, Clone, Copy)]
pub struct Raw {
    pub part: usize,
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// A single sentence-opening word in no name list.
    pub weak: bool,
}

/// What one surface form, read as one kind, resolves to. An article names
/// the same things again and again, so the work below is done once per
/// name, not once per mention. Dictionary names and surfaces written with
/// single spaces are borrowed, not copied.
struct Name<'a> {
    name: Cow<'a, str>,
    kind: Kind,
    /// `key()` of `name`, kept in step with it: its words are the name's
    /// words as the short-form rule compares them.
    k: Cow<'a, str>,
    /// Named by a dictionary: the name is settled.
    known: bool,
}

/// A mention and the index of its `Name`.
#[derive(Clone, Copy)]
struct Candidate {
    raw: Raw,
    name: usize,
}

/// Collapses runs of white space (a name broken over a line) to one space.
fn clean(surface: &str) -> Cow<'_, str> {
    let single = surface
        .split(' ')
        .all(|w| !w.is_empty() && !w.contains(char::is_whitespace));
    if single {
        return Cow::Borrowed(surface);
    }
    Cow::Owned(surface.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The words of a `key()`: it never has an empty word, but may be empty.
fn key_words(k: &str) -> impl Iterator<Item = &str> {
    k.split(' ').filter(|w| !w.is_empty())
}

pub fn resolve<'a>(ex: &'a Extractor, parts: &[&'a str], raw: Vec<Raw>) -> Vec<Mention> {
    let dict = &ex.dict;
    let mut names: Vec<Name<'a>> = Vec::new();
    let mut cands: Vec<Candidate> = Vec::with_capacity(raw.len());
    // (surface, kind as read) -> its `Name`, None when hidden.
    let mut seen: HashMap<(&str, Kind), Option<usize>, PremixedState> =
        HashMap::with_capacity_and_hasher(raw.len(), PremixedState::default());
    for r in raw {
        let surface: &'a str = &parts[r.part][r.start..r.end];
        match seen.get(&(surface, r.kind)) {
            Some(&Some(name)) => {
                cands.push(Candidate { raw: r, name });
                continue;
            }
            Some(None) => continue,
            None => {}
        }
        let sk = key(surface);
        if dict.is_hidden_key(&sk) {
            seen.insert((surface, r.kind), None);
            continue;
        }
        // A demonym ("North Korean") names its country when the setting
        // says so; otherwise it stays misc, as CoNLL has it.
        let demonym = (r.kind != Kind::Person && ex.settings.demonyms_as_country)
            .then(|| dict.demonym_key(&sk))
            .flatten();
        // A person or organisation is no town that shares the name: "Bush"
        // is not Būsh, Egypt. A town's entry names only what the tagger
        // read as a place; a country's, whatever the tagger read.
        let found = demonym
            .or_else(|| dict.lookup_mention(surface, &sk))
            .or_else(|| dict.lookup_compass(&sk, &ex.settings.compass))
            .filter(|&i| r.kind == Kind::Place || dict.entry(i).kind != Kind::Place || dict.is_country(i));
        let name = match found {
            Some(i) => {
                let entry = dict.entry(i);
                // Place against organisation, the tagger's reading stands:
                // "Japan" beat Syria is a team (CoNLL dev F1 0.83 with the
                // dictionary's type, 0.89 with the tagger's). A country is
                // never a person, though, and a demonym is its country.
                let metonymy = matches!(r.kind, Kind::Place | Kind::Org)
                    && matches!(entry.kind, Kind::Place | Kind::Org);
                let kind = if metonymy { r.kind } else { entry.kind };
                // An entry's key is `key()` of its name (`add_entry`).
                Name {
                    k: Cow::Borrowed(entry.key.as_str()),
                    name: Cow::Borrowed(entry.name.as_str()),
                    kind,
                    known: true,
                }
            }
            // `key()` reads any run of white space as one space, so the
            // cleaned name has the surface's key.
            None => Name {
                name: clean(surface),
                k: Cow::Owned(sk),
                kind: r.kind,
                known: false,
            },
        };
        seen.insert((surface, r.kind), Some(names.len()));
        cands.push(Candidate {
            raw: r,
            name: names.len(),
        });
        names.push(name);
    }
    drop(seen);

    let updates = short_forms_and_acronyms(ex, &names, &cands);
    for (i, name) in updates {
        names[i] = name;
    }

    // Names that share a key are one entity from here on.
    let mut group_of: HashMap<&str, usize, PremixedState> =
        HashMap::with_capacity_and_hasher(names.len(), PremixedState::default());
    let group: Vec<usize> = names
        .iter()
        .map(|n| {
            let next = group_of.len();
            *group_of.entry(n.k.as_ref()).or_insert(next)
        })
        .collect();
    let groups = group_of.len();

    // A lone capitalised word that opens every sentence it is in, names no
    // one the dictionaries or the article know, and is a person only by the
    // tagger's guess is a sentence's first word ("Photo: ...").
    let mut strong = vec![false; groups];
    for c in &cands {
        strong[group[c.name]] |= !c.raw.weak || names[c.name].known;
    }
    cands.retain(|c| {
        let n = &names[c.name];
        !(c.raw.weak && n.kind == Kind::Person && !strong[group[c.name]])
    });

    // One type and one spelling per name within the article: the majority
    // type, and a spelling with small letters over a headline's capitals.
    // Votes are counted by index into `cands`: the spelling is the index
    // of the mention whose name wins.
    let has_lower: Vec<bool> = names
        .iter()
        .map(|n| n.name.chars().any(char::is_lowercase))
        .collect();
    let mut votes: Vec<Option<([u32; 4], usize, Kind)>> = vec![None; groups];
    for (i, c) in cands.iter().enumerate() {
        let n = &names[c.name];
        let v = votes[group[c.name]].get_or_insert(([0; 4], i, n.kind));
        v.0[n.kind.index()] += 1;
        if !has_lower[cands[v.1].name] && has_lower[c.name] {
            v.1 = i;
        }
    }
    // A company named after a person ("Freddie Mac", "Chrysler") read as a
    // person: its full name with a company's words around it ("Freddie Mac
    // shares", "shares of Chrysler") and never a person's ("Mr. Mac", "Mac
    // said he") is an organisation. Only the full name counts: "Dell
    // shares" after "Michael Dell" is the company beside the man.
    let mut cues = vec![(0u32, 0u32); groups];
    for c in &cands {
        let g = group[c.name];
        // A place's name the dictionaries do not know is asked too ("analysts
        // at Bear Stearns"); a known one never is ("Tokyo shares").
        let asked = |counts: &[u32; 4]| {
            counts[Kind::Person.index()] > 0 || (counts[Kind::Place.index()] > 0 && !names[c.name].known)
        };
        let Some((counts, _, _)) = votes[g].as_ref().filter(|(counts, _, _)| asked(counts)) else {
            continue;
        };
        let read_as_person = counts[Kind::Person.index()] > 0;
        let text = parts[c.raw.part];
        let (before, after) = (&text[..c.raw.start], &text[c.raw.end..]);
        if person_cue(before, after) {
            cues[g].1 += 1;
        } else if company_cue(before, after, read_as_person)
            && key(&text[c.raw.start..c.raw.end]) == names[c.name].k
        {
            cues[g].0 += 1;
        }
    }
    // A storm's name ("Hurricane Katrina", "Typhoon Morakot") is an event's
    // in the whole article ("Katrina, which killed"): news names the storm
    // before the name. (spans.rs leaves the storm's words out of the name.)
    let mut storm = vec![false; groups];
    for c in &cands {
        let text = parts[c.raw.part];
        storm[group[c.name]] |= !names[c.name].known && storm_named(&text[..c.raw.start]);
    }
    let hidden: Vec<bool> = names.iter().map(|n| dict.is_hidden_key(&n.k)).collect();
    let mut out = Vec::with_capacity(cands.len());
    for (i, c) in cands.iter().enumerate() {
        let n = &names[c.name];
        if hidden[c.name] {
            continue;
        }
        let (kind, spelling) = match &votes[group[c.name]] {
            Some((counts, spelling, first)) => {
                // A tie goes to the kind of the name's first mention, so a
                // name always has exactly one kind in an article.
                let top = *counts.iter().max().unwrap_or(&0);
                let kind = if counts[first.index()] == top {
                    *first
                } else {
                    Kind::ALL
                        .into_iter()
                        .find(|k| counts[k.index()] == top)
                        .unwrap_or(n.kind)
                };
                (kind, if n.known { i } else { *spelling })
            }
            None => (n.kind, i),
        };
        let (company, person) = cues[group[c.name]];
        let asked = kind == Kind::Person || (kind == Kind::Place && !n.known);
        let kind = if storm[group[c.name]] {
            Kind::Misc
        } else if asked && company > 0 && person == 0 {
            Kind::Org
        } else {
            kind
        };
        out.push(Mention {
            part: c.raw.part,
            start: c.raw.start,
            end: c.raw.end,
            name: names[cands[spelling].name].name.to_string(),
            kind,
        });
    }
    out.sort_by_key(|m| (m.part, m.start));
    out
}

/// Whether the words around a name say it is a company's: "X shares",
/// "X stock", "X Inc", "X Chief Executive", "shares of X", "analysts at X";
/// and, of a name read as a person's, "X said it", "X, which", said of
/// places as well.
fn company_cue(before: &str, after: &str, read_as_person: bool) -> bool {
    const AFTER: [&str; 7] = [
        " shares",
        " stock",
        " Inc",
        " Corp",
        " Chief Executive",
        " CEO",
        " chief executive",
    ];
    let word_ends = |rest: &str| !rest.starts_with(|c: char| c.is_alphanumeric());
    AFTER.iter().any(|w| after.strip_prefix(w).is_some_and(word_ends))
        // "Chrysler said it would", "Chrysler, which": what a person is
        // not called.
        || read_as_person && [" said it ", " said its ", ", which "].iter().any(|w| after.starts_with(w))
        || [
            "shares of ",
            "shares in ",
            "stake in ",
            "analyst at ",
            "analysts at ",
            "economist at ",
            "economists at ",
            "strategist at ",
            "strategists at ",
            "analyst with ",
            "economist with ",
            "executives at ",
            "executive at ",
            "workers at ",
            "employees at ",
            "sales at ",
            "profit at ",
            "earnings at ",
        ]
        .iter()
        .any(|w| ends_with_word(before, w))
}

/// Whether a name stands after a storm's word ("Hurricane" + "Katrina",
/// "Hurricanes Katrina and" + "Rita").
fn storm_named(before: &str) -> bool {
    let before = before.strip_suffix(' ').unwrap_or("");
    let before = before
        .strip_suffix(" and")
        .map_or(before, |b| b.rfind(' ').map_or(b, |at| &b[..at]));
    super::spans::STORM_WORDS
        .iter()
        .any(|w| ends_with_word(before, w))
}

/// Whether `text` ends with the words `w`, in any case, at a word's start
/// ("Analysts at " and "analysts at ", not "Panalysts at ").
fn ends_with_word(text: &str, w: &str) -> bool {
    let Some(at) = text.len().checked_sub(w.len()) else {
        return false;
    };
    text.is_char_boundary(at)
        && text[at..].eq_ignore_ascii_case(w)
        && !text[..at].ends_with(|c: char| c.is_alphanumeric())
}

/// Whether the words around a name say it is a person's: an honorific
/// before it, "said he", "said she" or ", who" after it.
fn person_cue(before: &str, after: &str) -> bool {
    ["Mr. ", "Mrs. ", "Ms. ", "Dr. ", "Mr ", "Mrs ", "Ms ", "Dr "]
        .iter()
        .any(|h| before.ends_with(h))
        || [" said he ", " said she ", ", who ", " he said", " she said"]
            .iter()
            .any(|w| after.starts_with(w))
}

/// What the names the dictionaries did not settle become, read against the
/// article's names as they were found (a short form of a short form is not
/// followed):
/// - a short form of exactly one person's full name in the article ("Putin"
///   after "Vladimir Putin", "Kim" after "Kim Jong Un") is that person;
/// - a lone surname the dictionaries know is their person ("Putin" in an
///   article that never gives his first name);
/// - an acronym of another name's capitals ("KCNA" for "Korean Central News
///   Agency") is that name; of two with the same initials, the one mentioned
///   last.
fn short_forms_and_acronyms<'a>(
    ex: &'a Extractor,
    names: &[Name<'a>],
    cands: &[Candidate],
) -> Vec<(usize, Name<'a>)> {
    let mut updates = Vec::new();
    if names.iter().all(|n| n.known) {
        return updates;
    }
    // Persons' full names (two words or more), one per key: the first.
    // Past `DIRECT` of them, `by_word` lists (word, full name) for every
    // word of every full name, so a short form is compared only with the
    // full names that have its rarest word: an article of many names costs
    // no names x names work.
    let mut full: Vec<(Vec<&str>, usize)> = Vec::new();
    let mut full_keys: HashSet<&str, PremixedState> = HashSet::default();
    for (i, n) in names.iter().enumerate() {
        if n.kind != Kind::Person {
            continue;
        }
        let words: Vec<&str> = key_words(&n.k).collect();
        if words.len() >= 2 && full_keys.insert(n.k.as_ref()) {
            full.push((words, i));
        }
    }
    // A few full names (an ordinary article) are each compared directly;
    // the index pays off past that.
    let mut by_word: Vec<(&str, usize)> = Vec::new();
    if full.len() > DIRECT {
        by_word = full
            .iter()
            .enumerate()
            .flat_map(|(f, (words, _))| words.iter().map(move |w| (*w, f)))
            .collect();
        by_word.sort_unstable();
        by_word.dedup();
    }

    // Initials of every name of two words or more that is not a person's,
    // and the name mentioned last with them; worked out only when a name
    // left to settle could be an acronym.
    let is_acronym = |n: &Name| n.name.len() <= 6 && n.name.chars().all(|ch| ch.is_uppercase());
    let acronyms_asked = names.iter().any(|n| !n.known && is_acronym(n));
    let initials: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            if !acronyms_asked || n.kind == Kind::Person || n.name.split_whitespace().nth(1).is_none() {
                return None;
            }
            let initials: String = n
                .name
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .filter(|ch| ch.is_uppercase())
                .collect();
            (initials.chars().count() >= 2).then_some(initials)
        })
        .collect();
    let mut last_with: HashMap<&str, usize, PremixedState> = HashMap::default();
    for c in cands {
        if let Some(initials) = &initials[c.name] {
            last_with.insert(initials, c.name);
        }
    }

    let mut words: Vec<&str> = Vec::new();
    for (i, n) in names.iter().enumerate().filter(|(_, n)| !n.known) {
        words.clear();
        words.extend(key_words(&n.k));
        if n.kind == Kind::Person || words.len() == 1 {
            let fits =
                |(full, _): &&(Vec<&str>, usize)| full.len() > words.len() && contains_run(full, &words);
            let found = if full.len() <= DIRECT {
                only(full.iter().filter(fits))
            } else {
                // The full names that have the short form's rarest word.
                let with = |word: &str| {
                    let from = by_word.partition_point(|&(w, _)| w < word);
                    let to = from + by_word[from..].partition_point(|&(w, _)| w == word);
                    &by_word[from..to]
                };
                let rarest = words
                    .iter()
                    .map(|w| with(w))
                    .min_by_key(|r| r.len())
                    .unwrap_or_default();
                only(rarest.iter().map(|&(_, f)| &full[f]).filter(fits))
            };
            if let Some((_, of)) = found {
                let of = &names[*of];
                updates.push((
                    i,
                    Name {
                        name: of.name.clone(),
                        k: of.k.clone(),
                        kind: Kind::Person,
                        known: false,
                    },
                ));
                continue;
            }
        }
        if words.len() == 1 && n.kind == Kind::Person {
            if let Some(e) = ex.dict.surname(&n.k) {
                let entry = ex.dict.entry(e);
                updates.push((
                    i,
                    Name {
                        name: Cow::Borrowed(entry.name.as_str()),
                        k: Cow::Borrowed(entry.key.as_str()),
                        kind: n.kind,
                        known: true,
                    },
                ));
                continue;
            }
        }
        if is_acronym(n) {
            if let Some(&of) = last_with.get(n.name.as_ref()) {
                let of = &names[of];
                updates.push((
                    i,
                    Name {
                        name: of.name.clone(),
                        k: of.k.clone(),
                        kind: of.kind,
                        known: false,
                    },
                ));
            }
        }
    }
    updates
}

/// Full names an article may have before `short_forms_and_acronyms`
/// indexes them by word.
const DIRECT: usize = 16;

/// The one item of `items`, if there is exactly one.
fn only<T>(mut items: impl Iterator<Item = T>) -> Option<T> {
    match (items.next(), items.next()) {
        (Some(item), None) => Some(item),
        _ => None,
    }
}

fn contains_run(full: &[&str], part: &[&str]) -> bool {
    !part.is_empty() && full.windows(part.len()).any(|w| w == part)
}
/// Adds the user's names where they occur as written, replacing any
/// tagger mention they overlap.
pub fn add_forced(ex: &Extractor, part: usize, doc: &Doc, raw: &mut Vec<Raw>) {
    let n = doc.len();
    for (tokens, entry) in ex.dict.forced() {
        let len = tokens.len();
        if len == 0 || len > n {
            continue;
        }
        for i in 0..=n - len {
            if (0..len).all(|k| doc.word(i + k) == tokens[k]) {
                let (start, end) = (doc.tokens[i].start, doc.tokens[i + len - 1].end);
                raw.retain(|r| r.part != part || r.end <= start || r.start >= end);
                raw.push(Raw {
                    part,
                    start,
                    end,
                    kind: ex.dict.entry(*entry).kind,
                    weak: false,
                });
            }
        }
    }
    raw.sort_by_key(|r| (r.part, r.start));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::{Dictionary, Settings};
    use crate::testutil::every_string;

    fn extractor() -> Extractor {
        Extractor::new(Dictionary::builtin().unwrap(), Settings::default()).unwrap()
    }

    /// Resolves `names` (surface, kind), written one after another into one
    /// text, and gives each mention's (surface, name, kind).
    fn resolved(ex: &Extractor, names: &[(&str, Kind)]) -> Vec<(String, String, Kind)> {
        let mut text = String::new();
        let mut spans = Vec::new();
        for (surface, kind) in names {
            spans.push((0, text.len(), text.len() + surface.len(), *kind));
            text.push_str(surface);
            text.push_str(" said. ");
        }
        ex.resolve_spans(&[&text], &spans)
            .into_iter()
            .map(|m| (text[m.start..m.end].to_string(), m.name, m.kind))
            .collect()
    }

    #[test]
    fn a_cleaned_name_has_the_key_of_its_surface() {
        // `resolve` keeps the surface's key for the cleaned name.
        for s in every_string(&[" ", "\t", "\n", "\u{a0}", ".", "-", "N", "k", "\u{2019}"], 6) {
            assert_eq!(key(&clean(&s)), key(&s), "{s:?}");
        }
    }

    #[test]
    fn short_forms_follow_full_names_as_found() {
        let ex = extractor();
        let got = resolved(
            &ex,
            &[
                ("Odile Brannock Vesk", Kind::Person),
                ("Odile Brannock", Kind::Person),
                ("Brannock", Kind::Person),
                ("Vesk", Kind::Person),
                ("Baltic Grain Exchange", Kind::Org),
                ("Bremen Gas Exchange", Kind::Org),
                ("BGE", Kind::Person),
            ],
        );
        let full = "Odile Brannock Vesk".to_string();
        assert_eq!(
            got,
            [
                (full.clone(), full.clone(), Kind::Person),
                // Of one full name only: that person.
                ("Odile Brannock".into(), full.clone(), Kind::Person),
                // In two full names as found ("Odile Brannock" is one, though
                // it became the other): no one's.
                ("Brannock".into(), "Brannock".into(), Kind::Person),
                ("Vesk".into(), full, Kind::Person),
                (
                    "Baltic Grain Exchange".into(),
                    "Baltic Grain Exchange".into(),
                    Kind::Org
                ),
                (
                    "Bremen Gas Exchange".into(),
                    "Bremen Gas Exchange".into(),
                    Kind::Org
                ),
                // Initials of two names: the one mentioned last, and its kind.
                ("BGE".into(), "Bremen Gas Exchange".into(), Kind::Org),
            ]
        );
    }

    #[test]
    fn many_names_resolve_without_comparing_each_with_each() {
        // 60,000 full names and 40,000 short forms in one article:
        // compared name by name, over 10^9 comparisons.
        let ex = extractor();
        let n = 20_000;
        let word = |prefix: &str, i: usize| {
            let letters: String = format!("{i:05}")
                .bytes()
                .map(|d| char::from(b'a' + d - b'0'))
                .collect();
            format!("{prefix}{letters}")
        };
        let mut names = Vec::new();
        for i in 0..n {
            names.push((format!("{} {}", word("Zed", i), word("Quill", i)), Kind::Person));
        }
        for i in 0..n {
            names.push((word("Quill", i), Kind::Person));
        }
        // Every word common but one: "Zed Wren..." is a short form of
        // "Zed Wren... Vane" alone, among 40,000 full names with "Zed".
        for i in 0..n {
            names.push((format!("Zed {} Vane", word("Wren", i)), Kind::Person));
        }
        for i in 0..n {
            names.push((format!("Zed {}", word("Wren", i)), Kind::Person));
        }
        let refs: Vec<(&str, Kind)> = names.iter().map(|(s, k)| (s.as_str(), *k)).collect();
        let got = resolved(&ex, &refs);
        assert_eq!(got.len(), 4 * n);
        for i in 0..n {
            assert_eq!(got[n + i].0, word("Quill", i));
            assert_eq!(got[n + i].1, names[i].0, "surname {i}");
            assert_eq!(got[3 * n + i].1, names[2 * n + i].0, "two of three words {i}");
        }
    }
}
