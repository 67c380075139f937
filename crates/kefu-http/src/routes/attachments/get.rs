//! An attachment's details with fresh download links.

use axum::Json;
use axum::extract::State;
use kefu_core::AttachmentId;

use super::signing::AttachmentView;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiPath;

/// Get an attachment
///
/// Includes download links that expire after an hour; ask again for new ones.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Attachment id")),
    responses(
        (status = 200, description = "The attachment", body = AttachmentView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such attachment you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_attachment(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<AttachmentId>,
) -> ApiResult<axum::Json<AttachmentView>> {
    let a = state.store.get_attachment(agent.account_id, id).await?;
    if let Some(c) = a.conversation_id {
        // Files of a conversation are as visible as the conversation.
        crate::routes::conversations::shared::visible_conversation(&state, &agent, c)
            .await
            .map_err(|_| crate::error::ApiError::not_found("attachment"))?;
    }
    Ok(Json(AttachmentView::new(
        &state.keys,
        &a,
        state.clock.now(),
    )))
}
