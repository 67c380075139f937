//! Marking the signed-in member's mentions read: some by id (a click on one
//! in the list), or all of one conversation (opening it).

use axum::Json;
use axum::extract::State;
use kefu_core::model::MentionsToRead;
use kefu_core::{ConversationId, MentionId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TAG;
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::routes::directory::common::{AuthErrors, BodyErrors};

/// Either `ids` or `conversation_id`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadMentions {
    /// Mentions to mark read (at most 500). Ids that are not the caller's
    /// own mentions are skipped.
    #[schema(value_type = Option<Vec<String>>)]
    pub ids: Option<Vec<MentionId>>,
    /// Mark every mention of the caller in this conversation read.
    pub conversation_id: Option<ConversationId>,
}

#[derive(Serialize, ToSchema)]
pub struct MentionsRead {
    /// How many unread mentions became read.
    pub updated: u64,
}

/// Mark my mentions read
#[utoipa::path(
    post,
    path = "/api/v1/mentions/read",
    tag = TAG,
    request_body = ReadMentions,
    responses(
        (status = 200, description = "Marked", body = MentionsRead),
        AuthErrors,
        BodyErrors,
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn read_mentions(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<ReadMentions>,
) -> ApiResult<Json<MentionsRead>> {
    let which = match (body.ids, body.conversation_id) {
        (Some(ids), None) => MentionsToRead::Ids(ids),
        (None, Some(c)) => MentionsToRead::Conversation(c),
        _ => {
            return Err(ApiError::validation("send either ids or conversation_id"));
        }
    };
    // Only the caller's own mentions are touched, so a conversation or ids
    // of another inbox or tenant change nothing and reveal nothing.
    let updated = state
        .store
        .mark_mentions_read(agent.account_id, agent.user_id, &which, state.clock.now())
        .await?;
    Ok(Json(MentionsRead { updated }))
}
