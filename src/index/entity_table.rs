//! The archive's entity table: every name the articles used, grouped into one entity across the whole index.
//!
//! An article's names are settled inside the article (`entities::resolve`):
//! "Paulson" after "Henry Paulson" is Henry Paulson there. An article that
//! only says "Paulson", "GM" or "General Motors Corp." keeps that name in
//! the index. The table says, for the whole archive, which indexed names
//! are one entity:
//!
//! 1. names equal once a legal suffix ("Inc", "Corp.") or a possessive is
//!    dropped ("Citigroup Inc." and "Citigroup");
//! 2. an organisation's name behind a country's ("U.S. Treasury" and
//!    "Treasury"), when the archive has the name without it;
//! 3. a short form: a surname (or a person's name without the middle
//!    initial) is the person, a first word the organisation, an acronym the
//!    organisation with those initials, when the candidate named in most
//!    articles has at least `short_form_share` of the articles of the two
//!    most named (and at least a quarter of the short form's own). Below
//!    that, a surname stays its own entity and stands for every person with
//!    that surname.
//!
//! The table is derived from the index alone (its entity terms and their
//! live postings) and the rules, so it is the same after an incremental
//! run as after a clean build of the same files. It is written after each
//! run's last commit as `entities-<opstamp>.bin`; a reader whose commit has
//! none (a run killed between commit and table) works it out in memory.
//! The file records a digest of the names' counts the groups were worked
//! out from: a run that leaves them as they were (an edit that keeps an
//! article's names) takes the groups of the table before it and only
//! counts their articles again.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use smallvec::SmallVec;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term, TERMINATED};

use crate::binary_format::{self, put_str, put_varint, Reader};
use crate::entities::dictionary::{key, Dictionary};
use crate::entities::{EntityCount, Kind};
use crate::error::{Error, Result};

use super::{entity_term, NewsIndex};

/// The hasher of the maps the table is worked out with: names are hashed
/// hundreds of thousands of times, and SipHash was a tenth of the work.
type Fast = crate::entities::PremixedState;

/// One indexed name (a `key()`) under one kind, with its live articles
/// and mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameStat<'a> {
    pub kind: Kind,
    pub key: Cow<'a, str>,
    pub articles: u64,
    pub mentions: u64,
}

/// Two names (`key()`s, `a` < `b`) that `articles` articles say are one
/// entity (`entities::aliases`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasStat<'a> {
    pub a: Cow<'a, str>,
    pub b: Cow<'a, str>,
    pub articles: u64,
}

/// What the grouping rules need besides the names.
pub struct Rules<'a> {
    /// `key()`s of the legal suffixes.
    pub suffixes: &'a [String],
    pub share: f64,
    /// Whether a `key()` names a country (country prefixes).
    pub is_place: &'a dyn Fn(&str) -> bool,
    /// Whether a `key()` of one word is a title ("president", "sen"):
    /// "Senator Brannigan" is Brannigan.
    pub is_title: &'a dyn Fn(&str) -> bool,
    /// Whether a `key()` of one word is too general to stand for one name
    /// ("bank", "exchange").
    pub is_generic: &'a dyn Fn(&str) -> bool,
    /// Whether a `key()` is an organisation's name in the dictionaries
    /// ("bbc"): no surname or common word, whatever the archive's counts.
    pub is_known_org: &'a dyn Fn(&str) -> bool,
    /// Names the user settled in the override file: never a short form of
    /// another name.
    pub pinned: &'a dyn Fn(&str) -> bool,
    /// The given names a short given name stands for ("hank" -> "henry").
    pub given_names: &'a dyn Fn(&str) -> Vec<String>,
    /// Whether a `key()` of one word may stand before a name without being
    /// part of it ("insurer", "republican"): common words and titles.
    pub is_prefix: &'a dyn Fn(&str) -> bool,
    /// The share of a name's articles that must say it is another name
    /// for the two to be one entity.
    pub alias_share: f64,
}

/// One entity of the archive that more than one indexed name stands for
/// (or whose name a user may type otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `key()` of the canonical name.
    pub key: String,
    pub kind: Kind,
    /// Live articles naming it by any of its names.
    pub articles: u64,
    pub mentions: u64,
    /// The indexed names that are this entity (`key()`s, sorted).
    pub names: Vec<String>,
    /// The indexed terms (`kind:key`) `--entity` searches: its names under
    /// every kind they are indexed with, and for a surname that stays its
    /// own entity, the full names of everyone with that surname.
    pub terms: Vec<String>,
}

/// The archive's groups and the `key()`s that find them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityTable {
    /// `NewsIndex::table_fingerprint` of what it was worked out with.
    pub fingerprint: u64,
    /// `stats_digest` of the names and aliases `plan` grouped: a later
    /// commit with the same digest and fingerprint has the same groups.
    pub stats_digest: u128,
    pub groups: Vec<Group>,
    /// (`key()`, group), sorted: every name of a group, and each name with
    /// its suffix dropped.
    lookup: Vec<(String, u32)>,
    /// Names a group is searched with that are not its own (the full
    /// names an ambiguous surname stands for, a list of two names), as
    /// (group, one of its `terms`), sorted by the term's `key()`, then
    /// group. Worked out from `groups`, never stored. (Not a string each: a
    /// common surname of a large archive stands for thousands of names.)
    also: Vec<(u32, u32)>,
}

impl EntityTable {
    /// The group a `key()` is a name of, if it belongs to one.
    pub fn find(&self, k: &str) -> Option<&Group> {
        let i = self.lookup.binary_search_by(|(n, _)| n.as_str().cmp(k)).ok()?;
        self.groups.get(self.lookup[i].1 as usize)
    }

    /// The group of a name as a user typed it (`k`, its `key()`): as it
    /// is, or without its suffixes ("General Motors Corporation").
    pub fn find_typed(&self, k: &str, suffixes: &[String]) -> Option<&Group> {
        self.find(k)
            .or_else(|| self.find(&normal(k, suffixes)))
            .or_else(|| self.find(&fold(&normal(k, suffixes))))
    }

    /// The groups other than its own whose `--entity` finds the indexed
    /// name `k` ("Serena Williams" is found by "Williams" when that
    /// surname stands for several people).
    pub fn also_found_by<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a Group> + 'a {
        let name = |e: &(u32, u32)| also_name(&self.groups, *e);
        let from = self.also.partition_point(|e| name(e) < k);
        self.also[from..]
            .iter()
            .take_while(move |e| name(e) == k)
            .filter_map(|(g, _)| self.groups.get(*g as usize))
    }

    /// The group the indexed name `k` is one of the names of.
    pub fn group_of(&self, k: &str) -> Option<&Group> {
        self.find(k)
            .filter(|g| g.names.binary_search_by(|n| n.as_str().cmp(k)).is_ok())
    }

    /// (`key()`, group) of every name `find` knows, sorted.
    pub(super) fn lookup_entries(&self) -> &[(String, u32)] {
        &self.lookup
    }

    /// Whether the indexed name `k` is counted by a group (and so is not a
    /// row of its own in a listing).
    pub fn is_grouped(&self, k: &str) -> bool {
        self.group_of(k).is_some()
    }

    pub(super) fn from_groups(groups: Vec<Group>, suffixes: &[String]) -> EntityTable {
        // (key, is a normal form, group): a group's own name goes before
        // another group's name without its suffix ("the deal" is the
        // group of "The Deal", not of "The Deal LLC"), which may differ
        // from it only in what the rules compare ("The" before an
        // organisation's name).
        let mut entries = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            for name in &g.names {
                entries.push((name.clone(), false, i as u32));
                let n = fold(&normal(name, suffixes)).into_owned();
                if n != *name {
                    entries.push((n, true, i as u32));
                }
            }
        }
        entries.sort();
        entries.dedup_by(|a, b| a.0 == b.0);
        let lookup: Vec<(String, u32)> = entries.into_iter().map(|(k, _, g)| (k, g)).collect();
        EntityTable {
            fingerprint: 0,
            stats_digest: 0,
            also: also_of(&groups),
            groups,
            lookup,
        }
    }
}

/// `k` (a `key()`) without a trailing possessive and legal suffixes; at
/// least one word is kept.
pub fn normal(k: &str, suffixes: &[String]) -> String {
    // Most names have nothing to drop: they are their own normal form.
    let last = k.rsplit(' ').next().unwrap_or(k);
    if !k.ends_with("'s")
        && !k.starts_with(' ')
        && !k.contains("  ")
        && !last.is_empty()
        && last != "&"
        && last != "and"
        && !suffixes.iter().any(|s| s == last)
    {
        return k.to_string();
    }
    let k = k.strip_suffix("'s").unwrap_or(k);
    let mut words: Vec<&str> = k.split(' ').filter(|w| !w.is_empty()).collect();
    // "JPMorgan Chase & Co.": the suffix, then the "&" before it.
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| *w == "&" || *w == "and" || suffixes.iter().any(|s| s == w))
    {
        words.pop();
    }
    if let Some(last) = words.last_mut() {
        *last = last.strip_suffix("'s").unwrap_or(last);
    }
    words.join(" ")
}

/// Whether a name ends in a legal suffix ("General Motors Corp", "JPMorgan
/// Chase & Co's"): a company's own spelling. What else `normal` drops (a
/// trailing "&" or "and", spaces) is the tagger's cut, and says nothing of
/// what the name is: "Chicago &" did not make Chicago a company.
fn legal_suffix(k: &str, suffixes: &[String]) -> bool {
    let k = k.strip_suffix("'s").unwrap_or(k);
    let mut words = k.split(' ').filter(|w| !w.is_empty());
    let last = words.next_back();
    words.next().is_some() && last.is_some_and(|w| suffixes.iter().any(|s| s == w))
}

/// Words that do not give an initial to an acronym.
const NOT_INITIALS: [&str; 12] = [
    "and", "of", "the", "for", "de", "du", "des", "la", "le", "on", "in", "et",
];

/// The acronym of a name's words ("securities and exchange commission" ->
/// "sec", "standard & poor" -> "s&p").
fn initials(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !NOT_INITIALS.contains(w))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// The acronyms of a name's words: its initials, and for a name with "of"
/// in it, the forms that keep it ("bank of japan" -> "boj", "bank of
/// america" -> "bofa", "department of defense" -> "dod").
fn acronyms(words: &[&str]) -> Vec<String> {
    let mut out = vec![initials(words)];
    if words.contains(&"of") {
        for of in ["o", "of"] {
            let keep: String = words
                .iter()
                .filter(|w| **w == "of" || !NOT_INITIALS.contains(w))
                .map(|w| {
                    if *w == "of" {
                        of.to_string()
                    } else {
                        w.chars().take(1).collect()
                    }
                })
                .collect();
            out.push(keep);
        }
    }
    out
}

/// How a name came into its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// One of the entity's own spellings (suffixes aside).
    Own,
    /// Behind a country's name, or a short form or acronym.
    Other,
}

/// (A million-article archive has millions of names: every field is as
/// small as it can be.)
struct Node<'a> {
    key: &'a str,
    /// The normal form when it is not the key itself (most names are).
    own_norm: Option<Box<str>>,
    /// By kind, as far as u32 goes: only which kind has most is asked.
    mentions: [u32; 4],
    /// Over its kinds, as far as u32 goes (a name's articles of one kind
    /// are fewer than the index's documents).
    articles: u32,
    /// Bit `kind as usize` is set for each kind it was found as.
    kinds: u8,
    /// Written with a legal suffix as an organisation: an organisation.
    suffixed_org: bool,
}

impl Node<'_> {
    fn total(&self) -> u64 {
        u64::from(self.articles)
    }

    fn norm(&self) -> &str {
        self.own_norm.as_deref().unwrap_or(self.key)
    }

    fn has_kind(&self, kind: Kind) -> bool {
        self.kinds & (1 << kind as usize) != 0
    }
}

/// Sets of names, each with its members listed: a set's members are a
/// ring through `next` (joining two sets swaps one link of each), so no
/// name needs a list of its own.
/// (Node numbers are u32: a node is tens of bytes, so memory runs out long
/// before four billion names.)
struct UnionFind {
    parent: Vec<u32>,
    next: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            next: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] as usize != i {
            self.parent[i] = self.parent[self.parent[i] as usize];
            i = self.parent[i] as usize;
        }
        i
    }

    /// The names in `i`'s set, in no order.
    fn members(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut at = Some(i);
        std::iter::from_fn(move || {
            let here = at?;
            let next = self.next[here] as usize;
            at = (next != i).then_some(next);
            Some(here)
        })
    }

    /// Joins `from`'s set into `into`'s: `into`'s root stays the root.
    fn join(&mut self, from: usize, into: usize) {
        let (a, b) = (self.find(from), self.find(into));
        if a != b {
            self.parent[a] = b as u32;
            self.next.swap(a, b);
        }
    }
}

/// Per group root: its kind, articles (an upper bound: names are summed)
/// and whether one of its names has a legal suffix.
#[derive(Clone, Copy)]
struct Summary {
    kind: Kind,
    /// By kind, as `Total`'s.
    mentions: [u32; 4],
    articles: u64,
    /// One of its names is an organisation's with a legal suffix.
    suffixed: bool,
}

/// A set's names' mentions by kind, articles and whether one is suffixed.
#[derive(Clone, Copy, Default)]
struct Total {
    /// As far as u32 goes: only which kind has most is asked.
    mentions: [u32; 4],
    /// As far as u32 goes (a set's are a sum over its names, fewer than
    /// the postings, which `term_stats` keeps below that).
    articles: u32,
    suffixed: bool,
    /// The node is its set's root (no other node's total counts).
    root: bool,
}

/// The summaries of the sets, by root. A vector indexed by node, not a
/// map: `plan` asks it for every name, several times over. (The kind is
/// worked out when asked: one total per name is all that is kept.)
struct Summaries {
    totals: Vec<Total>,
}

impl Summaries {
    fn get(&self, root: &usize) -> Option<Summary> {
        self.totals.get(*root).filter(|t| t.root).map(|t| Summary {
            kind: kind_of(&t.mentions, t.suffixed),
            mentions: t.mentions,
            articles: u64::from(t.articles),
            suffixed: t.suffixed,
        })
    }

    /// The roots, in order.
    fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        self.totals
            .iter()
            .enumerate()
            .filter(|(_, t)| t.root)
            .map(|(i, _)| i)
    }

    /// After `uf.join` made the set of root `from` part of the set of root
    /// `into`: the same as summing all over again, for two sets.
    fn joined(&mut self, from: usize, into: usize) {
        if from == into {
            return;
        }
        let Some(t) = self.totals.get_mut(from).filter(|t| t.root) else {
            return;
        };
        t.root = false;
        let t = *t;
        if let Some(e) = self.totals.get_mut(into).filter(|e| e.root) {
            for (sum, more) in e.mentions.iter_mut().zip(t.mentions) {
                *sum = sum.saturating_add(more);
            }
            e.articles = e.articles.saturating_add(t.articles);
            e.suffixed |= t.suffixed;
        }
    }
}

/// The summaries of `uf`'s sets as they are now, in `into` (whose
/// vector is used again rather than allocated anew). A legal suffix counts
/// only in a set's own spellings, as in the groups' kinds at the end: a
/// name moved in behind another's (`Role::Other`) says nothing of what the
/// set is.
fn summaries(nodes: &[Node], role: &[Role], uf: &mut UnionFind, into: &mut Summaries) {
    let totals = &mut into.totals;
    totals.clear();
    totals.resize(nodes.len(), Total::default());
    for (i, n) in nodes.iter().enumerate() {
        let e = &mut totals[uf.find(i)];
        e.root = true;
        for k in 0..4 {
            e.mentions[k] = e.mentions[k].saturating_add(n.mentions[k]);
        }
        e.articles = e.articles.saturating_add(n.articles);
        e.suffixed |= n.suffixed_org && role[i] == Role::Own;
    }
}

