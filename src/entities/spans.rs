//! Repairs of the tagger's spans by rules of how names are written, for what
//! the tagger cannot learn from CoNLL's 1996 wire: "Republican Sen. John
//! McCain", "J.P. Morgan", "American International Group", "X met Y".

use super::dictionary::{self, gaz, key, Dictionary};
use super::features::Doc;
use super::Kind;

/// A run of tokens the tagger read as one name: first and last token, kind.
pub type Span = (usize, usize, Kind);

/// The longest name a title may stand before ("Sen. John S. McCain").
const MAX_NAME_AFTER_TITLE: usize = 4;

/// Small words names are made with ("Bank of America", "Charles de
/// Gaulle"); any other word written all in small letters ends a name.
const CONNECTORS: &[&str] = &[
    "of", "and", "the", "for", "on", "in", "at", "a", "an", "de", "del", "della", "dalla", "dal", "dei",
    "degli", "delle", "der", "den", "ter", "ten", "het", "op", "van", "von", "auf", "af", "av", "da", "di",
    "du", "la", "le", "lo", "les", "el", "al", "bin", "bint", "ibn", "abu", "ben", "y", "e", "sans", "upon",
    "und", "des", "do", "dos", "das", "zu",
];

/// The spans of one part, repaired. Each rule is local: it reads a span and
/// its neighbours, never the article as a whole.
pub fn repair(doc: &Doc, dict: &Dictionary, spans: Vec<Span>) -> Vec<Span> {
    let spans = join(doc, dict, spans);
    let mut out = Vec::with_capacity(spans.len());
    let mut pieces = Vec::new();
    for s in spans {
        pieces.clear();
        split_at_small_words(doc, s, &mut pieces);
        for &part in &pieces {
            split_title(doc, dict, part, &mut out);
        }
    }
    for (first, last, kind) in &mut out {
        if *kind == Kind::Person && is_org_named_after_person(doc, *first, *last) {
            *kind = Kind::Org;
        }
    }
    join_persons(doc, &mut out);
    drop_the_before_organisations(doc, &mut out);
    drop_titles_before_persons(doc, &mut out);
    storms(doc, &mut out);
    out
}

/// "The" that starts a sentence is the sentence's, not the name's: "The
/// National Hurricane Center said" names the National Hurricane Center.
/// CoNLL-2003 leaves "The" out of nine in ten organisations it stands
/// before, and the archive's table drops it anyway; whether a tagger takes
/// it in falls out of the order it read its training in (five of six
/// shuffles took in this one). Only before two words or more: "The Times"
/// keeps it.
fn drop_the_before_organisations(doc: &Doc, spans: &mut [Span]) {
    for (first, last, kind) in spans.iter_mut() {
        if *kind == Kind::Org && *last > *first + 1 && doc.word(*first) == "The" {
            *first += 1;
        }
    }
}

/// The words that name a storm before its name ("Hurricane Katrina",
/// "Storm Fay", "Hurricanes Katrina and Rita"), as `key()`s; "Tropical"
/// is one only before "Storm".
pub(super) const STORM_WORDS: [&str; 7] = [
    "hurricane",
    "hurricanes",
    "typhoon",
    "typhoons",
    "cyclone",
    "superstorm",
    "storm",
];

