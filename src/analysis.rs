//! The text analysis chains registered on every index, and the stem memo that keeps English stemming off the ingest profile.
//!
//! Stemming is the dearest step of indexing a word: the Snowball English
//! stemmer ran at a quarter of all ingest CPU (perf, Reuters 2006-2009).
//! News vocabulary is Zipfian, so each analyzer remembers the stems it has
//! computed. The memo only ever answers what the stemmer itself answered, so
//! an index and its queries see exactly the terms plain stemming gives.

use std::collections::HashMap;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::Index;

use crate::entities::PremixedState;

/// Tokenizer of `text` fields: words, lower-cased, accents folded, stemmed.
pub const TEXT_TOKENIZER: &str = "newsidx_text";
/// Tokenizer of `keyword_ci` fields: the whole value, lower-cased.
pub const KEYWORD_CI_TOKENIZER: &str = "newsidx_keyword_ci";

/// Words longer than this are dropped by the text tokenizer (base64 blobs,
/// URLs glued to text): they are never searched for and bloat the index.
const MAX_TOKEN_LEN: usize = 40;

/// Distinct words one analyzer remembers. tantivy keeps an analyzer per
/// text field and indexing thread for a segment's life, so this bounds the
/// memo at a few MB each; words past it are stemmed every time, which only
/// rare words are once the common ones are in.
const MEMO_WORDS: usize = 1 << 16;

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

/// Words and their stems, and tantivy's own stemmer for the words not seen
/// yet: the memo can never disagree with it.
struct Memo {
    stems: HashMap<Box<str>, Box<str>, PremixedState>,
    stemmer: TextAnalyzer,
}

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
            stems: HashMap::default(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }

    /// Replaces `word` with its stem.
    fn stem(&mut self, word: &mut String) {
        if let Some(stem) = self.stems.get(word.as_str()) {
            word.clear();
            word.push_str(stem);
            return;
        }
        let mut stream = self.stemmer.token_stream(word);
        if !stream.advance() {
            // The raw tokenizer yields the whole text, even an empty one.
            return;
        }
        let stem = std::mem::take(&mut stream.token_mut().text);
        drop(stream);
        if self.stems.len() < MEMO_WORDS {
            self.stems.insert(word.as_str().into(), stem.as_str().into());
        }
        *word = stem;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn a_full_memo_still_stems() {
        let mut memo = Memo::new();
        for i in 0..MEMO_WORDS + 10 {
            let mut w = format!("word{i}s");
            memo.stem(&mut w);
        }
        assert_eq!(memo.stems.len(), MEMO_WORDS);
        let mut w = "nations".to_string();
        memo.stem(&mut w);
        assert_eq!(w, "nation");
    }
}
