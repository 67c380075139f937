//! GET /auth/me: who the caller is and where they work.

use axum::Json;
use axum::extract::State;

use super::{SessionInfo, session_info};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::routes::directory::common::AuthErrors;

/// The signed-in user
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    responses((status = 200, description = "You, your current account and role, and your other accounts", body = SessionInfo), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn me(State(state): State<AppState>, agent: Agent) -> ApiResult<Json<SessionInfo>> {
    Ok(Json(
        session_info(&state, agent.user_id, agent.account_id).await?,
    ))
}
