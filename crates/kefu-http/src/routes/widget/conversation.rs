//! The visitor's current conversation.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use super::csat::WidgetRating;
use super::{WidgetConversation, visitor_inbox};
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiResult, ErrorBody};
use crate::routes::conversations::shared;

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentConversation {
    /// The latest conversation (resolved ones included: writing reopens
    /// it), or `null` before the first message.
    pub conversation: Option<WidgetConversation>,
    /// Place in the inbox's queue (1 = next) while the conversation waits
    /// for an agent; `null` otherwise.
    pub queue_position: Option<i64>,
    /// The visitor's answers to rating requests in this conversation.
    pub ratings: Vec<WidgetRating>,
}

/// The visitor's conversation
#[utoipa::path(
    get,
    path = "/api/v1/widget/conversation",
    tag = super::TAG,
    responses(
        (status = 200, description = "The current conversation, or null", body = CurrentConversation),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_widget_conversation(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
) -> ApiResult<Json<CurrentConversation>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let conv =
        shared::current_conversation(&state, inbox.account_id, inbox.id, claims.contact_id, false)
            .await?;
    let (queue_position, ratings) = match &conv {
        Some(c) => (
            state.store.queue_position(inbox.account_id, c.id).await?,
            state
                .store
                .conversation_ratings(inbox.account_id, c.id)
                .await?
                .iter()
                .map(WidgetRating::from)
                .collect(),
        ),
        None => (None, vec![]),
    };
    Ok(Json(CurrentConversation {
        conversation: conv.as_ref().map(WidgetConversation::from),
        queue_position,
        ratings,
    }))
}
