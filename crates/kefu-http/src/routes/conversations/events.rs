//! The event log: one conversation's by sequence number, and the account's
//! stream by cursor (what a socket replays, for clients that poll).

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::event::{Event, StreamCursor};
use kefu_core::page::clamp_limit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::shared::visible_conversation;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationEventsQuery {
    /// Only events after this sequence number (default 0).
    pub after_seq: Option<i64>,
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationEvents {
    /// In sequence order, gap-free.
    pub items: Vec<Event>,
    /// Pass as `after_seq` for the next page; absent on the last page.
    pub next_after_seq: Option<i64>,
}

/// A conversation's events
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/events",
    tag = "events",
    params(("id" = String, Path, format = Uuid, description = "Conversation id"), ConversationEventsQuery),
    responses(
        (status = 200, description = "Events in sequence order", body = ConversationEvents),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn conversation_events(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiQuery(q): ApiQuery<ConversationEventsQuery>,
) -> ApiResult<Json<ConversationEvents>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let limit = clamp_limit(q.limit);
    let items = state
        .store
        .conversation_events(
            agent.account_id,
            conv.id,
            q.after_seq.unwrap_or(0).max(0),
            limit,
        )
        .await?;
    let next_after_seq = if items.len() as u32 >= limit {
        items.last().and_then(|e| e.seq)
    } else {
        None
    };
    // Live QA alerts are the supervisors' (as on the socket).
    let mut items = items;
    if !agent.role.sees_all_inboxes() {
        items.retain(|e| !e.kind.supervisors_only());
    }
    Ok(Json(ConversationEvents {
        items,
        next_after_seq,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountEventsQuery {
    /// Stream position (`next_cursor` of the previous call, or a socket
    /// frame's `cursor`); default: the start of the stream.
    pub cursor: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountEvents {
    /// In stream order, only events of inboxes you can see.
    pub items: Vec<Event>,
    /// Where to continue from. Always present: with no new events it is the
    /// cursor you sent, so polling with it is safe.
    pub next_cursor: String,
    /// Whether more events are waiting right away.
    pub has_more: bool,
}

/// The account's event stream
///
/// Committed events in stream order. A position never skips an event that
/// committed late, so reading on from `next_cursor` misses nothing.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(AccountEventsQuery),
    responses(
        (status = 200, description = "Events after the cursor", body = AccountEvents),
        (status = 400, description = "Malformed cursor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn account_events(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<AccountEventsQuery>,
) -> ApiResult<Json<AccountEvents>> {
    let mut cursor = match q.cursor.as_deref() {
        None | Some("") => StreamCursor::START,
        Some(s) => s.parse::<StreamCursor>().map_err(|()| {
            ApiError::bad_request("invalid_cursor", "cursor: not a stream position")
        })?,
    };
    let limit = clamp_limit(q.limit);
    let visibility = agent.visibility(&state).await?;
    let batch = state
        .store
        .account_events_after(agent.account_id, cursor, limit)
        .await?;
    let has_more = batch.len() as u32 >= limit;
    let mut items = Vec::with_capacity(batch.len());
    for e in batch {
        if let Some(c) = e.cursor {
            cursor = c;
        }
        // The same rule as the agent socket: events of hidden inboxes, and
        // account-wide events, only for those who see every inbox.
        let visible = match e.inbox_id {
            Some(i) => visibility.can_see_inbox(i),
            None => visibility.inboxes.is_none(),
        } && (!e.kind.supervisors_only() || visibility.inboxes.is_none());
        if visible {
            items.push(e);
        }
    }
    Ok(Json(AccountEvents {
        items,
        next_cursor: cursor.to_string(),
        has_more,
    }))
}
