//! Agent assist: for the conversation an agent has open, the knowledge-base
//! answers that best fit what the customer asked, each with its entry, ready
//! to insert into the reply box.

use axum::Json;
use axum::extract::State;
use kefu_bot::bot::MAX_CANDIDATES;
use kefu_bot::conversation_cues::{small_talk, wants_human};
use kefu_bot::{Decision, HandoffReason};
use kefu_core::ConversationId;
use kefu_core::MessageId;
use kefu_core::model::{MessageContent, SenderKind};
use serde::Serialize;
use utoipa::ToSchema;

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::routes::conversations::shared::visible_conversation;
use crate::routes::directory::common::{AuthErrors, NotFound};

/// How many of the latest messages are searched for the customer's question.
const LOOK_BACK: u32 = 20;
/// Article passages shown after the FAQ answers.
const MAX_PASSAGES: usize = 2;

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedAnswer {
    /// The knowledge-base entry the answer comes from.
    pub entry_id: String,
    /// `faq`, or `article` for a passage of an article.
    pub kind: String,
    /// The FAQ's question, or the article's `Title > Heading` of the passage.
    pub question: String,
    /// The FAQ's answer or the article's passage, ready to insert.
    pub answer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedAnswers {
    /// The customer message the suggestions answer (their latest question;
    /// greetings, thanks and requests for a person are skipped).
    pub message_id: Option<MessageId>,
    pub query: Option<String>,
    /// The bot's calibrated confidence that the first suggestion is right.
    pub confidence: Option<f32>,
    /// FAQ answers best first, then article passages; empty when nothing in
    /// the knowledge base relates.
    pub items: Vec<SuggestedAnswer>,
}

/// Suggested answers for a conversation
///
/// The knowledge-base entries that best answer the customer's latest
/// question: up to three FAQ answers, best first, then up to two passages of
/// articles; whoever owns the conversation.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/suggested_answers",
    tag = TAG,
    params(("id" = ConversationId, Path, description = "Conversation id")),
    responses((status = 200, description = "Suggestions", body = SuggestedAnswers), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn suggested_answers(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<SuggestedAnswers>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let messages = state
        .store
        .latest_messages(agent.account_id, conv.id, LOOK_BACK, false)
        .await?;
    let question = messages.iter().rev().find_map(|m| {
        let text = match (&m.sender.kind, &m.content) {
            (SenderKind::Contact, MessageContent::Text { text, .. }) => text,
            _ => return None,
        };
        let skip = wants_human(text) || small_talk(text).is_some();
        (!skip && text.chars().any(char::is_alphanumeric)).then(|| (m.id, text.clone()))
    });
    let empty = SuggestedAnswers {
        message_id: None,
        query: None,
        confidence: None,
        items: vec![],
    };
    let Some((message_id, query)) = question else {
        return Ok(Json(empty));
    };
    let built = state.bot.directory.bot_for(agent.account_id).await?;
    let q = query.clone();
    let found = tokio::task::spawn_blocking(move || {
        let passages = built
            .articles
            .search(&q, MAX_PASSAGES)
            .into_iter()
            .map(|(c, _)| SuggestedAnswer {
                entry_id: c.entry_id.to_string(),
                kind: "article".into(),
                question: c.heading(),
                answer: c.text.clone(),
            });
        let Some(bot) = built.bot.as_ref() else {
            return Some((0.0, passages.collect()));
        };
        let Some((decision, Some(a))) = bot.decide_explained(&q).ok() else {
            return Some((0.0, passages.collect()));
        };
        // Nothing in the message relates to the knowledge base: the ranking
        // is arbitrary, so suggest nothing.
        if matches!(
            decision,
            Decision::Handoff {
                reason: HandoffReason::NoMatch
            }
        ) {
            return Some((a.confidence, passages.collect()));
        }
        let items: Vec<SuggestedAnswer> = a
            .ranking
            .iter()
            .filter(|(e, _)| !e.out_of_scope)
            .take(MAX_CANDIDATES)
            .map(|(e, _)| SuggestedAnswer {
                entry_id: e.id.clone(),
                kind: "faq".into(),
                question: e.question.clone(),
                answer: e.answer.clone(),
            })
            .chain(passages)
            .collect();
        Some((a.confidence, items))
    })
    .await
    .ok()
    .flatten();
    Ok(Json(match found {
        Some((confidence, items)) => SuggestedAnswers {
            message_id: Some(message_id),
            query: Some(query),
            confidence: items
                .first()
                .filter(|i| i.kind == "faq")
                .map(|_| confidence),
            items,
        },
        None => SuggestedAnswers {
            message_id: Some(message_id),
            query: Some(query),
            ..empty
        },
    }))
}
