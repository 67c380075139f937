use serde::{Deserialize, Serialize};

use crate::{AccountId, JobId, Timestamp};

/// A durable timer or background task. Claimed under a lease so that each
/// job runs once across all nodes; retried with backoff until `max_attempts`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub account_id: Option<AccountId>,
    /// What to run, e.g. `conversation.unsnooze`.
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    /// Jobs with the same key are not enqueued twice while one is pending.
    pub dedupe_key: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    pub account_id: Option<AccountId>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    pub dedupe_key: Option<String>,
    pub max_attempts: i32,
}