/// The kind most mentions have; a name written with a legal suffix as an
/// organisation is an organisation ("Chrysler LLC" against the tagger's
/// "Chrysler" the person).
fn kind_of<T: Copy + Ord + Default>(mentions: &[T; 4], suffixed_org: bool) -> Kind {
    if suffixed_org {
        return Kind::Org;
    }
    let top = mentions.iter().copied().max().unwrap_or_default();
    Kind::ALL
        .into_iter()
        .find(|k| mentions[*k as usize] == top)
        .unwrap_or(Kind::Misc)
}

/// Groups the archive's names (see the module's rules): `count` names
/// (kind, `key()`, articles, mentions) sorted by key, then kind, and the
/// alias pairs. Pure: the same names and rules give the same table.
pub fn plan<'a>(
    names: impl Iterator<Item = (Kind, &'a str, u64, u64)>,
    count: usize,
    aliases: &[AliasStat],
    rules: &Rules,
) -> EntityTable {
    // The grouping's maps are freed before the lookup is built.
    EntityTable::from_groups(groups_of(names, count, aliases, rules), rules.suffixes)
}

/// The groups of `plan`.
fn groups_of<'a>(
    names: impl Iterator<Item = (Kind, &'a str, u64, u64)>,
    count: usize,
    aliases: &[AliasStat],
    rules: &Rules,
) -> Vec<Group> {
    // One node per name, whatever kinds the tagger gave it, in the order
    // of their keys: a name's node is found by a binary search.
    let mut nodes: Vec<Node> = Vec::with_capacity(count);
    for (kind, key, articles, mentions) in names {
        if key.is_empty() {
            continue;
        }
        if nodes.last().is_none_or(|n| n.key != key) {
            let norm = normal(key, rules.suffixes);
            let norm = match fold(&norm) {
                Cow::Borrowed(_) => norm,
                Cow::Owned(folded) => folded,
            };
            nodes.push(Node {
                key,
                // Most names are their own normal form: no copy.
                own_norm: (norm != key).then(|| norm.into_boxed_str()),
                mentions: [0; 4],
                articles: 0,
                kinds: 0,
                suffixed_org: false,
            });
        }
        let Some(n) = nodes.last_mut() else { continue };
        n.articles = n
            .articles
            .saturating_add(u32::try_from(articles).unwrap_or(u32::MAX));
        // (`term_stats` leaves out terms in no live article.)
        n.kinds |= 1 << kind as usize;
        let sum = &mut n.mentions[kind as usize];
        *sum = sum.saturating_add(u32::try_from(mentions).unwrap_or(u32::MAX));
        if kind == Kind::Org && legal_suffix(n.key, rules.suffixes) {
            n.suffixed_org = true;
        }
    }
    // A person's name after the titles the tagger took in with it; an
    // organisation's without "The" ("The Wall Street Journal").
    for n in &mut nodes {
        if kind_of(&n.mentions, n.suffixed_org) == Kind::Org {
            if let Some(rest) = n.norm().strip_prefix("the ").filter(|r| !r.is_empty()) {
                n.own_norm = Some(rest.into());
            }
        }
        if kind_of(&n.mentions, false) == Kind::Person {
            // Every title but the last word goes.
            let mut start = 0;
            while let Some((word, _)) = n.norm()[start..].split_once(' ') {
                if !(rules.is_title)(word) {
                    break;
                }
                start += word.len() + 1;
            }
            if start > 0 {
                n.own_norm = Some(n.norm()[start..].into());
            }
        }
    }
    // Each name's words, split once (the normal forms no longer change),
    // as numbers of distinct words: a vector of every name's words as
    // strings was a fifth of the table's memory at millions of names. The
    // rules below ask for them as strings, on the stack; the short forms'
    // search, which compares a name's words with those of many others,
    // compares the numbers.
    let numbered = WordIds::new(nodes.iter().map(|n| n.norm()), nodes.len());
    let words_of = |i: usize| numbered.words(i);
    let mut uf = UnionFind::new(nodes.len());
    let mut role = vec![Role::Own; nodes.len()];

    // 1. One normal form, one entity; also written without its spaces
    // ("J.P. Morgan", "JPMorgan") or its accents ("Sao Paulo"; "Bush",
    // which the dictionaries' Būsh, Egypt, took for itself), and a
    // person's name with its one middle initial ("Henry M. Paulson") when
    // no other initial is found with that name ("George H.W. Bush" beside
    // "George W. Bush").
    let mut norms = FirstOf::with_capacity(nodes.len());
    // Names without their spaces: each worked out in a buffer, none kept.
    let mut by_compact = FirstOf::with_capacity(nodes.len());
    let mut compact = String::new();
    let compact_of = |j: usize| nodes[j].norm().chars().filter(|c| *c != ' ');
    let mut initialled: HashMap<String, Vec<usize>, Fast> = HashMap::default();
    for (i, n) in nodes.iter().enumerate() {
        let first = norms.first(
            i,
            n.norm(),
            |j| nodes[j].norm() == n.norm(),
            |j| nodes[j].norm().to_string(),
        );
        if first != i {
            uf.join(i, first);
        }
        compact.clear();
        compact.extend(compact_of(i));
        let first = by_compact.first(
            i,
            &compact,
            |j| compact_of(j).eq(compact.chars()),
            |j| compact_of(j).collect(),
        );
        if first != i {
            uf.join(i, first);
        }
        // Either may be the person: the tagger reads a name in a list now
        // and then as a place ("were: Ben S. Bernanke, Chairman; ..."), and
        // the initial makes it the person's name when the name without it
        // is one.
        if !n.suffixed_org {
            if let Some(base) = without_middle_initials(&words_of(i)) {
                initialled.entry(base).or_default().push(i);
            }
        }
    }
    drop(by_compact);
    let by_norm = Lookup {
        map: &norms,
        key_of: |j: usize| nodes[j].norm(),
    };
    for (base, variants) in &initialled {
        if let ([one], Some(&b)) = (variants.as_slice(), by_norm.get(base.as_str())) {
            let person = |i: usize| kind_of(&nodes[i].mentions, false) == Kind::Person;
            if person(b) || person(*one) {
                uf.join(b, *one);
            }
        }
    }
    // A person's name with a short given name ("Hank Paulson") is the one
    // with the full given name ("Henry Paulson") when the archive has
    // exactly one such; with a middle name ("Hillary Rodham Clinton"), the
    // name without it when it is the only name of that kind.
    let is_person = |i: usize| kind_of(&nodes[i].mentions, false) == Kind::Person;
    let mut middled: HashMap<String, Vec<usize>, Fast> = HashMap::default();
    for i in 0..nodes.len() {
        let words = words_of(i);
        if !is_person(i) {
            continue;
        }
        if words.len() < 2 {
            continue;
        }
        let given = (rules.given_names)(words[0]);
        if !given.is_empty() {
            let rest = words[1..].join(" ");
            let full: Vec<usize> = given
                .iter()
                .filter_map(|g| by_norm.get(format!("{g} {rest}").as_str()).copied())
                .filter(|&j| is_person(j))
                .collect();
            if let [one] = full.as_slice() {
                uf.join(i, *one);
            }
        }
        if (3..=4).contains(&words.len()) && words[1..words.len() - 1].iter().all(|w| w.chars().count() > 1) {
            middled
                .entry(format!("{} {}", words[0], words[words.len() - 1]))
                .or_default()
                .push(i);
        }
    }
    for (base, variants) in &middled {
        if let ([one], Some(&b)) = (variants.as_slice(), by_norm.get(base.as_str())) {
            if is_person(b) && nodes[b].total() >= nodes[*one].total() {
                uf.join(*one, b);
            }
        }
    }

    // 2. "U.S. Treasury" is the Treasury when the archive names the
    // Treasury as an organisation.
    let mut sums = Summaries { totals: Vec::new() };
    summaries(&nodes, &role, &mut uf, &mut sums);
    let mut prefixed = Vec::new();
    let mut buf = String::new();
    for (i, n) in nodes.iter().enumerate() {
        if (rules.pinned)(n.key) {
            continue;
        }
        let words = words_of(i);
        for p in 1..=2.min(words.len().saturating_sub(1)) {
            if !(rules.is_place)(joined(&words[..p], &mut buf)) {
                continue;
            }
            let rest = words[p..].join(" ");
            if let Some(&j) = by_norm.get(rest.as_str()) {
                let root = uf.find(j);
                if sums.get(&root).is_some_and(|s| s.kind == Kind::Org) {
                    prefixed.push((i, j));
                    break;
                }
            }
        }
    }
    // "Insurer American International Group", "Republican John McCain": a
    // common word or title before a name found in far more articles; "Apple
    // Computer", "JPMorgan Securities": an organisation's name and words
    // any organisation's name may end with, when the name alone is found
    // in far more articles.
    // The kind of `j`'s set when it is found in `times` as many articles as
    // `i`'s (all the spellings of the longer name: "World Bank's" alone is
    // found in few articles, "World Bank" in many).
    let big = |j: usize, i: usize, times: u64, uf: &mut UnionFind| -> Option<Kind> {
        let long = sums.get(&uf.find(i)).map_or(nodes[i].total(), |s| s.articles);
        let s = sums.get(&uf.find(j))?;
        (s.articles >= times.saturating_mul(long)).then_some(s.kind)
    };
    // Names already found behind a country's, asked of every name.
    let mut is_prefixed = vec![false; nodes.len()];
    for &(i, _) in &prefixed {
        is_prefixed[i] = true;
    }
    let mut plural = String::new();
    for (i, n) in nodes.iter().enumerate() {
        if (rules.pinned)(n.key) || is_prefixed[i] {
            continue;
        }
        let words = words_of(i);
        if words.len() < 2 || words.contains(&"and") {
            continue;
        }
        // The rest must name something by itself: not one word any name
        // may be made of ("General Motors" is no title before "Motors").
        // (Asked only of a name whose first word may stand before one.)
        let rest_generic = || {
            words[1..]
                .iter()
                .all(|w| (rules.is_generic)(w) || (rules.is_prefix)(w))
        };
        // A place keeps its words ("North America"), and a country is no
        // name a word stands before.
        let place = kind_of(&n.mentions, n.suffixed_org) == Kind::Place;
        // "Bank" is no word before "of America": what follows a small word
        // is no name by itself.
        let rest_whole = !matches!(
            words[1],
            "of" | "for" | "and" | "&" | "de" | "the" | "in" | "on" | "at"
        );
        if (rules.is_prefix)(words[0])
            && rest_whole
            && !rest_generic()
            && !place
            && !(rules.is_place)(joined(&words[1..], &mut buf))
        {
            let rest = words[1..].join(" ");
            if let Some(&j) = by_norm.get(rest.as_str()) {
                if matches!(
                    big(j, i, FULL_NAME_RATIO, &mut uf),
                    Some(Kind::Org | Kind::Person)
                ) {
                    prefixed.push((i, j));
                    continue;
                }
            }
        }
        let mut generic = |w: &str| {
            (rules.is_generic)(w) || {
                plural.clear();
                plural.push_str(w);
                plural.push('s');
                (rules.is_generic)(&plural)
            }
        };
        for cut in (words.len().saturating_sub(2).max(1)..words.len()).rev() {
            if !words[cut..].iter().all(|w| generic(w)) {
                break;
            }
            // "General" of "General Motors" and "General Electric" names
            // neither: a head of one generic word or title takes nothing.
            // (A common word may: "Labour" of "Labour Party"; and two such
            // words are a name: "General Motors" of "General Motors
            // Securities".)
            if cut == 1 && (generic(words[0]) || (rules.is_title)(words[0])) {
                break;
            }
            let head = words[..cut].join(" ");
            if let Some(&j) = by_norm.get(head.as_str()) {
                // "BBC News", "BBC Radio" are the BBC's, however often the
                // articles write them: an organisation the dictionaries
                // know is no surname ("Morgan" of "Morgan Securities") that
                // must be found in far more articles to take them.
                let times = if (rules.is_known_org)(&head) {
                    1
                } else {
                    FULL_NAME_RATIO
                };
                if big(j, i, times, &mut uf) == Some(Kind::Org) {
                    prefixed.push((i, j));
                    break;
                }
            }
        }
    }
    // Only the names of the prefixed form move: they are its own.
    move_sets(&mut uf, &mut role, &prefixed);

    // "Bank of America and JPMorgan Chase", one name to the tagger, is two
    // entities the archive names far more often on their own: the name is
    // found with either. It joins the first and adds its terms to the
    // second's.
    summaries(&nodes, &role, &mut uf, &mut sums);
    let mut compounds: Vec<(usize, usize, usize)> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let words = words_of(i);
        let Some(at) = words.iter().position(|w| *w == "and") else {
            continue;
        };
        if at == 0 || at + 1 == words.len() || (rules.pinned)(n.key) {
            continue;
        }
        // Only a set of such lists moves, not a name joined to one.
        if uf.members(i).any(|m| !words_of(m).contains(&"and")) {
            continue;
        }
        let part = |ws: &[&str], uf: &mut UnionFind| -> Option<usize> {
            // "Securities and Exchange Commission" is no list: a part made
            // of words any name may be made of names nothing by itself.
            if ws.iter().all(|w| (rules.is_generic)(w) || (rules.is_prefix)(w)) {
                return None;
            }
            let j = *by_norm.get(normal(&ws.join(" "), rules.suffixes).as_str())?;
            let s = sums.get(&uf.find(j))?;
            let kind_ok = match s.kind {
                Kind::Org => true,
                // "Johnson and Johnson": a one-word person is a surname.
                Kind::Person => ws.len() > 1,
                _ => false,
            };
            (kind_ok && s.articles >= 2 * n.total()).then_some(j)
        };
        if let (Some(a), Some(b)) = (part(&words[..at], &mut uf), part(&words[at + 1..], &mut uf)) {
            if uf.find(a) != uf.find(b) {
                compounds.push((i, a, b));
            }
        }
    }
    let lists: Vec<(usize, usize)> = compounds.iter().map(|&(i, a, _)| (i, a)).collect();
    move_sets(&mut uf, &mut role, &lists);

    // Two names the articles say are one ("the Federal National Mortgage
    // Association (Fannie Mae)", "Fannie Mae, originally called the ..."):
    // the set found in fewer articles joins the other when at least
    // `alias_share` of its name's articles say so, and at least
    // `MIN_ALIAS_ARTICLES`, the two of one kind,
    // neither a place nor a name the user settled (a person and a company
    // with a legal suffix are one kind here). A legal name is the
    // entity's own, so it keeps its role (and its initials find it).
    summaries(&nodes, &role, &mut uf, &mut sums);
    // (Each map is freed after its last use: at a million articles, each
    // is tens or hundreds of megabytes.)
    drop(norms);
    let node_of = |k: &str| nodes.binary_search_by(|n| n.key.cmp(k)).ok();
    for d in aliases {
        let (Some(a), Some(b)) = (node_of(&d.a), node_of(&d.b)) else {
            continue;
        };
        // Two words or more that name something by themselves: "Holding
        // Co" is what the tagger left of a longer name.
        let names_something = |i: usize| {
            let words = words_of(i);
            words.len() >= 2
                && !words
                    .iter()
                    .all(|w| (rules.is_generic)(w) || (rules.is_prefix)(w))
        };
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb
            || (rules.pinned)(nodes[a].key)
            || (rules.pinned)(nodes[b].key)
            || !names_something(a)
            || !names_something(b)
        {
            continue;
        }
        let (Some(sa), Some(sb)) = (sums.get(&ra), sums.get(&rb)) else {
            continue;
        };
        // A person or a place the tagger saw in a name defined as a
        // company's legal name ("Freddie Mac, christened the Federal Home
        // Loan Mortgage Corp") is that company: the legal name says so, and
        // a place in brackets never made a pair (`aliases::defined`).
        let company = |x: &Summary, y: &Summary| {
            x.suffixed && x.kind == Kind::Org && matches!(y.kind, Kind::Person | Kind::Place)
        };
        let kinds_agree = sa.kind == sb.kind || company(&sa, &sb) || company(&sb, &sa);
        if !kinds_agree || (sa.kind == Kind::Place && sb.kind == Kind::Place) {
            continue;
        }
        let (small, big) = if (sa.articles, ra) < (sb.articles, rb) {
            (a, b)
        } else {
            (b, a)
        };
        if d.articles >= MIN_ALIAS_ARTICLES
            && d.articles as f64 >= rules.alias_share * nodes[small].total() as f64
        {
            uf.join(small, big);
            // Later pairs are judged on the sets as they are now.
            let into = uf.find(big);
            sums.joined(if into == ra { rb } else { ra }, into);
        }
    }

    // 3. Short forms and acronyms, longest first, so that "George Bush" has
    // joined "George W. Bush" before "Bush" counts the candidates.
    summaries(&nodes, &role, &mut uf, &mut sums);
    let sums = sums;
    // Candidates by last word (persons), first word (organisations) and
    // initials (organisations), over every root's own names.
    // (Node numbers in u32: at millions of names, these lists are tens of
    // megabytes.)
    let mut by_last: HashMap<&str, Vec<u32>, Fast> = HashMap::default();
    let mut org_by_last: HashMap<&str, Vec<u32>, Fast> = HashMap::default();
    let mut by_first: HashMap<&str, Vec<u32>, Fast> = HashMap::default();
    let mut by_initials: HashMap<String, Vec<u32>, Fast> = HashMap::default();
    for (i, n) in nodes.iter().enumerate() {
        let words = words_of(i);
        if words.len() < 2 || role[i] != Role::Own {
            continue;
        }
        let Some(s) = sums.get(&uf.find(i)) else { continue };
        match s.kind {
            Kind::Person => by_last.entry(words[words.len() - 1]).or_default().push(i as u32),
            Kind::Org => {
                // "Morgan" is the end of "J.P. Morgan" as much as the start
                // of "Morgan Stanley": a founder's surname after initials.
                // Not the end of any name ("Mac" is Apple's, not Freddie's).
                if words[..words.len() - 1].iter().all(|w| w.chars().count() <= 2) {
                    org_by_last
                        .entry(words[words.len() - 1])
                        .or_default()
                        .push(i as u32);
                }
                by_first.entry(words[0]).or_default().push(i as u32);
                // "AIG" is "American International Group", whose name
                // without its suffix is "American International".
                let k = n.key.strip_suffix("'s").unwrap_or(n.key);
                let mut all: Vec<&str> = k.split(' ').filter(|w| !w.is_empty()).collect();
                loop {
                    for acronym in acronyms(&all) {
                        if acronym.chars().count() >= 2 {
                            let list = by_initials.entry(acronym).or_default();
                            // Names come in order: only the last can be this
                            // one (a list of two-letter initials is long).
                            if list.last() != Some(&(i as u32)) {
                                list.push(i as u32);
                            }
                        }
                    }
                    if all.len() <= words.len() {
                        break;
                    }
                    all.pop();
                }
            }
            _ => {}
        }
    }
    // Each list's longest names first: a name asks only for longer ones,
    // and stops at the first that is not.
    for list in by_last.values_mut().chain(by_first.values_mut()) {
        list.sort_by_key(|&c| std::cmp::Reverse(numbered.of(c as usize).len()));
    }
    // Organisations' one-word names, sorted: "Citi" is the start of
    // "Citigroup" as "Lehman" is the first word of "Lehman Brothers".
    // (Nodes, sorted by their normal forms, then by number.)
    let mut one_word_orgs: Vec<u32> = nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| {
            role[*i] == Role::Own
                && !n.norm().contains(' ')
                && sums.get(&uf.find(*i)).is_some_and(|s| s.kind == Kind::Org)
        })
        .map(|(i, _)| i as u32)
        .collect();
    one_word_orgs
        .sort_unstable_by(|&a, &b| (nodes[a as usize].norm(), a).cmp(&(nodes[b as usize].norm(), b)));
    let mut shorts: Vec<u32> = sums
        .roots()
        .filter(|&r| !(rules.pinned)(nodes[r].key))
        .map(|r| r as u32)
        .collect();
    shorts.sort_by_key(|&r| (std::cmp::Reverse(numbered.of(r as usize).len()), r));
    // (Node numbers in u32, as the union-find's: a large archive has
    // hundreds of thousands of these lists.)
    let mut expansions: HashMap<u32, Vec<u32>, Fast> = HashMap::default();
    for s in shorts {
        let s = s as usize;
        let Some(summary) = sums.get(&s) else { continue };
        // A country is itself. Another place may be a surname the tagger
        // read as a town's name ("Bush", a town in Egypt), but no company's
        // first word ("Dubai" and "Dubai World"); a big city is no short
        // form of a person's name, found in far fewer articles.
        let place = summary.kind == Kind::Place;
        // Misc is no company's short form, but may be an acronym the tagger
        // took for a product's name ("BofA"), or a surname whose reading is
        // split: "the Bush administration", misc, org and person by turns
        // (CoNLL writes "Clinton administration" a person's, so the reading
        // moves with each retraining). A name read as misc almost always is
        // a product or an event ("Macintosh", not Robert Macintosh's).
        let misc = summary.kind == Kind::Misc;
        let misc_only = misc && {
            let all: u64 = summary.mentions.iter().map(|&m| u64::from(m)).sum();
            let other = all - u64::from(summary.mentions[Kind::Misc as usize]);
            other.saturating_mul(FULL_NAME_RATIO) < all
        };
        if place && (rules.is_place)(nodes[s].key) {
            continue;
        }
        // Every own name of the set asks: "J.P. Morgan" and "JPMorgan" are
        // one set, and only the second is the start of "JPMorgan Chase".
        // (candidate node, a person by the surname rule, by initials)
        let mut cands: Vec<(usize, bool, bool)> = Vec::new();
        let own: Vec<usize> = uf.members(s).filter(|&m| role[m] == Role::Own).collect();
        let mut one_word = false;
        for m in own {
            let words = words_of(m);
            if words.len() == 1 && (rules.is_generic)(words[0]) {
                continue;
            }
            one_word |= words.len() == 1;
            let last = words[words.len() - 1];
            let n = nodes[m].norm();
            let acronym_like = words.len() == 1
                && (2..=6).contains(&n.chars().count())
                && n.chars().all(|c| c.is_alphabetic() || c == '&');
            if misc && acronym_like && n.chars().count() >= 3 {
                for &c in by_initials.get(n).map(Vec::as_slice).unwrap_or_default() {
                    cands.push((c as usize, false, true));
                }
            }
            if misc_only {
                continue;
            }
            // (Longest first: only longer names are candidates.)
            // (The lists are long for a common word: words are compared as
            // numbers.)
            let own_words = numbered.of(m);
            for &c in by_last.get(last).map(Vec::as_slice).unwrap_or_default() {
                let full = numbered.of(c as usize);
                if full.len() <= words.len() {
                    break;
                }
                if is_subsequence(own_words, full) {
                    cands.push((c as usize, true, false));
                }
            }
            if place || misc {
                continue;
            }
            if words.len() == 1 {
                for &c in org_by_last.get(last).map(Vec::as_slice).unwrap_or_default() {
                    cands.push((c as usize, false, false));
                }
            }
            for &c in by_first.get(words[0]).map(Vec::as_slice).unwrap_or_default() {
                let full = numbered.of(c as usize);
                if full.len() <= words.len() {
                    break;
                }
                // "Toyota and Honda" is a list, not a longer name.
                let list = full.get(words.len()).is_some_and(|w| numbered.is_list_word(*w));
                if full.starts_with(own_words) && !list {
                    cands.push((c as usize, false, false));
                }
            }
            if words.len() == 1 && n.chars().count() >= MIN_WORD_START {
                let from = one_word_orgs.partition_point(|&c| nodes[c as usize].norm() <= n);
                for &c in &one_word_orgs[from..] {
                    if !nodes[c as usize].norm().starts_with(n) {
                        break;
                    }
                    cands.push((c as usize, false, false));
                }
            }
            if acronym_like {
                for &c in by_initials.get(n).map(Vec::as_slice).unwrap_or_default() {
                    cands.push((c as usize, false, true));
                }
            }
        }
        // The candidates' groups, with their articles. (Sorted by root
        // and merged: a common surname has thousands of candidates in a
        // large archive.)
        let own_root = uf.find(s);
        let mut by_root: Vec<(usize, bool, bool)> = cands
            .into_iter()
            .map(|(c, surname, acronym)| (uf.find(c), surname, acronym))
            .filter(|&(root, _, _)| root != own_root)
            .collect();
        by_root.sort_unstable_by_key(|g| g.0);
        let mut groups: Vec<(usize, u64, bool, bool)> = Vec::new();
        for (root, surname, acronym) in by_root {
            match groups.last_mut().filter(|g| g.0 == root) {
                Some(g) => {
                    g.2 |= surname;
                    g.3 |= acronym;
                }
                None => groups.push((root, sums.get(&root).map_or(0, |x| x.articles), surname, acronym)),
            }
        }
        groups.sort_by_key(|g| (std::cmp::Reverse(g.1), g.0));
        let Some(&(top, top_articles, _, by_initials)) = groups.first() else {
            continue;
        };
        let second = groups.get(1).map_or(0, |g| g.1);
        // News names a person or company in full before it shortens the
        // name: a full name found in far fewer articles than the short
        // form is another thing that starts or ends with it ("Commerce
        // Department told Senate").
        // An acronym is the name news uses most ("AIG"): its initials are
        // evidence enough.
        // (Not so for what the tagger took for something else: "GMT" is no
        // company's acronym.)
        let attested =
            (by_initials && !misc) || top_articles.saturating_mul(FULL_NAME_RATIO) >= summary.articles;
        // The candidate must stand out from the next one: many small
        // "Toyota Prius"-like names are no rival to Toyota Motor, while two
        // people named about as often are.
        let clear = top_articles > 0 && top_articles as f64 >= rules.share * (top_articles + second) as f64;

        if attested && clear {
            for k in uf.members(s) {
                role[k] = Role::Other;
            }
            uf.join(s, top);
        } else if one_word && groups.iter().filter(|g| g.2).count() >= 2 {
            // A surname of several people: it finds them all.
            expansions.insert(
                s as u32,
                groups.iter().filter(|g| g.2).map(|g| g.0 as u32).collect(),
            );
        }
    }

    drop((sums, numbered));
    drop((by_last, org_by_last, by_first, by_initials, one_word_orgs));
    // The groups: every root with more than one name, a name a user may
    // type otherwise, or a surname of several people.
    // They are made of node numbers while the nodes are there, and of
    // strings once the nodes are gone: at millions of names, the nodes and
    // the groups' strings (a common surname's lists everyone with it) were
    // the table's peak together.
    let root_of: Vec<u32> = (0..nodes.len()).map(|i| uf.find(i) as u32).collect();
    let mut planned = Vec::new();
    // A term is a name under one of its kinds: `entity_term(kind, key)`.
    let terms_of = |names: &mut dyn Iterator<Item = usize>, out: &mut Vec<(u32, Kind)>| {
        for i in names {
            for kind in Kind::ALL {
                if nodes[i].has_kind(kind) {
                    out.push((i as u32, kind));
                }
            }
        }
    };
    let mut also: HashMap<usize, Vec<usize>, Fast> = HashMap::default();
    for &(i, _, b) in &compounds {
        also.entry(root_of[b] as usize).or_default().push(i);
    }
    let mut members = Vec::new();
    for root in (0..nodes.len()).filter(|&i| root_of[i] as usize == i) {
        members.clear();
        members.extend(uf.members(root));
        let names = &members;
        let expansion = expansions.get(&(root as u32));
        let compound = also.get(&root);
        // A name the tagger typed two ways is one entity of one type
        // wherever it is shown or exported.
        let odd = names
            .iter()
            .any(|&i| nodes[i].norm() != nodes[i].key || nodes[i].kinds.count_ones() > 1);

        if names.len() < 2 && expansion.is_none() && compound.is_none() && !odd {
            continue;
        }
        let mut mentions = [0u64; 4];
        let mut suffixed = false;
        for &i in names {
            for (sum, m) in mentions.iter_mut().zip(nodes[i].mentions) {
                *sum += u64::from(m);
            }
            // A company's legal form says what the entity is only in one
            // of its own spellings: one article's "Bernanke & Company", in
            // the set of the surname that is Ben Bernanke's short form, made
            // the chairman of the Fed a company.
            suffixed |= nodes[i].suffixed_org && role[i] == Role::Own;
        }
        // The canonical name: an own spelling without a suffix if there is
        // one, the most often found.
        let canonical = names
            .iter()
            .copied()
            .max_by_key(|&i| {
                let n = &nodes[i];
                (
                    role[i] == Role::Own,
                    fold(n.key) == n.norm(),
                    n.total(),
                    std::cmp::Reverse(i),
                )
            })
            .unwrap_or(root);
        let mut terms = Vec::new();
        terms_of(&mut names.iter().copied(), &mut terms);
        if let Some(others) = expansion {
            // A full name may have joined another since (its own short form
            // of someone else's name): its set now.
            let mut sets: Vec<usize> = others
                .iter()
                .map(|&o| root_of[o as usize] as usize)
                .filter(|&o| o != root)
                .collect();
            sets.sort_unstable();
            sets.dedup();
            for o in sets {
                terms_of(&mut uf.members(o), &mut terms);
            }
        }
        if let Some(compound) = compound {
            terms_of(&mut compound.iter().copied(), &mut terms);
        }
        // (Each name has one node: one term per node and kind.)
        terms.sort_unstable();
        terms.dedup();
        terms.shrink_to_fit();
        planned.push(Planned {
            key: canonical as u32,
            kind: kind_of(&mentions, suffixed),
            articles: names.iter().map(|&i| nodes[i].total()).sum(),
            mentions: mentions.iter().sum(),
            names: names.iter().map(|&i| i as u32).collect(),
            terms,
        });
    }
    let keys: Vec<&str> = nodes.iter().map(|n| n.key).collect();
    drop((nodes, uf, role, root_of, expansions, also, members));
    planned
        .into_iter()
        .map(|p| {
            let mut terms: Vec<String> = p
                .terms
                .iter()
                .map(|&(i, kind)| super::entity_term(kind, keys[i as usize]))
                .collect();
            terms.sort_unstable();
            let mut names: Vec<String> = p.names.iter().map(|&i| keys[i as usize].to_string()).collect();
            names.sort_unstable();
            Group {
                key: keys[p.key as usize].to_string(),
                kind: p.kind,
                articles: p.articles,
                mentions: p.mentions,
                names,
                terms,
            }
        })
        .collect()
}

