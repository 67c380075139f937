//! Quality inspection (质检): every conversation checked against an
//! account's rules, the hits scored on scorecards.
//!
//! Everything here is a pure function of its input: a [`Transcript`] (who
//! said what, when) goes in, [`Hit`]s come out, each pointing at the exact
//! message and character span that triggered it, and a [`Scorecard`] turns
//! the hits a reviewer kept into a score. Rules are compiled once per
//! account ([`Inspector::compile`]): forbidden-word lists of any size become
//! one Aho-Corasick automaton, so inspecting a conversation costs one pass
//! over its text per rule, however long the list.
//!
//! Offsets are in characters (Unicode scalar values), not bytes, so a
//! Chinese message's offsets count its characters.

#![forbid(unsafe_code)]

mod error;
mod hit;
mod inspector;
mod lexicon;
mod matchers;
mod pii;
mod rule;
mod scorecard;
mod transcript;

pub use error::QaError;
pub use hit::Hit;
pub use inspector::{Inspector, LiveWait, Silence};
pub use pii::{PiiKind, find_pii, valid_id_card, valid_luhn};
pub use rule::{KeywordMode, Rule, RuleKind, SentimentLevel, Speaker, Term, TimeMetric, Window};
pub use scorecard::{BotOnly, Effect, ItemScore, ScoreItem, ScoreResult, Scorecard};
pub use transcript::{Party, Transcript, Turn};
