//! Sets a ticket's status in helpdesk terms. Open, pending, solved and
//! closed map onto the conversation's states (see
//! `kefu_core::model::TicketStatus`): the store runs the state machine's
//! inputs for it in one unit of work, so a refused step leaves nothing
//! half-done.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::model::{Conversation, ConversationKind, TicketStatus};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::conversations::shared::{policy, visible_conversation_and_inbox};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketStatusBody {
    pub status: TicketStatus,
}

/// Set a ticket's status
///
/// `open` reopens or wakes it (back to its agent or the queue), `pending`
/// waits for the customer's reply, `solved` resolves it (a reply reopens
/// it) and `closed` resolves it for good: a closed ticket takes no more
/// messages or changes, and the customer writing again starts a new
/// conversation.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/ticket_status",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = TicketStatusBody,
    responses(
        (status = 200, description = "The ticket", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`not_a_ticket`, `ticket_closed`, or the state machine refused (e.g. `assigned_to_other_agent`)", body = ErrorBody),
        (status = 422, description = "`required_fields_missing`: solving or closing needs the account's required fields", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn set_ticket_status(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<TicketStatusBody>,
) -> ApiResult<Json<Conversation>> {
    let (conv, inbox) = visible_conversation_and_inbox(&state, &agent, id).await?;
    if conv.kind != ConversationKind::Ticket {
        return Err(ApiError::conflict(
            "not_a_ticket",
            "only tickets have a ticket status; convert the chat first",
        ));
    }
    let applied = state
        .store
        .set_ticket_status(
            agent.account_id,
            id,
            body.status,
            agent.actor(),
            &policy(&inbox),
            state.clock.now(),
        )
        .await?;
    Ok(Json(applied.conversation))
}
