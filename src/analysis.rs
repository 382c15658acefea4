//! The text analysis chains registered on every index, and the stem memo that keeps English stemming off the ingest profile.
//!
//! Stemming is the dearest step of indexing a word (the Snowball English
//! stemmer's share of ingest CPU is in docs/performance.md).
//! News vocabulary is Zipfian, so each analyzer remembers the stems it has
//! computed. The memo only ever answers what the stemmer itself answered, so
//! an index and its queries see exactly the terms plain stemming gives.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

use crate::ascii_scan::{ascii_word_run, push_lower_ascii, Underscore};

/// Tokenizer of `text` fields: words, lower-cased, accents folded, stemmed.
pub const TEXT_TOKENIZER: &str = "newsidx_text";
/// Tokenizer of `keyword_ci` fields: the whole value, lower-cased.
pub const KEYWORD_CI_TOKENIZER: &str = "newsidx_keyword_ci";
/// Tokenizer of the entity fields: each entity term as often as it is
/// mentioned. The index registers it (`index::entity_terms`); its name is
/// here so the schema can name it without importing the index.
pub const ENTITY_TOKENIZER: &str = "newsidx_entity_terms";

/// Words longer than this are dropped by the text tokenizer (base64 blobs,
/// URLs glued to text): they are never searched for and bloat the index.
const MAX_TOKEN_LEN: usize = 40;

/// Slots of one analyzer's memo at most (64 bytes each: 1 MiB). tantivy
/// keeps an analyzer per text field and indexing thread for a segment's life.
const MEMO_SLOTS: usize = 1 << 14;

/// The analyzer behind `text` fields: words, lower-cased, accents folded,
/// stemmed.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(MemoStemmer)
        .build()
}

/// tantivy's `SimpleTokenizer` -> `RemoveLongFilter(MAX_TOKEN_LEN)` ->
/// `LowerCaser` -> `AsciiFoldingFilter`, in one pass: the same tokens,
/// positions and offsets. The chain asked each character of the text
/// whether it was alphanumeric as a decoded `char`, and three filters in
/// turn whether each word was ASCII; nearly all news words are, and here
/// an ASCII word is found by table and lower-cased in place. A word beyond
/// ASCII goes through tantivy's own `LowerCaser` and `AsciiFoldingFilter`.
#[derive(Clone)]
pub struct WordTokenizer {
    token: Token,
    beyond_ascii: TextAnalyzer,
}

impl Default for WordTokenizer {
    fn default() -> WordTokenizer {
        WordTokenizer {
            token: Token::default(),
            beyond_ascii: TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        }
    }
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            token: &mut self.token,
            beyond_ascii: &mut self.beyond_ascii,
        }
    }
}

pub struct WordStream<'a> {
    text: &'a str,
    /// Where the search for the next word starts.
    at: usize,
    token: &'a mut Token,
    beyond_ascii: &'a mut TextAnalyzer,
}

/// What a byte says about the word search: an ASCII byte that is not
/// alphanumeric, one that is, or a byte of a character beyond ASCII (which
/// is decoded and asked).
const CLASS_OTHER: u8 = 0;
const CLASS_WORD: u8 = 1;
const CLASS_BEYOND_ASCII: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut t = [CLASS_BEYOND_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = if (b as u8).is_ascii_alphanumeric() {
            CLASS_WORD
        } else {
            CLASS_OTHER
        };
        b += 1;
    }
    t
};

