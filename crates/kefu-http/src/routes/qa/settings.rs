//! The account's inspection rules and scorecards: supervisors read them,
//! admins replace them. Everything is compiled before it is stored, so a
//! bad pattern or a card scoring a missing rule is refused with its name.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{QaSettings, Role};
use serde_json::json;

use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors};

/// The account's rules and scorecards
#[utoipa::path(
    get,
    path = "/api/v1/qa/settings",
    tag = super::TAG,
    responses((status = 200, description = "Rules and scorecards", body = QaSettings), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_qa_settings(
    State(state): State<AppState>,
    agent: Agent,
) -> ApiResult<Json<QaSettings>> {
    agent.require(Role::Supervisor)?;
    Ok(Json(state.store.qa_settings(agent.account_id).await?))
}

/// Replace the account's rules and scorecards (admin)
///
/// 422 `invalid_qa_rule` or `invalid_scorecard` names the first one that
/// cannot be used and why; nothing is stored then.
#[utoipa::path(
    put,
    path = "/api/v1/qa/settings",
    tag = super::TAG,
    request_body = QaSettings,
    responses((status = 200, description = "Saved", body = QaSettings), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn put_qa_settings(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(body): ApiJson<QaSettings>,
) -> ApiResult<Json<QaSettings>> {
    agent.require(Role::Admin)?;
    if body.rules.len() > 500 || body.scorecards.len() > 50 {
        return Err(ApiError::validation("at most 500 rules and 50 scorecards"));
    }
    if !(0.0..=1.0).contains(&body.sample_rate) {
        return Err(ApiError::validation("sample_rate: between 0 and 1"));
    }
    // The sentiment model's mark is not the client's to set: saving keeps
    // whatever retraining last stored.
    let mut body = body;
    body.sentiment_model = state
        .store
        .qa_settings(agent.account_id)
        .await?
        .sentiment_model;
    crate::qa::compile_for(&*state.store, agent.account_id, &body)
        .await
        .map_err(compile_error)?;
    state
        .store
        .put_qa_settings(agent.account_id, &body, state.clock.now())
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("qa_settings.replaced")
            .details(json!({"rules": body.rules.len(), "scorecards": body.scorecards.len()})),
    )
    .await;
    Ok(Json(body))
}

/// The API's words for settings that cannot be compiled.
pub fn compile_error(e: crate::qa::CompileError) -> ApiError {
    match e {
        crate::qa::CompileError::Qa(e) => qa_error(e),
        crate::qa::CompileError::Store(e) => e.into(),
    }
}

/// The API's words for a rule or card that cannot be used.
pub fn qa_error(e: kefu_qa::QaError) -> ApiError {
    use axum::http::StatusCode;
    let code = match &e {
        kefu_qa::QaError::InvalidScorecard { .. } => "invalid_scorecard",
        _ => "invalid_qa_rule",
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
}