/// A storm's name is an event's, and is the name alone: "Hurricane" +
/// "Katrina" and "Katrina" are one name. The storm's words are left out of
/// a span ("Typhoon Morakot" -> "Morakot"), a span of nothing else goes, a
/// span right after them is an event; "Hurricane Center" keeps its kind,
/// and so does a span of storm words alone before no name ("the
/// Hurricanes", a rugby team).
fn storms(doc: &Doc, spans: &mut Vec<Span>) {
    let is_storm_at = |i: usize| {
        is_upper_word(doc, i) && {
            let k = key(doc.word(i));
            STORM_WORDS.contains(&k.as_str())
                || (k == "tropical" && i + 1 < doc.len() && key(doc.word(i + 1)) == "storm")
        }
    };
    let mut kept = Vec::with_capacity(spans.len());
    for &(first, last, kind) in spans.iter() {
        let mut start = first;
        while start <= last && is_storm_at(start) {
            start += 1;
        }
        if start > last {
            // "Tropical" + "Storm Fay": the storm's words before its name go;
            // "the Hurricanes beat the Crusaders" is a team's name.
            if !(last + 1 < doc.len() && is_upper_word(doc, last + 1)) {
                kept.push((first, last, kind));
            }
            continue;
        }
        let named = start > first || (first > 0 && is_storm_at(first - 1));
        if named && !dictionary::is_org_word(&key(doc.word(last))) {
            kept.push((start, last, Kind::Misc));
        } else {
            kept.push((first, last, kind));
        }
    }
    *spans = kept;
}

/// "Kim Jong" + "Un", "Sen. Hillary" + "Clinton": two persons side by side,
/// nothing between them but a space, are one person that the tagger (or a
/// title's split) closed too early; a list of names has commas or line
/// ends between them.
fn join_persons(doc: &Doc, spans: &mut Vec<Span>) {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for &(first, last, kind) in spans.iter() {
        // "Sen." + "Hillary" (left out) + "Clinton": a given name right
        // before a person's name, in no name itself, is the name's first
        // word.
        let taken = |i: usize| out.last().is_some_and(|p: &Span| p.1 >= i);
        let first = if kind == Kind::Person
            && first > 0
            && !doc.tokens[first].line_start
            && !doc.tokens[first - 1].sentence_start
            && !taken(first - 1)
            && is_upper_word(doc, first - 1)
            && doc.gaz_bits(first - 1) & gaz::FIRST_NAME != 0
            && !is_title_at(doc, first - 1)
            && !dictionary::is_common_word(&key(doc.word(first - 1)))
        {
            first - 1
        } else {
            first
        };
        if let Some(p) = out.last_mut() {
            if p.2 == Kind::Person
                && kind == Kind::Person
                && p.1 + 1 == first
                && !doc.tokens[first].line_start
            {
                p.1 = last;
                continue;
            }
        }
        out.push((first, last, kind));
    }
    *spans = out;
}

/// "Federal Reserve Chairman" + "Ben Bernanke": the title words that end a
/// name right before a person's are the person's title, not part of the
/// name (as CoNLL writes "House" + "Speaker Newt Gingrich"); a name of
/// nothing but titles there is no name.
fn drop_titles_before_persons(doc: &Doc, spans: &mut Vec<Span>) {
    let mut kept = Vec::with_capacity(spans.len());
    for (at, &(first, last, kind)) in spans.iter().enumerate() {
        let before_person = spans
            .get(at + 1)
            .is_some_and(|p| p.2 == Kind::Person && p.0 == last + 1);
        if kind == Kind::Person || !before_person || !is_title_at(doc, last) {
            kept.push((first, last, kind));
            continue;
        }
        let end = title_start(doc, first, last);
        if end > first {
            kept.push((first, end - 1, kind));
        }
    }
    *spans = kept;
}

/// "Rossiyskaya Gazeta", "Lehman Brothers": a name of two or more words read
/// as a person whose last word is one organisations are made of. No
/// surname in the shipped lists is such a word.
fn is_org_named_after_person(doc: &Doc, first: usize, last: usize) -> bool {
    last > first && dictionary::is_org_word(&key(doc.word(last)))
}

fn is_upper_word(doc: &Doc, i: usize) -> bool {
    doc.word(i).chars().next().is_some_and(char::is_uppercase)
}

/// Whether token `i` is a capitalised title ("Sen.", "Chairman").
fn is_title_at(doc: &Doc, i: usize) -> bool {
    is_upper_word(doc, i) && dictionary::is_title_word(&key(doc.word(i)))
}

