//! An agent turns a chat into a ticket, in place: the history, the owner,
//! the SLA clocks and the customer's thread stay; the customer's next
//! message still lands in it.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::model::{Conversation, ConversationKind, TicketType};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::conversations::shared::visible_conversation;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertBody {
    pub ticket_type: Option<TicketType>,
}

/// Turn a chat into a ticket
///
/// Records `conversation.converted` (reason `agent`).
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/convert",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = ConvertBody,
    responses(
        (status = 200, description = "The conversation, now a ticket", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`already_a_ticket`", body = ErrorBody),
        (status = 422, description = "Invalid body", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn convert_to_ticket(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<ConvertBody>,
) -> ApiResult<Json<Conversation>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let already = || ApiError::conflict("already_a_ticket", "the conversation is a ticket already");
    if conv.kind == ConversationKind::Ticket {
        return Err(already());
    }
    let applied = state
        .store
        .convert_to_ticket(
            agent.account_id,
            id,
            body.ticket_type,
            "agent",
            agent.actor(),
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            // Someone converted it since we looked.
            kefu_core::StoreError::Conflict(_) => already(),
            e => e.into(),
        })?;
    Ok(Json(applied.conversation))
}