impl WordStream<'_> {
    /// Whether the character starting at byte `at` is alphanumeric, and its
    /// length in bytes.
    fn char_at(&self, at: usize) -> Option<(bool, usize)> {
        let c = self.text.get(at..)?.chars().next()?;
        Some((c.is_alphanumeric(), c.len_utf8()))
    }

    /// The next word: start, end, and whether it is all ASCII.
    fn next_word(&mut self) -> Option<(usize, usize, bool)> {
        let bytes = self.text.as_bytes();
        let class = |at: usize| bytes.get(at).map(|&b| BYTE_CLASS[usize::from(b)]);
        let mut at = self.at;
        loop {
            match class(at)? {
                CLASS_OTHER => at += 1,
                CLASS_WORD => break,
                _ => match self.char_at(at)? {
                    (true, _) => break,
                    (false, len) => at += len,
                },
            }
        }
        let start = at;
        let mut all_ascii = true;
        loop {
            at += ascii_word_run(&bytes[at..], Underscore::Ends);
            match class(at) {
                Some(CLASS_BEYOND_ASCII) => match self.char_at(at) {
                    Some((true, len)) => {
                        all_ascii = false;
                        at += len;
                    }
                    _ => break,
                },
                _ => break,
            }
        }
        self.at = at;
        Some((start, at, all_ascii))
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            self.token.text.clear();
            // A dropped word keeps its position, as behind RemoveLongFilter.
            self.token.position = self.token.position.wrapping_add(1);
            let Some((from, to, ascii)) = self.next_word() else {
                return false;
            };
            if to - from >= MAX_TOKEN_LEN {
                continue;
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            let word = &self.text[from..to];
            if ascii {
                // SAFETY: `next_word` found every character of it ASCII.
                unsafe { push_lower_ascii(&mut self.token.text, word.as_bytes()) };
            } else {
                let mut stream = self.beyond_ascii.token_stream(word);
                if stream.advance() {
                    std::mem::swap(&mut self.token.text, &mut stream.token_mut().text);
                }
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The analyzer behind `keyword_ci` fields.
pub fn keyword_ci_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// Registers newsidx's analyzers on an index; needed before writing or
/// searching it.
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(TEXT_TOKENIZER, text_analyzer());
    index
        .tokenizers()
        .register(KEYWORD_CI_TOKENIZER, keyword_ci_analyzer());
    index
        .fast_field_tokenizer()
        .register(KEYWORD_CI_TOKENIZER, keyword_ci_analyzer());
}

/// English stemming with a memo of the stems already computed.
#[derive(Clone, Copy)]
pub struct MemoStemmer;

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> MemoStemmerFilter<T> {
        MemoStemmerFilter {
            inner,
            memo: Memo::new(),
        }
    }
}

#[derive(Clone)]
pub struct MemoStemmerFilter<T> {
    inner: T,
    memo: Memo,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let mut stream = MemoStemmerStream {
            tail: self.inner.token_stream(text),
            memo: &mut self.memo,
            token: Token::default(),
            ahead: Ahead::End,
        };
        stream.ahead = stream.pull();
        stream
    }
}

/// Stems a token while the tail already holds the next one, whose memo
/// slot is on its way to the cache: the memo's lookups are into a table
/// larger than the cache, and waiting for memory was most of their time.
pub struct MemoStemmerStream<'a, S> {
    tail: S,
    memo: &'a mut Memo,
    /// The token handed out, stemmed.
    token: Token,
    /// What the tail holds beyond the token handed out.
    ahead: Ahead,
}

/// The tail's next token, pulled before the current one is handed out.
#[derive(Clone, Copy)]
enum Ahead {
    /// The tail has no more tokens.
    End,
    /// The tail holds a token not yet handed out. `memo_key` is the key its
    /// memo slot (already being fetched) is filed under, or `None` for a
    /// word the memo does not hold (`Memo::key`).
    Token { memo_key: Option<u64> },
}

impl<S: TokenStream> MemoStemmerStream<'_, S> {
    fn pull(&mut self) -> Ahead {
        if self.tail.advance() {
            Ahead::Token {
                memo_key: self.memo.prefetch(&self.tail.token().text),
            }
        } else {
            Ahead::End
        }
    }
}