/// A group as `groups_of` plans it: names and terms as node numbers.
struct Planned {
    key: u32,
    kind: Kind,
    articles: u64,
    mentions: u64,
    names: Vec<u32>,
    /// (node, the kind its name is indexed under), sorted.
    terms: Vec<(u32, Kind)>,
}

/// Node numbers by a string worked out of each node, the first node for
/// each string: the strings are not kept but read back through the nodes.
struct FirstOf {
    table: hashbrown::HashTable<usize>,
    hasher: Fast,
}

impl FirstOf {
    fn with_capacity(n: usize) -> FirstOf {
        FirstOf {
            table: hashbrown::HashTable::with_capacity(n),
            hasher: Fast::default(),
        }
    }

    /// The first node whose string is `k`, `i` if none came before it.
    /// `is_k` says whether an earlier node's string is `k`; `key_of` gives
    /// a node's string, when the table grows.
    fn first(
        &mut self,
        i: usize,
        k: &str,
        mut is_k: impl FnMut(usize) -> bool,
        key_of: impl Fn(usize) -> String,
    ) -> usize {
        use std::hash::BuildHasher;
        let hasher = &self.hasher;
        match self
            .table
            .entry(hasher.hash_one(k), |&j| is_k(j), |&j| hasher.hash_one(key_of(j)))
        {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(i);
                i
            }
        }
    }
}

