//! Exporting the knowledge base as a file that imports back to the same
//! entries.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kefu_kb::Format;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{TAG, format_param};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::routes::directory::common::AuthErrors;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default), `jsonl` or `markdown`.
    pub format: Option<String>,
    /// Only entries of this locale.
    pub locale: Option<String>,
}

/// Export the knowledge base
///
/// Every entry (enabled or not), oldest first, as a file download. CSV
/// starts with a byte order mark so that spreadsheets read it as UTF-8.
#[utoipa::path(
    get,
    path = "/api/v1/kb/export",
    tag = TAG,
    params(ExportQuery),
    responses(
        (status = 200, description = "The file", content_type = "text/csv", body = String),
        AuthErrors,
        (status = 400, description = "Unknown format (`invalid_query`)", body = crate::error::ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn export_kb(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let format = format_param(q.format.as_deref())?.unwrap_or(Format::Csv);
    let locale = match q.locale.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(kefu_core::locale::normalize_locale(l)?),
        None => None,
    };
    let mut entries = state.store.knowledge_base(agent.account_id).await?;
    if let Some(l) = &locale {
        entries.retain(|e| &e.locale == l);
    }
    let file = kefu_kb::write(format, &entries);
    let date: String = state.clock.now().to_rfc3339().chars().take(10).collect();
    let name = format!("kefu-kb-{date}.{}", format.extension());
    let mut res = file.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
