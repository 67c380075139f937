//! "Talk to a human": the visitor asks for a person.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use kefu_core::model::{MessageContent, Sender};
use kefu_core::state::{HandoffReason, Input, Status};
use serde::Serialize;
use utoipa::ToSchema;

use super::{WidgetConversation, visitor_inbox};
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::conversations::shared;

/// The note agents (and the visitor) see in the conversation.
pub const HANDOFF_NOTE: &str = "The customer asked for a human agent";
/// The note's code, which the widget and the console show translated.
pub const HANDOFF_CODE: &str = "handoff_requested";

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffResponse {
    pub conversation: WidgetConversation,
    /// Place in the queue (1 = next) while waiting for an agent.
    pub queue_position: Option<i64>,
}

/// Ask for a human agent
///
/// Hands the visitor's conversation from the bot to the inbox's queue
/// (state-machine input `hand_off` with reason `requested`) and notes it in
/// the conversation. Starts a conversation when there is none; reopens a
/// resolved one (back to its agent, else the queue). Idempotent: asking again while queued or with an agent
/// changes nothing and writes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/widget/handoff",
    tag = super::TAG,
    responses(
        (status = 200, description = "The conversation, now with the humans", body = HandoffResponse),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn widget_handoff(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
) -> ApiResult<Json<HandoffResponse>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let conv = match shared::current_conversation(
        &state,
        inbox.account_id,
        inbox.id,
        claims.contact_id,
        false,
    )
    .await?
    {
        Some(c) => c,
        None => shared::start_conversation(&state, &inbox, claims.contact_id).await?,
    };
    let input = if conv.status == Status::Resolved {
        Input::Reopen
    } else {
        Input::HandOff {
            reason: HandoffReason::Requested,
        }
    };
    let applied = state
        .store
        .apply_noted(
            inbox.account_id,
            conv.id,
            input,
            Sender::contact(claims.contact_id),
            &shared::policy(&inbox),
            &MessageContent::system_coded(HANDOFF_CODE, HANDOFF_NOTE),
            None,
            state.clock.now(),
        )
        .await?;
    let queue_position = state
        .store
        .queue_position(inbox.account_id, conv.id)
        .await?;
    Ok(Json(HandoffResponse {
        conversation: WidgetConversation::from(&applied.conversation),
        queue_position,
    }))
}