/// "J.P.", "A.G.": two or more letters, each with its period, that no
/// dictionary names ("U.S." is a country, not initials).
fn is_dotted_initials(dict: &Dictionary, w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 4
        && b.len().is_multiple_of(2)
        && b.chunks(2).all(|c| c[0].is_ascii_uppercase() && c[1] == b'.')
        && dict.lookup_mention(w, &key(w)).is_none()
}

/// "JP": two or three capitals that no dictionary names.
fn is_bare_initials(dict: &Dictionary, w: &str) -> bool {
    (2..=3).contains(&w.len())
        && w.bytes().all(|b| b.is_ascii_uppercase())
        && dict.lookup_mention(w, &key(w)).is_none()
}

/// Joins what the tagger cut in two:
/// - names with an ampersand between them ("Kestrel" + "& Finch", "Marks"
///   & "Spencer"): one organisation;
/// - two organisations with "of" between them ("Banc" of "America
///   Securities"): one name;
/// - initials before a name ("J.P." + "Morgan Chase", "JP" + "Morgan"): the
///   initials are the name's first word;
/// - a nationality or country before an organisation of two or more words
///   that are all generic ("American" + "International Group"): alone
///   those words name no one, so the country is part of the name. One
///   generic word ("U.S." + "Senate") stays apart, as CoNLL has it.
fn join(doc: &Doc, dict: &Dictionary, spans: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for (first, last, kind) in spans {
        if let Some(&(pf, pl, _)) = out.last() {
            let amp = |i: usize| doc.word(i) == "&" && !doc.tokens[i].line_start;
            if (pl + 1 == first && amp(first))
                || (pl + 2 == first && amp(pl + 1) && !doc.tokens[first].line_start)
            {
                out.pop();
                out.push((pf, last, Kind::Org));
                continue;
            }
        }
        // A name opens with a word, not with "&".
        let first = if first < last && doc.word(first) == "&" {
            first + 1
        } else {
            first
        };
        // Inside a name already taken to its legal form below.
        if out.last().is_some_and(|p| first <= p.1) {
            continue;
        }
        // "Bear Stearns" + "Cos Inc": a company's legal form the tagger
        // read apart ends the name before it, which is a company's.
        if let Some(&(pf, pl, _)) = out.last() {
            if pl + 1 == first
                && !doc.tokens[first].line_start
                && (first..=last).all(|i| is_legal_form(doc, i))
            {
                out.pop();
                out.push((pf, with_legal_form(doc, last), Kind::Org));
                continue;
            }
        }
        // "Bear Stearns Inc" with "Inc" left out: the same.
        let (last, kind) = match with_legal_form(doc, last) {
            end if end > last => (end, Kind::Org),
            _ => (last, kind),
        };
        if !matches!(kind, Kind::Org | Kind::Person) {
            out.push((first, last, kind));
            continue;
        }
        if let Some(&(pf, pl, pk)) = out.last() {
            // "Banc" of "America Securities": one organisation.
            if pk == Kind::Org && kind == Kind::Org && pl + 2 == first && doc.word(pl + 1) == "of" {
                out.pop();
                out.push((pf, last, kind));
                continue;
            }
            if pl + 1 == first {
                let prev = doc.word(pf);
                let initials = pf == pl && (is_dotted_initials(dict, prev) || is_bare_initials(dict, prev));
                let generic = kind == Kind::Org
                    && last > first
                    && matches!(pk, Kind::Misc | Kind::Place)
                    && is_national(dict, doc, pf, pl)
                    && (first..=last).all(|i| dictionary::is_org_word(&key(doc.word(i))));
                if initials || generic {
                    out.pop();
                    out.push((pf, last, kind));
                    continue;
                }
            }
        }
        // Dotted initials the tagger left out.
        if first > 0
            && is_dotted_initials(dict, doc.word(first - 1))
            && out.last().is_none_or(|p| p.1 + 1 != first)
        {
            out.push((first - 1, last, kind));
            continue;
        }
        out.push((first, last, kind));
    }
    out
}

