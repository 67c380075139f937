//! Documents in, queries in, hits out. All serde so the HTTP layer can pass
//! them through.

use kefu_core::ids::{AccountId, ContactId, ConversationId, InboxId, MessageId, TeamId, UserId};
use kefu_core::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The three kinds of documents in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Conversation,
    Message,
    Contact,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Conversation => "conversation",
            DocKind::Message => "message",
            DocKind::Contact => "contact",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "conversation" => Some(DocKind::Conversation),
            "message" => Some(DocKind::Message),
            "contact" => Some(DocKind::Contact),
            _ => None,
        }
    }
}

/// A conversation: its searchable subject and the mutable fields that are
/// also copied into its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationDoc {
    pub account: AccountId,
    pub id: ConversationId,
    pub inbox: InboxId,
    #[serde(default)]
    pub contact: Option<ContactId>,
    #[serde(default)]
    pub channel: Option<String>,
    pub status: String,
    #[serde(default)]
    pub assignee: Option<UserId>,
    #[serde(default)]
    pub team: Option<TeamId>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub subject: Option<String>,
    pub created_at: Timestamp,
}

/// A message. Its inbox/channel/contact are used only while its conversation
/// is unknown to the index; once it is, the conversation's values win.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDoc {
    pub account: AccountId,
    pub id: MessageId,
    pub conversation: ConversationId,
    pub inbox: InboxId,
    #[serde(default)]
    pub contact: Option<ContactId>,
    #[serde(default)]
    pub channel: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
}

/// A contact. `inboxes` may list inboxes the caller knows of; the index adds
/// the inboxes of the contact's conversations it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDoc {
    pub account: AccountId,
    pub id: ContactId,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub inboxes: Vec<InboxId>,
    pub created_at: Timestamp,
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// BM25 relevance (recency when the text is empty).
    #[default]
    Relevance,
    /// Newest first.
    Recency,
}

fn default_limit() -> usize {
    20
}

/// A search. `account` and `inboxes` are the caller's authority, not user
/// input: the HTTP layer sets them from the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub account: AccountId,
    /// Inboxes the asker may see: `None` = every inbox of the account,
    /// `Some(vec![])` = none (the result is empty).
    pub inboxes: Option<Vec<InboxId>>,
    #[serde(default)]
    pub text: String,
    /// Kinds to return; empty = all.
    #[serde(default)]
    pub kinds: Vec<DocKind>,
    #[serde(default)]
    pub inbox: Option<InboxId>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub assignee: Option<UserId>,
    #[serde(default)]
    pub team: Option<TeamId>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    /// Inclusive lower bound on `created_at`.
    #[serde(default)]
    pub from: Option<Timestamp>,
    /// Exclusive upper bound on `created_at`.
    #[serde(default)]
    pub to: Option<Timestamp>,
    #[serde(default)]
    pub order: Order,
    #[serde(default = "default_limit")]
    pub limit: usize,
    #[serde(default)]
    pub offset: usize,
}

impl SearchQuery {
    /// A text query over every visible inbox, 20 hits by relevance.
    pub fn new(account: AccountId, text: impl Into<String>) -> Self {
        SearchQuery {
            account,
            inboxes: None,
            text: text.into(),
            kinds: Vec::new(),
            inbox: None,
            status: None,
            assignee: None,
            team: None,
            label: None,
            channel: None,
            from: None,
            to: None,
            order: Order::Relevance,
            limit: default_limit(),
            offset: 0,
        }
    }
}

/// A short piece of the matched text. `highlights` are byte ranges into
/// `text`, sorted and non-overlapping. Plain text: the caller escapes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: DocKind,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    pub contact_id: Option<ContactId>,
    /// The conversation's inbox (None for contacts).
    pub inbox_id: Option<InboxId>,
    pub status: Option<String>,
    pub created_at: Timestamp,
    /// BM25 score (0 when ordered by recency).
    pub score: f32,
    pub snippet: Snippet,
}

/// A page of hits and the number of all matching documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
}
