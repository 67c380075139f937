//! The knowledge base the bot answers from: FAQ entries kept in memory. The
//! server loads them from the database and rebuilds the bot when they change;
//! this module only defines the model and checks it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::BotError;

/// One FAQ entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    /// Stable id (the database key); answers cite it.
    pub id: String,
    /// The canonical question shown to customers (e.g. as a candidate).
    pub question: String,
    /// Other ways customers ask the same thing; the classifier learns from
    /// them and the thresholds are derived from them.
    #[serde(default)]
    pub similar_questions: Vec<String>,
    /// The answer sent to the customer.
    #[serde(default)]
    pub answer: String,
    /// BCP 47 locale of the entry, e.g. `zh-CN` or `en`.
    #[serde(default)]
    pub locale: String,
    /// Disabled entries stay in the database but the bot ignores them.
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Questions the bot must not answer (legal advice, complaints, topics
    /// outside the business...): when a message matches such an entry best,
    /// the bot hands the conversation to a human instead of answering.
    #[serde(default)]
    pub out_of_scope: bool,
    /// A business action to run instead of sending `answer` (e.g. look up an
    /// order). The bot only names it; the server owns the actions.
    #[serde(default)]
    pub action: Option<String>,
}

fn default_true() -> bool {
    true
}

impl FaqEntry {
    /// An enabled, in-scope entry with no similar questions yet.
    pub fn new(
        id: impl Into<String>,
        question: impl Into<String>,
        answer: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            question: question.into(),
            similar_questions: Vec::new(),
            answer: answer.into(),
            locale: String::new(),
            enabled: true,
            tags: Vec::new(),
            out_of_scope: false,
            action: None,
        }
    }

    /// Adds similar questions (builder style, for imports and tests).
    pub fn with_similar<I, S>(mut self, questions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.similar_questions
            .extend(questions.into_iter().map(Into::into));
        self
    }

    /// Marks the entry as a class of questions the bot must not answer.
    pub fn out_of_scope(mut self) -> Self {
        self.out_of_scope = true;
        self
    }

    /// The question followed by the similar questions: every text the bot
    /// learns this entry from.
    pub fn all_questions(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.question.as_str())
            .chain(self.similar_questions.iter().map(String::as_str))
    }
}

/// A checked set of FAQ entries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KnowledgeBase {
    entries: Vec<FaqEntry>,
}

impl KnowledgeBase {
    /// Checks ids are unique and non-empty and every entry has a question.
    pub fn new(entries: Vec<FaqEntry>) -> Result<Self, BotError> {
        let mut seen = HashSet::new();
        for e in &entries {
            if e.id.trim().is_empty() {
                return Err(BotError::InvalidEntry {
                    id: e.id.clone(),
                    reason: "the id is empty".into(),
                });
            }
            if e.question.trim().is_empty() {
                return Err(BotError::InvalidEntry {
                    id: e.id.clone(),
                    reason: "the question is empty".into(),
                });
            }
            if !seen.insert(e.id.as_str()) {
                return Err(BotError::DuplicateEntryId(e.id.clone()));
            }
        }
        Ok(Self { entries })
    }

    /// All entries, enabled or not.
    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    /// The entries the bot may use.
    pub fn enabled_entries(&self) -> impl Iterator<Item = &FaqEntry> {
        self.entries.iter().filter(|e| e.enabled)
    }
}