/// `FirstOf` with the nodes' strings, for lookups.
struct Lookup<'m, F> {
    map: &'m FirstOf,
    key_of: F,
}

impl<'m, 'k, F: Fn(usize) -> &'k str> Lookup<'m, F> {
    fn get(&self, k: &str) -> Option<&'m usize> {
        use std::hash::BuildHasher;
        self.map
            .table
            .find(self.map.hasher.hash_one(k), |&j| (self.key_of)(j) == k)
    }
}

/// Every name's words as numbers, one per distinct word: `of(i)` are name
/// `i`'s (its normal form split at spaces), `words(i)` the same as strings.
struct WordIds<'a> {
    ids: Vec<u32>,
    /// Where each name's words start in `ids`, and one past the last.
    starts: Vec<u32>,
    /// Each distinct word, by its number.
    text: Vec<&'a str>,
    /// The numbers of "and" and "&", if any name has them.
    list_words: [Option<u32>; 2],
}

impl<'a> WordIds<'a> {
    fn new(names: impl Iterator<Item = &'a str>, count: usize) -> WordIds<'a> {
        let mut numbers: HashMap<&str, u32, Fast> = HashMap::default();
        let mut text = Vec::new();
        let mut ids = Vec::new();
        let mut starts = Vec::with_capacity(count + 1);
        starts.push(0);
        for name in names {
            for word in name.split(' ') {
                let id = *numbers.entry(word).or_insert_with(|| {
                    text.push(word);
                    // (The names are from `Terms`, under four billion bytes.)
                    (text.len() - 1) as u32
                });
                ids.push(id);
            }
            starts.push(ids.len() as u32);
        }
        ids.shrink_to_fit();
        text.shrink_to_fit();
        WordIds {
            ids,
            starts,
            text,
            list_words: ["and", "&"].map(|w| numbers.get(w).copied()),
        }
    }

    fn of(&self, i: usize) -> &[u32] {
        &self.ids[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// On the stack for the few words most names have.
    fn words(&self, i: usize) -> SmallVec<[&'a str; 8]> {
        self.of(i).iter().map(|&id| self.text[id as usize]).collect()
    }

    /// "and" or "&": a name with it after another's words is a list.
    fn is_list_word(&self, id: u32) -> bool {
        self.list_words.contains(&Some(id))
    }
}

/// `words` joined by spaces, in `buf` (a name's words are looked up joined
/// many times over; one buffer spares a string each time).
fn joined<'b>(words: &[&str], buf: &'b mut String) -> &'b str {
    buf.clear();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            buf.push(' ');
        }
        buf.push_str(w);
    }
    buf
}

/// Joins the set of each `(name, into)` into `into`'s, the moved names no
/// longer their set's own. Roles are settled on the sets as they are before
/// any of these joins: a set that takes one name in may itself move, and
/// two names of one set may both be moved.
fn move_sets(uf: &mut UnionFind, role: &mut [Role], moves: &[(usize, usize)]) {
    let sets: &UnionFind = uf;
    let moved: Vec<usize> = moves.iter().flat_map(|&(i, _)| sets.members(i)).collect();
    for k in moved {
        role[k] = Role::Other;
    }
    for &(i, into) in moves {
        uf.join(i, into);
    }
}

/// Articles that must say two names are one: one article's brackets may
/// hold an actor's role or a runner's club ("Vera Drake (Phil Davis)").
const MIN_ALIAS_ARTICLES: u64 = 2;

/// Letters a one-word short form must have to be the start of a longer
/// one-word name ("Citi", "Citigroup").
const MIN_WORD_START: usize = 4;

/// A full name must be found in at least 1/FULL_NAME_RATIO as many
/// articles as the short form it takes.
const FULL_NAME_RATIO: u64 = 4;

/// A name's words without the one-letter words between its first and last
/// ("warren e buffett" -> "warren buffett"), if it has any.
pub fn without_middle_initials(words: &[&str]) -> Option<String> {
    let inner = words.get(1..words.len().checked_sub(1)?)?;
    let is_initial = |w: &&str| w.chars().count() == 1;
    if !inner.iter().any(is_initial) {
        return None;
    }
    let mut base = vec![words[0]];
    base.extend(inner.iter().filter(|w| !is_initial(w)));
    base.push(words[words.len() - 1]);
    Some(base.join(" "))
}

/// `k` with its letters' accents dropped ("būsh" -> "bush").
pub(super) fn fold(k: &str) -> std::borrow::Cow<'_, str> {
    use tantivy::tokenizer::{AsciiFoldingFilter, RawTokenizer, TextAnalyzer, TokenStream};
    if k.is_ascii() {
        return std::borrow::Cow::Borrowed(k);
    }
    let mut analyzer = TextAnalyzer::builder(RawTokenizer::default())
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(k);
    let mut out = String::with_capacity(k.len());
    while stream.advance() {
        out.push_str(&stream.token().text);
    }
    std::borrow::Cow::Owned(out)
}

fn is_subsequence<T: PartialEq>(short: &[T], full: &[T]) -> bool {
    let mut it = full.iter();
    short.iter().all(|w| it.any(|f| f == w))
}

/// Every entity term of the index with its live articles and mentions.
pub fn name_stats(index: &NewsIndex, searcher: &Searcher) -> Result<Vec<NameStat<'static>>> {
    let terms = term_stats(index, searcher, false)?;
    let names = terms
        .names_in_order()
        .0
        .map(|(kind, key, articles, mentions)| NameStat {
            kind,
            key: Cow::Owned(key.to_string()),
            articles,
            mentions,
        });
    Ok(names.collect())
}

/// The entity field's terms, sorted and merged over the segments, with
/// their live articles and mentions and, when asked for, their live
/// documents: counting a group's articles then reads them here rather than
/// looking each of its terms up again in every segment and decoding its
/// postings twice. Flat vectors, no map and no string per term: a
/// generated archive of a million articles has millions of names, most in
/// one article each, and a map of owned strings cost several times their
/// text.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Terms {
    /// Every term's text, one after another in order.
    text: String,
    /// Per term, where its text ends in `text` (it starts where the one
    /// before ends). Offsets and counts are u32, half of what usize would
    /// take at millions of terms: `term_stats` refuses more than that.
    ends: Vec<u32>,
    articles: Vec<u32>,
    /// Saturated at u32::MAX.
    mentions: Vec<u32>,
    /// Per term, where its documents end in `docs` (empty without docs).
    doc_ends: Vec<u32>,
    /// Documents numbered across the segments (a segment's first is the
    /// sum of the `max_doc`s before it).
    docs: Vec<u32>,
    /// The documents' numbers are below this.
    max_doc: usize,
}

impl Terms {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn term(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The first term not before `bound`.
    fn lower_bound(&self, bound: &str) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.term(mid) < bound {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn find(&self, term: &str) -> Option<usize> {
        let i = self.lower_bound(term);
        (i < self.len() && self.term(i) == term).then_some(i)
    }

    /// The terms that start with `prefix` and a ':' (one kind's names).
    fn block(&self, prefix: &str) -> std::ops::Range<usize> {
        // ';' is the character after ':'.
        self.lower_bound(&format!("{prefix}:"))..self.lower_bound(&format!("{prefix};"))
    }

    /// Every name (kind, `key()`, articles, mentions) in the order of their
    /// keys, then kinds, and how many: each kind's terms are one sorted
    /// run, so the runs are merged, with no list of them made.
    fn names_in_order(&self) -> (impl Iterator<Item = (Kind, &str, u64, u64)> + '_, usize) {
        let mut runs: Vec<(Kind, std::ops::Range<usize>)> = Kind::ALL
            .into_iter()
            .map(|k| (k, self.block(k.as_str())))
            .collect();
        let count = runs.iter().map(|(_, r)| r.len()).sum();
        let key = move |kind: Kind, i: usize| &self.term(i)[kind.as_str().len() + 1..];
        let names = std::iter::from_fn(move || {
            let (kind, run) = runs
                .iter_mut()
                .filter(|(_, r)| !r.is_empty())
                .min_by(|(ka, ra), (kb, rb)| key(*ka, ra.start).cmp(key(*kb, rb.start)).then(ka.cmp(kb)))?;
            let i = run.start;
            run.start += 1;
            Some((
                *kind,
                key(*kind, i),
                u64::from(self.articles[i]),
                u64::from(self.mentions[i]),
            ))
        });
        (names, count)
    }

    /// The alias pairs (with the articles that define them), sorted.
    fn aliases(&self) -> Vec<AliasStat<'_>> {
        let run = self.block(super::entity_terms::ALIAS);
        let mut aliases = Vec::new();
        for i in run {
            let name = &self.term(i)[super::entity_terms::ALIAS.len() + 1..];
            if let Some((a, b)) = name.split_once(super::entity_terms::ALIAS_SEPARATOR) {
                aliases.push(AliasStat {
                    a: Cow::Borrowed(a),
                    b: Cow::Borrowed(b),
                    articles: u64::from(self.articles[i]),
                });
            }
        }
        aliases.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
        aliases
    }

    /// Adds the terms of `upper`, all after this one's; none when the
    /// offsets would pass u32.
    fn append(&mut self, upper: Terms) -> Option<()> {
        let text = u32::try_from(self.text.len()).ok()?;
        let docs = u32::try_from(self.docs.len()).ok()?;
        u32::try_from(self.text.len() + upper.text.len()).ok()?;
        u32::try_from(self.docs.len() + upper.docs.len()).ok()?;
        self.text.push_str(&upper.text);
        self.ends.extend(upper.ends.iter().map(|e| e + text));
        self.articles.extend_from_slice(&upper.articles);
        self.mentions.extend_from_slice(&upper.mentions);
        self.doc_ends.extend(upper.doc_ends.iter().map(|e| e + docs));
        self.docs.extend_from_slice(&upper.docs);
        Some(())
    }

    fn docs_of(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.doc_ends[i - 1] as usize };
        self.doc_ends
            .get(i)
            .and_then(|&end| self.docs.get(start..end as usize))
            .unwrap_or_default()
    }

    /// A group's live articles (an article with several of its terms is
    /// one) and mentions. `seen` holds, per document, the last `mark`
    /// that counted it: no set is cleared between groups.
    fn count(&self, terms: &[String], mark: u32, seen: &mut [u32]) -> (u64, u64) {
        let (mut articles, mut mentions) = (0u64, 0u64);
        for t in terms {
            let Some(i) = self.find(t) else {
                continue;
            };
            mentions += u64::from(self.mentions[i]);
            for &doc in self.docs_of(i) {
                if let Some(s) = seen.get_mut(doc as usize).filter(|s| **s != mark) {
                    *s = mark;
                    articles += 1;
                }
            }
        }
        (articles, mentions)
    }
}

/// Every term of the entity field with its live articles and mentions
/// (and, with `docs`, its live documents), the segments' sorted term
/// lists merged. Two threads each take one half of the terms (split at
/// the middle term of the largest segment): this is most of what a re-run
/// that changed a few articles spends on the table, on one thread
/// otherwise, with the other core idle.
fn term_stats(index: &NewsIndex, searcher: &Searcher, with_docs: bool) -> Result<Terms> {
    term_stats_split(index, searcher, with_docs, SPLIT_TERMS)
}

/// `term_stats`, on two threads when the largest segment has `split_at`
/// terms or more.
fn term_stats_split(
    index: &NewsIndex,
    searcher: &Searcher,
    with_docs: bool,
    split_at: usize,
) -> Result<Terms> {
    let mut segments: Vec<SegmentTerms<'_>> = Vec::new();
    let mut max_doc = 0usize;
    for segment in searcher.segment_readers() {
        segments.push((
            segment
                .inverted_index(index.fields().entity)
                .map_err(|e| Error::tantivy(index.dir(), UNREADABLE, e))?,
            segment.alive_bitset(),
            u32::try_from(max_doc).unwrap_or(u32::MAX),
        ));
        max_doc += segment.max_doc() as usize;
    }
    let mut out = match split_term(&segments, split_at).map_err(|e| unreadable(index, e))? {
        None => terms_in(index, &segments, None, None, with_docs)?,
        Some(middle) => {
            let (upper, lower) = side_by_side(
                "newsidx-terms",
                || terms_in(index, &segments, Some(&middle), None, with_docs),
                || terms_in(index, &segments, None, Some(&middle), with_docs),
            );
            let upper = upper.map_err(|_| Error::Index {
                dir: index.dir().to_path_buf(),
                what: "cannot work out the entity table",
                message: "internal error while reading the entity terms (please report it)".into(),
            })?;
            let mut lower = lower?;
            lower.append(upper?).ok_or_else(|| too_many(index))?;
            lower
        }
    };
    out.max_doc = max_doc;
    // Kept while the table is worked out: not a doubling's spare room.
    out.text.shrink_to_fit();
    out.ends.shrink_to_fit();
    out.articles.shrink_to_fit();
    out.mentions.shrink_to_fit();
    out.doc_ends.shrink_to_fit();
    out.docs.shrink_to_fit();
    Ok(out)
}

/// Per segment of `term_stats`: its entity postings, live documents and
/// first document's number.
type SegmentTerms<'a> = (
    Arc<tantivy::InvertedIndexReader>,
    Option<&'a tantivy::fastfield::AliveBitSet>,
    u32,
);

/// Terms below which one thread reads them all: two threads' start costs
/// more than they save.
const SPLIT_TERMS: usize = 4096;

