//! The knowledge base's revision, for clients that cache it.

use axum::Json;
use axum::extract::State;

use super::{KbRevision, TAG};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::routes::directory::common::AuthErrors;

/// The knowledge base's revision
///
/// Goes up with every change to the account's entries (one entry, or a
/// whole import); equal revisions mean the same knowledge base.
#[utoipa::path(
    get,
    path = "/api/v1/kb/revision",
    tag = TAG,
    responses((status = 200, description = "The current revision", body = KbRevision), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn kb_revision(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<KbRevision>> {
    Ok(Json(KbRevision {
        revision: state.store.kb_revision(agent.account_id).await?,
    }))
}
