//! Snoozes a conversation until a time, or until the customer writes.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Conversation, NewJob};
use kefu_core::state::Input;
use kefu_core::{ConversationId, Timestamp};
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

/// The durable job that wakes a snoozed conversation.
pub const UNSNOOZE_JOB: &str = "conversation.unsnooze";

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnoozeBody {
    /// Wake-up time in ms since the epoch; absent or `null`: until the
    /// customer writes.
    pub until: Option<i64>,
}

/// Snooze a conversation
///
/// It leaves the active lists and comes back to its owner (or the queue) at
/// `until` or when the customer writes, whichever is first.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/snooze",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = SnoozeBody,
    responses(
        (status = 200, description = "The snoozed conversation", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`invalid_transition` (e.g. a bot or resolved conversation)", body = ErrorBody),
        (status = 422, description = "`until` is in the past", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn snooze_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<SnoozeBody>,
) -> ApiResult<Json<Conversation>> {
    let now = state.clock.now();
    let until = body.until.map(Timestamp::from_millis);
    if until.is_some_and(|u| u <= now) {
        return Err(ApiError::validation("until: must be in the future"));
    }
    let applied = shared::apply(&state, &agent, id, Input::Snooze { until }, None).await?;
    if let Some(until) = until {
        // One pending wake-up per conversation. If one is already pending
        // (an earlier snooze), the job sees the newer `snoozed_until` when
        // it fires and waits on until then.
        state
            .store
            .enqueue_job(&NewJob {
                account_id: Some(agent.account_id),
                kind: UNSNOOZE_JOB.into(),
                payload: serde_json::json!({"conversation_id": id, "until": until}),
                run_at: until,
                dedupe_key: Some(format!("unsnooze:{id}")),
                max_attempts: 10,
            })
            .await?;
    }
    Ok(Json(applied.conversation))
}
