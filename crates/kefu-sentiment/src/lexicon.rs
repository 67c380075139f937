//! The shipped model's training set, built at install from licence-clean
//! lexicons (docs/decisions/0008-sentiment-training-sources.md):
//!
//! - English: the VADER lexicon (MIT), about 7,500 tokens each rated −4..+4
//!   by ten people.
//! - Chinese: VADER's ratings projected onto CC-CEDICT (CC BY-SA 4.0)
//!   headwords through their English glosses: a headword whose gloss is
//!   exactly a rated English word takes its rating; headwords whose senses
//!   disagree in sign are dropped.
//!
//! Both files are fetched by `scripts/fetch-models` into
//! `KEFU_MODEL_DIR/sentiment/` with pinned hashes. Nothing here reads the
//! evaluation sets: their reviews are never training data for the shipped
//! model. Negated forms ("not good", "不满意") are generated from the
//! positive entries, since a customer's complaint is as often a denied
//! positive as a negative word.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::SentimentError;
use crate::model::{Example, Polarity, SentimentModel};

/// The folder under the model directory, and its two files.
pub const FOLDER: &str = "sentiment";
pub const VADER_FILE: &str = "vader_lexicon.txt";
pub const CEDICT_FILE: &str = "cedict_ts.u8";

/// Ratings weaker than this (on VADER's −4..+4 scale) are too mild to teach
/// polarity: "ok", "fine", "whatever".
const MIN_STRENGTH: f32 = 1.0;

/// The lexicon folder under a model directory, if both files are there.
pub fn installed(model_dir: &Path) -> Option<PathBuf> {
    let dir = model_dir.join(FOLDER);
    (dir.join(VADER_FILE).is_file() && dir.join(CEDICT_FILE).is_file()).then_some(dir)
}

fn read(path: &Path) -> Result<String, SentimentError> {
    std::fs::read_to_string(path).map_err(|source| SentimentError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// VADER's `token<TAB>mean<TAB>sd<TAB>ratings` lines: (token, mean).
pub fn parse_vader(text: &str) -> HashMap<String, f32> {
    text.lines()
        .filter_map(|line| {
            let mut cols = line.trim_end_matches('\r').split('\t');
            let token = cols.next()?.trim();
            let mean: f32 = cols.next()?.trim().parse().ok()?;
            token
                .chars()
                .any(char::is_alphabetic)
                .then(|| (token.to_lowercase(), mean))
        })
        .collect()
}

/// One English gloss reduced to the word it names ("to hate" → "hate",
/// "bad (of quality)" → "bad"), or `None` for a longer phrase.
fn gloss_word(gloss: &str) -> Option<String> {
    let mut g = gloss.to_lowercase();
    while let (Some(open), Some(close)) = (g.find('('), g.find(')')) {
        if close < open {
            break;
        }
        g.replace_range(open..=close, "");
    }
    let mut g = g.trim();
    for article in ["to ", "a ", "an ", "the ", "be "] {
        if let Some(rest) = g.strip_prefix(article) {
            g = rest.trim();
        }
    }
    (!g.is_empty() && !g.contains(' ')).then(|| g.to_string())
}

/// CC-CEDICT's entries (`Trad Simp [pin yin] /gloss/gloss/` lines) as
/// (simplified headword, the `/`-separated glosses); comments and malformed
/// lines are skipped.
fn cedict_entries(cedict: &str) -> impl Iterator<Item = (&str, &str)> {
    cedict
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let (_traditional, simplified, rest) = (parts.next()?, parts.next()?, parts.next()?);
            let (_, glosses) = rest.split_once('/')?;
            Some((simplified, glosses))
        })
}

