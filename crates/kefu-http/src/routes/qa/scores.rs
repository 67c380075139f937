//! A conversation's inspection scores, with the hits as evidence.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::model::QaScore;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiPath;
use crate::routes::conversations::shared::visible_conversation;

/// A conversation's scores
///
/// One per scorecard that scored it, once it was resolved and inspected.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/qa",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "The scores", body = Vec<QaScore>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn conversation_scores(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<Vec<QaScore>>> {
    visible_conversation(&state, &agent, id).await?;
    Ok(Json(state.store.qa_scores(agent.account_id, id).await?))
}
