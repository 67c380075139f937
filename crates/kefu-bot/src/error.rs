//! The library's errors: one enum, so the server can map each case to a
//! message or an HTTP status without parsing strings.

use std::path::PathBuf;

/// Everything that can go wrong in the bot.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The customer's message was empty or only whitespace/punctuation.
    #[error("the message is empty")]
    EmptyQuery,
    /// The message is longer than the bot reads; such input is pasted logs or
    /// abuse, not a question, and scoring it would waste CPU.
    #[error("the message has {chars} characters; the bot reads at most {max}")]
    QueryTooLong { chars: usize, max: usize },
    /// The knowledge base has no enabled entry to answer from.
    #[error("the knowledge base has no enabled entries")]
    EmptyKnowledgeBase,
    /// Two entries share an id.
    #[error("duplicate knowledge entry id {0:?}")]
    DuplicateEntryId(String),
    /// An entry cannot be used as it is.
    #[error("knowledge entry {id:?} is invalid: {reason}")]
    InvalidEntry { id: String, reason: String },
    /// An evaluation file could not be read.
    #[error("reading {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line of an evaluation file is not a valid record.
    #[error("{path}:{line}: {message}")]
    BadRecord {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The evaluation was asked for something it cannot do.
    #[error("invalid evaluation: {0}")]
    InvalidEvaluation(String),
    /// The embedding model failed on the knowledge base or a message.
    #[error("embedding with {model}: {message}")]
    Embedding { model: String, message: String },
}