/// CC-CEDICT lines (`Trad Simp [pin yin] /gloss/gloss/`) projected through
/// the English ratings: (simplified headword, mean rating of its rated
/// glosses), dropping headwords whose rated glosses disagree in sign.
pub fn project_cedict(cedict: &str, english: &HashMap<String, f32>) -> Vec<(String, f32)> {
    let mut ratings: HashMap<String, Vec<f32>> = HashMap::new();
    for (simplified, glosses) in cedict_entries(cedict) {
        for gloss in glosses.split('/') {
            if let Some(r) = gloss_word(gloss).and_then(|w| english.get(&w)) {
                ratings.entry(simplified.to_string()).or_default().push(*r);
            }
        }
    }
    let mut out: Vec<(String, f32)> = ratings
        .into_iter()
        .filter(|(_, r)| r.iter().all(|v| *v > 0.0) || r.iter().all(|v| *v < 0.0))
        .map(|(w, r)| {
            let mean = r.iter().sum::<f32>() / r.len() as f32;
            (w, mean)
        })
        .collect();
    // Sorted, so the training set (and so the model) does not depend on
    // hash-map order.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn polarity(rating: f32) -> Option<Polarity> {
    if rating >= MIN_STRENGTH {
        Some(Polarity::Pos)
    } else if rating <= -MIN_STRENGTH {
        Some(Polarity::Neg)
    } else {
        None
    }
}

/// How a language negates and intensifies a word: `{}` is the word.
struct Forms {
    negations: &'static [&'static str],
    intensifiers: &'static [&'static str],
}

const ENGLISH: Forms = Forms {
    negations: &["not {}"],
    intensifiers: &["very {}"],
};

const CHINESE: Forms = Forms {
    negations: &["不{}", "没有{}", "不太{}", "不够{}"],
    intensifiers: &["很{}", "太{}", "非常{}"],
};

/// Training examples from rated words of one language: each word with its
/// polarity, intensified (same polarity), and each positive word negated
/// (flipped). The forms put the words in the contexts reviews and chats
/// use them in, so the word and character bigrams of "很差" or "not
/// helpful" carry weight, not only the bare word.
fn examples_from(words: &[(String, f32)], forms: &Forms) -> Vec<Example> {
    let mut out = Vec::new();
    for (word, rating) in words {
        let Some(p) = polarity(*rating) else { continue };
        out.push(Example::new(word.clone(), p));
        for f in forms.intensifiers {
            out.push(Example::new(f.replace("{}", word), p));
        }
        if p == Polarity::Pos {
            for f in forms.negations {
                out.push(Example::new(f.replace("{}", word), Polarity::Neg));
            }
        }
    }
    out
}

/// Words of everyday use that carry no rating, as "not negative"
/// examples: one Chinese headword and one English gloss word from every
/// `NEUTRAL_EVERY`-th dictionary entry that has no rated gloss. The model
/// decides negative against not-negative; without them it only ever sees
/// rated words, learns that an unknown word leans negative, and finds
/// "where is my parcel?" upset.
const NEUTRAL_EVERY: usize = 8;

fn neutral_words(cedict: &str, english: &HashMap<String, f32>) -> (Vec<String>, Vec<String>) {
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for (simplified, glosses) in cedict_entries(cedict).step_by(NEUTRAL_EVERY) {
        let words: Vec<String> = glosses.split('/').filter_map(gloss_word).collect();
        if words.iter().any(|w| english.contains_key(w)) {
            continue;
        }
        zh.push(simplified.to_string());
        if let Some(w) = words
            .into_iter()
            .find(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        {
            en.push(w);
        }
    }
    (zh, en)
}

/// The shipped training set from the lexicon folder's two files.
pub fn training_set(dir: &Path) -> Result<Vec<Example>, SentimentError> {
    let cedict = read(&dir.join(CEDICT_FILE))?;
    let english = parse_vader(&read(&dir.join(VADER_FILE))?);
    let chinese = project_cedict(&cedict, &english);
    let (neutral_zh, neutral_en) = neutral_words(&cedict, &english);
    let mut english: Vec<(String, f32)> = english.into_iter().collect();
    english.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = examples_from(&english, &ENGLISH);
    out.extend(examples_from(&chinese, &CHINESE));
    out.extend(
        neutral_zh
            .into_iter()
            .chain(neutral_en)
            .map(|w| Example::new(w, Polarity::Pos)),
    );
    Ok(out)
}

/// The shipped model: trained from the lexicons under `model_dir` (lexical
/// features only, so it needs no embedding model and scores a message in
/// microseconds). `None` when the lexicons are not installed.
pub fn shipped_model(model_dir: &Path) -> Result<Option<SentimentModel>, SentimentError> {
    let Some(dir) = installed(model_dir) else {
        return Ok(None);
    };
    SentimentModel::train(&training_set(&dir)?, None).map(Some)
}

pub use kefu_bot::embedding::model_dir;
