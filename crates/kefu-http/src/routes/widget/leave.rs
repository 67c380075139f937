//! "Stop waiting": the visitor leaves the queue before an agent comes. The
//! conversation closes as abandoned (`conversation.abandoned`), which the
//! queue reports count; writing again later starts afresh.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use kefu_core::model::{MessageContent, Sender};
use kefu_core::state::{Input, Status};

use super::{WidgetConversation, visitor_inbox};
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::conversations::shared;

/// What agents and the visitor read in the conversation.
pub const LEFT_NOTE: &str = "The customer left the queue";
pub const LEFT_CODE: &str = "queue_abandoned";

/// Leave the queue
///
/// Only while the visitor's conversation is queued (409 `not_queued`
/// otherwise: with the bot or an agent there is nobody to stop waiting for).
#[utoipa::path(
    post,
    path = "/api/v1/widget/leave",
    tag = super::TAG,
    responses(
        (status = 200, description = "The conversation, closed as abandoned", body = WidgetConversation),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "The visitor has no conversation", body = ErrorBody),
        (status = 409, description = "`not_queued`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn widget_leave(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
) -> ApiResult<Json<WidgetConversation>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let Some(conv) =
        shared::current_conversation(&state, inbox.account_id, inbox.id, claims.contact_id, false)
            .await?
    else {
        return Err(ApiError::not_found("conversation"));
    };
    if conv.status != Status::Queued {
        return Err(ApiError::conflict(
            "not_queued",
            "the conversation is not waiting in a queue",
        ));
    }
    // Decided on the status just read: apply only if it still holds (an
    // agent may have taken it a moment ago).
    let applied = state
        .store
        .apply_noted(
            inbox.account_id,
            conv.id,
            Input::Abandon,
            Sender::contact(claims.contact_id),
            &shared::policy(&inbox),
            &MessageContent::system_coded(LEFT_CODE, LEFT_NOTE),
            Some(conv.version),
            state.clock.now(),
        )
        .await?;
    Ok(Json(WidgetConversation::from(&applied.conversation)))
}
