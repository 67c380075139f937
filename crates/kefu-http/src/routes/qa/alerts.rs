//! The live alerts list: what the live rules raised while conversations
//! ran (the same alerts the socket delivers as `qa.alert`), for
//! supervisors and admins.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{QaAlert, Role};
use kefu_core::page::{Page, clamp_limit};
use kefu_core::store::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// List live alerts
///
/// Alerts raised by live rules while conversations ran: a rule matched a
/// message (`reason: rule`, with the span and an excerpt), or a customer
/// waited longer than a live `response_time` rule allows (`reason:
/// silence`). Newest first. Supervisors and admins only.
#[utoipa::path(
    get,
    path = "/api/v1/qa/alerts",
    tag = super::TAG,
    params(AlertsQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<QaAlert>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Agents do not see alerts", body = ErrorBody),
        (status = 422, description = "`validation_failed`: not a cursor from a previous page", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_alerts(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> ApiResult<Json<Page<QaAlert>>> {
    agent.require(Role::Supervisor)?;
    let visibility = agent.visibility(&state).await?;
    let page = PageRequest {
        cursor: q.cursor.filter(|c| !c.is_empty()),
        limit: clamp_limit(q.limit),
    };
    Ok(Json(
        state
            .store
            .list_qa_alerts(agent.account_id, visibility.inboxes.as_deref(), &page)
            .await?,
    ))
}
