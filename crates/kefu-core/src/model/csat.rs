use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, ContactId, ConversationId, CoreError, CsatId, MessageId, Timestamp};

/// The longest comment a customer may leave with a rating, in characters.
pub const CSAT_COMMENT_MAX: usize = 1000;

/// A customer's answer to one `csat_request` message. One answer per request:
/// a second one is refused (`Conflict`), so a rating reported to agents never
/// changes under them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CsatResponse {
    pub id: CsatId,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub contact_id: ContactId,
    /// The `csat_request` message this answers.
    pub request_message_id: MessageId,
    /// 1 (worst) to 5 (best).
    pub rating: i16,
    pub comment: Option<String>,
    pub created_at: Timestamp,
}

impl CsatResponse {
    /// Checks the rating and trims the comment (blank means none).
    pub fn validate(&mut self) -> Result<(), CoreError> {
        if !(1..=5).contains(&self.rating) {
            return Err(CoreError::invalid("rating", "between 1 and 5"));
        }
        if let Some(c) = &self.comment {
            let t = c.trim();
            if t.chars().count() > CSAT_COMMENT_MAX {
                return Err(CoreError::invalid(
                    "comment",
                    format!("at most {CSAT_COMMENT_MAX} characters"),
                ));
            }
            self.comment = if t.is_empty() {
                None
            } else {
                Some(t.to_owned())
            };
        }
        Ok(())
    }
}

/// Whether resolving a conversation of this inbox asks the customer for a
/// rating: `settings.csat_enabled`, on by default for the web widget (the
/// only channel that can show the rating card today).
pub fn csat_enabled(inbox: &super::Inbox) -> bool {
    inbox
        .settings
        .get("csat_enabled")
        .and_then(|v| v.as_bool())
        .unwrap_or(inbox.channel == super::ChannelKind::WebWidget)
}

/// The question stored with a request when the inbox sets none. The widget
/// recognises it and asks in the visitor's language instead; an inbox's own
/// wording is shown as written.
pub const CSAT_DEFAULT_TEXT: &str = "How would you rate this conversation?";

/// The longest question an inbox may set (`settings.csat_text`).
pub const CSAT_TEXT_MAX: usize = 300;

/// The text stored with the request (`settings.csat_text` or the default).
pub fn csat_text(inbox: &super::Inbox) -> String {
    inbox
        .settings
        .get("csat_text")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(CSAT_DEFAULT_TEXT)
        .to_owned()
}

/// The answer scale an inbox asks with (`settings.csat_scale`): `stars`
/// (the default) or `emoji`, five faces from 😠 to 😍. Both rate 1 to 5.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsatScale {
    #[default]
    Stars,
    Emoji,
}

impl CsatScale {
    /// The inbox's scale; `settings()` below has refused anything else, so an
    /// unreadable value (stored before it was checked) falls back to stars.
    pub fn of(inbox: &super::Inbox) -> Self {
        Self::from_settings(&inbox.settings).unwrap_or_default()
    }

    /// The `scale` of a `csat_request` message asked on this scale.
    pub fn message_scale(self) -> &'static str {
        match self {
            Self::Stars => "stars_5",
            Self::Emoji => "emoji_5",
        }
    }

    /// Reads and checks `csat_scale` (absent or null: stars).
    pub fn from_settings(settings: &serde_json::Value) -> Result<Self, CoreError> {
        match settings.get("csat_scale") {
            None | Some(serde_json::Value::Null) => Ok(Self::Stars),
            Some(v) => match v.as_str() {
                Some("stars") => Ok(Self::Stars),
                Some("emoji") => Ok(Self::Emoji),
                _ => Err(CoreError::invalid(
                    "settings.csat_scale",
                    "\"stars\" or \"emoji\"",
                )),
            },
        }
    }
}

/// Checks the survey's inbox settings: `csat_enabled` (a boolean),
/// `csat_text` (at most [`CSAT_TEXT_MAX`] characters) and `csat_scale`.
pub fn check_csat_settings(settings: &serde_json::Value) -> Result<(), CoreError> {
    use serde_json::Value;
    match settings.get("csat_enabled") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(_) => {
            return Err(CoreError::invalid("settings.csat_enabled", "true or false"));
        }
    }
    match settings.get("csat_text") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t.trim().chars().count() <= CSAT_TEXT_MAX => {}
        Some(_) => {
            return Err(CoreError::invalid(
                "settings.csat_text",
                format!("a text of at most {CSAT_TEXT_MAX} characters"),
            ));
        }
    }
    CsatScale::from_settings(settings)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(rating: i16, comment: Option<&str>) -> CsatResponse {
        CsatResponse {
            id: CsatId::new(),
            account_id: AccountId::new(),
            conversation_id: ConversationId::new(),
            contact_id: ContactId::new(),
            request_message_id: MessageId::new(),
            rating,
            comment: comment.map(str::to_owned),
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn ratings_are_one_to_five_and_comments_bounded() {
        assert!(answer(0, None).validate().is_err());
        assert!(answer(6, None).validate().is_err());
        let mut a = answer(5, Some("  "));
        a.validate().unwrap();
        assert_eq!(a.comment, None);
        assert!(answer(1, Some(&"é".repeat(1000))).validate().is_ok());
        assert!(answer(1, Some(&"é".repeat(1001))).validate().is_err());
    }

    #[test]
    fn survey_settings_are_checked() {
        use serde_json::json;
        for ok in [
            json!({}),
            json!({"csat_scale": "stars", "csat_text": "满意吗？", "csat_enabled": true}),
            json!({"csat_scale": "emoji", "csat_text": null}),
            json!({"csat_text": "é".repeat(CSAT_TEXT_MAX)}),
        ] {
            assert!(check_csat_settings(&ok).is_ok(), "{ok}");
        }
        for bad in [
            json!({"csat_scale": "emojis"}),
            json!({"csat_scale": 5}),
            json!({"csat_enabled": "yes"}),
            json!({"csat_text": 1}),
            json!({"csat_text": "é".repeat(CSAT_TEXT_MAX + 1)}),
        ] {
            assert!(check_csat_settings(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            CsatScale::from_settings(&json!({"csat_scale": "emoji"})).unwrap(),
            CsatScale::Emoji
        );
        assert_eq!(CsatScale::Emoji.message_scale(), "emoji_5");
        assert_eq!(
            CsatScale::from_settings(&json!({}))
                .unwrap()
                .message_scale(),
            "stars_5"
        );
    }
}