/// The middle term of the largest segment's entity terms, where
/// `term_stats` splits the work; none when there are few.
fn split_term(segments: &[SegmentTerms<'_>], split_at: usize) -> std::io::Result<Option<Vec<u8>>> {
    let Some(largest) = segments
        .iter()
        .map(|(i, _, _)| i.terms())
        .max_by_key(|t| t.num_terms())
    else {
        return Ok(None);
    };
    if largest.num_terms() < split_at.max(2) {
        return Ok(None);
    }
    let mut middle = Vec::new();
    Ok(largest
        .ord_to_term((largest.num_terms() / 2) as u64, &mut middle)?
        .then_some(middle))
}

/// The part of `term_stats` for the terms from `from` (included) up to
/// `to` (left out).
fn terms_in(
    index: &NewsIndex,
    segments: &[SegmentTerms<'_>],
    from: Option<&[u8]>,
    to: Option<&[u8]>,
    with_docs: bool,
) -> Result<Terms> {
    let failed = |e: std::io::Error| unreadable(index, e);
    let mut out = Terms::default();
    let streams = segments
        .iter()
        .map(|(i, _, _)| {
            let mut range = i.terms().range();
            if let Some(from) = from {
                range = range.ge(from);
            }
            if let Some(to) = to {
                range = range.lt(to);
            }
            range.into_stream()
        })
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(failed)?;
    let mut merged = tantivy::termdict::TermMerger::new(streams);
    while merged.advance() {
        let Ok(term) = std::str::from_utf8(merged.key()) else {
            continue;
        };
        let (mut articles, mut mentions) = (0u64, 0u64);
        let docs_from = out.docs.len();
        for (seg, info) in merged.current_segment_ords_and_term_infos() {
            let Some((inv, alive, base)) = segments.get(seg) else {
                continue;
            };
            let docs = &mut out.docs;
            live_postings(inv, &info, *alive, |doc, freq| {
                articles += 1;
                mentions += u64::from(freq);
                if with_docs {
                    docs.push(base.saturating_add(doc));
                }
            })
            .map_err(failed)?;
        }
        if articles == 0 {
            out.docs.truncate(docs_from);
            continue;
        }
        out.text.push_str(term);
        // Bounded: the offsets are u32 (four billion bytes of names, or
        // of postings, are hundreds of millions of articles).
        let (Ok(end), Ok(doc_end), Ok(articles)) = (
            u32::try_from(out.text.len()),
            u32::try_from(out.docs.len()),
            u32::try_from(articles),
        ) else {
            return Err(too_many(index));
        };
        out.ends.push(end);
        out.articles.push(articles);
        out.mentions.push(u32::try_from(mentions).unwrap_or(u32::MAX));
        if with_docs {
            out.doc_ends.push(doc_end);
        }
    }
    Ok(out)
}

/// What `term_stats` says when the index's entity terms cannot be read.
const UNREADABLE: &str = "cannot read the entity index";

fn unreadable(index: &NewsIndex, e: std::io::Error) -> Error {
    Error::tantivy(index.dir(), UNREADABLE, e.into())
}

/// Runs `other` on a thread named `name` while `here` runs on this one,
/// and `other` here too, after `here`, when no thread can be started. A
/// panic on the other thread is its `Err`, as `JoinHandle::join` gives it.
pub(crate) fn side_by_side<A: Send, B>(
    name: &str,
    other: impl Fn() -> A + Sync,
    here: impl FnOnce() -> B,
) -> (std::thread::Result<A>, B) {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name(name.into())
            .spawn_scoped(scope, &other);
        let b = here();
        let a = match handle {
            Ok(handle) => handle.join(),
            Err(_) => Ok(other()),
        };
        (a, b)
    })
}

fn too_many(index: &NewsIndex) -> Error {
    Error::Index {
        dir: index.dir().to_path_buf(),
        what: "cannot work out the entity table",
        message: format!("over {} bytes of names or postings", u32::MAX),
    }
}

/// Calls `f` with each live document of one term's postings in a segment
/// and the term's frequency in it, a block of postings at a time (what
/// `SegmentPostings` gives one by one, without its per-document calls).
fn live_postings(
    inverted: &tantivy::InvertedIndexReader,
    info: &tantivy::postings::TermInfo,
    alive: Option<&tantivy::fastfield::AliveBitSet>,
    mut f: impl FnMut(tantivy::DocId, u32),
) -> std::io::Result<()> {
    let mut block = inverted.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
    loop {
        let docs = block.docs();
        if docs.is_empty() {
            return Ok(());
        }
        for (i, &doc) in docs.iter().enumerate() {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                // `freq` (not `freqs()`, empty when none are stored) is 1
                // then, as `Postings::term_freq` says.
                f(doc, block.freq(i));
            }
        }
        block.advance();
    }
}

/// A digest of every term's live articles and mentions (a sum of the
/// entries' hashes, so that it does not depend on their order): the names
/// and aliases, all `plan` is given besides the rules, are a function of
/// them.
fn stats_digest(terms: &Terms) -> u128 {
    let mut sum = 0u128;
    let mut entry = Vec::new();
    for i in 0..terms.len() {
        // The counts' fixed width at the end keeps (term, counts) apart.
        entry.clear();
        entry.extend_from_slice(terms.term(i).as_bytes());
        entry.extend_from_slice(&u64::from(terms.articles[i]).to_le_bytes());
        entry.extend_from_slice(&u64::from(terms.mentions[i]).to_le_bytes());
        sum = sum.wrapping_add(xxhash_rust::xxh3::xxh3_128(&entry));
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&sum.to_le_bytes());
    h.update(&(terms.len() as u64).to_le_bytes());
    h.digest128()
}

/// The table of the index whose entity terms are `terms` (`term_stats`
/// with their documents): grouped by `plan`, each
/// group's articles and mentions counted over its terms' live postings
/// (an article that names it twice over is one article). `prior` may give
/// the table of an earlier commit worked out under the same rules
/// (`fingerprint`) from the same names and aliases with the same counts
/// (`stats_digest`): its groups are taken without `plan`, a function of
/// those alone,
/// while the groups' own counts, which an edit may change even so (an
/// article that drops one of a group's names as another takes it up), are
/// counted again.
fn build(
    index: &NewsIndex,
    terms: Terms,
    dict: &Dictionary,
    fingerprint: u64,
    prior: &dyn Fn(u64, u128) -> Option<EntityTable>,
) -> Result<EntityTable> {
    let rules_data = &index.mapping().rules.entities;
    let suffixes = rules_data.suffix_keys();
    let is_place = |k: &str| dict.is_country_key(k);
    let is_generic = crate::entities::dictionary::is_org_word;
    let is_known_org = |k: &str| dict.is_org_key(k);
    let pinned = |k: &str| dict.is_user_key(k);
    let is_title = crate::entities::dictionary::is_title_word;
    let given_names = |k: &str| crate::entities::dictionary::given_names_of(k).to_vec();
    let is_prefix = |k: &str| {
        crate::entities::dictionary::is_common_word(k) || crate::entities::dictionary::is_title_word(k)
    };
    let rules = Rules {
        is_title: &is_title,
        suffixes: &suffixes,
        share: rules_data.short_form_share,
        is_place: &is_place,
        is_generic: &is_generic,
        is_known_org: &is_known_org,
        pinned: &pinned,
        given_names: &given_names,
        is_prefix: &is_prefix,
        alias_share: rules_data.alias_share,
    };
    let digest = stats_digest(&terms);
    let prior =
        prior(fingerprint, digest).filter(|t| t.fingerprint == fingerprint && t.stats_digest == digest);
    let mut table = match prior {
        Some(table) => table,
        None => {
            // The names straight from the terms: a list of them was as
            // large as the terms themselves.
            let (names, count) = terms.names_in_order();
            plan(names, count, &terms.aliases(), &rules)
        }
    };
    table.fingerprint = fingerprint;
    table.stats_digest = digest;
    let mut seen = vec![u32::MAX; terms.max_doc];
    for (i, g) in table.groups.iter_mut().enumerate() {
        (g.articles, g.mentions) = terms.count(&g.terms, i as u32, &mut seen);
    }
    Ok(table)
}

impl NewsIndex {
    /// The opstamp of the index's last commit.
    pub(super) fn last_opstamp(&self) -> Result<u64> {
        self.index
            .load_metas()
            .map(|m| m.opstamp)
            .map_err(|e| Error::tantivy(&self.dir, "cannot read the index", e))
    }

    /// The names (without overrides' gazetteer) the table's rules ask.
    pub(super) fn table_dictionary(&self) -> Result<Dictionary> {
        let overrides = self
            .entity_overrides()
            .map(|p| crate::entities::dictionary::Overrides::read(&p))
            .transpose()?;
        Dictionary::names(overrides.as_ref())
    }

    /// What the table is worked out from besides the index: its rules, the
    /// dictionaries and overrides, and this code's version of the rules. A
    /// table written under others is worked out again.
    pub(super) fn table_fingerprint(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(RULES_VERSION);
        h.update(format!("{:?}", self.mapping().rules.entities).as_bytes());
        for text in crate::entities::dictionary::BUILTIN_TEXTS {
            h.update(text.as_bytes());
        }
        h.update(crate::entities::dictionary::NICKNAMES.as_bytes());
        if let Some(text) = self.entity_overrides().and_then(|p| std::fs::read(p).ok()) {
            h.update(&text);
        }
        h.digest()
    }

    /// The entity table of the last commit (`searcher` must see it): read
    /// from its file, or worked out now when that commit has none.
    pub fn entity_table(&self, searcher: &Searcher) -> Result<Arc<EntityTable>> {
        let name = file_name(self.last_opstamp()?);
        let fingerprint = self.table_fingerprint();
        if let Ok(kept) = self.table.lock() {
            if let Some((n, f, table)) = kept.as_ref() {
                if *n == name && *f == fingerprint {
                    return Ok(table.clone());
                }
            }
        }
        if let Some(table) = EntityTable::read(&self.dir.join(&name)).filter(|t| t.fingerprint == fingerprint)
        {
            let table = Arc::new(table);
            if let Ok(mut kept) = self.table.lock() {
                *kept = Some((name, fingerprint, table.clone()));
            }
            return Ok(table);
        }
        let terms = term_stats(self, searcher, true)?;
        Ok(Arc::new(build(
            self,
            terms,
            &self.table_dictionary()?,
            fingerprint,
            &|_, _| None,
        )?))
    }

    /// Writes the table of the last commit unless it is there already, and
    /// the names `--entity` resolves with (`entity_names`) unless they are:
    /// a run that changed the index ends here, and so does a run after one
    /// that was killed before its table was written, or one by an older
    /// newsidx that wrote no names. `threads`: how many it may keep busy
    /// (`index --threads`); with one, everything runs on this thread.
    pub fn refresh_entity_table(&self, threads: usize) -> Result<()> {
        let opstamp = self.last_opstamp()?;
        let name = file_name(opstamp);
        let fingerprint = self.table_fingerprint();
        let path = self.dir.join(&name);
        // A run that changed nothing ends here, the table checked whole
        // but not decoded.
        if super::entity_names::is_fresh(&self.dir, opstamp, fingerprint)
            && EntityTable::is_current(&path, fingerprint)
        {
            return Ok(());
        }
        let kept = EntityTable::read(&path).filter(|t| t.fingerprint == fingerprint);
        let (dict, table) = match kept {
            Some(table) => (self.table_dictionary()?, table),
            None => {
                // The terms are read, and the index's files unmapped, before
                // the table is worked out: at millions of names, the pages
                // read would stay in the process's memory until the end.
                // The dictionaries load meanwhile.
                let terms = || {
                    let split_at = if threads > 1 { SPLIT_TERMS } else { usize::MAX };
                    self.reader()
                        .and_then(|r| term_stats_split(self, &r.searcher(), true, split_at))
                };
                let (dict, terms) = if threads > 1 {
                    let (dict, terms) = side_by_side("newsidx-dict", || self.table_dictionary(), terms);
                    (dict.unwrap_or_else(|_| self.table_dictionary()), terms)
                } else {
                    (self.table_dictionary(), terms())
                };
                let (dict, terms) = (dict?, terms?);
                // A run whose changes left every name's counts as they were
                // (an edit that kept an article's names) keeps the groups
                // of the table before it.
                let prior = |fingerprint, digest| latest_table(&self.dir, &name, fingerprint, digest);
                let table = build(self, terms, &dict, fingerprint, &prior)?;
                crate::crashtest::point("entity-table");
                table.write(&self.dir, &name)?;
                (dict, table)
            }
        };
        // The names only spare a query the loading: where they cannot be
        // written (a full disk), queries load the table and dictionaries as
        // before, and the next run writes them.
        let _ = super::entity_names::write(&self.dir, opstamp, &table, &dict, fingerprint);
        Ok(())
    }
}

/// An article's entity under the archive's name for it.
pub struct Canonical {
    /// `key()` of the archive's name.
    pub key: String,
    /// The article's own spelling, when it is the archive's name.
    pub spelling: Option<String>,
    pub kind: Kind,
    pub mentions: u32,
    pub in_title: bool,
}

/// An article's entities as the archive names them: two names of one
/// entity ("GM", "General Motors Corp.") are one entity, with their
/// mentions added.
pub fn canonical_counts(table: &EntityTable, entities: Vec<EntityCount>) -> Vec<Canonical> {
    canonical_counts_with(table, entities, &mut Resolutions::default())
}

/// Where each name an article wrote goes in the archive's table, kept
/// across the articles of one listing: a result set of thousands of
/// articles names the same few thousand entities over and over, and each
/// lookup is a normalisation and two binary searches over the table.
#[derive(Default)]
pub struct Resolutions {
    by_name: HashMap<String, Resolution>,
}

/// What `canonical_counts` makes of one name, whatever the article.
struct Resolution {
    /// The archive's name (`key()` form) the name counts under.
    key: String,
    /// The group's kind; `None`: the name's own (no group has it).
    kind: Option<Kind>,
    /// Whether the article's spelling is the archive's name's.
    spelling: bool,
    /// The other entities the name also finds.
    also: Vec<(String, Kind)>,
}

impl Resolutions {
    fn of(&mut self, table: &EntityTable, name: &str) -> &Resolution {
        if !self.by_name.contains_key(name) {
            let k = key(name);
            let (ck, kind, spelling) = match table.group_of(&k) {
                Some(g) if g.key == k => (g.key.clone(), Some(g.kind), true),
                Some(g) => (g.key.clone(), Some(g.kind), false),
                None => (k.clone(), None, true),
            };
            let also = table
                .also_found_by(&k)
                .filter(|g| g.key != ck)
                .map(|g| (g.key.clone(), g.kind))
                .collect();
            let resolution = Resolution {
                key: ck,
                kind,
                spelling,
                also,
            };
            self.by_name.insert(name.to_string(), resolution);
        }
        &self.by_name[name]
    }
}

/// `canonical_counts` with the names resolved so far in `resolutions`.
pub fn canonical_counts_with(
    table: &EntityTable,
    entities: Vec<EntityCount>,
    resolutions: &mut Resolutions,
) -> Vec<Canonical> {
    let mut out: Vec<Canonical> = Vec::with_capacity(entities.len());
    for e in entities {
        let r = resolutions.of(table, &e.name);
        let own = (r.key.as_str(), r.kind.unwrap_or(e.kind), r.spelling);
        // The entities that find this name besides its own: the article
        // is theirs too, as `--entity` and the listing count it.
        for (ck, kind, spelling) in
            std::iter::once(own).chain(r.also.iter().map(|(k, kind)| (k.as_str(), *kind, false)))
        {
            let spelling = spelling.then(|| e.name.clone());
            match out.iter_mut().find(|c| c.key == ck) {
                Some(c) => {
                    c.mentions = c.mentions.saturating_add(e.mentions);
                    c.in_title |= e.in_title;
                    if c.spelling.is_none() {
                        c.spelling = spelling;
                    }
                }
                None => out.push(Canonical {
                    key: ck.to_string(),
                    spelling,
                    kind,
                    mentions: e.mentions,
                    in_title: e.in_title,
                }),
            }
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.mentions));
    out
}

/// What listings, `show` and the export leave out as no name: one letter,
/// no letter, the function words of `[entities] not_names` ("The", "I'm"),
/// a common English word alone as a person or misc ("Internet"), a legal
/// suffix alone, a time zone; and, by its spelling, two letters not in
/// capitals ("Mr", "St"; "EU" and "GM" are names). `--entity` still finds
/// them.
pub struct NotNames<'a> {
    rules: &'a crate::schema::TextRules,
    suffixes: Vec<String>,
}

