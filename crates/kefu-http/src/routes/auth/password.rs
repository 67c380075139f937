//! POST /auth/password: change your password, ending every other session.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::validate;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::start_session;
use crate::app::AppState;
use crate::audit::{self, Actor, Change, ClientIp};
use crate::auth::{Agent, Via, password};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors, RateLimited};

/// Deliberately not `Debug`: it holds passwords.
#[derive(Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    /// At least 8 characters.
    pub new_password: String,
}

/// Change your password
///
/// Every other session of yours ends. When called from a browser session,
/// that session continues under a fresh cookie (the old secret stops
/// working). Personal tokens are not affected; revoke them separately.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    tag = "auth",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed",
            headers(("set-cookie" = String, description = "A new session cookie, when called with a session"))),
        (status = 403, description = "The current password is wrong (`invalid_credentials`)", body = ErrorBody),
        AuthErrors,
        BodyErrors,
        RateLimited,
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn change_password(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChangePassword>,
) -> Response {
    match change(&state, &agent, ip, &headers, req).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            ([(header::RETRY_AFTER, HeaderValue::from_static("1"))], e).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn change(
    state: &AppState,
    agent: &Agent,
    ip: ClientIp,
    headers: &HeaderMap,
    req: ChangePassword,
) -> ApiResult<Response> {
    // A stolen session must not become a fast oracle for the password.
    if !state
        .public_limiter
        .check(&format!("password:{}", agent.user_id))
    {
        return Err(ApiError::too_many_requests());
    }
    validate::password(&req.new_password)?;
    let user = state.store.get_user(agent.user_id).await?;
    let hash = state
        .store
        .find_user_by_email(&user.email)
        .await?
        .map(|(_, h)| h)
        .ok_or_else(ApiError::internal)?;
    if !password::verify(req.current_password, hash).await {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_credentials",
            "the current password is wrong",
        ));
    }
    let new_hash = password::hash(req.new_password).await?;
    state.store.set_password(user.id, &new_hash).await?;
    let ended = state.store.delete_user_sessions(user.id).await?;

    // The password is global, so every account the user works in learns of it.
    for (account, _) in state.store.accounts_of(user.id).await? {
        audit::record(
            state,
            account.id,
            &Actor::from(agent),
            ip,
            Change::new("auth.password_changed")
                .target(user.id)
                .details(json!({"sessions_ended": ended})),
        )
        .await;
    }

    match agent.via {
        Via::Session(_) => {
            let user_agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            let cookie = start_session(state, user.id, agent.account_id, ip, user_agent).await?;
            Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
        }
        Via::Token(_) => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}
