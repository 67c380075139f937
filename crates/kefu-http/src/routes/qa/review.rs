//! The human side of inspection: a reviewer confirms or rejects each hit
//! and may adjust the total; the agent whose score it is may appeal within
//! `APPEAL_DAYS`; a supervisor other than the agent decides, and the
//! decision is final. Every step recomputes the score from the hits that
//! still count, names the version it read (a concurrent change is a 409
//! `version_conflict`), records `qa.scored` and is audited.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{QaScore, QaSettings, QaStatus, Role, SentimentLabel};
use kefu_core::{ConversationId, MessageId, StoreError, Timestamp};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::settings::compile_error;
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::conversations::shared::visible_conversation;

/// How long after the inspection an agent may appeal.
pub const APPEAL_DAYS: i64 = 7;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// The version of the score the reviewer read.
    pub version: i64,
    /// Indexes (into `hits`) of the hits the reviewer rejects; the others
    /// are confirmed.
    #[serde(default)]
    pub rejected_hits: Vec<usize>,
    /// Points added (or, negative, taken away) by hand.
    #[serde(default)]
    pub adjustment: f64,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    pub version: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    pub version: i64,
    /// Whether the appeal is upheld; if so, `rejected_hits` and
    /// `adjustment` replace the reviewer's.
    pub accept: bool,
    #[serde(default)]
    pub rejected_hits: Option<Vec<usize>>,
    #[serde(default)]
    pub adjustment: Option<f64>,
    pub note: Option<String>,
}

async fn load(
    state: &AppState,
    agent: &Agent,
    id: ConversationId,
    card: &str,
    version: i64,
) -> ApiResult<QaScore> {
    visible_conversation(state, agent, id).await?;
    let score = state
        .store
        .qa_scores(agent.account_id, id)
        .await?
        .into_iter()
        .find(|s| s.scorecard_id == card)
        .ok_or_else(|| ApiError::not_found("score"))?;
    if score.version != version {
        return Err(ApiError::conflict(
            "version_conflict",
            "the score was changed by someone else; reload and try again",
        ));
    }
    Ok(score)
}

