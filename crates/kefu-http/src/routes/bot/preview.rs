//! "Try the bot": what the bot would do with a message, with the ranking and
//! the thresholds behind the decision, so admins can check an edit to the
//! knowledge base before customers meet it. Writes nothing.

use axum::Json;
use axum::extract::State;
use kefu_bot::{BotError, Decision, HandoffReason};
use kefu_core::InboxId;
use kefu_core::model::InboxBotSettings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::bot::turn::thresholds;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors, NotFound};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// A message as a customer would write it.
    pub text: String,
    /// Apply this inbox's threshold overrides (`settings.bot`).
    pub inbox_id: Option<InboxId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedEntry {
    pub entry_id: String,
    pub question: String,
    pub out_of_scope: bool,
    /// The ranking's score (classifier margin, BM25 mixed in); only the
    /// order and the gaps mean something.
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BotPreview {
    /// `answer`, `candidates`, `handoff` or `small_talk`.
    pub decision: String,
    /// Why the bot would hand over: `human_requested`, `out_of_scope`,
    /// `low_confidence`, `no_match`, `no_knowledge_base`.
    pub reason: Option<String>,
    /// The entry it would answer with, or the candidates it would offer.
    pub entries: Vec<String>,
    /// Calibrated probability that the best entry is right.
    pub confidence: Option<f32>,
    /// The thresholds applied: learnt from the knowledge base, or the
    /// inbox's overrides.
    pub answer_threshold: Option<f32>,
    pub candidates_threshold: Option<f32>,
    /// The five best entries.
    pub ranking: Vec<RankedEntry>,
}

/// Preview the bot's decision
///
/// Runs the account's bot on a message without writing anything. For
/// supervisors and admins editing the knowledge base.
#[utoipa::path(
    post,
    path = "/api/v1/bot/preview",
    tag = TAG,
    request_body = PreviewBody,
    responses((status = 200, description = "What the bot would do", body = BotPreview), AuthErrors, BodyErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn preview_bot(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<PreviewBody>,
) -> ApiResult<Json<BotPreview>> {
    agent.require(kefu_core::model::Role::Supervisor)?;
    let overrides = match body.inbox_id {
        Some(id) => {
            let inbox = state.store.get_inbox(agent.account_id, id).await?;
            InboxBotSettings::from_settings(&inbox.settings).unwrap_or_default()
        }
        None => InboxBotSettings::default(),
    };
    let built = state.bot.directory.bot_for(agent.account_id).await?;
    let text = body.text;
    tokio::task::spawn_blocking(move || {
        let Some(bot) = built.bot.as_ref() else {
            return Ok(BotPreview {
                decision: "handoff".into(),
                reason: Some("no_knowledge_base".into()),
                entries: vec![],
                confidence: None,
                answer_threshold: None,
                candidates_threshold: None,
                ranking: vec![],
            });
        };
        let t = thresholds(bot, overrides);
        let (decision, assessment) = bot.decide_with(&text, t).map_err(|e| match e {
            BotError::QueryTooLong { .. } | BotError::EmptyQuery => {
                ApiError::validation(format!("text: {e}"))
            }
            other => ApiError::validation(other.to_string()),
        })?;
        let (kind, reason, entries) = match &decision {
            Decision::Answer { entry, .. } | Decision::Action { entry, .. } => {
                ("answer", None, vec![entry.id.clone()])
            }
            Decision::Candidates { entries, .. } => (
                "candidates",
                None,
                entries.iter().map(|e| e.id.clone()).collect(),
            ),
            Decision::Handoff { reason } => (
                "handoff",
                Some(match reason {
                    HandoffReason::HumanRequested => "human_requested",
                    HandoffReason::OutOfScope { .. } => "out_of_scope",
                    HandoffReason::LowConfidence { .. } => "low_confidence",
                    HandoffReason::NoMatch => "no_match",
                }),
                vec![],
            ),
            Decision::SmallTalk(_) => ("small_talk", None, vec![]),
        };
        Ok(BotPreview {
            decision: kind.into(),
            reason: reason.map(Into::into),
            entries,
            confidence: assessment.as_ref().map(|a| a.confidence),
            answer_threshold: Some(t.answer),
            candidates_threshold: Some(t.candidates),
            ranking: assessment
                .map(|a| {
                    a.ranking
                        .iter()
                        .take(5)
                        .map(|(e, s)| RankedEntry {
                            entry_id: e.id.clone(),
                            question: e.question.clone(),
                            out_of_scope: e.out_of_scope,
                            score: *s,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map(Json)
}
