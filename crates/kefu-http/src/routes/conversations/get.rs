//! One conversation.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::model::Conversation;

use super::shared::visible_conversation;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiPath;

/// Get a conversation
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(visible_conversation(&state, &agent, id).await?))
}
