//! Lists conversations with filters, newest activity first, a page at a time.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Conversation, ConversationKind, TicketStatus};
use kefu_core::page::{Page, clamp_limit};
use kefu_core::state::Status;
use kefu_core::store::{ConversationFilter, PageRequest};
use kefu_core::{InboxId, TeamId, Timestamp, UserId};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<Status>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub inbox_id: Option<InboxId>,
    /// A user id, or `me`.
    pub assignee_id: Option<String>,
    /// Only conversations nobody is assigned to.
    pub unassigned: Option<bool>,
    #[param(value_type = Option<String>, format = Uuid)]
    pub team_id: Option<TeamId>,
    pub label: Option<String>,
    pub kind: Option<ConversationKind>,
    /// Only tickets in this status (`open`, `pending`, `solved`, `closed`).
    pub ticket_status: Option<TicketStatus>,
    /// Only conversations changed at or after this time (ms since the epoch).
    pub updated_since: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// List conversations
///
/// Agents see only conversations in inboxes they are members of (directly or
/// through a team); supervisors and admins see the whole account.
#[utoipa::path(
    get,
    path = "/api/v1/conversations",
    tag = super::TAG,
    params(ListQuery),
    responses(
        (status = 200, description = "A page of conversations", body = Page<Conversation>),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Invalid cursor or filter", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_conversations(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Conversation>>> {
    let assignee_id = match q.assignee_id.as_deref() {
        None | Some("") => None,
        Some("me") => Some(agent.user_id),
        Some(s) => Some(s.parse::<UserId>().map_err(|_| {
            ApiError::bad_request("invalid_query", "assignee_id: a user id or `me`")
        })?),
    };
    let label = match q.label.as_deref() {
        None | Some("") => None,
        Some(l) => Some(kefu_core::validate::label(l)?),
    };
    let visibility = agent.visibility(&state).await?;
    let filter = ConversationFilter {
        status: q.status,
        inbox_id: q.inbox_id,
        assignee_id,
        unassigned: q.unassigned.unwrap_or(false),
        team_id: q.team_id,
        contact_id: None,
        label,
        kind: q.kind,
        updated_since: q.updated_since.map(Timestamp::from_millis),
        visible_inboxes: visibility.inboxes,
        ticket_status: q.ticket_status,
        contact_facing: false,
    };
    let page = PageRequest {
        cursor: q.cursor.filter(|c| !c.is_empty()),
        limit: clamp_limit(q.limit),
    };
    Ok(Json(
        state
            .store
            .list_conversations(agent.account_id, &filter, &page)
            .await?,
    ))
}
