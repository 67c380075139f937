use thiserror::Error;

/// A rule or scorecard that cannot be used, named by its id so an editor
/// can point at it.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum QaError {
    #[error("rule `{id}`: {message}")]
    InvalidRule { id: String, message: String },
    #[error("scorecard `{id}`: {message}")]
    InvalidScorecard { id: String, message: String },
    /// Each rule is valid but together they exceed what the filters that
    /// read every message once can hold.
    #[error("the rules together: {0}")]
    TooLarge(String),
}

impl QaError {
    pub(crate) fn rule(id: &str, message: impl Into<String>) -> Self {
        Self::InvalidRule {
            id: id.to_string(),
            message: message.into(),
        }
    }
    pub(crate) fn scorecard(id: &str, message: impl Into<String>) -> Self {
        Self::InvalidScorecard {
            id: id.to_string(),
            message: message.into(),
        }
    }
}
