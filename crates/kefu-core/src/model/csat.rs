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

/// The text stored with the request (`settings.csat_text` or a default);
/// the widget shows its own translated prompt.
pub fn csat_text(inbox: &super::Inbox) -> String {
    inbox
        .settings
        .get("csat_text")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("How would you rate this conversation?")
        .to_owned()
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
}