impl<S: TokenStream> TokenStream for MemoStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        let Ahead::Token { memo_key } = self.ahead else {
            return false;
        };
        // The text changes hands, not copied (see `push_lower_ascii`); the
        // tail gets an empty string to write its next token into.
        std::mem::swap(&mut self.token.text, &mut self.tail.token_mut().text);
        self.tail.token_mut().text.clear();
        let next = self.tail.token();
        self.token.offset_from = next.offset_from;
        self.token.offset_to = next.offset_to;
        self.token.position = next.position;
        self.token.position_length = next.position_length;
        self.ahead = self.pull();
        self.memo.stem_keyed(&mut self.token.text, memo_key);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// A direct-mapped memo: each word hashes to one 64-byte slot holding the
/// word and its stem inline, so a hit costs one hash and one cache line (a
/// `HashMap` of boxed strings spent as long chasing pointers as stemming
/// took). A word that lands on a taken slot replaces its occupant, which
/// keeps the frequent words in. Misses go to the Snowball stemmer tantivy's
/// `Stemmer` filter calls, the same way, so the memo can never disagree
/// with it.
struct Memo {
    /// `SLOT` bytes per slot, a power of two of them. It starts small (a
    /// query or a snippet stems a few hundred words, and the analyzer is
    /// cloned for each) and grows, emptied, while misses outnumber slots.
    slots: Vec<u8>,
    misses: usize,
    stemmer: frostem::Stemmer,
}

/// Slots of a new memo (32 KiB).
const FIRST_SLOTS: usize = 1 << 9;

/// A slot: word length (0 = empty), stem length, `NOT_ASCII` or how many
/// leading bytes the stem shares with the word, the word, the stem.
const SLOT: usize = 64;
const KEY_AT: usize = 3;
const STEM_AT: usize = 32;
const MAX_KEY: usize = STEM_AT - KEY_AT;
const MAX_STEM: usize = SLOT - STEM_AT;
/// ASCII words of at most this many bytes are their own stems.
const SHORT: usize = 2;
/// The stem is not all ASCII: it is copied whole.
const NOT_ASCII: u8 = u8::MAX;

impl Clone for Memo {
    /// A fresh memo: an analyzer is cloned for each segment and each query,
    /// and must not drag the words of another one along.
    fn clone(&self) -> Memo {
        Memo::new()
    }
}

