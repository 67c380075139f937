//! An agent replies or leaves an internal note. A reply to a conversation
//! nobody owns claims it for the agent; a reply to a colleague's
//! conversation is refused (409 `assigned_to_other_agent`). Both are decided
//! by the store under the conversation's lock, so two agents replying at
//! once cannot both win.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::MessageVisibility;
use kefu_core::store::NewMessage;
use kefu_core::{ConversationId, MessageId};

use super::shared::{
    self, AGENT_CONTENT, MessageBody, Posted, check_attachment, policy, posted_status,
};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

/// Send a message
///
/// `content` is a typed message (`{"type": "text", "text": "…"}`,
/// `{"type": "attachment", "attachment_id": "…"}`, …) or use `text` for
/// plain text. Repeating a `client_id` returns the original (200) instead of
/// storing a second copy. A private note (`"visibility": "internal"`) may
/// name colleagues in `mentions`; each is notified (see `/api/v1/mentions`).
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/messages",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = MessageBody,
    responses(
        (status = 201, description = "Stored", body = Posted),
        (status = 200, description = "Already stored under this client_id", body = Posted),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation (or attachment)", body = ErrorBody),
        (status = 409, description = "`assigned_to_other_agent`: a colleague owns the conversation", body = ErrorBody),
        (status = 422, description = "Invalid content, or mentions that cannot be made: `mentions_need_private_note`, `too_many_mentions`, `unknown_user`, `mentioned_user_cannot_see_inbox`", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn post_message(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<MessageBody>,
) -> ApiResult<(StatusCode, Json<Posted>)> {
    let (conv, inbox) = shared::visible_conversation_and_inbox(&state, &agent, id).await?;
    let content = shared::content_of(body.content, body.text, AGENT_CONTENT)?;
    let client_id = shared::client_id(body.client_id)?;
    let visibility = body.visibility.unwrap_or(MessageVisibility::Public);
    let mentions = crate::routes::mentions::checked_mentions(
        &state,
        &agent,
        conv.inbox_id,
        visibility,
        body.mentions,
    )
    .await?;
    check_attachment(&state, agent.account_id, &content, conv.id, false).await?;
    let appended = state
        .store
        .append_message(
            &NewMessage {
                id: MessageId::new(),
                account_id: agent.account_id,
                conversation_id: conv.id,
                sender: agent.actor(),
                content,
                visibility,
                external_id: None,
                client_id,
                mentions,
                now: state.clock.now(),
            },
            &policy(&inbox),
        )
        .await?;
    Ok((
        posted_status(&appended),
        Json(Posted {
            message: appended.message,
            conversation: appended.conversation,
        }),
    ))
}