impl<'a> NotNames<'a> {
    pub fn new(index: &'a NewsIndex) -> NotNames<'a> {
        let rules = &index.mapping().rules;
        NotNames {
            suffixes: rules.entities.suffix_keys(),
            rules,
        }
    }

    /// Whether the name whose `key()` is `k`, of `kind`, is no name.
    pub fn key(&self, k: &str, kind: Kind) -> bool {
        k.chars().count() < 2
            || !k.chars().any(char::is_alphabetic)
            || self.rules.entities.not_names.iter().any(|w| w == k)
            || (!k.contains(' ')
                && matches!(kind, Kind::Person | Kind::Misc)
                && crate::entities::dictionary::is_common_word(k))
            || self.suffixes.iter().any(|s| s == k)
            || self.rules.dates.zones.keys().any(|z| z.eq_ignore_ascii_case(k))
    }

    /// Whether a name spelled `name` is no name.
    pub fn spelling(&self, name: &str) -> bool {
        name.chars().count() == 2 && !name.chars().all(char::is_uppercase)
    }
}

impl NewsIndex {
    /// The stored article with this id, its entities under the archive's
    /// names (`show`, and serve's `/api/show/ID`).
    pub fn get_with_archive_names(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<super::StoredArticle>> {
        let Some(mut article) = self.get(searcher, id)? else {
            return Ok(None);
        };
        let table = self.entity_table(searcher)?;
        let entities = std::mem::take(&mut article.entities);
        article.entities = canonical_entities(self, searcher, &table, entities, &mut Default::default())?;
        Ok(Some(article))
    }
}

/// An article's stored entities under the archive's names, spelled as the
/// archive spells them, without what is no name (for `show` and the
/// export).
pub fn canonical_entities(
    index: &NewsIndex,
    searcher: &Searcher,
    table: &EntityTable,
    entities: Vec<EntityCount>,
    spellings: &mut HashMap<String, String>,
) -> Result<Vec<EntityCount>> {
    let mut out = Vec::new();
    let not_names = NotNames::new(index);
    for c in canonical_counts(table, entities) {
        if not_names.key(&c.key, c.kind) {
            continue;
        }
        // The archive's spelling, as `entities` lists it, not this
        // article's ("PlayStation" where one article wrote "Playstation").
        let name = cached_spelling(index, searcher, &c.key, spellings)?;
        if not_names.spelling(&name) {
            continue;
        }
        out.push(EntityCount {
            name,
            kind: c.kind,
            mentions: c.mentions,
            in_title: c.in_title,
        });
    }
    Ok(out)
}

/// The archive's name and type for a name an article used (`extract`):
/// itself when the table groups it with no other.
pub fn archive_name(
    index: &NewsIndex,
    searcher: &Searcher,
    table: &EntityTable,
    name: &str,
    kind: Kind,
    spellings: &mut HashMap<String, String>,
) -> Result<(String, Kind)> {
    let k = key(name);
    let Some(g) = table.group_of(&k) else {
        return Ok((name.to_string(), kind));
    };
    if g.key == k {
        return Ok((name.to_string(), g.kind));
    }
    Ok((cached_spelling(index, searcher, &g.key, spellings)?, g.kind))
}

/// `spelling_of(k)` (its key when no article has it), looked up once per
/// name: `spellings` keeps what was found.
fn cached_spelling(
    index: &NewsIndex,
    searcher: &Searcher,
    k: &str,
    spellings: &mut HashMap<String, String>,
) -> Result<String> {
    if let Some(name) = spellings.get(k) {
        return Ok(name.clone());
    }
    let name = spelling_of(index, searcher, k)?.unwrap_or_else(|| k.to_string());
    spellings.insert(k.to_string(), name.clone());
    Ok(name)
}

/// Articles read per name to find how it is spelled.
const SPELLING_SAMPLES: usize = 5;

/// How the articles spell the name whose `key()` is `k`: the spelling most
/// of a few articles have, small letters beating a headline's capitals.
pub fn spelling_of(index: &NewsIndex, searcher: &Searcher, k: &str) -> Result<Option<String>> {
    let failed = |e| Error::tantivy(index.dir(), "cannot list entities", e);
    let field = index.fields().entity;
    // The articles read are those with the smallest content hashes, not
    // the first in index order: which articles come first differs between
    // an index built run by run and a clean build of the same files, and
    // the spelling must not (found by scripts/stress-reindex: "US Open"
    // against "U.S. Open").
    let mut sample: std::collections::BinaryHeap<(u64, u32, u32)> = std::collections::BinaryHeap::new();
    for kind in Kind::ALL {
        let term = Term::from_field_text(field, &entity_term(kind, k));
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment.inverted_index(field).map_err(failed)?;
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::Basic)
                .map_err(|e| failed(e.into()))?
            else {
                continue;
            };
            let hashes = segment.fast_fields().u64("hash").map_err(failed)?;
            let alive = segment.alive_bitset();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    let hash = hashes.first(doc).unwrap_or(u64::MAX);
                    sample.push((hash, ord as u32, doc));
                    if sample.len() > SPELLING_SAMPLES {
                        sample.pop();
                    }
                }
                doc = postings.advance();
            }
        }
    }
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (_, ord, doc) in sample.into_sorted_vec() {
        let stored: TantivyDocument = searcher.doc(DocAddress::new(ord, doc)).map_err(failed)?;
        if let Some(e) = index
            .stored_entities(&stored)
            .into_iter()
            .find(|e| key(&e.name) == k)
        {
            match seen.iter_mut().find(|(name, _)| *name == e.name) {
                Some(s) => s.1 += 1,
                None => seen.push((e.name, 1)),
            }
        }
    }
    // Small letters beat a headline's capitals, then the most found; a tie
    // goes to the first in sort order, whatever order they were read in.
    seen.sort();
    Ok(seen
        .into_iter()
        .enumerate()
        .max_by_key(|(i, (name, n))| (name.chars().any(char::is_lowercase), *n, std::cmp::Reverse(*i)))
        .map(|(_, (name, _))| name))
}

const MAGIC: &[u8; 8] = b"NXENT\x00\x00\x02";
/// Changes whenever `plan`'s rules change, so that tables written by an
/// older newsidx are worked out again.
const RULES_VERSION: &[u8] = b"entity-table rules 21: generic heads, small words after a prefix, every spelling against a head, initials of any kind, known organisations take generic words, a legal name joins the place it defines, only a legal suffix says a company, and only in an own spelling, a surname read as misc among other kinds, a suffix only in an own spelling while the rules run";
const PREFIX: &str = "entities-";
const SUFFIX: &str = ".bin";

/// The table's file name for a commit.
pub fn file_name(opstamp: u64) -> String {
    format!("{PREFIX}{opstamp}{SUFFIX}")
}

/// The table of the latest commit in `dir` that has one, other than the
/// file `not`, when it was worked out under `fingerprint` from stats of
/// `digest` (`None` when not, or when there is none or it is damaged).
fn latest_table(dir: &Path, not: &str, fingerprint: u64, digest: u128) -> Option<EntityTable> {
    let latest = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let opstamp: u64 = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?.parse().ok()?;
            (name != not).then_some((opstamp, e.path()))
        })
        .max()?;
    let bytes = crate::binary_format::map(&latest.1).ok()?;
    // Its header says whether it will do before the whole is decoded.
    let mut head = Vec::with_capacity(32);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&fingerprint.to_le_bytes());
    head.extend_from_slice(&digest.to_le_bytes());
    if !bytes.starts_with(&head) {
        return None;
    }
    decode(&bytes)
}

impl EntityTable {
    /// Writes the table beside the index, whole or not at all (written
    /// under another name, then renamed), and removes older tables.
    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        let path = dir.join(name);
        crate::replace::replace_file(&path, &self.encode())?;
        let ours =
            |file: &str| file.starts_with(PREFIX) && (file.ends_with(SUFFIX) || file.ends_with(".tmp"));
        crate::replace::remove_others(dir, ours, Some(name));
        Ok(())
    }

    /// The table in `path`; `None` when there is none or it is damaged
    /// (the caller then works it out again).
    pub fn read(path: &Path) -> Option<EntityTable> {
        decode(&crate::binary_format::map(path).ok()?)
    }

    /// Whether `path` holds a table worked out under `fingerprint`, whole
    /// (its check holds), without decoding it.
    pub fn is_current(path: &Path, fingerprint: u64) -> bool {
        binary_format::unsealed_head(path, MAGIC.len() + 8).is_some_and(|head| {
            head.get(..MAGIC.len()) == Some(&MAGIC[..])
                && head.get(MAGIC.len()..) == Some(&fingerprint.to_le_bytes()[..])
        })
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        out.extend_from_slice(&self.stats_digest.to_le_bytes());
        put_varint(&mut out, self.groups.len() as u64);
        for g in &self.groups {
            put_str(&mut out, &g.key);
            out.push(g.kind as u8);
            put_varint(&mut out, g.articles);
            put_varint(&mut out, g.mentions);
            put_varint(&mut out, g.names.len() as u64);
            for n in &g.names {
                put_str(&mut out, n);
            }
            put_varint(&mut out, g.terms.len() as u64);
            for t in &g.terms {
                put_str(&mut out, t);
            }
        }
        put_varint(&mut out, self.lookup.len() as u64);
        for (k, g) in &self.lookup {
            put_str(&mut out, k);
            put_varint(&mut out, u64::from(*g));
        }
        binary_format::seal(&mut out);
        out
    }
}

fn decode(bytes: &[u8]) -> Option<EntityTable> {
    let body = binary_format::unseal(bytes)?;
    let mut r = Reader::new(body);
    if r.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let fingerprint = r.u64_fixed()?;
    let stats_digest = u128::from_le_bytes(r.take(16)?.try_into().ok()?);
    // Every count is bounded by the bytes left: a damaged count cannot ask
    // for a huge allocation.
    let bounded = |n: u64, r: &Reader| usize::try_from(n).ok().filter(|&n| n <= r.len());
    let n = r.varint()?;
    let n = bounded(n, &r)?;
    let mut groups = Vec::with_capacity(n);
    for _ in 0..n {
        let key = r.string()?;
        let kind = *Kind::ALL.get(usize::from(*r.take(1)?.first()?))?;
        let articles = r.varint()?;
        let mentions = r.varint()?;
        let k = r.varint()?;
        let names = (0..bounded(k, &r)?)
            .map(|_| r.string())
            .collect::<Option<Vec<_>>>()?;
        let k = r.varint()?;
        let terms = (0..bounded(k, &r)?)
            .map(|_| r.string())
            .collect::<Option<Vec<_>>>()?;
        groups.push(Group {
            key,
            kind,
            articles,
            mentions,
            names,
            terms,
        });
    }
    let k = r.varint()?;
    let mut lookup = Vec::with_capacity(bounded(k, &r)?);
    for _ in 0..k {
        let name = r.string()?;
        let g = u32::try_from(r.varint()?)
            .ok()
            .filter(|&g| (g as usize) < groups.len())?;
        lookup.push((name, g));
    }
    if !r.is_done() || !lookup.windows(2).all(|w| w[0].0 < w[1].0) {
        return None;
    }
    Some(EntityTable {
        fingerprint,
        stats_digest,
        also: also_of(&groups),
        groups,
        lookup,
    })
}

/// `EntityTable::also`: each group's terms whose name is none of its own.
fn also_of(groups: &[Group]) -> Vec<(u32, u32)> {
    let mut also = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        for (t, term) in g.terms.iter().enumerate() {
            let Some((_, k)) = term.split_once(':') else {
                continue;
            };
            if g.names.binary_search_by(|n| n.as_str().cmp(k)).is_err() {
                also.push((i as u32, t as u32));
            }
        }
    }
    let name = |e: &(u32, u32)| also_name(groups, *e);
    also.sort_by(|a, b| name(a).cmp(name(b)).then(a.0.cmp(&b.0)));
    // One name under two kinds is one entry.
    also.dedup_by(|a, b| a.0 == b.0 && name(a) == name(b));
    also.shrink_to_fit();
    also
}

