//! The signed-in member's own mentions, newest first.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use kefu_core::page::{Page, clamp_limit};
use kefu_core::store::PageRequest;
use kefu_core::{ConversationId, MentionId, MessageId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::routes::directory::common::AuthErrors;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListMentions {
    /// Only mentions not yet read.
    #[serde(default)]
    pub unread: bool,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// One mention of the caller.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MentionView {
    pub id: MentionId,
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    /// Who wrote the note.
    pub author_id: UserId,
    /// Their name, while they are still a member.
    pub author_name: Option<String>,
    /// The start of the note.
    pub excerpt: String,
    pub created_at: Timestamp,
    /// `null` while unread.
    pub read_at: Option<Timestamp>,
}

/// My mentions
///
/// The signed-in member's mentions in private notes, newest first; only
/// those in inboxes they can (still) see.
#[utoipa::path(
    get,
    path = "/api/v1/mentions",
    tag = TAG,
    params(ListMentions),
    responses(
        (status = 200, description = "A page of mentions", body = Page<MentionView>),
        AuthErrors,
        (status = 422, description = "Invalid cursor (`validation_failed`)", body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_mentions(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ListMentions>,
) -> ApiResult<Json<Page<MentionView>>> {
    let visibility = agent.visibility(&state).await?;
    let page = state
        .store
        .list_mentions(
            agent.account_id,
            agent.user_id,
            q.unread,
            visibility.inboxes.as_deref(),
            &PageRequest {
                cursor: q.cursor,
                limit: clamp_limit(q.limit),
            },
        )
        .await?;
    // One read of the roster names every author on the page.
    let names: HashMap<UserId, String> = if page.items.is_empty() {
        HashMap::new()
    } else {
        state
            .store
            .list_members(agent.account_id)
            .await?
            .into_iter()
            .map(|m| (m.user_id, m.name))
            .collect()
    };
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|m| MentionView {
                id: m.id,
                conversation_id: m.conversation_id,
                message_id: m.message_id,
                author_id: m.author_id,
                author_name: names.get(&m.author_id).cloned(),
                excerpt: m.excerpt,
                created_at: m.created_at,
                read_at: m.read_at,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
