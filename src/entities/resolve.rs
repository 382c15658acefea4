//! From mentions as found to canonical entities: dictionary aliases and
//! demonyms, the compass rule ("N. Korea"), short forms of a full name in the
//! same article ("Putin" after "Vladimir Putin"), acronyms, one type per name.

use std::collections::HashMap;

use super::dictionary::{key, words_of};
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
/// name, not once per mention.
struct Name {
    name: String,
    kind: Kind,
    /// `key()` of `name`, kept in step with it.
    k: String,
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
fn clean(surface: &str) -> String {
    let single = surface
        .split(' ')
        .all(|w| !w.is_empty() && !w.contains(char::is_whitespace));
    if single {
        return surface.to_string();
    }
    surface.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn resolve(ex: &Extractor, parts: &[&str], raw: Vec<Raw>) -> Vec<Mention> {
    let dict = &ex.dict;
    let mut names: Vec<Name> = Vec::new();
    let mut cands: Vec<Candidate> = Vec::with_capacity(raw.len());
    // (surface, kind as read) -> its `Name`, None when hidden.
    let mut seen: HashMap<(&str, Kind), Option<usize>, PremixedState> =
        HashMap::with_capacity_and_hasher(raw.len(), PremixedState::default());
    for r in raw {
        let surface = &parts[r.part][r.start..r.end];
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
        let found = demonym
            .or_else(|| dict.lookup_mention(surface, &sk))
            .or_else(|| dict.lookup_compass(&sk, &ex.settings.compass));
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
                Name {
                    k: entry.key.clone(),
                    name: entry.name.clone(),
                    kind,
                    known: true,
                }
            }
            None => Name {
                name: clean(surface),
                k: sk,
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

    // Short forms: "Putin" after "Vladimir Putin", "Kim" after "Kim Jong Un".
    let full_names: Vec<(Vec<String>, String)> = {
        let mut seen = HashMap::new();
        for n in names.iter().filter(|n| n.kind == Kind::Person) {
            let w = words_of(&n.name);
            if w.len() >= 2 {
                seen.entry(w).or_insert_with(|| n.name.clone());
            }
        }
        seen.into_iter().collect()
    };
    // Acronyms: "KCNA" for "Korean Central News Agency". Of two names with
    // the same initials, the one mentioned last wins.
    let initials: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            let initials: String = n
                .name
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .filter(|ch| ch.is_uppercase())
                .collect();
            (n.kind != Kind::Person
                && initials.chars().count() >= 2
                && n.name.split_whitespace().count() >= 2)
                .then_some(initials)
        })
        .collect();
    let mut last_with: HashMap<&str, usize> = HashMap::new();
    for c in &cands {
        if let Some(initials) = &initials[c.name] {
            last_with.insert(initials, c.name);
        }
    }
    let acronyms: HashMap<&str, (String, Kind)> = last_with
        .into_iter()
        .map(|(initials, i)| (initials, (names[i].name.clone(), names[i].kind)))
        .collect();
    for n in names.iter_mut().filter(|n| !n.known) {
        let w = words_of(&n.name);
        if n.kind == Kind::Person || w.len() == 1 {
            let mut matches = full_names
                .iter()
                .filter(|(full, _)| full.len() > w.len() && contains_run(full, &w));
            if let (Some((_, name)), None) = (matches.next(), matches.next()) {
                n.name = name.clone();
                n.k = key(name);
                n.kind = Kind::Person;
                continue;
            }
        }
        if w.len() == 1 && n.kind == Kind::Person {
            // "Putin" in an article that never gives his first name.
            if let Some(i) = ex.dict.surname(&n.k) {
                n.name = ex.dict.entry(i).name.clone();
                n.k = ex.dict.entry(i).key.clone();
                n.known = true;
                continue;
            }
        }
        let is_acronym = n.name.len() <= 6 && n.name.chars().all(|ch| ch.is_uppercase());
        if is_acronym {
            if let Some((name, kind)) = acronyms.get(n.name.as_str()) {
                n.name = name.clone();
                n.k = key(name);
                n.kind = *kind;
            }
        }
    }

    // A lone capitalised word that opens every sentence it is in, names no
    // one the dictionaries or the article know, and is a person only by the
    // tagger's guess is a sentence's first word ("Photo: ...").
    let mut strong: HashMap<&str, bool, PremixedState> = HashMap::default();
    for c in &cands {
        let n = &names[c.name];
        *strong.entry(n.k.as_str()).or_default() |= !c.raw.weak || n.known;
    }
    cands.retain(|c| {
        let n = &names[c.name];
        !(c.raw.weak && n.kind == Kind::Person && !strong.get(n.k.as_str()).copied().unwrap_or(false))
    });

    // One type and one spelling per name within the article: the majority
    // type, and a spelling with small letters over a headline's capitals.
    // Votes are counted by index into `cands`: the spelling is the index
    // of the mention whose name wins.
    let has_lower: Vec<bool> = names
        .iter()
        .map(|n| n.name.chars().any(char::is_lowercase))
        .collect();
    let mut votes: HashMap<&str, ([u32; 4], usize, Kind), PremixedState> = HashMap::default();
    for (i, c) in cands.iter().enumerate() {
        let n = &names[c.name];
        let v = votes.entry(n.k.as_str()).or_insert((([0; 4]), i, n.kind));
        v.0[n.kind.index()] += 1;
        if !has_lower[cands[v.1].name] && has_lower[c.name] {
            v.1 = i;
        }
    }
    let mut out = Vec::with_capacity(cands.len());
    for (i, c) in cands.iter().enumerate() {
        let n = &names[c.name];
        if ex.dict.is_hidden_key(&n.k) {
            continue;
        }
        let (kind, spelling) = match votes.get(n.k.as_str()) {
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
        out.push(Mention {
            part: c.raw.part,
            start: c.raw.start,
            end: c.raw.end,
            name: names[cands[spelling].name].name.clone(),
            kind,
        });
    }
    out.sort_by_key(|m| (m.part, m.start));
    out
}

fn contains_run(full: &[String], part: &[String]) -> bool {
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
