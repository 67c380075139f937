//! The caller's account: read it, and (admins) rename it or change its time zone.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Account, Role};
use kefu_core::validate;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{AuthErrors, BodyErrors};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_account, update_account))
}

/// The account you are working in
#[utoipa::path(
    get,
    path = "/api/v1/account",
    tag = "account",
    responses((status = 200, description = "The account", body = Account), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_account(State(state): State<AppState>, agent: Agent) -> ApiResult<Json<Account>> {
    Ok(Json(state.store.get_account(agent.account_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateAccount {
    pub name: Option<String>,
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    pub time_zone: Option<String>,
}

/// Rename the account or change its time zone (admins)
///
/// The time zone decides business hours and reporting days.
#[utoipa::path(
    patch,
    path = "/api/v1/account",
    tag = "account",
    request_body = UpdateAccount,
    responses((status = 200, description = "The updated account", body = Account), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_account(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<UpdateAccount>,
) -> ApiResult<Json<Account>> {
    agent.require(Role::Admin)?;
    let mut account = state.store.get_account(agent.account_id).await?;
    let mut changed = serde_json::Map::new();
    if let Some(name) = &req.name {
        let name = validate::name("name", name, 120)?;
        if name != account.name {
            changed.insert("name".into(), json!({"from": account.name, "to": name}));
            account.name = name;
        }
    }
    if let Some(tz) = &req.time_zone {
        let tz = validate::time_zone(tz.trim())?;
        if tz != account.time_zone {
            changed.insert(
                "time_zone".into(),
                json!({"from": account.time_zone, "to": tz}),
            );
            account.time_zone = tz;
        }
    }
    if changed.is_empty() {
        return Ok(Json(account));
    }
    account.updated_at = state.clock.now();
    state.store.update_account(&account).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("account.updated")
            .target(account.id)
            .details(changed.into()),
    )
    .await;
    Ok(Json(account))
}
