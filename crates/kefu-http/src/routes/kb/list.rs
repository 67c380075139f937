//! Listing entries, with filters.

use axum::Json;
use axum::extract::State;
use kefu_core::locale::normalize_locale;
use kefu_core::model::{KbEntry, KbEntryKind};
use kefu_core::page::{Page, clamp_limit};
use kefu_core::store::{KbFilter, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::routes::directory::common::AuthErrors;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListKb {
    /// Text in the question, a similar question or the answer.
    pub q: Option<String>,
    /// A locale (`en`, `zh-CN`); normalised, then matched exactly.
    pub locale: Option<String>,
    /// A tag.
    pub tag: Option<String>,
    pub kind: Option<KbEntryKind>,
    pub enabled: Option<bool>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// Knowledge-base entries, most recently changed first
#[utoipa::path(
    get,
    path = "/api/v1/kb/entries",
    tag = TAG,
    params(ListKb),
    responses(
        (status = 200, description = "A page of entries", body = Page<KbEntry>),
        AuthErrors,
        (status = 422, description = "Invalid cursor or locale (`validation_failed`)", body = crate::error::ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_kb_entries(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ListKb>,
) -> ApiResult<Json<Page<KbEntry>>> {
    let text = |s: Option<String>| {
        s.map(|s| s.trim().chars().take(200).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let locale = match text(q.locale) {
        Some(l) => Some(normalize_locale(&l)?),
        None => None,
    };
    let filter = KbFilter {
        q: text(q.q),
        locale,
        tag: text(q.tag).map(|t| t.to_lowercase()),
        kind: q.kind,
        enabled: q.enabled,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: clamp_limit(q.limit),
    };
    Ok(Json(
        state
            .store
            .list_kb_entries(agent.account_id, &filter, &page)
            .await?,
    ))
}