/// The `key()` of an `EntityTable::also` entry: its term without the kind.
fn also_name(groups: &[Group], (g, t): (u32, u32)) -> &str {
    groups
        .get(g as usize)
        .and_then(|g| g.terms.get(t as usize))
        .and_then(|term| term.split_once(':'))
        .map_or("", |(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(kind: Kind, name: &str, articles: u64) -> NameStat<'static> {
        NameStat {
            kind,
            key: key(name).into(),
            articles,
            mentions: articles * 2,
        }
    }

    fn suffixes() -> Vec<String> {
        ["inc", "corp", "corporation", "co", "group", "holdings", "plc"]
            .map(String::from)
            .to_vec()
    }

    fn table(stats: &[NameStat]) -> EntityTable {
        table_with(stats, &[])
    }

    fn table_with(stats: &[NameStat], aliases: &[AliasStat]) -> EntityTable {
        let suffixes = suffixes();
        let is_place = |k: &str| matches!(k, "us" | "united states" | "japan" | "america");
        let pinned = |k: &str| k == "pinned";
        let is_title = |k: &str| matches!(k, "senator" | "president" | "general");
        let mut sorted: Vec<&NameStat> = stats.iter().collect();
        sorted.sort_by(|a, b| a.key.cmp(&b.key).then(a.kind.cmp(&b.kind)));
        plan(
            sorted.iter().map(|s| (s.kind, &*s.key, s.articles, s.mentions)),
            sorted.len(),
            aliases,
            &Rules {
                is_title: &is_title,
                suffixes: &suffixes,
                share: 0.8,
                is_place: &is_place,
                is_known_org: &|k: &str| k == "bbc",
                is_generic: &|k: &str| {
                    matches!(
                        k,
                        "bank"
                            | "securities"
                            | "computers"
                            | "assurance"
                            | "international"
                            | "exchange"
                            | "commission"
                            | "motors"
                            | "electric"
                    )
                },
                pinned: &pinned,
                given_names: &|k: &str| match k {
                    "hank" => vec!["henry".to_string()],
                    _ => Vec::new(),
                },
                is_prefix: &|k: &str| matches!(k, "insurer" | "republican" | "north"),
                alias_share: 0.5,
            },
        )
    }

    fn canonical(t: &EntityTable, name: &str) -> Option<String> {
        t.find_typed(&key(name), &suffixes()).map(|g| g.key.clone())
    }

    fn alias(a: &str, b: &str, articles: u64) -> AliasStat<'static> {
        let (a, b) = (key(a), key(b));
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        AliasStat {
            a: a.into(),
            b: b.into(),
            articles,
        }
    }

    #[test]
    fn generic_heads_small_words_spellings_and_initials_do_not_mislead_the_grouping() {
        let t = table(&[
            // "General" names neither company: a head of generic words
            // and titles takes no longer name.
            stat(Kind::Org, "General", 3000),
            stat(Kind::Org, "General Motors", 300),
            stat(Kind::Org, "General Electric", 200),
            // A common word may: "Labour" of "Labour Party" (here
            // "Republican", one of the rules' common words).
            stat(Kind::Org, "Republican", 3000),
            stat(Kind::Org, "Republican Bank", 300),
            // A common word ("Bank", here "Insurer") is no word before
            // "Of America".
            stat(Kind::Org, "Of America", 4000),
            stat(Kind::Org, "Insurer of America", 900),
            // The longer name's every spelling counts: "World Bank's" alone
            // is in few articles, "World Bank" in many.
            stat(Kind::Org, "World", 100),
            stat(Kind::Org, "World Bank", 300),
            stat(Kind::Org, "World Bank's", 5),
            // A name the dictionaries know as an organisation takes its
            // name and a generic word ("BBC News", here "BBC Bank") when
            // found in as many articles, not four times as many.
            stat(Kind::Org, "BBC", 168),
            stat(Kind::Org, "BBC Bank", 132),
            // A name with a middle initial the tagger read as a place is
            // the person without it.
            stat(Kind::Person, "Ben Bernanke", 1500),
            stat(Kind::Place, "Ben S. Bernanke", 15),
        ]);
        for (name, want) in [
            ("General Motors", None),
            ("General Electric", None),
            ("Republican Bank", Some("republican")),
            ("Insurer of America", None),
            ("World Bank's", Some("world bank")),
            ("Ben S. Bernanke", Some("ben bernanke")),
            ("BBC Bank", Some("bbc")),
        ] {
            let got = t.group_of(&key(name)).map(|g| g.key.as_str());
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn a_pair_is_judged_on_the_sets_earlier_pairs_made() {
        // Orion joins Vega (10 articles of 10 say so); Vega's set is then
        // 22 articles against Lyra's 15, so Lyra is the smaller and 7 of
        // its 15 articles are not half. (Judged on Vega's 12 alone, Vega
        // was the smaller and 7 of 12 were enough.)
        let stats = [
            stat(Kind::Org, "Orion Star Lines", 10),
            stat(Kind::Org, "Vega Harbor Works", 12),
            stat(Kind::Org, "Lyra Coast Mills", 15),
        ];
        let t = table_with(
            &stats,
            &[
                alias("Orion Star Lines", "Vega Harbor Works", 10),
                alias("Vega Harbor Works", "Lyra Coast Mills", 7),
            ],
        );
        assert_eq!(
            canonical(&t, "Orion Star Lines"),
            canonical(&t, "Vega Harbor Works")
        );
        assert_ne!(
            canonical(&t, "Lyra Coast Mills"),
            canonical(&t, "Vega Harbor Works")
        );
    }

    #[test]
    fn a_short_forms_company_spelling_does_not_make_a_person_a_company() {
        let t = table(&[
            stat(Kind::Person, "Ben Bernanke", 1500),
            stat(Kind::Person, "Bernanke", 600),
            stat(Kind::Org, "Bernanke & Co", 1),
            stat(Kind::Org, "Chrysler", 300),
            stat(Kind::Person, "Chrysler", 400),
            stat(Kind::Org, "Chrysler Corp", 40),
        ]);
        let kind_of = |name: &str| t.find(&key(name)).map(|g| (g.key.clone(), g.kind));
        let bernanke = Some(("ben bernanke".to_string(), Kind::Person));
        assert_eq!(kind_of("Bernanke & Co"), bernanke);
        assert_eq!(kind_of("Bernanke"), bernanke);
        // Its own spelling with a legal form still makes a company.
        assert_eq!(kind_of("Chrysler"), Some(("chrysler".to_string(), Kind::Org)));
    }

    #[test]
    fn a_suffix_moved_in_behind_a_word_does_not_hide_a_persons_surname() {
        // "Insurer Mary Stone Inc" is Mary Stone's set's behind a common
        // word, not one of its own spellings: she stays a person while the
        // rules run, and "Stone" is her short form.
        let t = table(&[
            stat(Kind::Person, "Mary Stone", 400),
            stat(Kind::Org, "Insurer Mary Stone Inc", 2),
            stat(Kind::Person, "Stone", 200),
        ]);
        let group = |name: &str| t.find(&key(name)).map(|g| (g.key.clone(), g.kind));
        let stone = Some(("mary stone".to_string(), Kind::Person));
        assert_eq!(group("Insurer Mary Stone Inc"), stone);
        assert_eq!(group("Stone"), stone);
    }

    #[test]
    fn a_surname_read_as_misc_is_the_persons_short_form() {
        let t = table(&[
            // "the Bush administration", read as misc more often than as
            // anything else.
            stat(Kind::Person, "George W. Bush", 1100),
            stat(Kind::Misc, "Bush", 420),
            stat(Kind::Org, "Bush", 200),
            stat(Kind::Person, "Bush", 80),
            // A misc name is no company's first word, and a person named
            // in far fewer articles is no one's full name for it.
            stat(Kind::Misc, "Windows", 800),
            stat(Kind::Org, "Windows Media Group", 300),
            stat(Kind::Misc, "Christmas", 2000),
            stat(Kind::Person, "Mary Christmas", 30),
            // Read as misc alone: Apple's computer, not the man.
            stat(Kind::Person, "Robert Macintosh", 70),
            stat(Kind::Misc, "Macintosh", 60),
        ]);
        let group = |name: &str| t.find(&key(name)).map(|g| (g.key.clone(), g.kind));
        let bush = Some(("george w bush".to_string(), Kind::Person));
        assert_eq!(group("Bush"), bush);
        for (short, full) in [
            ("Windows", "windows media group"),
            ("Christmas", "mary christmas"),
            ("Macintosh", "robert macintosh"),
        ] {
            assert!(t.find(&key(short)).is_none_or(|g| g.key != full), "{short}");
        }
    }

    #[test]
    fn a_cut_name_does_not_make_a_place_a_company() {
        for (cut, kind) in [("Chicago &", Kind::Place), ("Chicago Corp", Kind::Org)] {
            let t = table(&[stat(Kind::Place, "Chicago", 1400), stat(Kind::Org, cut, 3)]);
            let g = t.find(&key(cut)).expect("a group");
            assert_eq!((g.key.as_str(), g.kind), ("chicago", kind), "{cut}");
        }
    }

    #[test]
    fn names_the_articles_say_are_one_are_one_entity() {
        let stats = [
            stat(Kind::Org, "Fannie Mae", 1268),
            stat(Kind::Org, "Federal National Mortgage Association", 7),
            stat(Kind::Org, "Maiden Lane", 16),
            stat(Kind::Org, "Bear Stearns", 900),
            stat(Kind::Org, "Pinned", 3),
            stat(Kind::Org, "Tetra Tech", 3),
            stat(Kind::Person, "Fannie Smith", 4),
            stat(Kind::Org, "Acme Widgets", 4),
        ];
        let t = table_with(
            &stats,
            &[
                alias("Federal National Mortgage Association", "Fannie Mae", 4),
                // Said in a quarter of Maiden Lane's articles: not enough.
                alias("Maiden Lane", "Bear Stearns", 4),
                // The user's names are theirs to settle.
                alias("Pinned", "Tetra Tech", 3),
                // A person and a company are not one.
                alias("Fannie Smith", "Acme Widgets", 4),
            ],
        );
        let fnma = t
            .find(&key("Federal National Mortgage Association"))
            .map(|g| g.key.clone());
        assert_eq!(fnma, Some(key("Fannie Mae")));
        let g = t.find(&key("Fannie Mae")).expect("a group");
        assert!(g
            .terms
            .contains(&entity_term(Kind::Org, "Federal National Mortgage Association")));
        for lone in ["Maiden Lane", "Pinned", "Fannie Smith", "Acme Widgets"] {
            assert!(
                t.find(&key(lone)).is_none(),
                "{lone} is its own entity: {:?}",
                t.find(&key(lone))
            );
        }
        // The tagger's person or place is the company the archive defines
        // it as; two places are not one.
        for (kind, legal, group) in [
            (Kind::Person, Kind::Org, ("freddie mac", Kind::Org)),
            (Kind::Place, Kind::Org, ("freddie mac", Kind::Org)),
            (
                Kind::Place,
                Kind::Place,
                ("federal home loan mortgage corp", Kind::Place),
            ),
        ] {
            let t = table_with(
                &[
                    stat(kind, "Freddie Mac", 1413),
                    stat(legal, "Federal Home Loan Mortgage Corp", 7),
                ],
                &[alias("Federal Home Loan Mortgage Corp", "Freddie Mac", 6)],
            );
            let g = t.find(&key("Federal Home Loan Mortgage Corp")).expect("a group");
            assert_eq!((g.key.as_str(), g.kind), group, "{kind:?}");
        }
        // Words any name may be made of name nothing by themselves.
        let t = table_with(
            &[
                stat(Kind::Org, "Exchange Commission", 2),
                stat(Kind::Org, "Acme Widgets", 40),
            ],
            &[alias("Exchange Commission", "Acme Widgets", 2)],
        );
        assert!(t.find(&key("Exchange Commission")).is_none());
        // One article is no archive's word for it.
        let t = table_with(
            &[
                stat(Kind::Person, "Vera Drake", 22),
                stat(Kind::Person, "Phil Davis", 1),
            ],
            &[alias("Vera Drake", "Phil Davis", 1)],
        );
        assert!(t.find(&key("Phil Davis")).is_none());
        // Under half of the smaller name's articles: two entities.
        let t = table_with(
            &stats,
            &[alias("Federal National Mortgage Association", "Fannie Mae", 3)],
        );
        assert!(t.find(&key("Federal National Mortgage Association")).is_none());
    }

    #[test]
    fn an_organisations_last_word_is_its_short_form_only_after_initials() {
        let t = table(&[
            stat(Kind::Org, "J.P. Morgan", 400),
            stat(Kind::Org, "Morgan", 90),
            stat(Kind::Org, "Freddie Mac", 1300),
            stat(Kind::Org, "Mac", 130),
        ]);
        assert_eq!(canonical(&t, "Morgan"), Some(key("J.P. Morgan")));
        assert_eq!(canonical(&t, "Mac"), None, "Apple's Mac is not Freddie Mac");
    }

    #[test]
    fn suffixes_possessives_and_country_prefixes_are_one_entity() {
        let t = table(&[
            stat(Kind::Org, "General Motors Corp.", 2188),
            stat(Kind::Org, "General Motors", 817),
            stat(Kind::Org, "Citigroup Inc.", 1521),
            stat(Kind::Org, "Citigroup", 2480),
            stat(Kind::Org, "Standard & Poor's", 900),
            stat(Kind::Org, "Standard & Poor", 1594),
            stat(Kind::Org, "U.S. Securities and Exchange Commission", 1526),
            stat(Kind::Org, "Securities and Exchange Commission", 707),
            stat(Kind::Org, "News Corp", 300),
        ]);
        for (name, want) in [
            ("General Motors Corp.", "general motors"),
            ("General Motors Corporation", "general motors"),
            ("general motors", "general motors"),
            ("Citigroup Inc", "citigroup"),
            ("Standard & Poor's", "standard & poor"),
            (
                "U.S. Securities and Exchange Commission",
                "securities and exchange commission",
            ),
            (
                "Securities and Exchange Commission",
                "securities and exchange commission",
            ),
            // A suffix is dropped to find a name, not to rename it.
            ("News", "news corp"),
        ] {
            assert_eq!(canonical(&t, name).as_deref(), Some(want), "{name}");
        }
        let gm = t.find("general motors").unwrap();
        assert_eq!(gm.kind, Kind::Org);
        assert_eq!(gm.terms, ["org:general motors", "org:general motors corp"]);
    }

    #[test]
    fn given_names_middle_names_prefixes_descriptors_and_lists() {
        let t = table(&[
            stat(Kind::Person, "Henry Paulson", 1100),
            stat(Kind::Person, "Hank Paulson", 26),
            stat(Kind::Person, "Hillary Clinton", 80),
            stat(Kind::Person, "Hillary Rodham Clinton", 3),
            // Two middle names for one base: neither is settled.
            stat(Kind::Person, "Gus Ansel Marr", 2),
            stat(Kind::Person, "Gus Bram Marr", 2),
            stat(Kind::Person, "Gus Marr", 20),
            stat(Kind::Person, "John McCain", 300),
            stat(Kind::Misc, "Republican John McCain", 40),
            stat(Kind::Org, "American International Group", 1000),
            stat(Kind::Person, "Insurer American International Group", 4),
            stat(Kind::Org, "Apple", 1200),
            stat(Kind::Org, "Apple Computer", 77),
            stat(Kind::Org, "JPMorgan", 1000),
            stat(Kind::Org, "JPMorgan Securities", 30),
            stat(Kind::Org, "JPMorgan Chase", 1500),
            stat(Kind::Org, "Bank of America", 2000),
            stat(Kind::Org, "Bank of America Corp and JPMorgan Chase", 30),
            stat(Kind::Misc, "BofA", 250),
            stat(Kind::Misc, "GMT", 1500),
            stat(Kind::Org, "Great Mountain Trust", 5),
            stat(Kind::Org, "The Wall Street Journal", 500),
            // A name of its own is found as typed, before another's name
            // without its suffix.
            stat(Kind::Org, "Tallow", 900),
            stat(Kind::Org, "The Tallow Corp", 3),
            stat(Kind::Place, "The Tallow", 8),
            stat(Kind::Org, "The Tallow", 2),
            stat(Kind::Org, "Wall Street Journal", 1800),
            // A big company and a word any name may end with, but found
            // about as often as the company: its own.
            stat(Kind::Org, "Morgan", 100),
            stat(Kind::Org, "Morgan Securities", 60),
            // "Johnson and Johnson" is no list of two surnames.
            stat(Kind::Person, "Johnson", 900),
            stat(Kind::Org, "Johnson and Johnson", 200),
            stat(Kind::Org, "Securities and Exchange Commission", 700),
            stat(Kind::Org, "Securities", 3000),
            stat(Kind::Org, "Exchange Commission", 2000),
        ]);
        for (name, want) in [
            ("Hank Paulson", "henry paulson"),
            ("Hillary Rodham Clinton", "hillary clinton"),
            ("Republican John McCain", "john mccain"),
            (
                "Insurer American International Group",
                "american international group",
            ),
            ("Apple Computer", "apple"),
            ("JPMorgan Securities", "jpmorgan chase"),
            ("Bank of America Corp and JPMorgan Chase", "bank of america"),
            ("BofA", "bank of america"),
            ("The Wall Street Journal", "wall street journal"),
            // (and "Morgan" its short form, as before)
            ("Morgan Securities", "morgan securities"),
        ] {
            assert_eq!(canonical(&t, name).as_deref(), Some(want), "{name}");
        }
        for own in [
            "Gus Ansel Marr",
            "Gus Marr",
            "Johnson and Johnson",
            "Securities and Exchange Commission",
        ] {
            assert!(!t.is_grouped(&key(own)), "{own} is its own entity");
        }
        // The list is found with either of its entities.
        let own = t.find("the tallow").expect("a group");
        assert!(own.names.contains(&"the tallow".to_string()), "{own:?}");
        let jpm = t.find("jpmorgan chase").unwrap();
        assert!(jpm
            .terms
            .contains(&"org:bank of america corp and jpmorgan chase".to_string()));
    }

    #[test]
    fn a_name_that_takes_in_lists_and_descriptors_keeps_its_short_forms() {
        let t = table(&[
            stat(Kind::Org, "General Motors Corp", 2200),
            stat(Kind::Org, "General Motors", 800),
            stat(Kind::Org, "GM", 2000),
            stat(Kind::Org, "Ford Motor", 1500),
            stat(Kind::Org, "Bank of America", 2000),
            stat(Kind::Org, "General Motors and Ford Motor", 40),
            stat(Kind::Org, "General Motors and Ford Motor Co", 20),
            stat(Kind::Org, "Ford Motor and General Motors", 30),
            stat(Kind::Org, "General Motors and Bank of America", 5),
            stat(Kind::Org, "General Motors Securities", 12),
            stat(Kind::Org, "General Motors Securities Bank", 2),
            stat(Kind::Person, "Insurer General Motors", 3),
            // A place keeps its words.
            stat(Kind::Org, "America", 900),
            stat(Kind::Place, "North America", 100),
            stat(Kind::Org, "North Dunmore", 10),
            stat(Kind::Org, "Dunmore", 900),
            stat(Kind::Org, "American International Group", 1100),
            stat(Kind::Org, "American International Assurance Co", 20),
            stat(Kind::Org, "American International Assurance Corp", 10),
            stat(Kind::Org, "AIG", 1000),
        ]);
        for (name, want) in [
            ("GM", "general motors"),
            ("General Motors Securities Bank", "general motors"),
            ("Insurer General Motors", "general motors"),
            ("AIG", "american international group"),
            (
                "American International Assurance Co",
                "american international group",
            ),
            ("North Dunmore", "dunmore"),
        ] {
            assert_eq!(canonical(&t, name).as_deref(), Some(want), "{name}");
        }
        assert!(!t.is_grouped("north america"));
        assert!(!t.is_grouped("gmt"));
    }

    #[test]
    fn an_article_naming_one_of_several_with_a_surname_is_the_surname_s_too() {
        let t = table(&[
            stat(Kind::Person, "Gordon Brown", 500),
            stat(Kind::Person, "James Brown", 300),
            stat(Kind::Person, "Brown", 400),
            stat(Kind::Person, "Ann Quill", 10),
        ]);
        let entity = |name: &str| EntityCount {
            name: name.to_string(),
            kind: Kind::Person,
            mentions: 2,
            in_title: false,
        };
        let keys = |names: &[&str]| -> Vec<String> {
            let mut k: Vec<String> = canonical_counts(&t, names.iter().map(|n| entity(n)).collect())
                .into_iter()
                .map(|c| c.key)
                .collect();
            k.sort();
            k
        };
        // `--entity Brown` finds this article, so the listing and the
        // export count it for Brown as well.
        assert_eq!(keys(&["Gordon Brown"]), ["brown", "gordon brown"]);
        assert_eq!(keys(&["Brown", "James Brown"]), ["brown", "james brown"]);
        assert_eq!(keys(&["Ann Quill"]), ["ann quill"]);
    }

    #[test]
    fn a_short_form_is_the_name_that_has_nearly_all_its_articles() {
        let t = table(&[
            stat(Kind::Person, "George W. Bush", 1000),
            stat(Kind::Person, "George Bush", 40),
            stat(Kind::Person, "Jeb Bush", 30),
            stat(Kind::Person, "Bush", 1194),
            // A title the tagger took in is no part of the name; a title's
            // word in a company's name is.
            stat(Kind::Person, "President Bush", 87),
            stat(Kind::Org, "General Mills Inc", 12),
            stat(Kind::Org, "Lehman Brothers", 1185),
            stat(Kind::Org, "Lehman Brothers Holdings Inc", 585),
            stat(Kind::Person, "Lehman", 300),
            stat(Kind::Org, "Lehman", 653),
            stat(Kind::Org, "General Motors Corp", 2188),
            stat(Kind::Org, "General Mills", 40),
            stat(Kind::Org, "GM", 2028),
            // Two people with one surname, close: "Brown" stays itself.
            stat(Kind::Person, "Gordon Brown", 500),
            stat(Kind::Person, "James Brown", 300),
            stat(Kind::Person, "Brown", 400),
            // A place is no one's short form.
            stat(Kind::Person, "George Washington", 10),
            stat(Kind::Place, "Washington", 8000),
            // A general word is no one's short form; a word that ends one
            // company's name and starts another's is neither's.
            stat(Kind::Org, "Bank of America", 2120),
            stat(Kind::Org, "Bank", 300),
            stat(Kind::Org, "Citigroup", 3136),
            stat(Kind::Org, "Citibank", 300),
            stat(Kind::Org, "Citi", 642),
            stat(Kind::Org, "Morgan Stanley", 2046),
            stat(Kind::Org, "J.P. Morgan", 471),
            stat(Kind::Org, "JPMorgan", 1524),
            stat(Kind::Org, "JPMorgan Chase & Co", 1727),
            stat(Kind::Org, "Morgan", 350),
            // An acronym news uses more than the name.
            stat(Kind::Org, "American International Group Inc", 130),
            stat(Kind::Org, "AIG", 1083),
            // The user's own names are left as they are.
            stat(Kind::Person, "Pinned", 5),
            // A surname a town's name took for itself, read as a place.
            stat(Kind::Person, "Ann Quarrie", 400),
            stat(Kind::Place, "Quārrie", 380),
            stat(Kind::Person, "Ann Pinned", 50),
        ]);
        for name in ["Bush", "George Bush", "George W. Bush", "President Bush"] {
            assert_eq!(canonical(&t, name).as_deref(), Some("george w bush"), "{name}");
        }
        assert_eq!(canonical(&t, "Jeb Bush"), None);
        assert_eq!(canonical(&t, "General Mills").as_deref(), Some("general mills"));
        for name in ["Lehman", "Lehman Brothers Holdings Inc", "Lehman Brothers"] {
            assert_eq!(canonical(&t, name).as_deref(), Some("lehman brothers"), "{name}");
        }
        assert_eq!(canonical(&t, "GM").as_deref(), Some("general motors corp"));
        let brown = t.find("brown").unwrap();
        assert_eq!(brown.key, "brown");
        assert_eq!(
            brown.terms,
            ["person:brown", "person:gordon brown", "person:james brown"]
        );
        assert_eq!(canonical(&t, "Gordon Brown"), None);
        assert_eq!(canonical(&t, "Washington"), None);
        assert_eq!(canonical(&t, "Bank"), None);
        assert_eq!(canonical(&t, "Citi").as_deref(), Some("citigroup"));
        assert_eq!(canonical(&t, "Citibank"), None);
        assert_eq!(canonical(&t, "Quārrie").as_deref(), Some("ann quarrie"));
        assert_eq!(canonical(&t, "Morgan"), None);
        for name in ["JPMorgan", "J.P. Morgan", "JPMorgan Chase"] {
            assert_eq!(
                canonical(&t, name).as_deref(),
                Some("jpmorgan chase & co"),
                "{name}"
            );
        }
        assert_eq!(
            canonical(&t, "AIG").as_deref(),
            Some("american international group inc")
        );
        assert_eq!(canonical(&t, "Pinned"), None);
        let lehman = t.find("lehman").unwrap();
        assert!(lehman.terms.contains(&"person:lehman".to_string()));
        assert!(lehman.terms.contains(&"org:lehman".to_string()));
        assert_eq!(lehman.kind, Kind::Org);
    }

    #[test]
    fn any_names_group_without_panicking_and_every_name_finds_its_group() {
        let words = [
            "a", "inc", "'s", "&", "and", "bush", "j", "corp", "ü", "us", "george", "w", "x's", "",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut stats = Vec::new();
        for _ in 0..3000 {
            let mut name = String::new();
            for _ in 0..(seed % 5) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                name.push_str(words[(seed % words.len() as u64) as usize]);
                name.push(' ');
            }
            let kind = Kind::ALL[(seed % 4) as usize];
            stats.push(NameStat {
                kind,
                key: key(&name).into(),
                articles: seed % 50,
                mentions: seed % 90,
            });
        }
        let t = table(&stats);
        for g in &t.groups {
            for name in &g.names {
                assert_eq!(t.find(name).map(|f| &f.key), Some(&g.key), "{name:?}");
            }
        }
        assert_eq!(decode(&t.encode()).as_ref(), Some(&t));
    }

    #[test]
    fn normal_forms_drop_suffixes_possessives_and_spaces_and_keep_a_word() {
        let cases = [
            ("citigroup", "citigroup"),
            ("general motors", "general motors"),
            ("citigroup inc", "citigroup"),
            ("jpmorgan chase & co", "jpmorgan chase"),
            ("ford's", "ford"),
            ("ford motor co's", "ford motor"),
            ("bank of america's", "bank of america"),
            ("smith and", "smith"),
            ("a  b", "a b"),
            (" x", "x"),
            ("x ", "x"),
            ("inc", "inc"),
            ("co inc", "co"),
        ];
        // Only a suffix says a company; the other cuts do not.
        let company = [
            "citigroup inc",
            "jpmorgan chase & co",
            "ford motor co's",
            "co inc",
        ];
        for (k, want) in cases {
            assert_eq!(normal(k, &suffixes()), want, "{k:?}");
            assert_eq!(legal_suffix(k, &suffixes()), company.contains(&k), "{k:?}");
        }
    }

    #[test]
    fn a_name_s_words_are_its_words_however_many() {
        for name in [
            "",
            "bush",
            "george w. bush",
            "a  b",
            "one two three four five six seven eight nine ten",
        ] {
            let split: Vec<&str> = name.split(' ').collect();
            let numbered = WordIds::new([name].into_iter(), 1);
            assert_eq!(&*numbered.words(0), split.as_slice(), "{name:?}");
        }
        let names = ["toyota and honda", "toyota", "ben & jerry", "honda toyota"];
        let numbered = WordIds::new(names.into_iter(), names.len());
        for (i, name) in names.iter().enumerate() {
            assert_eq!(numbered.words(i).join(" "), *name);
        }
        assert_eq!(numbered.of(0).len(), 3);
        assert_eq!(numbered.of(1), &numbered.of(0)[..1]);
        assert_eq!(numbered.of(3), [numbered.of(0)[2], numbered.of(0)[0]]);
        assert!(numbered.is_list_word(numbered.of(0)[1]));
        assert!(numbered.is_list_word(numbered.of(2)[1]));
        assert!(!numbered.is_list_word(numbered.of(0)[0]));
        assert!(is_subsequence(numbered.of(1), numbered.of(3)));
        assert!(!is_subsequence(numbered.of(3), numbered.of(0)));
    }

    #[test]
    fn a_set_lists_every_name_joined_into_it() {
        let mut uf = UnionFind::new(6);
        uf.join(0, 1);
        uf.join(2, 3);
        uf.join(1, 3);
        uf.join(5, 5);
        let set = |uf: &UnionFind, i: usize| {
            let mut m: Vec<usize> = uf.members(i).collect();
            m.sort_unstable();
            m
        };
        for i in 0..4 {
            assert_eq!(set(&uf, i), [0, 1, 2, 3]);
        }
        assert_eq!(set(&uf, 4), [4]);
        assert_eq!(set(&uf, 5), [5]);
        assert_eq!(uf.find(0), 3);
    }

    /// `Terms` of these (sorted) terms, each in one article per letter of
    /// its name.
    fn terms_of(sorted: &[&str]) -> Terms {
        let mut t = Terms::default();
        for term in sorted {
            t.text.push_str(term);
            t.ends.push(t.text.len() as u32);
            t.articles.push(term.len() as u32);
            t.mentions.push(2 * term.len() as u32);
            t.docs.extend(0..term.len() as u32);
            t.doc_ends.push(t.docs.len() as u32);
        }
        t.max_doc = 64;
        t
    }

    #[test]
    fn names_come_from_the_terms_in_the_order_of_their_keys_then_kinds() {
        let sep = super::super::entity_terms::ALIAS_SEPARATOR;
        let mut all = vec![
            format!("alias:bank{sep}bofa"),
            "misc:zeta".to_string(),
            "misc:alpha".to_string(),
            "org:acme".to_string(),
            "org:zeta".to_string(),
            "org:beta".to_string(),
            "person:zeta".to_string(),
            "person:acme".to_string(),
            "place:acme".to_string(),
            "place:m".to_string(),
            "places:x".to_string(),
        ];
        all.sort();
        let terms = terms_of(&all.iter().map(String::as_str).collect::<Vec<_>>());
        let (names, count) = terms.names_in_order();
        let merged: Vec<(Kind, &str, u64, u64)> = names.collect();
        // What sorting every name would give.
        let mut sorted: Vec<(Kind, &str, u64, u64)> = (0..terms.len())
            .filter_map(|i| {
                let (kind, key) = terms.term(i).split_once(':')?;
                Some((
                    Kind::parse(kind)?,
                    key,
                    u64::from(terms.articles[i]),
                    u64::from(terms.mentions[i]),
                ))
            })
            .filter(|n| n.1 != "x")
            .collect();
        sorted.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0)));
        assert_eq!(merged, sorted);
        assert_eq!(count, merged.len());
        assert_eq!(merged.len(), 9, "{merged:?}");
        assert_eq!(
            &merged[..3],
            &[
                (Kind::Person, "acme", 11, 22),
                (Kind::Place, "acme", 10, 20),
                (Kind::Org, "acme", 8, 16)
            ]
        );
        let aliases = terms.aliases();
        assert_eq!(
            (&*aliases[0].a, &*aliases[0].b, aliases.len()),
            ("bank", "bofa", 1)
        );
        // A term and its articles.
        let i = terms.find("org:zeta").expect("a term");
        assert_eq!(terms.docs_of(i), &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(terms.find("org:zet"), None);
        let mut seen = vec![u32::MAX; terms.max_doc];
        let group = [
            "org:zeta".to_string(),
            "misc:zeta".to_string(),
            "none:x".to_string(),
        ];
        assert_eq!(terms.count(&group, 0, &mut seen), (9, 34));
    }

    #[test]
    fn the_table_reads_back_as_written_and_damage_is_no_table() {
        let t = table(&[
            stat(Kind::Org, "Citigroup Inc.", 1521),
            stat(Kind::Org, "Citigroup", 2480),
            stat(Kind::Person, "Gordon Brown", 500),
            stat(Kind::Person, "James Brown", 300),
            stat(Kind::Person, "Brown", 400),
        ]);
        let t = EntityTable {
            fingerprint: 7,
            stats_digest: u128::MAX - 5,
            ..t
        };
        let bytes = t.encode();
        assert_eq!(decode(&bytes).as_ref(), Some(&t));
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None);
        }
        let mut flipped = bytes.clone();
        flipped[10] ^= 1;
        assert_eq!(decode(&flipped), None);
    }

    #[test]
    fn term_stats_on_two_threads_are_those_on_one() {
        let tmp = tempfile::tempdir().unwrap();
        let index = NewsIndex::open_or_create(
            &tmp.path().join("idx"),
            crate::schema::Mapping::load(None).unwrap(),
        )
        .unwrap();
        let field = index.fields().entity;
        let id = index.fields().id;
        let mut writer = index.writer(1, 0).unwrap();
        // Three segments (a commit each) of articles naming overlapping
        // sets of names, some of them deleted.
        for segment in 0..3u32 {
            for article in 0..40u32 {
                let mut doc = TantivyDocument::default();
                doc.add_text(id, format!("a{segment}-{article}"));
                for n in 0..(article % 7 + 1) {
                    let kind = [Kind::Person, Kind::Place, Kind::Org][((article + n) % 3) as usize];
                    let term = entity_term(
                        kind,
                        &format!("Name {} {}", (article * 3 + n * 11) % 50, segment % 2),
                    );
                    for _ in 0..=(n % 3) {
                        doc.add_text(field, &term);
                    }
                }
                writer.add_document(doc).unwrap();
            }
            writer.delete_term(Term::from_field_text(id, &format!("a{segment}-5")));
            writer.commit().unwrap();
        }
        writer.delete_term(Term::from_field_text(id, "a0-7"));
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        for with_docs in [false, true] {
            let one = term_stats_split(&index, &searcher, with_docs, usize::MAX).unwrap();
            assert!(one.len() > 100);
            assert_eq!(one.docs.is_empty(), !with_docs);
            for split_at in [2, 10, one.len() / 3] {
                let two = term_stats_split(&index, &searcher, with_docs, split_at).unwrap();
                assert_eq!(two, one, "split at {split_at}, docs {with_docs}");
            }
        }
    }

    #[test]
    fn a_table_is_current_when_whole_and_of_the_fingerprint() {
        let mut t = table(&[
            stat(Kind::Org, "Citigroup Inc.", 1521),
            stat(Kind::Person, "Gordon Brown", 500),
        ]);
        t.fingerprint = 77;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(file_name(3));
        assert!(!EntityTable::is_current(&path, 77));
        let bytes = t.encode();
        std::fs::write(&path, &bytes).unwrap();
        assert!(EntityTable::is_current(&path, 77));
        assert!(!EntityTable::is_current(&path, 78));
        for at in [0, 9, bytes.len() / 2, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1;
            std::fs::write(&path, &damaged).unwrap();
            assert!(!EntityTable::is_current(&path, 77), "flipped at {at}");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(!EntityTable::is_current(&path, 77));
    }
}
