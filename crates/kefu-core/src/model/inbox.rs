use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, CoreError, InboxId, TeamId, Timestamp};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
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

/// The bot's per-inbox settings, kept under `settings.bot`. The thresholds
/// the bot learns from the knowledge base suit most inboxes; one that wants
/// its bot bolder (answer more) or more careful (hand over more) sets its
/// own: `{"bot": {"answer_threshold": 0.8, "candidates_threshold": 0.4}}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxBotSettings {
    /// Answer at or above this calibrated confidence (0..1).
    pub answer_threshold: Option<f32>,
    /// Offer candidates at or above this, below the answer threshold (0..1).
    pub candidates_threshold: Option<f32>,
    /// Hand over to people when the sentiment model finds the customer's
    /// message at least this likely negative (0.5..1; absent: only the
    /// built-in anger cues hand over). Off by default: customers' questions
    /// are often about bad news ("my card was stolen") that the bot can
    /// answer, so each company chooses how upset is too upset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_negative_sentiment: Option<f32>,
}

impl InboxBotSettings {
    /// Reads and checks `settings.bot` (absent: no overrides).
    pub fn from_settings(settings: &serde_json::Value) -> Result<Self, CoreError> {
        let Some(v) = settings.get("bot") else {
            return Ok(Self::default());
        };
        let s: Self = serde_json::from_value(v.clone())
            .map_err(|e| CoreError::invalid("settings.bot", e.to_string()))?;
        for (field, t) in [
            ("settings.bot.answer_threshold", s.answer_threshold),
            ("settings.bot.candidates_threshold", s.candidates_threshold),
        ] {
            if t.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
                return Err(CoreError::invalid(field, "between 0 and 1"));
            }
        }
        if s.handoff_negative_sentiment
            .is_some_and(|t| !(0.5..=1.0).contains(&t))
        {
            return Err(CoreError::invalid(
                "settings.bot.handoff_negative_sentiment",
                "between 0.5 and 1",
            ));
        }
        if let (Some(a), Some(c)) = (s.answer_threshold, s.candidates_threshold)
            && c > a
        {
            return Err(CoreError::invalid(
                "settings.bot.candidates_threshold",
                "must not be above the answer threshold",
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod bot_settings_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bot_settings_are_optional_and_checked() {
        assert_eq!(
            InboxBotSettings::from_settings(&json!({})).unwrap(),
            InboxBotSettings::default()
        );
        let s =
            InboxBotSettings::from_settings(&json!({"bot": {"answer_threshold": 0.8}})).unwrap();
        assert_eq!(s.answer_threshold, Some(0.8));
        for bad in [
            json!({"bot": {"answer_threshold": 1.5}}),
            json!({"bot": {"answer_threshold": 0.5, "candidates_threshold": 0.6}}),
            json!({"bot": {"answer": 0.5}}),
            json!({"bot": {"handoff_negative_sentiment": 0.3}}),
            json!({"bot": "bold"}),
        ] {
            assert!(InboxBotSettings::from_settings(&bad).is_err(), "{bad}");
        }
    }
}
