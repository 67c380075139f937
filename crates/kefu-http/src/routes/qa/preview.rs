//! "Test this rule on a conversation": runs rules (saved or not) on one
//! conversation and shows every hit, without storing anything.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::model::{QaSettings, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::settings::compile_error;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::conversations::shared::visible_conversation;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    pub conversation_id: ConversationId,
    /// `kefu_qa::Rule`s to run (e.g. the one being edited).
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResult {
    /// Each hit with the rule, the message (id and position) and the
    /// character span.
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<serde_json::Value>,
    /// How many public messages were inspected.
    pub messages: usize,
}

/// Run rules on a conversation (supervisors)
#[utoipa::path(
    post,
    path = "/api/v1/qa/preview",
    tag = super::TAG,
    request_body = PreviewBody,
    responses(
        (status = 200, description = "The hits", body = PreviewResult),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Needs the supervisor role", body = ErrorBody),
        (status = 404, description = "No such conversation", body = ErrorBody),
        (status = 422, description = "`invalid_qa_rule`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn preview_rules(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<PreviewBody>,
) -> ApiResult<Json<PreviewResult>> {
    agent.require(Role::Supervisor)?;
    if body.rules.len() > 50 {
        return Err(crate::error::ApiError::validation(
            "at most 50 rules at a time",
        ));
    }
    let settings = QaSettings {
        rules: body.rules,
        scorecards: vec![],
        sample_rate: 0.0,
        sentiment_model: state
            .store
            .qa_settings(agent.account_id)
            .await?
            .sentiment_model,
    };
    let compiled = crate::qa::compile_for(&*state.store, agent.account_id, &settings)
        .await
        .map_err(compile_error)?;
    visible_conversation(&state, &agent, body.conversation_id).await?;
    let logged =
        crate::qa::transcript(&*state.store, agent.account_id, body.conversation_id).await?;
    let hits = compiled
        .inspector
        .inspect(&logged.transcript)
        .iter()
        .map(|h| crate::qa::hit_json(h, &logged.message_ids))
        .collect();
    Ok(Json(PreviewResult {
        hits,
        messages: logged.transcript.turns.len(),
    }))
}
