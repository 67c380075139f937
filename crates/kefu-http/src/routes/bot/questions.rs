//! The learning loop: questions the bot could not answer, grouped by
//! similarity so an admin sees "12 customers asked about invoices" once, with
//! the entry the bot thought closest. Adding them to the knowledge base (or
//! dismissing them) takes them off the list.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use kefu_bot::text_analysis::analyze;
use kefu_core::model::{BotQuestion, BotQuestionResolution, Role};
use kefu_core::{ConversationId, MessageId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::TAG;
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::directory::common::{AuthErrors, BodyErrors};

/// The most questions one listing reads (newest first).
const MAX_QUESTIONS: u32 = 2000;
/// Questions whose character n-grams overlap at least this much (cosine)
/// are one group.
const SAME_GROUP: f64 = 0.5;
/// Examples shown per group.
const EXAMPLES: usize = 10;
const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuestions {
    /// Questions of the last this many days (default 30, at most 365).
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionExample {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub text: String,
    pub outcome: String,
    pub asked_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionGroup {
    /// The group's most typical wording (the question closest to the rest).
    pub text: String,
    /// How many questions the group holds.
    pub count: usize,
    pub last_asked_at: Timestamp,
    /// Every question's message id, for resolving the whole group.
    pub message_ids: Vec<MessageId>,
    /// The newest questions of the group.
    pub examples: Vec<QuestionExample>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionGroups {
    /// Biggest groups first.
    pub groups: Vec<QuestionGroup>,
    /// Open questions in the window.
    pub total: usize,
}

/// Questions the bot could not answer
///
/// Open questions of the last `days`, grouped by similarity, biggest group
/// first. For supervisors and admins.
#[utoipa::path(
    get,
    path = "/api/v1/bot/questions",
    tag = TAG,
    params(ListQuestions),
    responses((status = 200, description = "Grouped questions", body = QuestionGroups), AuthErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_questions(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ListQuestions>,
) -> ApiResult<Json<QuestionGroups>> {
    agent.require(Role::Supervisor)?;
    let days = i64::from(q.days.unwrap_or(30).clamp(1, 365));
    let since = Timestamp(state.clock.now().0 - days * DAY_MS);
    let questions = state
        .store
        .open_bot_questions(agent.account_id, since, MAX_QUESTIONS)
        .await?;
    let total = questions.len();
    let groups = tokio::task::spawn_blocking(move || group(questions))
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(Json(QuestionGroups { groups, total }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// The questions (their message ids), e.g. a group's `message_ids`.
    pub message_ids: Vec<MessageId>,
    pub resolution: BotQuestionResolution,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Resolved {
    /// How many open questions were resolved.
    pub resolved: u64,
}

/// Resolve unanswered questions
///
/// Marks questions as added to the knowledge base, or dismissed; either
/// way they leave the list. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/bot/questions/resolve",
    tag = TAG,
    request_body = ResolveBody,
    responses((status = 200, description = "Resolved", body = Resolved), AuthErrors, BodyErrors),
    security(("session" = []), ("bearer" = []))
)]
pub async fn resolve_questions(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiJson(body): ApiJson<ResolveBody>,
) -> ApiResult<Json<Resolved>> {
    agent.require(Role::Supervisor)?;
    if body.message_ids.is_empty() || body.message_ids.len() > MAX_QUESTIONS as usize {
        return Err(ApiError::validation(format!(
            "message_ids: between 1 and {MAX_QUESTIONS}"
        )));
    }
    let resolved = state
        .store
        .resolve_bot_questions(
            agent.account_id,
            &body.message_ids,
            body.resolution,
            agent.user_id,
            state.clock.now(),
        )
        .await?;
    audit::by_agent(
        &state,
        &agent,
        ip,
        Change::new("bot_questions.resolved").details(json!({
            "resolution": body.resolution.as_str(),
            "count": resolved,
        })),
    )
    .await;
    Ok(Json(Resolved { resolved }))
}

/// A question's character n-gram counts, L2-normalised.
fn profile(text: &str) -> HashMap<String, f64> {
    let mut counts: HashMap<String, f64> = HashMap::new();
    for g in analyze(text).char_ngrams {
        *counts.entry(g).or_default() += 1.0;
    }
    let norm = counts.values().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        counts.values_mut().for_each(|v| *v /= norm);
    }
    counts
}

fn cosine(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .filter_map(|(k, v)| big.get(k).map(|w| v * w))
        .sum()
}

/// Groups questions (newest first) greedily: each joins the most similar
/// existing group when its similarity to the group's centroid reaches
/// [`SAME_GROUP`], else starts one. Deterministic, and linear in the number
/// of groups per question, which is plenty for a few thousand questions.
pub fn group(questions: Vec<BotQuestion>) -> Vec<QuestionGroup> {
    struct Building {
        members: Vec<(BotQuestion, HashMap<String, f64>)>,
        centroid: HashMap<String, f64>,
    }
    let mut groups: Vec<Building> = Vec::new();
    for q in questions {
        let p = profile(&q.text);
        let best = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (i, cosine(&p, &g.centroid)))
            .filter(|(_, s)| *s >= SAME_GROUP)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, _)) => {
                let g = &mut groups[i];
                g.members.push((q, p));
                g.centroid = centroid(g.members.iter().map(|(_, p)| p));
            }
            None => groups.push(Building {
                centroid: p.clone(),
                members: vec![(q, p)],
            }),
        }
    }
    let mut out: Vec<QuestionGroup> = groups
        .into_iter()
        .map(|g| {
            let typical = g
                .members
                .iter()
                .max_by(|a, b| cosine(&a.1, &g.centroid).total_cmp(&cosine(&b.1, &g.centroid)))
                .map(|(q, _)| q.text.clone())
                .unwrap_or_default();
            QuestionGroup {
                text: typical,
                count: g.members.len(),
                last_asked_at: g.members[0].0.created_at,
                message_ids: g.members.iter().map(|(q, _)| q.message_id).collect(),
                examples: g
                    .members
                    .iter()
                    .take(EXAMPLES)
                    .map(|(q, _)| QuestionExample {
                        message_id: q.message_id,
                        conversation_id: q.conversation_id,
                        text: q.text.clone(),
                        outcome: q.outcome.clone(),
                        asked_at: q.created_at,
                    })
                    .collect(),
            }
        })
        .collect();
    // Biggest first; among equals the most recently asked.
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_asked_at.0.cmp(&a.last_asked_at.0))
    });
    out
}

