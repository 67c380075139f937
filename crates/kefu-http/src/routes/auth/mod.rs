//! Signing in and out of the agent console: browser sessions held in an
//! `HttpOnly`, `SameSite=Strict` cookie whose value is a random secret (the
//! store keeps only its SHA-256). One file per use case.

pub mod login;
pub mod logout;
pub mod me;
pub mod password;
pub mod switch_account;

use axum::http::HeaderValue;
use kefu_core::model::{Account, Role, User};
use kefu_core::store::Session;
use kefu_core::{AccountId, SessionId, UserId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::audit::ClientIp;
use crate::auth::principal::SESSION_COOKIE;
use crate::auth::secrets;
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::login))
        .routes(routes!(logout::logout))
        .routes(routes!(me::me))
        .routes(routes!(switch_account::switch_account))
        .routes(routes!(password::change_password))
}

#[derive(Serialize, ToSchema)]
pub struct AccountRole {
    pub account: Account,
    pub role: Role,
}

/// Who is signed in, where they work now, and where else they could.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: User,
    /// The account requests work in.
    pub account: Account,
    /// Your role in that account.
    pub role: Role,
    /// Every account you belong to (switch with `/auth/switch-account`).
    pub accounts: Vec<AccountRole>,
}

pub(crate) async fn session_info(
    state: &AppState,
    user: UserId,
    account: AccountId,
) -> ApiResult<SessionInfo> {
    let user = state.store.get_user(user).await?;
    let accounts = state.store.accounts_of(user.id).await?;
    let (current, role) = accounts
        .iter()
        .find(|(a, _)| a.id == account)
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("you are no longer a member of this account"))?;
    Ok(SessionInfo {
        user,
        account: current,
        role,
        accounts: accounts
            .into_iter()
            .map(|(account, role)| AccountRole { account, role })
            .collect(),
    })
}

/// Starts a session and returns the cookie that carries it.
pub(crate) async fn start_session(
    state: &AppState,
    user: UserId,
    account: AccountId,
    ip: ClientIp,
    user_agent: Option<&str>,
) -> ApiResult<HeaderValue> {
    let secret = secrets::random_token("");
    let now = state.clock.now();
    let ttl_ms = state
        .config
        .session_ttl_hours
        .max(1)
        .saturating_mul(3_600_000);
    let session = Session {
        id: SessionId::new(),
        user_id: user,
        account_id: account,
        token_hash: secrets::sha256_hex(&secret),
        created_at: now,
        expires_at: now.plus_millis(ttl_ms),
        ip: ip.text(),
        // Enough to tell browsers apart in a session list; a huge header
        // should not become a huge row.
        user_agent: user_agent.map(|s| s.chars().take(256).collect()),
    };
    state.store.create_session(&session).await?;
    session_cookie(state, &secret, ttl_ms / 1000)
}

/// `HttpOnly` keeps scripts (and so XSS) away from the secret;
/// `SameSite=Strict` keeps other sites from riding on it.
fn session_cookie(state: &AppState, value: &str, max_age_s: i64) -> ApiResult<HeaderValue> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}"
    ))
    .map_err(|_| ApiError::internal())
}

/// A cookie that tells the browser to forget the session.
pub(crate) fn expired_cookie(state: &AppState) -> ApiResult<HeaderValue> {
    session_cookie(state, "", 0)
}