/// Legal forms of companies, as `key` writes them: the word after a name
/// that makes it a company's ("Bear Stearns Cos Inc", "Rio Tinto Plc").
/// ("AG" is left out: it is as often an attorney general's title.)
const LEGAL_FORMS: [&str; 17] = [
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "cos",
    "ltd",
    "limited",
    "llc",
    "plc",
    "lp",
    "llp",
    "gmbh",
    "nv",
    "bv",
    "spa",
    "sa",
];

/// Whether token `i` is a capitalised legal form ("Inc", "Corp.", "PLC").
fn is_legal_form(doc: &Doc, i: usize) -> bool {
    is_upper_word(doc, i) && LEGAL_FORMS.contains(&key(doc.word(i)).as_str())
}

/// `last`, or the last of the legal forms right after it on its line.
fn with_legal_form(doc: &Doc, last: usize) -> usize {
    let mut end = last;
    while end + 1 < doc.tokens.len() && !doc.tokens[end + 1].line_start && is_legal_form(doc, end + 1) {
        end += 1;
    }
    end
}

/// Whether tokens `first..=last` are a nationality or a country.
fn is_national(dict: &Dictionary, doc: &Doc, first: usize, last: usize) -> bool {
    let text = &doc.text[doc.tokens[first].start..doc.tokens[last].end];
    let k = key(text);
    dict.demonym_key(&k).is_some() || dict.lookup_mention(text, &k).is_some_and(|i| dict.is_country(i))
}

/// Cuts a span at each word written all in small letters that is no
/// connector ("Hillary Clinton met Bank of America", "Merrill Lynch to Bank
/// of America"); the pieces keep the kind, lose connectors at their ends,
/// and are dropped when nothing capitalised is left. Pushes them to `out`.
fn split_at_small_words(doc: &Doc, (first, last, kind): Span, out: &mut Vec<Span>) {
    let is_connector = |i: usize| CONNECTORS.contains(&doc.lower(i)) && doc.word(i) == doc.lower(i);
    // A word glued to the one before ("U.S.-led", "Ai n't") is part of it.
    let small = |i: usize| {
        let w = doc.word(i);
        w.chars().next().is_some_and(char::is_lowercase)
            && !w.chars().any(char::is_uppercase)
            && !is_connector(i)
            && (i == 0 || doc.tokens[i - 1].end < doc.tokens[i].start)
    };
    // A slash glued between two words separates two names
    // ("Agency/Korea News Service"); CoNLL's clubs ("Admira / Wacker")
    // are written with spaces, initials ("AC/DC") are short.
    let glued = |i: usize| i > 0 && doc.tokens[i - 1].end == doc.tokens[i].start;
    let slash = |i: usize| {
        i > first
            && i < last
            && doc.word(i) == "/"
            && glued(i)
            && glued(i + 1)
            && doc.word(i - 1).chars().count() >= 3
            && doc.word(i + 1).chars().count() >= 3
    };
    let small = |i: usize| small(i) || slash(i);
    if !(first..=last).any(small) {
        out.push((first, last, kind));
        return;
    }
    let mut start = first;
    for end in first..=last + 1 {
        if end <= last && !small(end) {
            continue;
        }
        // The piece start..end, without connectors at either end.
        let (mut f, mut l) = (start, end);
        while f < l && is_connector(f) {
            f += 1;
        }
        while l > f && is_connector(l - 1) {
            l -= 1;
        }
        // A piece that is one common word ("The city") names nothing.
        let lone_word = l == f + 1 && dictionary::is_common_word(&key(doc.word(f)));
        if f < l && is_upper_word(doc, f) && !lone_word {
            out.push((f, l - 1, kind));
        }
        start = end + 1;
    }
}

