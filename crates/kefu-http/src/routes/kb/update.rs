//! Changing an entry, with optimistic concurrency: the client sends the
//! `version` it read, and a change made meanwhile by someone else is a 409
//! `version_conflict` instead of being silently overwritten.

use axum::Json;
use axum::extract::State;
use kefu_core::KbEntryId;
use kefu_core::StoreError;
use kefu_core::model::{KbEntry, KbEntryKind};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{TAG, may_change};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::routes::directory::common::{self, AuthErrors, BodyErrors, Conflict, NotFound};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKbEntry {
    /// The `version` of the entry as you read it.
    pub version: i64,
    pub kind: Option<KbEntryKind>,
    pub question: Option<String>,
    pub similar_questions: Option<Vec<String>>,
    pub answer: Option<String>,
    pub tags: Option<Vec<String>>,
    pub locale: Option<String>,
    pub enabled: Option<bool>,
    pub out_of_scope: Option<bool>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "common::nullable")]
    #[schema(value_type = Option<String>)]
    pub action: Option<Option<String>>,
}

/// Change a knowledge-base entry
///
/// Supervisors and admins. Send the `version` you read: if the entry changed
/// since, nothing is written and the answer is 409 `version_conflict`.
#[utoipa::path(
    patch,
    path = "/api/v1/kb/entries/{id}",
    tag = TAG,
    params(("id" = KbEntryId, Path, description = "Entry id")),
    request_body = UpdateKbEntry,
    responses((status = 200, description = "The entry as stored (version one more)", body = KbEntry), AuthErrors, NotFound, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_kb_entry(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath(id): ApiPath<KbEntryId>,
    ApiJson(req): ApiJson<UpdateKbEntry>,
) -> ApiResult<Json<KbEntry>> {
    may_change(&agent)?;
    let before = state.store.get_kb_entry(agent.account_id, id).await?;
    if before.version != req.version {
        return Err(StoreError::VersionConflict("knowledge base entry").into());
    }
    let mut e = before.clone();
    if let Some(v) = req.kind {
        e.kind = v;
    }
    if let Some(v) = req.question {
        e.question = v;
    }
    if let Some(v) = req.similar_questions {
        e.similar_questions = v;
    }
    if let Some(v) = req.answer {
        e.answer = v;
    }
    if let Some(v) = req.tags {
        e.tags = v;
    }
    if let Some(v) = req.locale {
        e.locale = v;
    }
    if let Some(v) = req.enabled {
        e.enabled = v;
    }
    if let Some(v) = req.out_of_scope {
        e.out_of_scope = v;
    }
    if let Some(v) = req.action {
        e.action = v;
    }
    e.validate()?;
    if e.same_content(&before) {
        // Nothing to change: no new version, no revision for the bot to
        // rebuild on, nothing to audit.
        return Ok(Json(before));
    }
    e.updated_at = state.clock.now();
    let stored = state.store.update_kb_entry(&e).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("kb_entry.updated").target(id).details(json!({
            "question": {"from": before.question, "to": stored.question},
            "answer_changed": before.answer != stored.answer,
            "enabled": stored.enabled,
            "out_of_scope": stored.out_of_scope,
            "version": stored.version,
        })),
    )
    .await;
    Ok(Json(stored))
}
