use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, InboxId, TeamId, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    WebWidget,
    Api,
    Email,
    Wechat,
    Telegram,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebWidget => "web_widget",
            Self::Api => "api",
            Self::Email => "email",
            Self::Wechat => "wechat",
            Self::Telegram => "telegram",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "web_widget" => Self::WebWidget,
            "api" => Self::Api,
            "email" => Self::Email,
            "wechat" => Self::Wechat,
            "telegram" => Self::Telegram,
            _ => return None,
        })
    }
}

/// One configured channel instance: a widget on one site, one mailbox, one
/// API integration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Inbox {
    pub id: InboxId,
    pub account_id: AccountId,
    pub name: String,
    pub channel: ChannelKind,
    /// Whether a bot answers first. With no bot configured a new conversation
    /// goes straight to the queue.
    pub bot_enabled: bool,
    /// Team whose queue receives handed-off conversations.
    pub default_team_id: Option<TeamId>,
    /// Origins allowed to embed the widget (empty: any).
    pub allowed_origins: Vec<String>,
    /// Whether widget visitors must present an identity signed with the
    /// inbox secret (HMAC-SHA256 of the user id).
    pub require_identity: bool,
    /// Channel-specific settings (greeting, pre-chat form, ...).
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
