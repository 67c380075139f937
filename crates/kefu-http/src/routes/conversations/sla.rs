//! The live SLA clocks of one conversation.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;

use super::shared;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiPath;
use crate::sla::{ConversationSla, conversation_sla};

/// A conversation's SLA clocks
///
/// One clock per target of the inbox's SLA policy for the conversation's
/// priority: first response, next response (while a customer waits for
/// one), resolution. Each says when it is due, how much time is left
/// (negative when overdue), whether it was breached and whether it runs now
/// (outside business hours and while snoozed it stops).
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/sla",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "The clocks", body = ConversationSla),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn conversation_sla_clocks(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<ConversationSla>> {
    let (conv, inbox) = shared::visible_conversation_and_inbox(&state, &agent, id).await?;
    Ok(Json(
        conversation_sla(&*state.store, &conv, &inbox, state.clock.now()).await?,
    ))
}
