//! The small actions on a conversation: resolve, reopen, read position and
//! typing indicator.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::ConversationId;
use kefu_core::model::{Conversation, CsatResponse};
use kefu_core::state::Input;
use kefu_core::store::ReadCursor;
use kefu_realtime::Ephemeral;
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared::{self, visible_conversation};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

/// Resolve a conversation
///
/// When the customer writes again it is reopened (event `conversation.reopened`).
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/resolve",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "The resolved conversation", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`conversation_resolved`: already resolved", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn resolve_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<Conversation>> {
    let applied = shared::apply(&state, &agent, id, Input::Resolve, None).await?;
    Ok(Json(applied.conversation))
}

/// Reopen a resolved conversation
///
/// It goes back to the agent who had it, or to the queue.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/reopen",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "The reopened conversation", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`conversation_not_resolved`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn reopen_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<Conversation>> {
    let applied = shared::apply(&state, &agent, id, Input::Reopen, None).await?;
    Ok(Json(applied.conversation))
}

/// The customer's satisfaction ratings
///
/// Answers to the conversation's `csat_request` messages, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/ratings",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "The ratings", body = Vec<CsatResponse>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn conversation_ratings(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<Vec<CsatResponse>>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    Ok(Json(
        state
            .store
            .conversation_ratings(agent.account_id, conv.id)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    /// Sequence number of the last event read.
    pub seq: i64,
}

/// Mark read
///
/// Moves the agent's read position in the conversation (event
/// `conversation.read`).
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/read",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = ReadBody,
    responses(
        (status = 200, description = "The read position", body = ReadCursor),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 422, description = "Invalid sequence number", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<ReadBody>,
) -> ApiResult<Json<ReadCursor>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    if body.seq < 0 || body.seq > conv.last_seq {
        return Err(ApiError::validation(format!(
            "seq: between 0 and {}",
            conv.last_seq
        )));
    }
    Ok(Json(
        state
            .store
            .set_read_cursor(
                agent.account_id,
                conv.id,
                agent.actor(),
                body.seq,
                state.clock.now(),
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypingBody {
    pub typing: bool,
}

/// Typing indicator
///
/// Shown live to the customer and to colleagues; never stored.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/typing",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = TypingBody,
    responses(
        (status = 204, description = "Sent"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn set_typing(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<TypingBody>,
) -> ApiResult<StatusCode> {
    let conv = visible_conversation(&state, &agent, id).await?;
    state.hub.publish_ephemeral(Ephemeral::typing(
        agent.account_id,
        conv.id,
        conv.inbox_id,
        agent.actor(),
        body.typing,
    ));
    Ok(StatusCode::NO_CONTENT)
}
