//! Phrase matching shared by the rules: many phrases at once, ASCII case
//! folded, English words only where they stand as words ("cancel" is not
//! found in "cancellation"), Chinese anywhere (it has no spaces).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// A set of phrases compiled into one automaton; a match reports which
/// phrase (its index in the list given) and where.
#[derive(Clone, Debug)]
pub struct PhraseSet {
    automaton: AhoCorasick,
    phrases: Vec<String>,
}

/// A phrase found in a text, in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub phrase: usize,
    pub start: usize,
    pub end: usize,
}

impl PhraseSet {
    /// `None` for an empty list (or one of blanks only).
    pub fn new<S: AsRef<str>>(phrases: &[S]) -> Result<Option<Self>, String> {
        let phrases: Vec<String> = phrases
            .iter()
            .map(|p| p.as_ref().trim().to_string())
            .collect();
        if phrases.iter().any(String::is_empty) {
            return Err("a phrase is empty".into());
        }
        if phrases.is_empty() {
            return Ok(None);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&phrases)
            .map_err(|e| format!("cannot compile the phrases: {e}"))?;
        Ok(Some(Self { automaton, phrases }))
    }

    pub fn phrase(&self, i: usize) -> &str {
        &self.phrases[i]
    }

    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// Every non-overlapping occurrence, leftmost-longest, that stands as a
    /// word where the text is alphabetic.
    pub fn find_all(&self, text: &str) -> Vec<Found> {
        let mut out = Vec::new();
        let mut chars = CharIndex::new(text);
        for m in self.automaton.find_iter(text) {
            if !bounded(text, m.start(), m.end()) {
                continue;
            }
            out.push(Found {
                phrase: m.pattern().as_usize(),
                start: chars.at(m.start()),
                end: chars.at(m.end()),
            });
        }
        out
    }

    pub fn first(&self, text: &str) -> Option<Found> {
        self.find_all(text).into_iter().next()
    }
}

/// Whether the bytes `start..end` of `text` are not glued to ASCII letters
/// or digits on an edge where the match itself is one: "cancel" is found
/// in "please cancel it" but not in "cancellation"; Chinese text, which has
/// no spaces, matches anywhere.
pub fn bounded(text: &str, start: usize, end: usize) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric();
    let inner_first = text[start..end].chars().next();
    let inner_last = text[start..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let left_ok = !(inner_first.is_some_and(word) && before.is_some_and(word));
    let right_ok = !(inner_last.is_some_and(word) && after.is_some_and(word));
    left_ok && right_ok
}

/// Converts byte offsets of one text to character offsets, walking forward
/// once for increasing offsets (matches come in order).
pub struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            byte: 0,
            chars: 0,
        }
    }

    pub fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}
