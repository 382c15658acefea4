// Helper of scripts/build-dictionaries: reads the lexicon of the compromise
// NLP library and prints, as JSON on standard output, the word lists that
// schema/entities/{first-names,last-names,honorifics,organisations,org-words,
// common-words}.txt are made from.
//
//   node scripts/build-dictionaries-lexicon.mjs DIR
//
// DIR is a folder where `npm install compromise@<version>` has been run (it
// holds node_modules/compromise). Nothing is written anywhere else.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: build-dictionaries-lexicon.mjs DIR_WITH_NODE_MODULES')
  process.exit(2)
}

// Load compromise through its own package.json "exports" (the ESM entry),
// so that this works for the installed version without guessing paths.
const pkgDir = join(dir, 'node_modules', 'compromise')
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
const exp = pkg.exports?.['.']
const entry = exp?.import?.default ?? exp?.import ?? pkg.module ?? pkg.main
const nlp = (await import(pathToFileURL(join(pkgDir, entry)).href)).default

const model = nlp.model()
const lexicon = model.one.lexicon // lowercase word/phrase -> tag or [tags]
const frozen = model.one.frozenLex || {} // multi-word entries kept whole
const tagSet = model.one.tagSet // tag -> { is: parentTag, ... }

const tagsOf = (w) => [].concat(lexicon[w] ?? [], frozen[w] ?? [])
const entries = [...new Set([...Object.keys(lexicon), ...Object.keys(frozen)])]

// A tag together with every tag that descends from it in compromise's tag
// tree (FirstName -> MaleName, FemaleName; Organization -> Company, School,
// SportsTeam ...).
function withDescendants(root) {
  const out = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const [tag, def] of Object.entries(tagSet)) {
      if (!out.has(tag) && out.has(def.is)) {
        out.add(tag)
        grew = true
      }
    }
  }
  return out
}

const tagged = (tags) => entries.filter((w) => tagsOf(w).some((t) => tags.has(t)))

const clean = (list) =>
  [...new Set(list.map((w) => w.toLowerCase().replace(/\s+/g, ' ').trim()))]
    .filter((w) => w !== '')
    .sort()

// --- first names -----------------------------------------------------------
const firstNameTags = withDescendants('FirstName')
const firstNames = clean(tagged(firstNameTags))

// --- organisations -----------------------------------------------------------
const orgTags = withDescendants('Organization')
const organisations = clean(tagged(orgTags))

// --- honorifics ----------------------------------------------------------------
// 1. everything the lexicon tags Honorific (mr, mrs, dr, gen, sen, sir ...)
const honorificTags = withDescendants('Honorific')
const lexiconHonorifics = clean(tagged(honorificTags))

// 2. titles that compromise's tagger itself turns into an Honorific when they
//    stand before a person's name ("President John Smith said ..."). The
//    candidates are the lexicon's Actor words (people by role: president,
//    captain, accountant ...) and the single words named in the tagger's own
//    Honorific rules (king, general, major ...); a candidate is kept when the
//    tagger marks it Honorific in that sentence.
const actorTags = withDescendants('Actor')
const candidates = new Set(tagged(actorTags))
for (const rule of model.two.matches || []) {
  if (![].concat(rule.tag ?? []).some((t) => honorificTags.has(t))) continue
  for (const group of String(rule.match).matchAll(/\(([^()]*)\)/g)) {
    for (const word of group[1].split('|')) {
      const w = word.trim().toLowerCase()
      // only words compromise knows (drops typos in rules such as "qeen")
      if (/^[a-z]+$/.test(w) && tagsOf(w).length > 0) candidates.add(w)
    }
  }
}
const titleCase = (w) => w.replace(/(^|\s)([a-z])/g, (_, s, c) => s + c.toUpperCase())
const multiWordTitles = entries.filter(
  (w) => w.includes(' ') && tagsOf(w).some((t) => honorificTags.has(t) || actorTags.has(t)),
)
const promoted = []
for (const w of [...candidates].sort()) {
  const n = w.split(' ').length
  const terms = nlp(`${titleCase(w)} John Smith said on Tuesday.`).terms().json()
  const tags = terms.slice(0, n).map((t) => t.terms[0].tags)
  if (tags.length !== n || !tags.every((ts) => ts.includes('Honorific'))) continue
  // plurals out ("first ladies"): judged on the last word alone, because
  // multi-word lexicon entries keep whatever tags the lexicon gave them
  if (nlp(w.split(' ').at(-1)).has('#Plural')) continue
  // A word that compromise knows only as the first half of a longer title
  // (rear -> rear admiral, field -> field marshal, prime -> prime minister)
  // is not a title by itself.
  const ownTags = tagsOf(w)
  const isPersonWord = ownTags.some((t) => actorTags.has(t) || honorificTags.has(t))
  if (!isPersonWord && multiWordTitles.some((m) => m.startsWith(w + ' '))) continue
  promoted.push(w)
}
const honorifics = clean([...lexiconHonorifics, ...promoted])

