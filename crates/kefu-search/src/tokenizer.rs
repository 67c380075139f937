//! The "kefu" tokenizer: one definition of a word for Chinese, English and
//! mixed text, used for documents and queries alike.
//!
//! * Han runs are segmented by jieba in search mode ("退款申请" gives 退款, 申请
//!   and 退款申请), and every Han character bigram that jieba did not already
//!   emit is added too. Jieba segments by context, so a word can be split
//!   differently inside a sentence than on its own ("乒乓球拍卖完了吗" comes out
//!   as 乒乓球 / 拍卖 / 完, with no 球拍 even in search mode); the bigrams make
//!   any two adjacent characters findable whatever
//!   jieba decided, and a longer Han query word also matches as a phrase of its
//!   bigrams (see `query_words`).
//! * Positions of Han tokens are character positions, so the bigrams of a word
//!   sit at consecutive positions and phrase queries over them work.
//! * Latin letters and digits are folded with NFKC (full-width "ＡＢＣ" → "abc")
//!   and lowercased; a run mixing letters and digits ("iphone15") is indexed
//!   whole and as its letter and digit parts.
//! * Offsets always point into the ORIGINAL text, so highlights land on the
//!   characters the user typed, full-width or not.

use std::collections::BTreeSet;

use kefu_bot::text_analysis::{is_han, jieba};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Name under which the tokenizer is registered in the index.
pub const TOKENIZER_NAME: &str = "kefu";

/// Latin tokens longer than this (in bytes) are dropped: they are hashes,
/// base64 blobs or garbage, never words someone searches for.
const MAX_WORD_BYTES: usize = 64;

/// The tantivy tokenizer.
#[derive(Clone, Copy, Debug, Default)]
pub struct KefuTokenizer;

/// A token stream over a precomputed token list.
pub struct KefuTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl Tokenizer for KefuTokenizer {
    type TokenStream<'a> = KefuTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> KefuTokenStream {
        KefuTokenStream {
            tokens: tokenize(text),
            index: 0,
        }
    }
}

impl TokenStream for KefuTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

/// Folds one character for classification: NFKC's first character.
fn folded(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    std::iter::once(c).nfkc().next().unwrap_or(c)
}

fn is_han_char(c: char) -> bool {
    is_han(c) || is_han(folded(c))
}

fn is_word_char(c: char) -> bool {
    let f = folded(c);
    f.is_alphanumeric() && !is_han(f)
}

