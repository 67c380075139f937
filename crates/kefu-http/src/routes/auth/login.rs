//! POST /auth/login: email and password in, a session cookie out.
//!
//! Unknown email and wrong password give the same answer, and take about the
//! same time (a dummy hash is verified when the email is unknown), so the
//! endpoint does not reveal who has an account. Attempts are rate limited per
//! address and per email.
//!
//! No CSRF header is needed here: the body must be `application/json`, which
//! a cross-site form cannot send and a cross-site script cannot send without
//! a CORS preflight we never grant.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::{AccountId, validate};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{SessionInfo, session_info, start_session};
use crate::app::AppState;
use crate::audit::{self, Actor, Change, ClientIp};
use crate::auth::password;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::directory::common::{BodyErrors, RateLimited};

/// Deliberately not `Debug`: it holds a password.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The account to work in; by default the first one you belong to.
    pub account_id: Option<AccountId>,
}

/// Longest password worth hashing; longer ones cannot be valid (see
/// `validate::password`) and would only cost CPU.
const MAX_PASSWORD_BYTES: usize = 1024;

/// Sign in
///
/// Sets the `kefu_session` cookie (`HttpOnly`, `SameSite=Strict`). Requests
/// with the cookie that change something must also send an `x-kefu-csrf`
/// header (any value).
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionInfo,
            headers(("set-cookie" = String, description = "kefu_session=…; HttpOnly; SameSite=Strict; Path=/; Max-Age=…"))),
        (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ErrorBody),
        (status = 403, description = "Not a member of any account (`no_account`)", body = ErrorBody),
        (status = 404, description = "`account_id` is not an account of yours (`not_found`)", body = ErrorBody),
        BodyErrors,
        RateLimited,
    ),
    security(())
)]
pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Response {
    match login_inner(&state, ip, &headers, req).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            ([(header::RETRY_AFTER, HeaderValue::from_static("1"))], e).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn login_inner(
    state: &AppState,
    ip: ClientIp,
    headers: &HeaderMap,
    req: LoginRequest,
) -> ApiResult<Response> {
    if !state.public_limiter.check(&format!("login:{}", ip.label())) {
        return Err(ApiError::too_many_requests());
    }
    let email = validate::email(&req.email)?;
    // Guessing one person's password from many addresses is still limited.
    if !state.public_limiter.check(&format!("login-email:{email}")) {
        return Err(ApiError::too_many_requests());
    }

    let found = state.store.find_user_by_email(&email).await?;
    let ok = if req.password.len() > MAX_PASSWORD_BYTES {
        false
    } else {
        let hash = match &found {
            Some((_, h)) => h.clone(),
            None => password::dummy_hash().to_string(),
        };
        password::verify(req.password, hash).await && found.is_some()
    };
    let user = match found {
        Some((user, _)) if ok => user,
        other => {
            if let Some((user, _)) = other {
                // Each account's admins see attempts on their members.
                for (account, _) in state.store.accounts_of(user.id).await? {
                    audit::record(
                        state,
                        account.id,
                        &Actor::anonymous(),
                        ip,
                        Change::new("auth.login_failed").target(user.id),
                    )
                    .await;
                }
            }
            tracing::info!(ip = %ip.label(), "sign-in failed");
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "wrong email or password",
            ));
        }
    };

    let accounts = state.store.accounts_of(user.id).await?;
    let account = match req.account_id {
        Some(wanted) => accounts
            .iter()
            .find(|(a, _)| a.id == wanted)
            .map(|(a, _)| a.id)
            .ok_or_else(|| ApiError::not_found("account"))?,
        None => accounts.first().map(|(a, _)| a.id).ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "no_account",
                "you are not a member of any account",
            )
        })?,
    };

    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let cookie = start_session(state, user.id, account, ip, user_agent).await?;
    audit::record(
        state,
        account,
        &Actor::user(user.id),
        ip,
        Change::new("auth.login_succeeded").target(user.id).details(
            json!({"user_agent": user_agent.map(|s| s.chars().take(256).collect::<String>())}),
        ),
    )
    .await;
    let info = session_info(state, user.id, account).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(info)).into_response())
}