// --- last names ------------------------------------------------------------------
// compromise's switches: words whose lexicon tag is only a default, to be
// decided in context ('Person|Noun': bill, rose, hunter; 'Person|Place':
// sydney, victoria; 'Person|Date': april, june ...). A switch that names
// Person or Place marks a word that may be a name.
const switches = model.two.switches || {}
const nameSwitch = (w) =>
  String(switches[w] ?? '')
    .split('|')
    .some((k) => k === 'Person' || k === 'Place')

// 1. everything tagged LastName (putin, smith, de la cruz ...)
const lastNameTags = withDescendants('LastName')
const lastNamesTagged = clean(tagged(lastNameTags))
// 2. single words tagged plain Person: compromise's list of people known by
//    one name, mostly surnames (lee, lu, clinton, shakespeare) and mononyms
//    (bono, pele). Those it marks as person-or-place (austin, sydney,
//    victoria, jordan ...) are left out.
const lastNamesFromPerson = clean(
  entries.filter((w) => !/\s/.test(w) && tagsOf(w).includes('Person') && !nameSwitch(w)),
)
const lastNames = clean([...lastNamesTagged, ...lastNamesFromPerson])

// --- organisation words ------------------------------------------------------------
// The nouns compromise's tagger takes as the sign of an organisation's name
// when they end a run of capitalised words (bank, university, times ...):
// model.two.orgWords, not part of the lexicon.
const orgWords = clean(Object.keys(model.two.orgWords || {}))

// --- common words ---------------------------------------------------------------------
// Single lexicon words that are not names: every tag of the word, with all
// the tags it descends from, stays clear of the tags below; the word has no
// Person/Place switch; it is spelt with letters a-z (apostrophes and hyphens
// inside allowed) and is not a single letter other than a and i.
const ancestors = (tag) => {
  const out = new Set([tag])
  const todo = [tag]
  while (todo.length) {
    const def = tagSet[todo.pop()]
    for (const p of [def?.is, ...(def?.parents ?? [])]) {
      if (p && !out.has(p)) {
        out.add(p)
        todo.push(p)
      }
    }
  }
  return out
}
const notCommonRoots = [
  'ProperNoun', 'Person', 'Place', 'Organization', 'Demonym', // names
  'Abbreviation', 'Acronym', // shortenings (dr, st, corp, etc)
  'Emoticon', 'Emoji', 'HashTag', 'AtMention', 'Url', 'Email', 'PhoneNumber',
].filter((t) => t in tagSet)
const notCommon = new Set(notCommonRoots)
const isNameLike = (w) => tagsOf(w).some((t) => [...ancestors(t)].some((a) => notCommon.has(a)))
const commonShape = /^[a-z]+(?:['-][a-z]+)*$/
const commonWords = clean(
  entries.filter(
    (w) =>
      commonShape.test(w) &&
      (w.length > 1 || w === 'a' || w === 'i') &&
      !isNameLike(w) &&
      !nameSwitch(w),
  ),
)
const commonDroppedBySwitch = clean(
  entries.filter((w) => commonShape.test(w) && !isNameLike(w) && nameSwitch(w)),
)
const commonTags = [...new Set(commonWords.flatMap(tagsOf))].sort()

process.stdout.write(
  JSON.stringify(
    {
      package: { name: pkg.name, version: pkg.version, license: pkg.license },
      licenseText: readFileSync(join(pkgDir, 'LICENSE'), 'utf8'),
      tags: {
        firstNames: [...firstNameTags].sort(),
        lastNames: [...lastNameTags].sort(),
        organisations: [...orgTags].sort(),
        honorifics: [...honorificTags].sort(),
        commonWords: commonTags,
        notCommon: [...notCommonRoots].sort(),
      },
      honorificsFromLexicon: lexiconHonorifics,
      honorificsFromTagger: clean(promoted),
      lastNamesTagged,
      lastNamesFromPerson,
      commonDroppedBySwitch,
      firstNames,
      lastNames,
      honorifics,
      organisations,
      orgWords,
      commonWords,
    },
    null,
    1,
  ) + '\n',
)
