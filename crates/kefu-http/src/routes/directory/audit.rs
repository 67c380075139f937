//! The account's audit log, newest first (admins).

use axum::Json;
use axum::extract::State;
use kefu_core::model::{AuditEntry, Role};
use kefu_core::page::{Page, clamp_limit};
use kefu_core::store::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::AuthErrors;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_log))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// The audit log (admins)
///
/// Administrative and security changes: who did what, to what, from which
/// address. Entries never hold secrets.
#[utoipa::path(
    get,
    path = "/api/v1/audit-log",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries, newest first", body = Page<AuditEntry>),
        AuthErrors,
        (status = 422, description = "Invalid cursor (`validation_failed`)", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_audit_log(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    agent.require(Role::Admin)?;
    let page = PageRequest {
        cursor: q.cursor,
        limit: clamp_limit(q.limit),
    };
    Ok(Json(state.store.list_audit(agent.account_id, &page).await?))
}
