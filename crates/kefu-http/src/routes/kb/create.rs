//! Creating an entry.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::KbEntryId;
use kefu_core::model::{KbEntry, KbEntryKind};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{TAG, may_change};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors, Conflict};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKbEntry {
    /// `faq` (default) or `article`.
    pub kind: Option<KbEntryKind>,
    /// The canonical question (an article's title), at most 500 characters.
    pub question: String,
    /// Other phrasings of the question (at most 200, each at most 500
    /// characters); blanks and repeats are dropped.
    #[serde(default)]
    pub similar_questions: Vec<String>,
    /// The answer (at most 20,000 characters) or article body (200,000);
    /// only an out-of-scope FAQ may leave it empty.
    #[serde(default)]
    pub answer: String,
    /// At most 20 tags of at most 50 characters; stored lower case.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `en`, `en-US`, `zh`, `zh-CN`, `zh-Hans`, ... (normalised).
    pub locale: String,
    /// Default true.
    pub enabled: Option<bool>,
    /// A question the bot must hand to a person instead of answering.
    #[serde(default)]
    pub out_of_scope: bool,
    /// A business action name, kept for later use.
    pub action: Option<String>,
}

/// Create a knowledge-base entry
///
/// Supervisors and admins. A question already asked in the same locale
/// (ignoring case) is a conflict.
#[utoipa::path(
    post,
    path = "/api/v1/kb/entries",
    tag = TAG,
    request_body = CreateKbEntry,
    responses((status = 201, description = "The new entry", body = KbEntry), AuthErrors, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_kb_entry(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(req): ApiJson<CreateKbEntry>,
) -> ApiResult<(StatusCode, Json<KbEntry>)> {
    may_change(&agent)?;
    let now = state.clock.now();
    let mut e = KbEntry {
        id: KbEntryId::new(),
        account_id: agent.account_id,
        kind: req.kind.unwrap_or(KbEntryKind::Faq),
        question: req.question,
        similar_questions: req.similar_questions,
        answer: req.answer,
        tags: req.tags,
        locale: req.locale,
        enabled: req.enabled.unwrap_or(true),
        out_of_scope: req.out_of_scope,
        action: req.action,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    e.validate()?;
    state.store.create_kb_entry(&e).await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("kb_entry.created")
            .target(e.id)
            .details(json!({"question": e.question, "locale": e.locale, "kind": e.kind})),
    )
    .await;
    Ok((StatusCode::CREATED, Json(e)))
}
