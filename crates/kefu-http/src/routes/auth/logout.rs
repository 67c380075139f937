//! POST /auth/logout: ends the current session and clears its cookie.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::expired_cookie;
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::{Agent, Via};
use crate::error::{ApiError, ApiResult};
use crate::routes::directory::common::AuthErrors;

/// Sign out
///
/// Ends this browser session. A personal token is not a session: revoke it
/// with `DELETE /api/v1/tokens/{id}`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared",
            headers(("set-cookie" = String, description = "kefu_session=; Max-Age=0"))),
        (status = 400, description = "Called with a token, not a session (`not_a_session`)", body = crate::error::ErrorBody),
        AuthErrors,
    ),
    security(("session" = []))
)]
pub async fn logout(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
) -> ApiResult<Response> {
    let Via::Session(session) = agent.via else {
        return Err(not_a_session());
    };
    state.store.delete_session(session).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("auth.logout").target(agent.user_id),
    )
    .await;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, expired_cookie(&state)?)],
    )
        .into_response())
}

pub(super) fn not_a_session() -> ApiError {
    ApiError::bad_request(
        "not_a_session",
        "this needs a browser session; tokens are managed under /api/v1/tokens",
    )
}
