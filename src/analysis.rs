//! The text analysis chains registered on every index, and the stem memo that keeps English stemming off the ingest profile.
//!
//! Stemming is the dearest step of indexing a word: the Snowball English
//! stemmer ran at a quarter of all ingest CPU (perf, Reuters 2006-2009).
//! News vocabulary is Zipfian, so each analyzer remembers the stems it has
//! computed. The memo only ever answers what the stemmer itself answered, so
//! an index and its queries see exactly the terms plain stemming gives.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

/// Tokenizer of `text` fields: words, lower-cased, accents folded, stemmed.
pub const TEXT_TOKENIZER: &str = "newsidx_text";
/// Tokenizer of `keyword_ci` fields: the whole value, lower-cased.
pub const KEYWORD_CI_TOKENIZER: &str = "newsidx_keyword_ci";

/// Words longer than this are dropped by the text tokenizer (base64 blobs,
/// URLs glued to text): they are never searched for and bloat the index.
const MAX_TOKEN_LEN: usize = 40;

/// Slots of one analyzer's memo at most (64 bytes each: 1 MiB). tantivy
/// keeps an analyzer per text field and indexing thread for a segment's life.
const MEMO_SLOTS: usize = 1 << 14;

/// The analyzer behind `text` fields.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(MemoStemmer)
        .build()
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
        MemoStemmerStream {
            tail: self.inner.token_stream(text),
            memo: &mut self.memo,
        }
    }
}

pub struct MemoStemmerStream<'a, S> {
    tail: S,
    memo: &'a mut Memo,
}

impl<S: TokenStream> TokenStream for MemoStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.memo.stem(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
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

/// A slot: word length (0 = empty), stem length, `ASCII_TAIL` or how many
/// leading bytes the stem shares with the word, the word, the stem.
const SLOT: usize = 64;
const KEY_AT: usize = 3;
const STEM_AT: usize = 32;
const MAX_KEY: usize = STEM_AT - KEY_AT;
const MAX_STEM: usize = SLOT - STEM_AT;
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
    fn stem(&mut self, word: &mut String) {
        let key = word.as_bytes();
        if key.is_empty() || key.len() > MAX_KEY {
            *word = self.stem_uncached(word);
            return;
        }
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
        let at = ((xxhash_rust::xxh3::xxh3_64(key) as usize) & mask) * SLOT;
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
                key.iter().zip(stem.as_bytes()).take_while(|(a, b)| a == b).count() as u8
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

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, Stemmer};

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
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
        for word in ["said", "running", "studies", "happy", "généreuses", "москвы", "πόλεις", "東京", "x"] {
            for round in 0..2 {
                let mut w = word.to_string();
                memo.stem(&mut w);
                assert_eq!(w, stemmer.stem(word), "{word} round {round}");
            }
        }
    }
}
