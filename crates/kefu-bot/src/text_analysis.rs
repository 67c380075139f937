//! Text analysis for Chinese, English and mixed messages.
//!
//! Customers type full-width letters from Chinese input methods, mix English
//! product names into Chinese sentences ("iphone充不进电") and write without
//! spaces in Chinese. Everything downstream (BM25, TF-IDF) works on the tokens
//! produced here, so one function decides what a "word" is for every language.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use unicode_normalization::UnicodeNormalization;

/// The tokens of one message, in the forms the scorers need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Words in reading order: stemmed Latin words, digit runs, and jieba words
    /// for Han runs.
    pub words: Vec<String>,
    /// Character n-grams: 2–4 grams inside each padded Latin word (so "cards"
    /// and "card" still share most features and typos cost little), and Han
    /// character unigrams and bigrams over each Han run (they do not depend on
    /// jieba getting the segmentation right).
    pub char_ngrams: Vec<String>,
}

impl Analysis {
    /// Terms for BM25: the words, plus Han character bigrams so that a
    /// segmentation difference between query and question still matches.
    pub fn retrieval_terms(&self) -> Vec<String> {
        let mut terms = self.words.clone();
        terms.extend(
            self.char_ngrams
                .iter()
                .filter(|g| g.chars().count() == 2 && g.chars().all(is_han))
                .cloned(),
        );
        terms
    }
}

/// The jieba segmenter, built once: loading its dictionary takes a noticeable
/// fraction of a second and it is immutable afterwards.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Folds widths and compatibility forms (NFKC turns "ＡＢＣ１２３" into "abc123"
/// after lowercasing, and full-width punctuation into ASCII), lowercases, and
/// collapses whitespace.
pub fn normalize(text: &str) -> String {
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Han ideographs (CJK unified ideographs and their extensions, compatibility
/// ideographs, and 〇).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RunKind {
    Han,
    Word,
}

/// Splits normalised text into runs of Han characters and runs of other
/// letters/digits; everything else (spaces, punctuation, emoji) separates runs.
/// Apostrophes inside Latin words are dropped ("don't" → "dont") so that the
/// contracted and the sloppy spelling meet.
fn runs(text: &str) -> Vec<(RunKind, String)> {
    let mut out: Vec<(RunKind, String)> = Vec::new();
    let mut current: Option<(RunKind, String)> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let kind = if is_han(c) {
            Some(RunKind::Han)
        } else if c.is_alphanumeric() {
            Some(RunKind::Word)
        } else {
            None
        };
        match kind {
            Some(k) => match &mut current {
                Some((ck, s)) if *ck == k => s.push(c),
                _ => {
                    if let Some(run) = current.take() {
                        out.push(run);
                    }
                    current = Some((k, c.to_string()));
                }
            },
            None => {
                let inside_word = (c == '\'' || c == '’')
                    && matches!(current, Some((RunKind::Word, _)))
                    && chars
                        .peek()
                        .is_some_and(|n| n.is_alphabetic() && !is_han(*n));
                if !inside_word && let Some(run) = current.take() {
                    out.push(run);
                }
            }
        }
    }
    if let Some(run) = current {
        out.push(run);
    }
    out
}

/// A light English stemmer (Harman's "S" stemmer): it only folds plurals, which
/// is safe for short support questions; the character n-grams take care of
/// the other inflections.
pub fn stem(word: &str) -> String {
    let n = word.len();
    if !word.is_ascii() || n <= 3 {
        return word.to_string();
    }
    if word.ends_with("ies") && !word.ends_with("eies") && !word.ends_with("aies") {
        return format!("{}y", &word[..n - 3]);
    }
    if word.ends_with("es")
        && !(word.ends_with("aes") || word.ends_with("ees") || word.ends_with("oes"))
    {
        return word[..n - 1].to_string();
    }
    if word.ends_with('s') && !(word.ends_with("us") || word.ends_with("ss")) {
        return word[..n - 1].to_string();
    }
    word.to_string()
}

fn push_char_ngrams(out: &mut Vec<String>, chars: &[char], min: usize, max: usize) {
    for n in min..=max {
        if chars.len() < n {
            break;
        }
        for w in chars.windows(n) {
            out.push(w.iter().collect());
        }
    }
}

/// Analyses one message. Never fails: any string (including empty) gives an
/// analysis, possibly empty.
pub fn analyze(text: &str) -> Analysis {
    let normalized = normalize(text);
    let mut analysis = Analysis::default();
    for (kind, run) in runs(&normalized) {
        match kind {
            RunKind::Word => {
                let word: String = run.chars().filter(|c| *c != '\'' && *c != '’').collect();
                let stemmed = stem(&word);
                // Padded like scikit-learn's `char_wb`, so n-grams at word
                // edges differ from those in the middle.
                let padded: Vec<char> = format!(" {word} ").chars().collect();
                push_char_ngrams(&mut analysis.char_ngrams, &padded, 2, 4);
                analysis.words.push(stemmed);
            }
            RunKind::Han => {
                for token in jieba().cut(&run, true) {
                    analysis.words.push(token.word.to_string());
                }
                let chars: Vec<char> = run.chars().collect();
                push_char_ngrams(&mut analysis.char_ngrams, &chars, 1, 2);
            }
        }
    }
    analysis
}
