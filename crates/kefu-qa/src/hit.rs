use serde::{Deserialize, Serialize};

/// Evidence that a rule fired: the message (index into the transcript's
/// turns) and the character span within it. A hit about the conversation
/// as a whole (a keyword that never appeared) names no message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub rule_id: String,
    pub message_index: Option<usize>,
    /// Characters, start inclusive, end exclusive; `0..0` when the hit is
    /// about a message rather than text in it (a late reply, a missing
    /// greeting).
    pub start: usize,
    pub end: usize,
    /// The matched text, or what was missing or late, for people.
    pub detail: String,
}
