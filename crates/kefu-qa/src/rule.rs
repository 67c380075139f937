//! Rule definitions as an account stores them (JSON). [`crate::Inspector`]
//! compiles them; nothing here matches text.

use serde::{Deserialize, Serialize};

use crate::pii::PiiKind;
use crate::transcript::Party;

/// Whose messages a text rule reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Customer,
    #[default]
    Agent,
    Bot,
    /// Everyone's messages.
    All,
}

impl Speaker {
    pub fn includes(self, party: Party) -> bool {
        match self {
            Self::All => true,
            Self::Customer => party == Party::Customer,
            Self::Agent => party == Party::Agent,
            Self::Bot => party == Party::Bot,
        }
    }
}

/// Which of the speaker's messages a text rule reads: all of them, or only
/// the first or last few (e.g. a greeting in the agent's first message).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<usize>,
}

/// A keyword with the other ways people write it; any of them counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}

/// When a keyword rule fires, by how many of its terms appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeywordMode {
    /// At least one term appears.
    Any,
    /// Every term appears.
    All,
    /// No term appears (e.g. the agent never thanked the customer).
    None,
    /// At least `at_least` different terms appear.
    AtLeast,
}

/// What a response-time rule measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeMetric {
    /// From the customer's first message to people (or the hand-off, if
    /// later) until the first agent reply.
    FirstResponse,
    /// Any time the customer waited for an agent's reply, from their first
    /// unanswered message (after the hand-off) to the agent's next reply.
    AnyGap,
}

/// How negative a message must be for a sentiment rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLevel {
    /// The model thinks the message more likely negative than not, with
    /// some margin (P(negative) ≥ 0.7).
    Negative,
    /// Clearly negative (P(negative) ≥ 0.9): anger, a complaint.
    StronglyNegative,
}

impl SentimentLevel {
    /// The calibrated probability at which a message counts.
    pub fn threshold(self) -> f32 {
        match self {
            Self::Negative => 0.7,
            Self::StronglyNegative => 0.9,
        }
    }
}

/// What a rule looks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleKind {
    Keywords {
        mode: KeywordMode,
        terms: Vec<Term>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<usize>,
    },
    /// A regular expression (Rust `regex` syntax; `(?i)` for any case); a
    /// match overlapped by a match of any `exclude` pattern does not count
    /// (`退款` but not `不能退款`).
    Regex {
        pattern: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclude: Vec<String>,
    },
    /// Forbidden words (禁语): every occurrence of any word of the list, of
    /// any length (one automaton for the whole list).
    Forbidden { words: Vec<String> },
    /// The agent greets within their first `within_first` messages (default 1).
    Greeting {
        phrases: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_first: Option<usize>,
    },
    /// The agent closes politely within their last `within_last` messages (default 1).
    Closing {
        phrases: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_last: Option<usize>,
    },
    /// After a customer message with a complaint term, one of the agent's
    /// next `within_replies` messages (default 2) apologises.
    Apology {
        complaint: Vec<String>,
        apology: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_replies: Option<usize>,
    },
    /// A customer waited longer than `over_s` seconds.
    ResponseTime { metric: TimeMetric, over_s: u64 },
    /// Personal data written by the speaker (by default the agent), each
    /// candidate validated (ID card checksum and birth date, bank card
    /// Luhn), so an order number is not taken for a card.
    Pii {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        kinds: Vec<PiiKind>,
    },
    /// Signs the customer may escalate: complaints to authorities, threats
    /// to leave or to go public. A built-in Chinese and English lexicon,
    /// plus the account's own `extra` terms.
    Escalation {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        extra: Vec<String>,
    },
    /// Messages the sentiment model finds negative (by default the
    /// customer's; on the agent, it catches an agent losing their temper).
    /// `min_probability` overrides the level's threshold.
    Sentiment {
        level: SentimentLevel,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_probability: Option<f32>,
    },
}

/// One rule of an account. (Unknown fields are refused by the flattened
/// kind, which receives every field the rule itself does not name.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable id that scorecards and hits refer to.
    pub id: String,
    pub name: String,
    /// Whose messages text rules read (greeting, closing and apology rules
    /// always read the agent's; escalation and sentiment by default the
    /// customer's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<Speaker>,
    #[serde(default)]
    pub window: Window,
    /// Also checked while the conversation runs: each new message (text
    /// rules) or each wait (`response_time`) may raise an alert to
    /// supervisors. A live rule still counts in the inspection after
    /// resolution.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub live: bool,
    #[serde(flatten)]
    pub kind: RuleKind,
}

impl Rule {
    /// The speaker the rule reads when it names none.
    pub fn effective_speaker(&self) -> Speaker {
        match (&self.speaker, &self.kind) {
            (Some(s), _) => *s,
            (None, RuleKind::Escalation { .. } | RuleKind::Sentiment { .. }) => Speaker::Customer,
            (None, _) => Speaker::Agent,
        }
    }
}