fn centroid<'a>(profiles: impl Iterator<Item = &'a HashMap<String, f64>>) -> HashMap<String, f64> {
    let mut sum: HashMap<String, f64> = HashMap::new();
    for p in profiles {
        for (k, v) in p {
            *sum.entry(k.clone()).or_default() += v;
        }
    }
    let norm = sum.values().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        sum.values_mut().for_each(|v| *v /= norm);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::AccountId;

    fn q(text: &str, at: i64) -> BotQuestion {
        BotQuestion {
            account_id: AccountId::new(),
            message_id: MessageId::new(),
            conversation_id: ConversationId::new(),
            text: text.into(),
            outcome: "candidates".into(),
            created_at: Timestamp(at),
            status: "open".into(),
            resolved_by: None,
            resolved_at: None,
        }
    }

    #[test]
    fn similar_questions_group_together_biggest_first() {
        let groups = group(vec![
            q("can I get an invoice for my order", 9),
            q("how do I change my delivery address", 8),
            q("can i get an invoice?", 7),
            q("能开发票吗", 6),
            q("I need an invoice for my order please", 5),
            q("可以开发票吗", 4),
        ]);
        let sizes: Vec<usize> = groups.iter().map(|g| g.count).collect();
        assert_eq!(sizes, [3, 2, 1], "{groups:#?}");
        assert!(groups[0].text.contains("invoice"));
        assert!(groups[1].text.contains("发票"));
        assert_eq!(groups[0].last_asked_at, Timestamp(9));
        assert_eq!(groups[0].message_ids.len(), 3);
        assert!(groups[2].text.contains("address"));
    }

    #[test]
    fn nothing_to_group() {
        assert!(group(vec![]).is_empty());
        // Text without n-grams (emoji only) still forms its own group.
        assert_eq!(group(vec![q("🙂", 1)]).len(), 1);
    }
}
