//! POST /auth/switch-account: move the session to another account of yours.

use axum::Json;
use axum::extract::State;
use kefu_core::AccountId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::logout::not_a_session;
use super::{SessionInfo, session_info};
use crate::app::AppState;
use crate::auth::{Agent, Via};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors};

#[derive(Deserialize, ToSchema)]
pub struct SwitchAccount {
    pub account_id: AccountId,
}

/// Work in another account
///
/// Only accounts you are a member of; tokens belong to one account and
/// cannot switch.
#[utoipa::path(
    post,
    path = "/api/v1/auth/switch-account",
    tag = "auth",
    request_body = SwitchAccount,
    responses(
        (status = 200, description = "The session now works in that account", body = SessionInfo),
        (status = 400, description = "Called with a token (`not_a_session`)", body = ErrorBody),
        (status = 404, description = "Not an account of yours (`not_found`)", body = ErrorBody),
        AuthErrors,
        BodyErrors,
    ),
    security(("session" = []))
)]
pub async fn switch_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(req): ApiJson<SwitchAccount>,
) -> ApiResult<Json<SessionInfo>> {
    let Via::Session(session) = agent.via else {
        return Err(not_a_session());
    };
    let member = state
        .store
        .accounts_of(agent.user_id)
        .await?
        .iter()
        .any(|(a, _)| a.id == req.account_id);
    if !member {
        // Same answer as for an account that does not exist.
        return Err(ApiError::not_found("account"));
    }
    state
        .store
        .switch_session_account(session, req.account_id)
        .await?;
    Ok(Json(
        session_info(&state, agent.user_id, req.account_id).await?,
    ))
}