/// A run of the input: its kind and the (byte offset, char) pairs it spans.
enum Run<'a> {
    Han(&'a [(usize, char)]),
    Word(&'a [(usize, char)]),
}

fn runs(chars: &[(usize, char)]) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if is_han_char(c) {
            let start = i;
            while i < chars.len() && is_han_char(chars[i].1) {
                i += 1;
            }
            out.push(Run::Han(&chars[start..i]));
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len()
                && (is_word_char(chars[i].1)
                    || (is_combining_mark(chars[i].1) && !is_han_char(chars[i].1)))
            {
                i += 1;
            }
            out.push(Run::Word(&chars[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte offset where char `i` of the run starts (or where the run ends).
fn end_of(run: &[(usize, char)], i: usize) -> usize {
    run.get(i).map(|(b, _)| *b).unwrap_or_else(|| {
        let (b, c) = run[run.len() - 1];
        b + c.len_utf8()
    })
}

pub(crate) fn fold_word(s: &str) -> String {
    s.nfkc().flat_map(char::to_lowercase).collect()
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    }
}

/// The Han run with compatibility ideographs folded, one char per original
/// char so that jieba's char positions map back to the original text.
fn han_string(run: &[(usize, char)]) -> String {
    run.iter()
        .map(|&(_, c)| {
            let mut n = std::iter::once(c).nfkc();
            match (n.next(), n.next()) {
                (Some(f), None) => f,
                _ => c,
            }
        })
        .collect()
}

/// Tokens of `text` for indexing (and for highlighting).
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut position = 0usize;
    for run in runs(&chars) {
        match run {
            Run::Word(run) => {
                let from = run[0].0;
                let to = end_of(run, run.len());
                let word = fold_word(&text[from..to]);
                if word.is_empty() || word.len() > MAX_WORD_BYTES {
                    continue;
                }
                let has_digit = word.chars().any(|c| c.is_numeric());
                let has_alpha = word.chars().any(|c| c.is_alphabetic());
                tokens.push(token(word, from, to, position));
                if has_digit && has_alpha {
                    // The letter and digit parts, at the same position.
                    let mut i = 0;
                    while i < run.len() {
                        let digit = folded(run[i].1).is_numeric();
                        let start = i;
                        while i < run.len()
                            && (folded(run[i].1).is_numeric() == digit
                                || is_combining_mark(run[i].1))
                        {
                            i += 1;
                        }
                        let (pf, pt) = (run[start].0, end_of(run, i));
                        tokens.push(token(fold_word(&text[pf..pt]), pf, pt, position));
                    }
                }
                position += 1;
            }
            Run::Han(run) => {
                let han = han_string(run);
                let mut spans: BTreeSet<(usize, usize)> = BTreeSet::new();
                for t in jieba().cut_for_search(&han, true) {
                    if t.end > t.start {
                        spans.insert((t.start, t.end));
                    }
                }
                for i in 0..run.len().saturating_sub(1) {
                    spans.insert((i, i + 2));
                }
                if run.len() == 1 {
                    spans.insert((0, 1));
                }
                let han_chars: Vec<char> = han.chars().collect();
                for (s, e) in spans {
                    let word: String = han_chars[s..e].iter().collect();
                    tokens.push(token(word, run[s].0, end_of(run, e), position + s));
                }
                position += run.len() + 1;
            }
        }
    }
    tokens
}

/// One word of a query, as the index must match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryWord {
    /// Must match this exact term (a Latin word, a digit run, a two-character
    /// Han word).
    Term(String),
    /// A Han word of three or more characters: matches the jieba word itself,
    /// or the phrase of its character bigrams (the listed terms, at
    /// consecutive positions).
    Han { word: String, bigrams: Vec<String> },
    /// A single Han character: too common to require; it only adds to the
    /// score unless it is all the query has.
    Single(String),
}

/// Splits query text into words. Han runs are cut by jieba in default mode
/// (the coarse words the user meant), Latin runs fold like the index.
pub fn query_words(text: &str) -> Vec<QueryWord> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    for run in runs(&chars) {
        match run {
            Run::Word(run) => {
                let from = run[0].0;
                let to = end_of(run, run.len());
                let word = fold_word(&text[from..to]);
                if !word.is_empty() && word.len() <= MAX_WORD_BYTES {
                    out.push(QueryWord::Term(word));
                }
            }
            Run::Han(run) => {
                let han = han_string(run);
                // Jieba without a dictionary entry leaves names and new words
                // as single characters ("小明" → 小 + 明); consecutive single
                // characters are glued back into one chunk, matched through
                // the bigram index.
                let mut words: Vec<String> = Vec::new();
                let mut glue = String::new();
                for t in jieba().cut(&han, false) {
                    if t.word.chars().count() == 1 {
                        glue.push_str(t.word);
                    } else {
                        if !glue.is_empty() {
                            words.push(std::mem::take(&mut glue));
                        }
                        words.push(t.word.to_string());
                    }
                }
                if !glue.is_empty() {
                    words.push(glue);
                }
                for w in words {
                    let cs: Vec<char> = w.chars().collect();
                    match cs.len() {
                        0 => {}
                        1 => out.push(QueryWord::Single(w)),
                        2 => out.push(QueryWord::Term(w)),
                        _ => out.push(QueryWord::Han {
                            bigrams: cs.windows(2).map(|w| w.iter().collect()).collect(),
                            word: w,
                        }),
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn han_words_and_bigrams_with_original_offsets() {
        let s = "我想申请退款，订单还没到";
        let toks = tokenize(s);
        let t = toks.iter().find(|t| t.text == "退款").expect("退款");
        assert_eq!(&s[t.offset_from..t.offset_to], "退款");
        // Positions are char positions inside the run: 申请 at 2, 请退 at 3, 退款 at 4.
        assert_eq!(t.position, 4);
        assert!(texts("乒乓球拍卖完了吗").contains(&"球拍".to_string()));
    }

    #[test]
    fn full_width_latin_folds_and_keeps_offsets() {
        let s = "买了ＩＰＨＯＮＥ１５";
        let toks = tokenize(s);
        let t = toks.iter().find(|t| t.text == "iphone15").expect("whole");
        assert_eq!(&s[t.offset_from..t.offset_to], "ＩＰＨＯＮＥ１５");
        let p = toks.iter().find(|t| t.text == "iphone").expect("part");
        assert_eq!(&s[p.offset_from..p.offset_to], "ＩＰＨＯＮＥ");
        assert!(toks.iter().any(|t| t.text == "15"));
    }

    #[test]
    fn mixed_text_and_odd_input() {
        let ts = texts("iphone充不进电");
        assert!(ts.contains(&"iphone".to_string()));
        assert!(ts.contains(&"充不".to_string()));
        assert!(texts("").is_empty());
        assert!(texts("😀 ,,, \u{0301}").is_empty());
        let q = query_words("Refund 退款申请");
        assert_eq!(q[0], QueryWord::Term("refund".into()));
        // Unknown words come out of jieba as single characters: glued back.
        assert_eq!(query_words("小明"), vec![QueryWord::Term("小明".into())]);
        assert!(matches!(
            &query_words("充不进电")[..],
            [QueryWord::Han { .. }]
        ));
    }
}
