use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, AttachmentId, ConversationId, Timestamp};

/// A stored file. The bytes live in the blob store under `storage_key`; the
/// row holds what was learnt by sniffing them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: AttachmentId,
    pub account_id: AccountId,
    pub conversation_id: Option<ConversationId>,
    pub file_name: String,
    /// Content type detected from the bytes, not the one the uploader claimed.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub thumbnail_key: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub created_at: Timestamp,
}
