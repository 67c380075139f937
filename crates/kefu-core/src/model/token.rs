use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, InboxId, Timestamp, TokenId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Acts as the user who made it, with their role.
    Personal,
    /// Lets a channel integration post into one inbox.
    Inbox,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Inbox => "inbox",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "personal" => Some(Self::Personal),
            "inbox" => Some(Self::Inbox),
            _ => None,
        }
    }
}

/// An API token as listed; the secret itself is shown once at creation and
/// only its SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: TokenId,
    pub account_id: AccountId,
    pub kind: TokenKind,
    pub user_id: Option<UserId>,
    pub inbox_id: Option<InboxId>,
    pub name: String,
    /// First characters of the secret, to recognise it in a list.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}
