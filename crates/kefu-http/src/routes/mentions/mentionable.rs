//! Who a note in a conversation may mention: the colleagues who can see its
//! inbox, by name only. Agents cannot read the full member list's details
//! they do not need (emails, capacity); the composer's @ picker needs names.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use kefu_core::UserId;
use serde::Serialize;
use utoipa::ToSchema;

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiPath;
use crate::routes::conversations::shared::visible_conversation;
use crate::routes::directory::common::AuthErrors;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Mentionable {
    pub user_id: UserId,
    pub name: String,
}

/// Members a note may mention
///
/// The members (other than the caller) who can see the conversation's
/// inbox, by name.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/mentionable",
    tag = TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "Members by name", body = Vec<Mentionable>),
        AuthErrors,
        (status = 404, description = "No such conversation", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn mentionable_members(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<Vec<Mentionable>>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let mut out = Vec::new();
    for m in state.store.list_members(agent.account_id).await? {
        if m.user_id == agent.user_id {
            continue;
        }
        let sees = m.role.sees_all_inboxes()
            || state
                .store
                .visibility(agent.account_id, m.user_id)
                .await?
                .can_see_inbox(conv.inbox_id);
        if sees {
            out.push(Mentionable {
                user_id: m.user_id,
                name: m.name,
            });
        }
    }
    out.sort_by_key(|m| m.name.to_lowercase());
    Ok(Json(out))
}
