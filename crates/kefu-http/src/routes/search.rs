//! Full-text search over conversations, messages and contacts, in Chinese,
//! English and mixed text. Always within the caller's account and the
//! inboxes they may see (agents: their inboxes; supervisors and admins:
//! all), whatever the filters say.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::{InboxId, Timestamp, UserId};
use kefu_search::{DocKind, Order, SearchError, SearchQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// The largest page.
const MAX_LIMIT: usize = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text, up to 512 characters; may be empty when filters are given
    /// (then the newest documents match).
    #[serde(default)]
    pub q: String,
    /// `conversation`, `message` or `contact` (default: all).
    pub kind: Option<String>,
    pub inbox: Option<InboxId>,
    /// Conversation status: `bot`, `queued`, `assigned`, `snoozed`, `resolved`.
    pub status: Option<String>,
    pub assignee: Option<UserId>,
    pub label: Option<String>,
    /// Channel of the inbox: `web_widget`, `email`, `api`, `wechat`, `telegram`.
    pub channel: Option<String>,
    /// Created at or after (milliseconds since the epoch).
    pub from: Option<i64>,
    /// Created at or before (milliseconds since the epoch).
    pub to: Option<i64>,
    /// `relevance` (default) or `recency`.
    pub order: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<usize>,
    /// Hits to skip (at most 10,000).
    pub offset: Option<usize>,
}

/// A piece of a snippet; `mark` pieces matched the query. Plain text: a
/// client renders it escaped.
#[derive(Serialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub mark: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// `conversation`, `message` or `contact`.
    pub kind: &'static str,
    pub conversation_id: Option<kefu_core::ConversationId>,
    pub message_id: Option<kefu_core::MessageId>,
    pub contact_id: Option<kefu_core::ContactId>,
    pub inbox_id: Option<InboxId>,
    pub status: Option<String>,
    pub created_at: Timestamp,
    pub score: f32,
    pub snippet: Vec<SnippetPart>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// Every matching document, not only this page.
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// Search conversations, messages and contacts
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "Hits, best (or newest) first", body = SearchPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (`validation_failed`)", body = ErrorBody),
        (status = 503, description = "This node's search index is not open (`search_unavailable`)", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchPage>> {
    let Some(index) = state.search.get().cloned() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "search_unavailable",
            "search is not available on this server",
        ));
    };
    let visibility = state
        .store
        .visibility(agent.account_id, agent.user_id)
        .await?;
    let mut q = SearchQuery::new(agent.account_id, p.q);
    q.inboxes = visibility.inboxes;
    if let Some(k) = p.kind.as_deref() {
        q.kinds = vec![DocKind::parse(k).ok_or_else(|| {
            ApiError::validation("kind must be conversation, message or contact")
        })?];
    }
    q.inbox = p.inbox;
    q.status = p.status;
    q.assignee = p.assignee;
    q.label = p.label;
    q.channel = p.channel;
    q.from = p.from.map(Timestamp);
    q.to = p.to.map(Timestamp);
    q.order = match p.order.as_deref() {
        None | Some("relevance") => Order::Relevance,
        Some("recency") => Order::Recency,
        Some(_) => return Err(ApiError::validation("order must be relevance or recency")),
    };
    q.limit = match p.limit {
        None => 20,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(ApiError::validation("limit must be between 1 and 100")),
    };
    q.offset = p.offset.unwrap_or(0);
    let found = tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "search task failed");
            ApiError::internal()
        })?
        .map_err(|e| match e {
            SearchError::QueryTooLong | SearchError::OffsetTooDeep => {
                ApiError::validation(e.to_string())
            }
            other => {
                tracing::error!(error = %other, "search failed");
                ApiError::internal()
            }
        })?;
    Ok(Json(SearchPage {
        total: found.total,
        hits: found
            .hits
            .into_iter()
            .map(|h| SearchHit {
                kind: h.kind.as_str(),
                conversation_id: h.conversation_id,
                message_id: h.message_id,
                contact_id: h.contact_id,
                inbox_id: h.inbox_id,
                status: h.status,
                created_at: h.created_at,
                score: h.score,
                snippet: parts(&h.snippet),
            })
            .collect(),
    }))
}

/// Splits a snippet into plain and matched pieces at its highlight ranges
/// (byte offsets; any that do not fall on character boundaries are
/// ignored rather than trusted).
fn parts(s: &kefu_search::Snippet) -> Vec<SnippetPart> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in &s.highlights {
        if start < at
            || end <= start
            || end > s.text.len()
            || !s.text.is_char_boundary(start)
            || !s.text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            out.push(SnippetPart {
                text: s.text[at..start].to_owned(),
                mark: false,
            });
        }
        out.push(SnippetPart {
            text: s.text[start..end].to_owned(),
            mark: true,
        });
        at = end;
    }
    if at < s.text.len() {
        out.push(SnippetPart {
            text: s.text[at..].to_owned(),
            mark: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_parts_follow_the_highlights() {
        let s = kefu_search::Snippet {
            text: "我想申请退款，谢谢".into(),
            highlights: vec![(12, 18), (100, 200), (13, 14)],
        };
        let p = parts(&s);
        let texts: Vec<(&str, bool)> = p.iter().map(|x| (x.text.as_str(), x.mark)).collect();
        assert_eq!(
            texts,
            [("我想申请", false), ("退款", true), ("，谢谢", false)]
        );
    }
}
