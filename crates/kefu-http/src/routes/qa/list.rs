//! Lists of scores: the review queue for supervisors (failed or sampled,
//! by status) and an agent's own scores.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{QaScore, QaStatus, Role};
use kefu_core::page::{Page, clamp_limit};
use kefu_core::store::{PageRequest, QaScoreFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoresQuery {
    pub status: Option<QaStatus>,
    /// Only failed or sampled scores (the review queue).
    pub needs_review: Option<bool>,
    /// `me` for your own scores (what agents may ask for), or a user id.
    pub agent: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// List scores
///
/// Supervisors and admins see every score of the account; agents only
/// their own (`agent=me`).
#[utoipa::path(
    get,
    path = "/api/v1/qa/scores",
    tag = super::TAG,
    params(ScoresQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<QaScore>),
        (status = 403, description = "Agents may only list their own", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_scores(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ScoresQuery>,
) -> ApiResult<Json<Page<QaScore>>> {
    let agent_id = match q.agent.as_deref() {
        None | Some("") => None,
        Some("me") => Some(agent.user_id),
        Some(s) => Some(
            s.parse()
                .map_err(|_| ApiError::bad_request("invalid_query", "agent: a user id or `me`"))?,
        ),
    };
    if agent_id != Some(agent.user_id) {
        agent.require(Role::Supervisor)?;
    }
    let filter = QaScoreFilter {
        status: q.status,
        needs_review: q.needs_review.unwrap_or(false),
        agent_id,
    };
    let page = PageRequest {
        cursor: q.cursor.filter(|c| !c.is_empty()),
        limit: clamp_limit(q.limit),
    };
    Ok(Json(
        state
            .store
            .list_qa_scores(agent.account_id, &filter, &page)
            .await?,
    ))
}