impl Memo {
    fn new() -> Memo {
        Memo {
            slots: Vec::new(),
            misses: 0,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }

    /// Replaces `word` with its stem.
    #[cfg(test)]
    fn stem(&mut self, word: &mut String) {
        let key = Memo::key(word);
        self.stem_keyed(word, key);
    }

    /// Snowball's English stemmer leaves a word of two letters or fewer as
    /// it is, and many news words are that short ("of", "to", "a"):
    /// they cost no lookup in a table larger than the cache.
    #[inline]
    fn own_stem(word: &str) -> bool {
        word.len() <= SHORT && word.is_ascii()
    }

    /// The hash the memo files `word` under; `None` for a word it does not
    /// hold (its own stem, or too long for a slot).
    #[inline]
    fn key(word: &str) -> Option<u64> {
        (!Memo::own_stem(word) && word.len() <= MAX_KEY).then(|| xxhash_rust::xxh3::xxh3_64(word.as_bytes()))
    }

    /// Asks for the slot of `word` ahead of `stem_keyed`, and gives its key.
    #[inline]
    fn prefetch(&self, word: &str) -> Option<u64> {
        let key = Memo::key(word)?;
        #[cfg(target_arch = "x86_64")]
        if !self.slots.is_empty() {
            let at = (key as usize & (self.slots.len() / SLOT - 1)) * SLOT;
            // SAFETY: a prefetch is a hint that never faults; `at` is a slot
            // of the table.
            unsafe {
                std::arch::x86_64::_mm_prefetch(
                    self.slots.as_ptr().add(at) as *const i8,
                    std::arch::x86_64::_MM_HINT_T0,
                );
            }
        }
        Some(key)
    }

    /// Replaces `word` with its stem; `hash` is `Memo::key(word)`.
    fn stem_keyed(&mut self, word: &mut String, hash: Option<u64>) {
        let Some(hash) = hash else {
            if !Memo::own_stem(word) {
                *word = self.stem_uncached(word);
            }
            return;
        };
        let key = word.as_bytes();
        let slots = self.slots.len() / SLOT;
        if slots == 0 || (self.misses > 2 * slots && slots < MEMO_SLOTS) {
            // Zeroed by the allocator (calloc): no page is touched before use.
            let grown = if slots == 0 {
                FIRST_SLOTS
            } else {
                (slots * 4).min(MEMO_SLOTS)
            };
            self.slots = vec![0u8; grown * SLOT];
            self.misses = 0;
        }
        let mask = self.slots.len() / SLOT - 1;
        let at = ((hash as usize) & mask) * SLOT;
        let slot = &self.slots[at..at + SLOT];
        if usize::from(slot[0]) == key.len() && &slot[KEY_AT..KEY_AT + key.len()] == key {
            let stem = &slot[STEM_AT..STEM_AT + usize::from(slot[1])];
            let shared = usize::from(slot[2]);
            if slot[2] != NOT_ASCII && word.is_char_boundary(shared) {
                // Most stems are the word cut short, perhaps with a letter
                // or two after ("studies" -> "studi"): only those change,
                // and no UTF-8 check is needed for ASCII.
                word.truncate(shared);
                word.extend(stem[shared..].iter().map(|&b| char::from(b)));
                return;
            }
            if let Ok(stem) = std::str::from_utf8(stem) {
                word.clear();
                word.push_str(stem);
                return;
            }
        }
        self.misses += 1;
        let stem = self.stem_uncached(word);
        if stem.len() <= MAX_STEM {
            let slot = &mut self.slots[at..at + SLOT];
            slot[0] = key.len() as u8;
            slot[1] = stem.len() as u8;
            slot[2] = if stem.is_ascii() {
                key.iter()
                    .zip(stem.as_bytes())
                    .take_while(|(a, b)| a == b)
                    .count() as u8
            } else {
                NOT_ASCII
            };
            slot[KEY_AT..KEY_AT + key.len()].copy_from_slice(key);
            slot[STEM_AT..STEM_AT + stem.len()].copy_from_slice(stem.as_bytes());
        }
        *word = stem;
    }

    fn stem_uncached(&mut self, word: &str) -> String {
        // A whole analyzer per miss (token stream, word copy) cost a fifth
        // as much again as stemming itself.
        self.stemmer.stem(word).into_owned()
    }
}

/// `text_analyzer` for finding a query's terms in a text to highlight
/// them: the same tokens, but a word is stemmed only when it starts with
/// the `stem_prefix` of one of the terms. Snowball's English stemmer
/// changes at most a word's last letters, so no other word's stem is one
/// of the terms, and neither is the word itself, which such a word keeps:
/// the same words match as with the full analyzer, for a fraction of the
/// stemming (a snippet's text is analysed afresh for every hit).
pub fn highlight_analyzer<'t>(terms: impl IntoIterator<Item = &'t str>) -> TextAnalyzer {
    let mut prefixes: Vec<String> = terms.into_iter().map(|t| stem_prefix(t).to_string()).collect();
    prefixes.sort();
    prefixes.dedup();
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(StemStarting { prefixes })
        .build()
}

/// Letters at the end of a stem that the word it came from may spell
/// otherwise: "skies" -> "sky", "ability" -> "abl", "hoping" -> "hope"
/// differ in one or two (three leaves a margin).
const STEM_TAIL: usize = 3;

/// The start every word that stems to `stem` has: all but its last
/// `STEM_TAIL` letters, at least the first.
fn stem_prefix(stem: &str) -> &str {
    let keep = stem.chars().count().saturating_sub(STEM_TAIL).max(1);
    let end = stem.char_indices().nth(keep).map_or(stem.len(), |(i, _)| i);
    &stem[..end]
}

/// `highlight_analyzer`'s stemming filter.
#[derive(Clone)]
pub struct StemStarting {
    prefixes: Vec<String>,
}