/// A person after a title or a party inside a longer span: "Republican Sen.
/// John McCain", "U.S. Secretary of State Hillary Clinton" (the tagger's
/// org), "Democrat Barack Obama" (its misc). The person is the words after
/// the last title ("of State" and the like belong to it), or, in a misc
/// span, the words from a first name on. What comes before stays when the
/// span was misc ("Republican") or a dictionary knows it ("U.S."); else
/// it is dropped ("Arizona Republican" read as an organisation).
fn split_title(doc: &Doc, dict: &Dictionary, (first, last, kind): Span, out: &mut Vec<Span>) {
    let person_at = title_end(doc, first, last, kind).or_else(|| party_end(doc, first, last, kind));
    let Some(p) = person_at else {
        out.push((first, last, kind));
        return;
    };
    let before = if p.1 > first { Some((first, p.1 - 1)) } else { None };
    if let Some((f, l)) = before {
        let text = &doc.text[doc.tokens[f].start..doc.tokens[l].end];
        let k = key(text);
        if dict.demonym_key(&k).is_some() || kind == Kind::Misc {
            out.push((f, l, Kind::Misc));
        } else if let Some(i) = dict.lookup_mention(text, &k) {
            out.push((f, l, dict.entry(i).kind));
        }
    }
    out.push((p.0, last, Kind::Person));
}

/// (first word of the person, first word of the title) when a title stands
/// inside the span before a name.
fn title_end(doc: &Doc, first: usize, last: usize, kind: Kind) -> Option<(usize, usize)> {
    let title = (first..last).rev().find(|&i| is_title_at(doc, i))?;
    // "President Bush" read as a person is already the person; "Prince
    // William Sound" read as a place is a place.
    if title == first && matches!(kind, Kind::Person | Kind::Place) {
        return None;
    }
    let mut name = title + 1;
    // "Secretary of State", "Chancellor of the Exchequer".
    if name < last && doc.lower(name) == "of" {
        name += 1;
        if name < last && doc.lower(name) == "the" {
            name += 1;
        }
        name += 1;
    }
    looks_like_person(doc, name, last, kind).then_some((name, title_start(doc, first, title)))
}

/// Where a title begins: "Prime Minister", "Treasury Secretary" are one.
fn title_start(doc: &Doc, first: usize, title: usize) -> usize {
    let mut t = title;
    while t > first && is_title_at(doc, t - 1) {
        t -= 1;
    }
    t
}

/// (first word of the person, same) when a misc span reads "Republican
/// John McCain": a word that is no name, then a first name and more.
fn party_end(doc: &Doc, first: usize, last: usize, kind: Kind) -> Option<(usize, usize)> {
    if kind != Kind::Misc || last < first + 2 {
        return None;
    }
    let name_bits = gaz::FIRST_NAME | gaz::LAST_NAME;
    // From a first name on, or else all but a one-word prefix, so long as
    // a first or last name is among the words ("Democrats Barack Obama").
    let p = (first + 1..last)
        .find(|&i| doc.gaz_bits(i) & gaz::FIRST_NAME != 0)
        .unwrap_or(first + 1);
    let prefix_is_no_name = (first..p).all(|i| doc.gaz_bits(i) & name_bits == 0);
    (prefix_is_no_name && looks_like_person(doc, p, last, Kind::Misc)).then_some((p, p))
}

