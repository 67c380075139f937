//! Quality inspection as the store keeps it: an account's rules and
//! scorecards (checked and run by `kefu-qa`; the store keeps them as the
//! JSON an admin saved), and the scores of each conversation with the hits
//! that led to them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ConversationId, Timestamp};

/// An account's inspection rules and scorecards.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QaSettings {
    /// `kefu_qa::Rule`s.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Value>,
    /// `kefu_qa::Scorecard`s.
    #[schema(value_type = Vec<Object>)]
    pub scorecards: Vec<Value>,
}

/// A conversation's score on one scorecard, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QaScore {
    pub conversation_id: ConversationId,
    pub scorecard_id: String,
    pub total: f64,
    pub passed: bool,
    /// Rules of critical items that were hit (一票否决).
    pub critical_failed: Vec<String>,
    /// Points per item (`kefu_qa::ItemScore`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    /// The hits, each with the message id, the character span and the rule.
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<Value>,
    pub created_at: Timestamp,
}