impl TokenFilter for StemStarting {
    type Tokenizer<T: Tokenizer> = StemStartingFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemStartingFilter<T> {
        StemStartingFilter {
            inner,
            prefixes: self.prefixes,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

#[derive(Clone)]
pub struct StemStartingFilter<T> {
    inner: T,
    prefixes: Vec<String>,
    stemmer: frostem::Stemmer,
}

impl<T: Tokenizer> Tokenizer for StemStartingFilter<T> {
    type TokenStream<'a> = StemStartingStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemStartingStream {
            tail: self.inner.token_stream(text),
            prefixes: &self.prefixes,
            stemmer: self.stemmer,
        }
    }
}

pub struct StemStartingStream<'a, S> {
    tail: S,
    prefixes: &'a [String],
    stemmer: frostem::Stemmer,
}

impl<S: TokenStream> TokenStream for StemStartingStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if self.prefixes.iter().any(|p| text.starts_with(p.as_str())) && !Memo::own_stem(text) {
            if let std::borrow::Cow::Owned(stem) = self.stemmer.stem(text) {
                *text = stem;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Every token `stream` gives: text, position, start and end offsets.
#[cfg(test)]
pub(crate) fn all_tokens(mut stream: impl TokenStream) -> Vec<(String, usize, usize, usize)> {
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, RemoveLongFilter, SimpleTokenizer, Stemmer};

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        all_tokens(analyzer.token_stream(text))
    }

