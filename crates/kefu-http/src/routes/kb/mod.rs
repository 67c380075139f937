//! The knowledge base: FAQ entries and articles the bot answers from, and
//! agents look up while assisting. Every member reads; supervisors and
//! admins change it (audited), one entry at a time or by importing a file
//! (CSV, JSON Lines, Markdown; see `kefu_kb`).

pub mod create;
pub mod delete;
pub mod export;
pub mod get;
pub mod import;
pub mod list;
pub mod revision;
pub mod update;

use kefu_core::model::Role;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};

pub const TAG: &str = "knowledge base";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_kb_entries, create::create_kb_entry))
        .routes(routes!(
            get::get_kb_entry,
            update::update_kb_entry,
            delete::delete_kb_entry
        ))
        .routes(routes!(revision::kb_revision))
        .routes(routes!(export::export_kb))
        // The import reads its own body, with its own (upload-sized) limit.
        .routes(routes!(import::import_kb).layer(axum::extract::DefaultBodyLimit::disable()))
}

/// The knowledge base speaks for the whole account, to every customer:
/// supervisors and admins change it.
fn may_change(agent: &Agent) -> ApiResult<()> {
    agent.require(Role::Supervisor)
}

/// A format named in a query string.
fn format_param(s: Option<&str>) -> Result<Option<kefu_kb::Format>, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(f) => kefu_kb::Format::parse(f).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("unknown format {f:?}: use csv, jsonl or markdown"),
            )
        }),
    }
}

/// `{"revision": n}`
#[derive(Serialize, ToSchema)]
pub struct KbRevision {
    /// 0 before the first entry; greater after every change.
    pub revision: i64,
}
