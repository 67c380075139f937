//! Deleting an entry.

use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::KbEntryId;
use serde_json::json;

use super::{TAG, may_change};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::routes::directory::common::{AuthErrors, NotFound};

/// Delete a knowledge-base entry
///
/// Supervisors and admins.
#[utoipa::path(
    delete,
    path = "/api/v1/kb/entries/{id}",
    tag = TAG,
    params(("id" = KbEntryId, Path, description = "Entry id")),
    responses((status = 204, description = "Deleted"), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn delete_kb_entry(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<KbEntryId>,
) -> ApiResult<StatusCode> {
    may_change(&agent)?;
    let e = state.store.get_kb_entry(agent.account_id, id).await?;
    state.store.delete_kb_entry(agent.account_id, id).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("kb_entry.deleted")
            .target(id)
            .details(json!({"question": e.question, "locale": e.locale})),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
