//! Personal API tokens: a member's credential for scripts. The secret
//! (`kefu_pat_…`) is shown once; the store keeps only its SHA-256. A token
//! acts as its member with their current role, in the account it was made in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::{ApiToken, Role, TokenKind};
use kefu_core::{CoreError, TokenId, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{AuthErrors, BodyErrors, NotFound};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::{Agent, secrets};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Admins: every token of the account, inbox tokens included.
    pub all: Option<bool>,
}

/// Your API tokens
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    params(TokenQuery),
    responses((status = 200, description = "Tokens, newest first (secrets are never listed)", body = Vec<ApiToken>), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let user = if q.all == Some(true) {
        agent.require(Role::Admin)?;
        None
    } else {
        Some(agent.user_id)
    };
    Ok(Json(state.store.list_tokens(agent.account_id, user).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateToken {
    /// What the token is for, e.g. `nightly export`.
    pub name: String,
}

/// A token with its secret. Only the create call returns this.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`. Shown once.
    pub secret: String,
}

/// Create a personal API token
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = CreateToken,
    responses((status = 201, description = "The token and its secret", body = CreatedToken), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_token(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<CreateToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = token_name(&req.name)?;
    let secret = secrets::random_token("kefu_pat_");
    let token = ApiToken {
        id: TokenId::new(),
        account_id: agent.account_id,
        kind: TokenKind::Personal,
        user_id: Some(agent.user_id),
        inbox_id: None,
        name,
        prefix: secret.chars().take(13).collect(),
        created_at: state.clock.now(),
        last_used_at: None,
        revoked_at: None,
    };
    state
        .store
        .create_token(&token, &secrets::sha256_hex(&secret))
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("token.created")
            .target(token.id)
            .details(json!({"kind": token.kind, "name": token.name, "prefix": token.prefix})),
    )
    .await;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revoke a token
///
/// Your own tokens; admins may revoke any token of the account, inbox
/// tokens included. Revoking twice is not an error.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    params(("id" = TokenId, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<TokenId>,
) -> ApiResult<StatusCode> {
    // Someone else's token is "not found" to a non-admin, as it is to
    // another account.
    let scope = if agent.role >= Role::Admin {
        None
    } else {
        Some(agent.user_id)
    };
    let token = state
        .store
        .list_tokens(agent.account_id, scope)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("token"))?;
    if token.revoked_at.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    state
        .store
        .revoke_token(agent.account_id, id, state.clock.now())
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("token.revoked").target(id).details(json!({
            "kind": token.kind,
            "name": token.name,
            "owner": token.user_id,
            "inbox_id": token.inbox_id,
        })),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn token_name(s: &str) -> Result<String, CoreError> {
    validate::name("name", s, 120)
}
