//! Importing a file of entries: CSV, JSON Lines or Markdown as the raw
//! request body. Valid rows are upserted in one unit of work; every refused
//! row comes back with its line number and the reason.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use kefu_kb::{Format, ImportError, ImportOptions, ImportReport};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::{TAG, format_param, may_change};
use crate::app::AppState;
use crate::audit::{self, Change, ClientIp};
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::directory::common::AuthErrors;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `csv`, `jsonl` or `markdown`; without it, the Content-Type decides
    /// (`text/csv`, `application/x-ndjson`, `text/markdown`).
    pub format: Option<String>,
    /// Report what would happen; write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The locale of rows that do not give one.
    pub locale: Option<String>,
}

/// Import entries from a file
///
/// Supervisors and admins. The body is the file itself (UTF-8). Rows match
/// existing entries by `id` when given, else by locale and question
/// (ignoring case), and update them; other rows create entries. Refused
/// rows are listed with their line; the others are imported all together.
/// A file whose CSV header cannot be used is refused whole (422
/// `invalid_file`).
#[utoipa::path(
    post,
    path = "/api/v1/kb/import",
    tag = TAG,
    params(ImportQuery),
    request_body(content = String, content_type = "text/plain", description = "The file: CSV, JSON Lines or Markdown"),
    responses(
        (status = 200, description = "What was imported and what was refused", body = ImportReport),
        AuthErrors,
        (status = 400, description = "No or unknown format (`invalid_query`)", body = crate::error::ErrorBody),
        (status = 413, description = "The file is larger than the upload limit (`payload_too_large`)", body = crate::error::ErrorBody),
        (status = 422, description = "The file cannot be read at all (`invalid_file`), or the locale is unknown (`validation_failed`)", body = crate::error::ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn import_kb(
    State(state): State<AppState>,
    agent: Agent,
    ip: ClientIp,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    may_change(&agent)?;
    let format = match format_param(q.format.as_deref())? {
        Some(f) => f,
        None => format_of(&headers).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "say which format the file is in: ?format=csv, jsonl or markdown",
            )
        })?,
    };
    let default_locale = match q.locale.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(kefu_core::locale::normalize_locale(l)?),
        None => None,
    };
    let bytes = read_limited(&headers, body, state.config.max_upload_bytes).await?;
    let opts = ImportOptions {
        format,
        default_locale,
        dry_run: q.dry_run,
    };
    let report = kefu_kb::import(
        &*state.store,
        agent.account_id,
        &bytes,
        &opts,
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        ImportError::File(f) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, f.code(), f.to_string())
        }
        ImportError::Store(s) => s.into(),
    })?;
    if !report.dry_run && report.created + report.updated > 0 {
        audit::by_agent(
            &state,
            &agent,
            ip,
            Change::new("kb.imported").details(json!({
                "format": format.as_str(),
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected.len(),
                "total": report.total,
            })),
        )
        .await;
    }
    Ok(Json(report))
}

/// The format a Content-Type names, if any.
fn format_of(headers: &HeaderMap) -> Option<Format> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" => Some(Format::Csv),
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => {
            Some(Format::Jsonl)
        }
        "text/markdown" | "text/x-markdown" => Some(Format::Markdown),
        _ => None,
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the file is larger than {limit} bytes; split it into smaller files"),
    )
}

/// The body, refused with 413 as soon as it is known to exceed `limit`:
/// by its Content-Length before reading, or while reading.
async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let mut out = Vec::with_capacity(declared.unwrap_or(0).min(limit as u64) as usize);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("unreadable_body", e.to_string()))?;
        if out.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
