//! The account's custom ticket fields: every agent reads them (to show and
//! fill them in); only admins change them.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Role, TicketField, validate_ticket_fields};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketFields {
    /// In display order.
    pub fields: Vec<TicketField>,
}

/// The account's ticket fields
#[utoipa::path(
    get,
    path = "/api/v1/ticket_fields",
    tag = super::TAG,
    responses((status = 200, description = "The fields, in display order", body = TicketFields), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_ticket_fields(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<TicketFields>> {
    let fields = state.store.ticket_fields(agent.account_id).await?;
    Ok(Json(TicketFields { fields }))
}

/// Replace the account's ticket fields (admin)
///
/// Keys are stable: values stored on tickets under a key that is removed
/// stay on those tickets (and in exports) but can no longer be set.
#[utoipa::path(
    put,
    path = "/api/v1/ticket_fields",
    tag = super::TAG,
    request_body = TicketFields,
    responses((status = 200, description = "The saved fields", body = TicketFields), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn put_ticket_fields(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(body): ApiJson<TicketFields>,
) -> ApiResult<Json<TicketFields>> {
    agent.require(Role::Admin)?;
    validate_ticket_fields(&body.fields)?;
    state
        .store
        .replace_ticket_fields(agent.account_id, &body.fields, state.clock.now())
        .await?;
    let keys: Vec<&str> = body.fields.iter().map(|f| f.key.as_str()).collect();
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("ticket_fields.replaced").details(json!({ "keys": keys })),
    )
    .await;
    Ok(Json(body))
}
