//! An agent (or an integration with an agent's token) opens a conversation
//! with a contact, typically a ticket for follow-up, possibly as the
//! follow-up of an earlier conversation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::BTreeMap;

use kefu_core::model::{Conversation, ConversationKind, Priority, TicketType};
use kefu_core::state::{HandoffReason, Input};
use kefu_core::store::NewConversation;
use kefu_core::{ContactId, ConversationId, InboxId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared::{self, policy};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConversation {
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    /// `chat` or `ticket` (default `ticket`: agents open conversations to follow up).
    pub kind: Option<ConversationKind>,
    pub subject: Option<String>,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Tickets only.
    pub ticket_type: Option<TicketType>,
    /// Custom field values by key, checked against the account's ticket fields.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    /// Links the new conversation as a follow-up of this one (which must be
    /// in an inbox you can see), in the same unit of work.
    pub follow_up_of: Option<ConversationId>,
}

/// Create a conversation
///
/// The conversation goes straight to the inbox's queue: a person opened it,
/// so the bot does not take it.
#[utoipa::path(
    post,
    path = "/api/v1/conversations",
    tag = super::TAG,
    request_body = CreateConversation,
    responses(
        (status = 201, description = "Created", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such inbox, contact or conversation to follow up", body = ErrorBody),
        (status = 422, description = "Invalid body, a ticket type on a chat, or a custom field that does not suit its definition", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<CreateConversation>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    agent
        .check_inbox(&state, body.inbox_id)
        .await
        .map_err(|_| crate::error::ApiError::not_found("inbox"))?;
    let inbox = state
        .store
        .get_inbox(agent.account_id, body.inbox_id)
        .await?;
    if let Some(original) = body.follow_up_of {
        shared::visible_conversation(&state, &agent, original).await?;
    }
    let kind = body.kind.unwrap_or(ConversationKind::Ticket);
    if kind != ConversationKind::Ticket && body.ticket_type.is_some() {
        return Err(crate::error::ApiError::validation(
            "ticket_type: only tickets have a type",
        ));
    }
    let new = NewConversation {
        id: ConversationId::new(),
        account_id: agent.account_id,
        inbox_id: inbox.id,
        contact_id: body.contact_id,
        kind,
        priority: body.priority.unwrap_or(Priority::Normal),
        subject: shared::subject(body.subject)?,
        labels: shared::labels(body.labels)?,
        ticket_type: body.ticket_type,
        custom_fields: body.custom_fields,
        follow_up_of: body.follow_up_of,
        actor: agent.actor(),
        now: state.clock.now(),
    };
    let policy = policy(&inbox);
    let created = state.store.create_conversation(&new, &policy).await?;
    // Every conversation starts with the bot; one an agent opened belongs in
    // the queue instead. A failure here leaves a valid (bot) conversation.
    let conv = match state
        .store
        .apply(
            agent.account_id,
            created.conversation.id,
            Input::HandOff {
                reason: HandoffReason::Manual,
            },
            agent.actor(),
            &policy,
            None,
            state.clock.now(),
        )
        .await
    {
        Ok(applied) => applied.conversation,
        Err(e) => {
            tracing::warn!(error = %e, "new conversation stayed with the bot");
            created.conversation
        }
    };
    Ok((StatusCode::CREATED, Json(conv)))
}
