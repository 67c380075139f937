//! Reads a conversation's messages in order, internal notes included.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::model::Message;
use kefu_core::page::{MAX_LIMIT, clamp_limit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::shared::visible_conversation;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Only messages after this sequence number (default 0: from the start).
    pub after_seq: Option<i64>,
    /// Return the newest `limit` messages instead (the first screen of a
    /// conversation); ignored with `after_seq`.
    pub latest: Option<bool>,
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    /// Oldest first.
    pub items: Vec<Message>,
    /// Pass as `after_seq` for the next page; absent when this page was the last.
    pub next_after_seq: Option<i64>,
}

/// The page with its continuation: a full page may have more after it.
pub fn message_list(items: Vec<Message>, limit: u32) -> MessageList {
    let next_after_seq = if items.len() as u32 >= limit {
        items.last().map(|m| m.seq)
    } else {
        None
    };
    MessageList {
        items,
        next_after_seq,
    }
}

/// List messages
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/messages",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id"), MessagesQuery),
    responses(
        (status = 200, description = "Messages, oldest first, internal notes included", body = MessageList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_messages(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiQuery(q): ApiQuery<MessagesQuery>,
) -> ApiResult<Json<MessageList>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let limit = clamp_limit(q.limit).min(MAX_LIMIT);
    if q.after_seq.is_none() && q.latest == Some(true) {
        let items = state
            .store
            .latest_messages(agent.account_id, conv.id, limit, true)
            .await?;
        // Older messages are read with `after_seq` from the start; there is
        // nothing after the newest.
        return Ok(Json(MessageList {
            items,
            next_after_seq: None,
        }));
    }
    let after = q.after_seq.unwrap_or(0).max(0);
    let items = state
        .store
        .list_messages(agent.account_id, conv.id, after, limit, true)
        .await?;
    Ok(Json(message_list(items, limit)))
}
