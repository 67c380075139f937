//! One entry.

use axum::Json;
use axum::extract::State;
use kefu_core::KbEntryId;
use kefu_core::model::KbEntry;

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::routes::directory::common::{AuthErrors, NotFound};

/// A knowledge-base entry
#[utoipa::path(
    get,
    path = "/api/v1/kb/entries/{id}",
    tag = TAG,
    params(("id" = KbEntryId, Path, description = "Entry id")),
    responses((status = 200, description = "The entry", body = KbEntry), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_kb_entry(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<KbEntryId>,
) -> ApiResult<Json<KbEntry>> {
    Ok(Json(state.store.get_kb_entry(agent.account_id, id).await?))
}