/// Whether tokens `name..=last` can be a person's name: one to four
/// capitalised words, none a title or a word organisations are made of, one
/// of them a known first or last name unless the tagger read a person.
fn looks_like_person(doc: &Doc, name: usize, last: usize, kind: Kind) -> bool {
    if name > last || last - name >= MAX_NAME_AFTER_TITLE {
        return false;
    }
    let words_ok = (name..=last).all(|i| {
        let k = key(doc.word(i));
        is_upper_word(doc, i)
            && !doc.word(i).contains(|c: char| c.is_ascii_digit())
            && !dictionary::is_title_word(&k)
            && !dictionary::is_org_word(&k)
    });
    let known = kind == Kind::Person
        || (name..=last).any(|i| doc.gaz_bits(i) & (gaz::FIRST_NAME | gaz::LAST_NAME) != 0);
    words_ok && known
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::tokens::tokenize;

    /// The spans `repair` makes of `text` when the tagger read each of
    /// `read` (exact substrings) as one name of its kind.
    fn repaired(text: &str, read: &[(&str, Kind)]) -> Vec<(String, Kind)> {
        let dict = Dictionary::builtin().expect("the shipped dictionaries load");
        let doc = Doc::new(text, tokenize(text), &dict);
        let spans = read
            .iter()
            .map(|(name, kind)| {
                let start = text.find(name).expect("the name is in the text");
                let end = start + name.len();
                let first = doc
                    .tokens
                    .iter()
                    .position(|t| t.start == start)
                    .expect("a token starts it");
                let last = doc
                    .tokens
                    .iter()
                    .rposition(|t| t.end == end)
                    .expect("a token ends it");
                (first, last, *kind)
            })
            .collect();
        repair(&doc, &dict, spans)
            .into_iter()
            .map(|(f, l, k)| (text[doc.tokens[f].start..doc.tokens[l].end].to_string(), k))
            .collect()
    }

    fn names(list: &[(&str, Kind)]) -> Vec<(String, Kind)> {
        list.iter().map(|(n, k)| (n.to_string(), *k)).collect()
    }

    #[test]
    fn the_sentences_the_is_no_part_of_an_organisation() {
        let text = "The National Hurricane Center said so. The Times agreed. The Hague too. \
                    The Kestrel Finch Group did not.";
        let got = repaired(
            text,
            &[
                ("The National Hurricane Center", Kind::Org),
                ("The Times", Kind::Org),
                ("The Hague", Kind::Place),
                ("The Kestrel Finch Group", Kind::Org),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("National Hurricane Center", Kind::Org),
                ("The Times", Kind::Org),
                ("The Hague", Kind::Place),
                ("Kestrel Finch Group", Kind::Org)
            ])
        );
    }

    #[test]
    fn a_legal_form_after_a_name_makes_it_a_company() {
        let text = "Bear Stearns Cos Inc said so, and Kestrel Finch Ltd. agreed.";
        let got = repaired(
            text,
            &[
                ("Bear Stearns", Kind::Place),
                ("Cos Inc", Kind::Org),
                ("Kestrel Finch", Kind::Person),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("Bear Stearns Cos Inc", Kind::Org),
                ("Kestrel Finch Ltd.", Kind::Org)
            ])
        );
        // Not across a comma, nor a word in small letters.
        let text = "Bear Stearns, Inc. said so, and Kestrel co-owns it.";
        let got = repaired(text, &[("Bear Stearns", Kind::Place), ("Kestrel", Kind::Person)]);
        assert_eq!(
            got,
            names(&[("Bear Stearns", Kind::Place), ("Kestrel", Kind::Person)])
        );
    }

    #[test]
    fn a_person_after_a_title_or_a_party_is_a_person() {
        let text = "Arizona Republican Sen. John McCain spoke, and U.S. Secretary of State Hillary Clinton \
                    listened to Republican John McCain.";
        let got = repaired(
            text,
            &[
                ("Arizona Republican Sen. John McCain", Kind::Org),
                ("U.S. Secretary of State Hillary Clinton", Kind::Org),
                ("Republican John McCain", Kind::Misc),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("John McCain", Kind::Person),
                ("U.S.", Kind::Place),
                ("Hillary Clinton", Kind::Person),
                ("Republican", Kind::Misc),
                ("John McCain", Kind::Person),
            ])
        );
        // A title that opens a place's name is the place's.
        let text = "Oil spilled into Prince William Sound.";
        assert_eq!(
            repaired(text, &[("Prince William Sound", Kind::Place)]),
            names(&[("Prince William Sound", Kind::Place)])
        );
    }

    #[test]
    fn titles_before_a_person_persons_side_by_side_and_companies_read_as_persons() {
        let text = "Federal Reserve Chairman Ben Bernanke met Kim Jong Un, and Rossiyskaya Gazeta said so.";
        let got = repaired(
            text,
            &[
                ("Federal Reserve Chairman", Kind::Org),
                ("Ben Bernanke", Kind::Person),
                ("Kim Jong", Kind::Person),
                ("Un", Kind::Person),
                ("Rossiyskaya Gazeta", Kind::Person),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("Federal Reserve", Kind::Org),
                ("Ben Bernanke", Kind::Person),
                ("Kim Jong Un", Kind::Person),
                ("Rossiyskaya Gazeta", Kind::Org),
            ])
        );
        let text = "Analysts at Kestrel & Finch and at Marks & Spencer said so.";
        let got = repaired(
            text,
            &[
                ("Kestrel", Kind::Place),
                ("& Finch", Kind::Person),
                ("Marks", Kind::Person),
                ("Spencer", Kind::Person),
            ],
        );
        assert_eq!(
            got,
            names(&[("Kestrel & Finch", Kind::Org), ("Marks & Spencer", Kind::Org)])
        );
        let text = "Democratic contender New York Sen. Hillary Clinton said so.";
        let got = repaired(text, &[("New York Sen.", Kind::Org), ("Clinton", Kind::Person)]);
        assert_eq!(
            got,
            names(&[("New York", Kind::Org), ("Hillary Clinton", Kind::Person)])
        );
        let got = repaired(
            text,
            &[("New York Sen. Hillary", Kind::Org), ("Clinton", Kind::Person)],
        );
        assert_eq!(
            got,
            names(&[("New York", Kind::Place), ("Hillary Clinton", Kind::Person)])
        );
        // Not before a name that is not a person's, nor across a comma.
        let text = "the Toronto Star Chairman, Tom Smith, and Bank Chairman Acme Corp";
        let got = repaired(
            text,
            &[
                ("Toronto Star Chairman", Kind::Org),
                ("Tom Smith", Kind::Person),
                ("Bank Chairman", Kind::Org),
                ("Acme Corp", Kind::Org),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("Toronto Star Chairman", Kind::Org),
                ("Tom Smith", Kind::Person),
                ("Bank Chairman", Kind::Org),
                ("Acme Corp", Kind::Org),
            ])
        );
    }

    #[test]
    fn a_small_word_ends_a_name_but_connectors_and_glued_words_do_not() {
        let text = "Hillary Clinton met Bank of America and the U.S.-led talks of Charles de Gaulle.";
        let got = repaired(
            text,
            &[
                ("Hillary Clinton met Bank of America", Kind::Org),
                ("U.S.-led", Kind::Misc),
                ("Charles de Gaulle", Kind::Person),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("Hillary Clinton", Kind::Org),
                ("Bank of America", Kind::Org),
                ("U.S.-led", Kind::Misc),
                ("Charles de Gaulle", Kind::Person),
            ])
        );
    }

    #[test]
    fn initials_and_a_nationality_before_generic_words_join_the_name() {
        let text = "J.P. Morgan Chase and American International Group and the U.S. Senate and Banc of \
                    America Securities.";
        let got = repaired(
            text,
            &[
                ("Morgan Chase", Kind::Org),
                ("American", Kind::Misc),
                ("International Group", Kind::Org),
                ("U.S.", Kind::Place),
                ("Senate", Kind::Org),
                ("Banc", Kind::Org),
                ("America Securities", Kind::Org),
            ],
        );
        assert_eq!(
            got,
            names(&[
                ("J.P. Morgan Chase", Kind::Org),
                ("American International Group", Kind::Org),
                ("U.S.", Kind::Place),
                ("Senate", Kind::Org),
                ("Banc of America Securities", Kind::Org),
            ])
        );
    }
}
