//! Listing, creating, changing and deleting canned responses.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::CannedResponseId;
use kefu_core::model::CannedResponse;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{TAG, may_change, visible};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::routes::directory::common::{AuthErrors, BodyErrors, Conflict, NotFound};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCanned {
    /// Only responses whose short code starts with or contains this, or whose
    /// text contains it; best matches first.
    pub q: Option<String>,
}

/// Canned responses you can use
///
/// The account's shared responses and your own, by short code.
#[utoipa::path(
    get,
    path = "/api/v1/canned_responses",
    tag = TAG,
    params(ListCanned),
    responses((status = 200, description = "Shared and own responses", body = Vec<CannedResponse>), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_canned(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ListCanned>,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let all = state
        .store
        .list_canned_responses(agent.account_id, agent.user_id)
        .await?;
    Ok(Json(match q.q {
        Some(q) => ranked(all, &q),
        None => all,
    }))
}

/// The responses `query` picks, best first (the store's order breaks ties).
pub(super) fn ranked(all: Vec<CannedResponse>, query: &str) -> Vec<CannedResponse> {
    let mut hits: Vec<(u8, CannedResponse)> = all
        .into_iter()
        .filter_map(|r| r.rank(query).map(|k| (k, r)))
        .collect();
    hits.sort_by_key(|(k, _)| *k);
    hits.into_iter().map(|(_, r)| r).collect()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCanned {
    /// What follows `/` in the reply box: letters, digits, `-`, `_`.
    pub short_code: String,
    /// The text; may use `{{contact.name}}`, `{{contact.email}}`,
    /// `{{contact.phone}}`, `{{agent.name}}`, `{{account.name}}`, each with
    /// an optional fallback: `{{contact.name | there}}`.
    pub content: String,
    /// Shared with the whole account (supervisors and admins) rather than
    /// your own.
    #[serde(default)]
    pub shared: bool,
}

/// Create a canned response
#[utoipa::path(
    post,
    path = "/api/v1/canned_responses",
    tag = TAG,
    request_body = CreateCanned,
    responses((status = 201, description = "The new response", body = CannedResponse), AuthErrors, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_canned(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<CreateCanned>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let now = state.clock.now();
    let mut r = CannedResponse {
        id: CannedResponseId::new(),
        account_id: agent.account_id,
        owner_id: (!req.shared).then_some(agent.user_id),
        short_code: req.short_code,
        content: req.content,
        created_at: now,
        updated_at: now,
    };
    may_change(&agent, &r)?;
    r.validate()?;
    state.store.create_canned_response(&r).await?;
    if r.owner_id.is_none() {
        audit::by_agent(
            &state,
            &agent,
            ip,
            Change::new("canned_response.created")
                .target(r.id)
                .details(json!({"short_code": r.short_code})),
        )
        .await;
    }
    Ok((StatusCode::CREATED, Json(r)))
}

/// A canned response
#[utoipa::path(
    get,
    path = "/api/v1/canned_responses/{id}",
    tag = TAG,
    params(("id" = CannedResponseId, Path, description = "Canned response id")),
    responses((status = 200, description = "The response", body = CannedResponse), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_canned(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<CannedResponseId>,
) -> ApiResult<Json<CannedResponse>> {
    Ok(Json(visible(&state, &agent, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCanned {
    pub short_code: Option<String>,
    pub content: Option<String>,
}

/// Change a canned response
#[utoipa::path(
    patch,
    path = "/api/v1/canned_responses/{id}",
    tag = TAG,
    params(("id" = CannedResponseId, Path, description = "Canned response id")),
    request_body = UpdateCanned,
    responses((status = 200, description = "The changed response", body = CannedResponse), AuthErrors, NotFound, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_canned(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<CannedResponseId>,
    ApiJson(req): ApiJson<UpdateCanned>,
) -> ApiResult<Json<CannedResponse>> {
    let before = visible(&state, &agent, id).await?;
    may_change(&agent, &before)?;
    let mut r = before.clone();
    if let Some(code) = req.short_code {
        r.short_code = code;
    }
    if let Some(content) = req.content {
        r.content = content;
    }
    r.validate()?;
    if r == before {
        return Ok(Json(r));
    }
    r.updated_at = state.clock.now();
    state.store.update_canned_response(&r).await?;
    if r.owner_id.is_none() {
        audit::by_agent(
            &state,
            &agent,
            ip,
            Change::new("canned_response.updated")
                .target(id)
                .details(json!({
                    "short_code": {"from": before.short_code, "to": r.short_code},
                    "content_changed": before.content != r.content,
                })),
        )
        .await;
    }
    Ok(Json(r))
}

/// Delete a canned response
#[utoipa::path(
    delete,
    path = "/api/v1/canned_responses/{id}",
    tag = TAG,
    params(("id" = CannedResponseId, Path, description = "Canned response id")),
    responses((status = 204, description = "Deleted"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn delete_canned(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<CannedResponseId>,
) -> ApiResult<StatusCode> {
    let r = visible(&state, &agent, id).await?;
    may_change(&agent, &r)?;
    state
        .store
        .delete_canned_response(agent.account_id, id)
        .await?;
    if r.owner_id.is_none() {
        audit::by_agent(
            &state,
            &agent,
            ip,
            Change::new("canned_response.deleted")
                .target(id)
                .details(json!({"short_code": r.short_code})),
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}