    #[test]
    fn memo_gives_exactly_what_plain_stemming_gives() {
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut memo = text_analyzer();
        let text = "Running runners ran; the generously GENEROUS généreux Pyongyang's \
                    missiles, missile launches launched. Naïve naive running x \
                    supercalifragilisticexpialidociousandthensomemorelettersbeyondforty";
        // Twice through the same analyzer: the second pass answers from the memo.
        for _ in 0..2 {
            assert_eq!(terms(&mut memo, text), terms(&mut plain, text));
        }
        assert_eq!(terms(&mut memo, "running")[0].0, "run");
        // Every file of the sample corpus, twice: its words as misses, then
        // as hits.
        let mut files = 0;
        for entry in walkdir::WalkDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-corpus")) {
            let Ok(text) = std::fs::read_to_string(entry.expect("sample corpus").path()) else {
                continue;
            };
            files += 1;
            for _ in 0..2 {
                assert_eq!(terms(&mut memo, &text), terms(&mut plain, &text));
            }
        }
        assert!(files >= 20, "read {files} sample files");
    }

    #[test]
    fn word_tokenizer_gives_what_the_tantivy_chain_gives() {
        let mut chain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        let mut fused = TextAnalyzer::from(WordTokenizer::default());
        let long = |unit: &str, n: usize| unit.repeat(n);
        let mut texts: Vec<String> = [
            "",
            "   ",
            "Hello, happy tax payer!",
            "İstanbul STRASSE Straße ΣΊΣΥΦΟΣ café naïve Ærø Łódź",
            "東京タワー 12,345 foo_bar x²³ ①② a\u{301}b 𝔘𝔫𝔦 word😀word",
            "\u{a0}lead\u{2003}and\u{2029}trail\u{a0}",
            "tab\tnew\nline\r\nend-of-text.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Words either side of the length limit, ASCII and not: bytes count.
        for n in [38, 39, 40, 41] {
            texts.push(format!("a {} b", long("x", n)));
            texts.push(format!("a {} b", long("X", n)));
            texts.push(format!("a {}é b", long("x", n - 2)));
            texts.push(format!("{} end", long("é", n / 2)));
        }
        // Every string of up to five of these.
        let alphabet = ["a", "Z", "9", " ", "_", "é", "É", "-", "ß", "\u{301}"];
        texts.extend(crate::testutil::every_string(&alphabet, 5));
        for text in &texts {
            assert_eq!(terms(&mut fused, text), terms(&mut chain, text), "{text:?}");
        }
    }

    #[test]
    fn short_ascii_words_are_their_own_stems() {
        // Every ASCII string of one and two bytes, the words `Memo::stem`
        // hands back without asking the stemmer.
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let mut words: Vec<String> = (0u8..128).map(|a| char::from(a).to_string()).collect();
        for a in 0u8..128 {
            for b in 0u8..128 {
                words.push([char::from(a), char::from(b)].iter().collect());
            }
        }
        for word in words {
            assert_eq!(stemmer.stem(&word), word.as_str(), "{word:?}");
        }
    }

    #[test]
    fn a_word_starts_with_its_stem_but_for_the_stem_s_last_letters() {
        // What `highlight_analyzer` counts on, over every short word of
        // the letters Snowball's English rules turn on, and the shipped
        // word lists. (Over 708k distinct words, Reuters 2006-09's and
        // these, a stem differs from its word in at most its last two
        // letters.)
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let alphabet = [
            "a", "e", "i", "o", "u", "y", "s", "d", "g", "n", "l", "b", "t", "c",
        ];
        let mut words = crate::testutil::every_string(&alphabet, 5);
        for list in [
            include_str!("../schema/entities/common-words.txt"),
            include_str!("../schema/entities/first-names.txt"),
            include_str!("../schema/entities/last-names.txt"),
            include_str!("../schema/entities/places.tsv"),
        ] {
            let mut analyzer = TextAnalyzer::builder(WordTokenizer::default()).build();
            words.extend(all_tokens(analyzer.token_stream(list)).into_iter().map(|t| t.0));
        }
        for word in [
            "skies", "skis", "dying", "lying", "yes", "youth", "ies", "yyy", "ugly", "idly",
        ] {
            words.push(word.to_string());
        }
        for word in &words {
            let stem = stemmer.stem(word);
            assert!(word.starts_with(stem_prefix(&stem)), "{word:?} -> {stem:?}");
        }
    }

    #[test]
    fn the_highlight_analyzer_matches_the_words_the_text_analyzer_matches() {
        let text = "Bernanke's banks: the Fed's chairman, Ben Bernanke, said banking \
                    and bankers' yields rose; \u{e9}tudes, Zo\u{eb} and the skies dying. Stati stations";
        let mut full = text_analyzer();
        let all = all_tokens(full.token_stream(text));
        for terms in [
            vec!["bernank"],
            vec!["bank", "yield"],
            vec!["sky", "die", "etud"],
            vec!["stat", "zoe"],
        ] {
            let mut highlight = highlight_analyzer(terms.iter().copied());
            let some = all_tokens(highlight.token_stream(text));
            assert_eq!(some.len(), all.len());
            for (a, b) in all.iter().zip(&some) {
                assert_eq!((a.1, a.2, a.3), (b.1, b.2, b.3));
                assert_eq!(
                    terms.contains(&a.0.as_str()),
                    terms.contains(&b.0.as_str()),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn a_crowded_memo_still_stems() {
        let mut memo = Memo::new();
        // Many more words than slots, and words too long for one.
        for i in 0..MEMO_SLOTS * 2 {
            let mut w = format!("word{i}s");
            memo.stem(&mut w);
            assert_eq!(w, format!("word{i}"));
        }
        let mut long = "internationalisationsandsomemores".to_string();
        assert!(long.len() > MAX_KEY);
        memo.stem(&mut long);
        assert_eq!(long, "internationalisationsandsomemor");
        assert_eq!(memo.slots.len(), MEMO_SLOTS * SLOT, "grown to full size");
        for _ in 0..2 {
            let mut w = "nations".to_string();
            memo.stem(&mut w);
            assert_eq!(w, "nation");
        }
        // Hits of every kind: a stem that is the word, the word cut short,
        // cut and changed, and words beyond ASCII (folding leaves Greek and
        // Cyrillic alone), each asked twice.
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        let mut memo = Memo::new();
        for word in [
            "said",
            "running",
            "studies",
            "happy",
            "généreuses",
            "москвы",
            "πόλεις",
            "東京",
            "x",
        ] {
            for round in 0..2 {
                let mut w = word.to_string();
                memo.stem(&mut w);
                assert_eq!(w, stemmer.stem(word), "{word} round {round}");
            }
        }
    }
}
