//! Links between conversations (tickets and chats): a follow-up, a
//! duplicate, or simply related. Both ends must be conversations the agent
//! can see; `conversation.linked` and `conversation.unlinked` are recorded
//! on both.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::{ConversationKind, ConversationLink, LinkKind, TicketStatus};
use kefu_core::state::Status;
use kefu_core::{ConversationId, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::routes::conversations::shared::visible_conversation;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLink {
    /// The other conversation.
    pub conversation_id: ConversationId,
    /// How this conversation relates to the other: it `follow_up`s it,
    /// `duplicate`s it, or is `related`.
    pub kind: LinkKind,
}

/// Which way a link reads from the conversation asked about.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// This conversation holds the link (it follows up or duplicates the other).
    Outgoing,
    /// The other conversation holds it.
    Incoming,
}

/// The other end of a link, enough to show it in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedConversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub status: Status,
    pub ticket_status: Option<TicketStatus>,
    pub subject: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    pub kind: LinkKind,
    pub direction: LinkDirection,
    pub conversation: LinkedConversation,
    pub created_at: kefu_core::Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkList {
    pub items: Vec<LinkView>,
}

/// Links of a conversation
///
/// Links to conversations in inboxes the agent cannot see are left out.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}/links",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses(
        (status = 200, description = "Oldest first", body = LinkList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_links(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
) -> ApiResult<Json<LinkList>> {
    visible_conversation(&state, &agent, id).await?;
    let links = state.store.conversation_links(agent.account_id, id).await?;
    let mut items = Vec::with_capacity(links.len());
    for link in links {
        let (other, direction) = if link.from == id {
            (link.to, LinkDirection::Outgoing)
        } else {
            (link.from, LinkDirection::Incoming)
        };
        let Ok(c) = visible_conversation(&state, &agent, other).await else {
            continue;
        };
        items.push(LinkView {
            kind: link.kind,
            direction,
            conversation: LinkedConversation {
                id: c.id,
                kind: c.kind,
                status: c.status,
                ticket_status: c.ticket_status,
                subject: c.subject,
            },
            created_at: link.created_at,
        });
    }
    Ok(Json(LinkList { items }))
}

/// Link two conversations
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/links",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = CreateLink,
    responses(
        (status = 201, description = "Linked", body = ConversationLink),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Either conversation is not in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`already_linked`: the two are linked already (either way)", body = ErrorBody),
        (status = 422, description = "Invalid body, or a link to itself", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_link(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<CreateLink>,
) -> ApiResult<(StatusCode, Json<ConversationLink>)> {
    visible_conversation(&state, &agent, id).await?;
    visible_conversation(&state, &agent, body.conversation_id).await?;
    let link = ConversationLink {
        from: id,
        to: body.conversation_id,
        kind: body.kind,
        created_at: state.clock.now(),
    };
    state
        .store
        .link_conversations(agent.account_id, &link, agent.actor())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                ApiError::conflict("already_linked", "the two conversations are linked already")
            }
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Remove a link
#[utoipa::path(
    delete,
    path = "/api/v1/conversations/{id}/links/{other_id}",
    tag = super::TAG,
    params(
        ("id" = String, Path, format = Uuid, description = "Conversation id"),
        ("other_id" = String, Path, format = Uuid, description = "The linked conversation"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation or link", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn delete_link(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((id, other)): ApiPath<(ConversationId, ConversationId)>,
) -> ApiResult<StatusCode> {
    visible_conversation(&state, &agent, id).await?;
    visible_conversation(&state, &agent, other).await?;
    state
        .store
        .unlink_conversations(
            agent.account_id,
            id,
            other,
            agent.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