fn note(n: Option<String>) -> ApiResult<Option<String>> {
    match n {
        Some(n) if n.chars().count() > 2000 => {
            Err(ApiError::validation("note: at most 2000 characters"))
        }
        Some(n) if n.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// Marks each hit confirmed or rejected and applies the adjustment, then
/// scores again with the card as the account has it now. Returns the
/// verdicts on sentiment hits as training labels for the account's model.
async fn apply_verdicts(
    state: &AppState,
    agent: &Agent,
    score: &mut QaScore,
    rejected: &[usize],
    adjustment: f64,
) -> ApiResult<Vec<SentimentLabel>> {
    if let Some(bad) = rejected.iter().find(|&&i| i >= score.hits.len()) {
        return Err(ApiError::validation(format!("rejected_hits: no hit {bad}")));
    }
    if !adjustment.is_finite() || adjustment.abs() > 1000.0 {
        return Err(ApiError::validation(
            "adjustment: a number between -1000 and 1000",
        ));
    }
    for (i, h) in score.hits.iter_mut().enumerate() {
        h["verdict"] = json!(if rejected.contains(&i) {
            "rejected"
        } else {
            "confirmed"
        });
    }
    score.adjustment = adjustment;
    let settings = state.store.qa_settings(agent.account_id).await?;
    let qa = crate::qa::compiled_settings(&*state.store, agent.account_id, &settings)
        .await
        .map_err(compile_error)?;
    let card = qa
        .scorecards
        .iter()
        .find(|c| c.id == score.scorecard_id)
        .ok_or_else(|| {
            ApiError::conflict(
                "scorecard_removed",
                "the scorecard was removed since; the score can no longer be recomputed",
            )
        })?;
    crate::qa::rescore(card, score);
    sentiment_labels(state, agent, &settings, score).await
}

/// The verdicts on the score's sentiment hits, as labels of the messages
/// they point at: confirmed is negative, rejected is not.
async fn sentiment_labels(
    state: &AppState,
    agent: &Agent,
    settings: &QaSettings,
    score: &QaScore,
) -> ApiResult<Vec<SentimentLabel>> {
    let is_sentiment = |id: &serde_json::Value| {
        settings
            .rules
            .iter()
            .any(|r| &r["id"] == id && r["type"] == "sentiment")
    };
    let now = state.clock.now();
    let mut labels: Vec<SentimentLabel> = Vec::new();
    for h in score.hits.iter().filter(|h| is_sentiment(&h["rule_id"])) {
        let Some(message_id) = h["message_id"]
            .as_str()
            .and_then(|m| m.parse::<uuid::Uuid>().ok())
            .map(MessageId)
        else {
            continue;
        };
        // The message may have been erased since the inspection.
        let text = match state.store.get_message(agent.account_id, message_id).await {
            Ok(m) => m.content.plain_text().unwrap_or_default().to_string(),
            Err(StoreError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        if text.trim().is_empty() {
            continue;
        }
        let negative = h["verdict"] != "rejected";
        // Two sentiment rules may flag one message: a rejection of either
        // says it is not negative.
        if let Some(l) = labels.iter_mut().find(|l| l.message_id == message_id) {
            l.negative &= negative;
            continue;
        }
        labels.push(SentimentLabel {
            message_id,
            text,
            negative,
            rule_id: h["rule_id"].as_str().unwrap_or_default().to_string(),
            labelled_by: agent.user_id,
            labelled_at: now,
        });
    }
    Ok(labels)
}

async fn save(
    state: &AppState,
    agent: &Agent,
    ip: ClientIp,
    score: &QaScore,
    labels: &[SentimentLabel],
    action: &'static str,
) -> ApiResult<()> {
    state
        .store
        .save_qa_review(agent.account_id, score, labels, state.clock.now())
        .await?;
    audit::by_agent(
        state,
        agent,
        ip,
        Change::new(action)
            .target(score.conversation_id)
            .details(json!({"scorecard_id": score.scorecard_id, "total": score.total, "passed": score.passed})),
    )
    .await;
    Ok(())
}

/// The saved score as the next reader sees it.
fn after_save(mut score: QaScore) -> QaScore {
    score.version += 1;
    score
}

/// Review a score (supervisors)
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/qa/{scorecard_id}/review",
    tag = super::TAG,
    params(
        ("id" = String, Path, format = Uuid, description = "Conversation id"),
        ("scorecard_id" = String, Path, description = "Scorecard id"),
    ),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "The recomputed score", body = QaScore),
        (status = 403, description = "Needs the supervisor role", body = ErrorBody),
        (status = 404, description = "No such conversation or score", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `qa_appealed` (decide the appeal instead), `qa_final`, `scorecard_removed`", body = ErrorBody),
        (status = 422, description = "A hit index that does not exist, or a bad adjustment", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn review_score(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, card)): ApiPath<(ConversationId, String)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<QaScore>> {
    agent.require(Role::Supervisor)?;
    let mut score = load(&state, &agent, id, &card, body.version).await?;
    match score.status {
        QaStatus::Appealed => {
            return Err(ApiError::conflict(
                "qa_appealed",
                "the agent appealed: decide the appeal instead",
            ));
        }
        QaStatus::Final => return Err(ApiError::conflict("qa_final", "the score is final")),
        QaStatus::Auto | QaStatus::Reviewed => {}
    }
    let labels = apply_verdicts(
        &state,
        &agent,
        &mut score,
        &body.rejected_hits,
        body.adjustment,
    )
    .await?;
    score.status = QaStatus::Reviewed;
    score.review["reviewer_id"] = json!(agent.user_id);
    score.review["reviewed_at"] = json!(state.clock.now());
    score.review["note"] = json!(note(body.note)?);
    save(&state, &agent, ip, &score, &labels, "qa_score.reviewed").await?;
    Ok(Json(after_save(score)))
}

/// Appeal a score (the agent it belongs to)
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/qa/{scorecard_id}/appeal",
    tag = super::TAG,
    params(
        ("id" = String, Path, format = Uuid, description = "Conversation id"),
        ("scorecard_id" = String, Path, description = "Scorecard id"),
    ),
    request_body = AppealBody,
    responses(
        (status = 200, description = "The appealed score", body = QaScore),
        (status = 403, description = "Not your score", body = ErrorBody),
        (status = 404, description = "No such conversation or score", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `already_appealed`, `qa_final`, `appeal_window_closed`", body = ErrorBody),
        (status = 422, description = "An empty or too long reason", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn appeal_score(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, card)): ApiPath<(ConversationId, String)>,
    ApiJson(body): ApiJson<AppealBody>,
) -> ApiResult<Json<QaScore>> {
    let mut score = load(&state, &agent, id, &card, body.version).await?;
    if score.agent_id != Some(agent.user_id) {
        return Err(ApiError::forbidden(
            "only the agent the score belongs to may appeal it",
        ));
    }
    match score.status {
        QaStatus::Appealed => {
            return Err(ApiError::conflict(
                "already_appealed",
                "the score is under appeal",
            ));
        }
        QaStatus::Final => return Err(ApiError::conflict("qa_final", "the score is final")),
        QaStatus::Auto | QaStatus::Reviewed => {}
    }
    let now = state.clock.now();
    let deadline = Timestamp(score.created_at.0 + APPEAL_DAYS * 86_400_000);
    if now > deadline {
        return Err(ApiError::conflict(
            "appeal_window_closed",
            format!("appeals are possible for {APPEAL_DAYS} days after the inspection"),
        ));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::validation("reason: 1 to 2000 characters"));
    }
    score.status = QaStatus::Appealed;
    score.review["appeal"] = json!({"by": agent.user_id, "at": now, "reason": reason});
    save(&state, &agent, ip, &score, &[], "qa_score.appealed").await?;
    Ok(Json(after_save(score)))
}

/// Decide an appeal (supervisors other than the appellant); final
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/qa/{scorecard_id}/decide",
    tag = super::TAG,
    params(
        ("id" = String, Path, format = Uuid, description = "Conversation id"),
        ("scorecard_id" = String, Path, description = "Scorecard id"),
    ),
    request_body = DecideBody,
    responses(
        (status = 200, description = "The final score", body = QaScore),
        (status = 403, description = "Needs the supervisor role, and not the appellant", body = ErrorBody),
        (status = 404, description = "No such conversation or score", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `not_appealed`, `scorecard_removed`", body = ErrorBody),
        (status = 422, description = "A hit index that does not exist, or a bad adjustment", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn decide_appeal(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiPath((id, card)): ApiPath<(ConversationId, String)>,
    ApiJson(body): ApiJson<DecideBody>,
) -> ApiResult<Json<QaScore>> {
    agent.require(Role::Supervisor)?;
    let mut score = load(&state, &agent, id, &card, body.version).await?;
    if score.status != QaStatus::Appealed {
        return Err(ApiError::conflict(
            "not_appealed",
            "there is no appeal to decide",
        ));
    }
    if score.review["appeal"]["by"] == json!(agent.user_id) {
        return Err(ApiError::forbidden("an appeal is decided by someone else"));
    }
    let mut labels = Vec::new();
    if body.accept {
        let rejected = match body.rejected_hits {
            Some(r) => r,
            None => (0..score.hits.len())
                .filter(|&i| score.hits[i]["verdict"] == "rejected")
                .collect(),
        };
        let adjustment = body.adjustment.unwrap_or(score.adjustment);
        labels = apply_verdicts(&state, &agent, &mut score, &rejected, adjustment).await?;
    }
    score.status = QaStatus::Final;
    score.review["decision"] = json!({
        "by": agent.user_id, "at": state.clock.now(), "accepted": body.accept, "note": note(body.note)?,
    });
    save(&state, &agent, ip, &score, &labels, "qa_score.decided").await?;
    Ok(Json(after_save(score)))
}
