//! Canned responses filled in for one conversation: what the reply box shows
//! after `/`, ready to insert. Filled in on the server so the console, the
//! API and later channels render variables one way.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{CannedValues, render_canned};
use kefu_core::{CannedResponseId, ConversationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::TAG;
use super::manage::ranked;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery};
use crate::routes::conversations::shared::visible_conversation;
use crate::routes::directory::common::{AuthErrors, NotFound};

/// Most suggestions one call returns.
const MAX_SUGGESTIONS: usize = 50;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What the agent typed after `/`; empty for every response.
    pub q: Option<String>,
    /// At most this many (default 10, at most 50).
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct CannedSuggestion {
    pub id: CannedResponseId,
    pub short_code: String,
    /// Shared with the account (else the caller's own).
    pub shared: bool,
    /// The text as saved, with its variables.
    pub content: String,
    /// The text filled in for this conversation, ready to send.
    pub text: String,
}

/// Canned responses for a conversation
///
/// The responses matching `q`, best first, each filled in with this
/// conversation's contact, the caller's name and the account's name.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/canned_responses",
    tag = TAG,
    params(("id" = ConversationId, Path, description = "Conversation id"), SuggestQuery),
    responses((status = 200, description = "Filled-in responses", body = Vec<CannedSuggestion>), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn suggest_canned(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Vec<CannedSuggestion>>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let all = state
        .store
        .list_canned_responses(agent.account_id, agent.user_id)
        .await?;
    let picked = ranked(all, q.q.as_deref().unwrap_or(""));
    if picked.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let contact = state
        .store
        .get_contact(agent.account_id, conv.contact_id)
        .await?;
    let me = state
        .store
        .get_member(agent.account_id, agent.user_id)
        .await?;
    let account = state.store.get_account(agent.account_id).await?;
    let values = CannedValues {
        contact_name: contact.name,
        contact_email: contact.email,
        contact_phone: contact.phone,
        agent_name: Some(me.name),
        account_name: Some(account.name),
    };
    let limit = q.limit.unwrap_or(10).clamp(1, MAX_SUGGESTIONS);
    Ok(Json(
        picked
            .into_iter()
            .take(limit)
            .map(|r| CannedSuggestion {
                text: render_canned(&r.content, &values),
                id: r.id,
                short_code: r.short_code,
                shared: r.owner_id.is_none(),
                content: r.content,
            })
            .collect(),
    ))
}
