use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, ConversationId, MessageId, Timestamp, UserId};

/// A customer question the bot could not answer (it offered candidates or
/// handed over for lack of confidence). Admins see them grouped and either
/// add them to the knowledge base or dismiss them. One per customer message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotQuestion {
    pub account_id: AccountId,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub text: String,
    /// What the bot did: `candidates` or `handed_off`.
    pub outcome: String,
    pub created_at: Timestamp,
    /// `open`, `added` (to the knowledge base) or `dismissed`.
    pub status: String,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewBotQuestion {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub text: String,
    pub outcome: String,
    pub now: Timestamp,
}

/// How an admin dealt with unanswered questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BotQuestionResolution {
    /// Added to the knowledge base (as a new entry or a similar question).
    Added,
    /// Not worth an entry (spam, a one-off).
    Dismissed,
}

impl BotQuestionResolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Dismissed => "dismissed",
        }
    }
}
