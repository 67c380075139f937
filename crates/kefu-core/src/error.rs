//! Errors of the domain and of the storage port. Each carries a stable
//! snake_case code that the HTTP layer passes through to clients unchanged.

use thiserror::Error;

use crate::state::TransitionError;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CoreError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

impl CoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "validation_failed",
            Self::Transition(t) => t.code(),
        }
    }
}

/// What the storage port can fail with. Adapters map database-specific errors
/// (constraint names, serialization failures) onto these.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique constraint was hit; the string names what clashed (e.g. "email").
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// Optimistic concurrency: the row changed since it was read.
    #[error("the {0} was changed by someone else; reload and try again")]
    VersionConflict(&'static str),
    #[error(transparent)]
    Domain(#[from] CoreError),
    /// The agent already holds as many open conversations as their capacity
    /// (in total or on the conversation's channel) allows.
    #[error("the agent is at capacity")]
    AtCapacity,
    /// The ticket is closed for good: nothing more changes on it.
    #[error("the ticket is closed")]
    Closed,
    /// A ticket cannot be solved or closed while these required fields are empty.
    #[error("required ticket fields are empty: {}", .0.join(", "))]
    RequiredFieldsMissing(Vec<String>),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::VersionConflict(_) => "version_conflict",
            Self::Domain(e) => e.code(),
            Self::AtCapacity => "agent_at_capacity",
            Self::Closed => "ticket_closed",
            Self::RequiredFieldsMissing(_) => "required_fields_missing",
            Self::Unavailable(_) => "service_unavailable",
            Self::Database(_) => "internal_error",
        }
    }
}

impl From<TransitionError> for StoreError {
    fn from(e: TransitionError) -> Self {
        Self::Domain(CoreError::Transition(e))
    }
}
