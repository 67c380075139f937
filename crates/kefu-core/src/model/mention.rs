//! @mentions: a member named in a colleague's private note, with whether
//! they have read it yet. A mention is the mentioned member's own: nobody
//! else lists or marks it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, ConversationId, InboxId, MentionId, MessageId, Timestamp, UserId};

/// Most members one note may mention: a note that names everybody is a
/// broadcast, and every mention is a row, an event and a notification.
pub const MAX_MENTIONS: usize = 20;

/// Characters of the note kept with the mention, so a list of mentions
/// needs no message reads.
pub const EXCERPT_CHARS: usize = 140;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Mention {
    pub id: MentionId,
    pub account_id: AccountId,
    /// Who was mentioned.
    pub user_id: UserId,
    pub conversation_id: ConversationId,
    /// The conversation's inbox (conversations never change inbox), so a
    /// member who lost access to it no longer sees the mention.
    pub inbox_id: InboxId,
    pub message_id: MessageId,
    /// Who wrote the note.
    pub author_id: UserId,
    /// The start of the note's text.
    pub excerpt: String,
    pub created_at: Timestamp,
    /// `None` while unread.
    pub read_at: Option<Timestamp>,
}

/// The start of a note's text, cut at a character boundary.
pub fn excerpt(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", t[..at].trim_end()),
        None => t.to_owned(),
    }
}

/// Which of a member's mentions to mark read.
#[derive(Clone, Debug, PartialEq)]
pub enum MentionsToRead {
    Ids(Vec<MentionId>),
    Conversation(ConversationId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_text_at_a_character_boundary() {
        assert_eq!(excerpt("  hi  "), "hi");
        let long = "你".repeat(EXCERPT_CHARS + 5);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }
}
