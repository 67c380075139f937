//! Messages and their tagged, versioned content.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::CoreError;
use crate::{AccountId, AttachmentId, ConversationId, InboxId, MessageId, Timestamp, UserId};

/// Largest text body accepted in one message, in bytes.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Contact,
    Bot,
    Agent,
    System,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Bot => "bot",
            Self::Agent => "agent",
            Self::System => "system",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "contact" => Self::Contact,
            "bot" => Self::Bot,
            "agent" => Self::Agent,
            "system" => Self::System,
            _ => return None,
        })
    }
}

/// Who wrote a message. `id` is the contact id or the agent's user id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Sender {
    pub kind: SenderKind,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<uuid::Uuid>,
}

impl Sender {
    pub fn agent(id: UserId) -> Self {
        Self {
            kind: SenderKind::Agent,
            id: Some(id.0),
        }
    }
    pub fn contact(id: crate::ContactId) -> Self {
        Self {
            kind: SenderKind::Contact,
            id: Some(id.0),
        }
    }
    pub fn bot() -> Self {
        Self {
            kind: SenderKind::Bot,
            id: None,
        }
    }
    pub fn system() -> Self {
        Self {
            kind: SenderKind::System,
            id: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageVisibility {
    Public,
    /// A private note: agents see it, the contact never does.
    Internal,
}

impl MessageVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "internal" => Some(Self::Internal),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Stored; not yet handed to the channel.
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuickReply {
    pub title: String,
    /// Text sent back when the button is chosen (defaults to the title).
    pub payload: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CardButton {
    pub title: String,
    pub url: Option<String>,
    pub payload: Option<String>,
}

/// What a message says. Tagged by `type`, versioned by `v` so that stored
/// content written by an older release can still be read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageContent {
    Text {
        #[serde(default = "v1")]
        v: u16,
        text: String,
    },
    Attachment {
        #[serde(default = "v1")]
        v: u16,
        attachment_id: AttachmentId,
        /// Optional caption.
        text: Option<String>,
    },
    Card {
        #[serde(default = "v1")]
        v: u16,
        title: String,
        text: Option<String>,
        image_url: Option<String>,
        #[serde(default)]
        buttons: Vec<CardButton>,
    },
    QuickReplies {
        #[serde(default = "v1")]
        v: u16,
        text: String,
        options: Vec<QuickReply>,
    },
    CsatRequest {
        #[serde(default = "v1")]
        v: u16,
        text: String,
        /// `stars_5` (five stars), `emoji_5` (five faces) or `emoji_3`
        /// (three faces, for 1, 3 and 5); every scale answers 1 to 5.
        scale: String,
    },
    QueueStatus {
        #[serde(default = "v1")]
        v: u16,
        position: i64,
        estimated_wait_s: Option<i64>,
    },
    /// The bot's answer from the knowledge base, citing the entry it came
    /// from and how sure the bot was, so agents can check it and customers
    /// can see where it came from.
    Answer {
        #[serde(default = "v1")]
        v: u16,
        text: String,
        source: AnswerSource,
    },
    System {
        #[serde(default = "v1")]
        v: u16,
        text: String,
        /// What the note says, as a stable code clients translate (e.g.
        /// `handoff_requested`); `text` is the English wording for the rest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    /// Content erased by a privacy request or a retention policy. The
    /// message keeps its place (sequence, sender, time) so the
    /// conversation's history and its metrics still add up; what it said is
    /// gone.
    Redacted {
        #[serde(default = "v1")]
        v: u16,
    },
}

fn v1() -> u16 {
    1
}

/// The knowledge-base entry an answer came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnswerSource {
    /// The entry's id.
    pub entry_id: String,
    /// The entry's canonical question, shown as the citation.
    pub question: String,
    /// The bot's calibrated confidence that this entry answers the message (0..1).
    pub confidence: f32,
}

impl MessageContent {
    pub fn text(t: impl Into<String>) -> Self {
        Self::Text {
            v: 1,
            text: t.into(),
        }
    }
    pub fn redacted() -> Self {
        Self::Redacted { v: 1 }
    }
    pub fn system(t: impl Into<String>) -> Self {
        Self::System {
            v: 1,
            text: t.into(),
            code: None,
        }
    }
    /// A system note with a code clients can translate.
    pub fn system_coded(code: &str, t: impl Into<String>) -> Self {
        Self::System {
            v: 1,
            text: t.into(),
            code: Some(code.to_owned()),
        }
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Attachment { .. } => "attachment",
            Self::Card { .. } => "card",
            Self::QuickReplies { .. } => "quick_replies",
            Self::CsatRequest { .. } => "csat_request",
            Self::QueueStatus { .. } => "queue_status",
            Self::Answer { .. } => "answer",
            Self::System { .. } => "system",
            Self::Redacted { .. } => "redacted",
        }
    }
    /// The searchable, human-readable text of the content.
    pub fn plain_text(&self) -> Option<&str> {
        match self {
            Self::Text { text, .. }
            | Self::QuickReplies { text, .. }
            | Self::CsatRequest { text, .. }
            | Self::Answer { text, .. }
            | Self::System { text, .. } => Some(text),
            Self::Attachment { text, .. } | Self::Card { text, .. } => text.as_deref(),
            Self::QueueStatus { .. } | Self::Redacted { .. } => None,
        }
    }
    /// The attachment this content refers to, if any.
    pub fn attachment_id(&self) -> Option<AttachmentId> {
        match self {
            Self::Attachment { attachment_id, .. } => Some(*attachment_id),
            _ => None,
        }
    }

    /// Checks limits a sender can get wrong: empty or oversized text, too many
    /// options, unknown versions.
    pub fn validate(&self) -> Result<(), CoreError> {
        let version = match self {
            Self::Text { v, .. }
            | Self::Attachment { v, .. }
            | Self::Card { v, .. }
            | Self::QuickReplies { v, .. }
            | Self::CsatRequest { v, .. }
            | Self::QueueStatus { v, .. }
            | Self::Answer { v, .. }
            | Self::System { v, .. }
            | Self::Redacted { v } => *v,
        };
        if version != 1 {
            return Err(CoreError::invalid(
                "content.v",
                "unsupported content version",
            ));
        }
        let check_text = |field: &'static str, t: &str| -> Result<(), CoreError> {
            if t.trim().is_empty() {
                return Err(CoreError::invalid(field, "must not be empty"));
            }
            if t.len() > MAX_TEXT_BYTES {
                return Err(CoreError::invalid(
                    field,
                    format!("longer than {MAX_TEXT_BYTES} bytes"),
                ));
            }
            Ok(())
        };
        match self {
            Self::Text { text, .. } | Self::System { text, .. } => check_text("content.text", text),
            Self::Answer { text, source, .. } => {
                check_text("content.text", text)?;
                if !(0.0..=1.0).contains(&source.confidence) {
                    return Err(CoreError::invalid(
                        "content.source.confidence",
                        "between 0 and 1",
                    ));
                }
                Ok(())
            }
            Self::Attachment { text, .. } => match text {
                Some(t) if t.len() > MAX_TEXT_BYTES => {
                    Err(CoreError::invalid("content.text", "caption too long"))
                }
                _ => Ok(()),
            },
            Self::Card { title, buttons, .. } => {
                check_text("content.title", title)?;
                if buttons.len() > 10 {
                    return Err(CoreError::invalid("content.buttons", "at most 10 buttons"));
                }
                Ok(())
            }
            Self::QuickReplies { text, options, .. } => {
                check_text("content.text", text)?;
                if options.is_empty() || options.len() > 10 {
                    return Err(CoreError::invalid(
                        "content.options",
                        "between 1 and 10 options",
                    ));
                }
                for o in options {
                    check_text("content.options.title", &o.title)?;
                }
                Ok(())
            }
            Self::CsatRequest { text, scale, .. } => {
                check_text("content.text", text)?;
                if !["stars_5", "emoji_5", "emoji_3"].contains(&scale.as_str()) {
                    return Err(CoreError::invalid(
                        "content.scale",
                        "stars_5, emoji_5 or emoji_3",
                    ));
                }
                Ok(())
            }
            Self::QueueStatus { position, .. } => {
                if *position < 0 {
                    return Err(CoreError::invalid(
                        "content.position",
                        "must not be negative",
                    ));
                }
                Ok(())
            }
            // Only the store writes it; nobody may send an erased message.
            Self::Redacted { .. } => Err(CoreError::invalid(
                "content.type",
                "redacted content cannot be sent",
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub inbox_id: InboxId,
    /// The conversation event sequence number of this message's `message.created`.
    pub seq: i64,
    pub sender: Sender,
    pub content: MessageContent,
    pub visibility: MessageVisibility,
    /// Id of the message on its channel (email Message-ID, WeChat MsgId),
    /// unique per inbox, so a redelivered message is stored once.
    pub external_id: Option<String>,
    /// Idempotency key chosen by the sending client, unique per conversation.
    pub client_id: Option<String>,
    pub delivery: DeliveryState,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_tagged_and_defaults_to_version_1() {
        let c: MessageContent = serde_json::from_str(r#"{"type":"text","text":"你好"}"#).unwrap();
        assert_eq!(c, MessageContent::text("你好"));
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(j["type"], "text");
        assert_eq!(j["v"], 1);
    }

    #[test]
    fn validation_rejects_bad_content() {
        assert!(MessageContent::text("  ").validate().is_err());
        assert!(
            MessageContent::text("x".repeat(MAX_TEXT_BYTES + 1))
                .validate()
                .is_err()
        );
        assert!(
            MessageContent::Text {
                v: 9,
                text: "hi".into()
            }
            .validate()
            .is_err()
        );
        let qr = MessageContent::QuickReplies {
            v: 1,
            text: "pick".into(),
            options: vec![],
        };
        assert_eq!(qr.validate().unwrap_err().code(), "validation_failed");
        assert!(MessageContent::text("hello").validate().is_ok());
        assert!(serde_json::from_str::<MessageContent>(r#"{"type":"hologram"}"#).is_err());
    }
}
