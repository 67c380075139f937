//! Quality inspection as the store keeps it: an account's rules and
//! scorecards (checked and run by `kefu-qa`; the store keeps them as the
//! JSON an admin saved), and the scores of each conversation with the hits
//! that led to them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ConversationId, InboxId, MessageId, Timestamp, UserId};

/// An account's inspection rules and scorecards.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QaSettings {
    /// `kefu_qa::Rule`s.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Value>,
    /// `kefu_qa::Scorecard`s.
    #[schema(value_type = Vec<Object>)]
    pub scorecards: Vec<Value>,
    /// The share of scored conversations picked for human review even when
    /// they passed (0 to 1; failed ones are always in the review queue).
    #[serde(default)]
    pub sample_rate: f64,
    /// When the account's own sentiment model was trained from its
    /// reviewers' labels (`POST /qa/sentiment/retrain`); none while the
    /// account uses the shipped model. Read-only: saving the settings keeps
    /// it, only retraining or reverting changes it.
    #[serde(default)]
    pub sentiment_model: Option<Timestamp>,
}

/// A reviewer's verdict on a sentiment rule's hit, kept as a training
/// label: a confirmed hit says the message is negative, a rejected one that
/// it is not. One label per message (the latest verdict wins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SentimentLabel {
    pub message_id: MessageId,
    /// The message's text when it was labelled.
    pub text: String,
    pub negative: bool,
    /// The sentiment rule whose hit was judged.
    pub rule_id: String,
    pub labelled_by: UserId,
    pub labelled_at: Timestamp,
}

/// One text the account's model learnt from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LabelledText {
    pub text: String,
    pub negative: bool,
}

/// An account's retrained sentiment model as the store keeps it: the exact
/// labels it learnt from (training is deterministic, so every node and
/// every restart rebuilds the same model from them) and how it measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountSentimentModel {
    pub trained_at: Timestamp,
    pub trained_by: UserId,
    pub examples: Vec<LabelledText>,
    /// What the retraining measured (label counts, held-out accuracy of the
    /// shipped and the retrained model).
    #[schema(value_type = Object)]
    pub report: Value,
}

/// Where a score is in its review.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QaStatus {
    /// As the inspection scored it.
    #[default]
    Auto,
    /// A reviewer confirmed or rejected its hits.
    Reviewed,
    /// The agent appealed; a supervisor decides.
    Appealed,
    /// Decided; nothing changes it any more.
    Final,
}

impl QaStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Reviewed => "reviewed",
            Self::Appealed => "appealed",
            Self::Final => "final",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            "reviewed" => Some(Self::Reviewed),
            "appealed" => Some(Self::Appealed),
            "final" => Some(Self::Final),
            _ => None,
        }
    }
}

/// A conversation's score on one scorecard, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QaScore {
    /// The score's own id (the review queue pages by it).
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub conversation_id: ConversationId,
    pub scorecard_id: String,
    pub total: f64,
    pub passed: bool,
    /// Rules of critical items that were hit (一票否决).
    pub critical_failed: Vec<String>,
    /// Points per item (`kefu_qa::ItemScore`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    /// The hits, each with the message id, the character span, the rule
    /// and, once reviewed, the reviewer's `verdict` (`confirmed` or
    /// `rejected`; rejected hits do not count).
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<Value>,
    #[serde(default)]
    pub status: QaStatus,
    /// The conversation's agent when it was inspected.
    #[serde(default)]
    pub agent_id: Option<UserId>,
    /// Picked for human review by the sampling rate.
    #[serde(default)]
    pub sampled: bool,
    /// Points a reviewer added or took away by hand.
    #[serde(default)]
    pub adjustment: f64,
    /// The review's and the appeal's record: who, when, notes, decision.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub review: Value,
    /// Bumped by every change; a change names the version it read.
    #[serde(default)]
    pub version: i64,
    pub created_at: Timestamp,
}

/// Why a live alert was raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QaAlertReason {
    /// A live rule matched a message as it was written.
    Rule,
    /// A customer waited longer than a live `response_time` rule allows.
    Silence,
}

impl QaAlertReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rule => "rule",
            Self::Silence => "silence",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rule" => Some(Self::Rule),
            "silence" => Some(Self::Silence),
            _ => None,
        }
    }
}

/// A live alert to supervisors, raised while the conversation runs. One
/// rule alerts once per message (`rule`), or once per wait (`silence`,
/// where `message_id` is the customer's first unanswered message).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QaAlert {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub conversation_id: ConversationId,
    pub inbox_id: InboxId,
    pub rule_id: String,
    pub rule_name: String,
    pub reason: QaAlertReason,
    pub message_id: MessageId,
    /// The hit's span in the message, in characters (`0..0` for a silence).
    pub start: i64,
    pub end: i64,
    /// At most 80 characters of the message around the hit.
    pub excerpt: String,
    /// Who wrote the message: `customer`, `agent` or `bot`.
    pub speaker: String,
    pub created_at: Timestamp,
}
