//! The collision warning: a console says it has a conversation open, learns
//! who else has, and colleagues' consoles hear of the change at once.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use kefu_core::{ConversationId, UserId};
use kefu_realtime::Ephemeral;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::shared::visible_conversation;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewingBody {
    /// `true` when the conversation is open (send again every 20 s while it
    /// stays open; a view not renewed within 50 s lapses), `false` on leaving.
    pub viewing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Viewing {
    /// Members who have the conversation open now, the caller included when
    /// viewing, in the order they opened it.
    pub viewers: Vec<UserId>,
}

/// Report viewing a conversation
///
/// For the collision warning: returns who else has it open. When that
/// changes, agents who can see the conversation get a `viewing` frame on
/// their socket (`{"type": "viewing", "conversation_id", "viewers"}`).
/// Presence only: never stored, never shown to the customer.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/viewing",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = ViewingBody,
    responses(
        (status = 200, description = "Who views it now", body = Viewing),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn report_viewing(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<ViewingBody>,
) -> ApiResult<Json<Viewing>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let (viewers, changed) =
        state
            .viewers
            .report(conv.id, agent.user_id, body.viewing, Instant::now());
    if changed {
        state.hub.publish_ephemeral(Ephemeral::viewing(
            agent.account_id,
            conv.id,
            conv.inbox_id,
            agent.actor(),
            &viewers,
        ));
    }
    Ok(Json(Viewing { viewers }))
}
