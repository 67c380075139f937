//! Hands a conversation to another agent or to a team's queue, keeping its
//! history; an optional note for the next owner is stored as an internal
//! message.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Conversation, MessageContent, MessageVisibility, Role};
use kefu_core::state::{Input, TransferTarget};
use kefu_core::store::{Claim, NewMessage};
use kefu_core::{ConversationId, MessageId, TeamId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared::{self, check_assignable, owned_by_other, policy};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

/// What the customer reads when their conversation changes hands.
pub const TRANSFER_NOTE: &str = "You are being transferred to a colleague who can help further";
/// The notice's code, which the widget and the console show translated.
pub const TRANSFER_CODE: &str = "conversation_transferred";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Transfer to this agent…
    pub agent_id: Option<UserId>,
    /// …or to this team's queue (exactly one of the two).
    pub team_id: Option<TeamId>,
    /// A note for whoever takes over, stored as an internal message.
    pub note: Option<String>,
}

/// Transfer a conversation
///
/// Agents may transfer conversations they hold or that nobody holds;
/// supervisors any. The history stays with the conversation; the customer
/// is told in a system message, written with the transfer. A transfer to a
/// team puts the conversation at the back of that team's queue (within its
/// priority), where routing offers it to the team's agents.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/transfer",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = TransferBody,
    responses(
        (status = 200, description = "The conversation after the transfer", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`assigned_to_other_agent`, `agent_at_capacity`, `conversation_resolved`, `version_conflict`", body = ErrorBody),
        (status = 422, description = "Invalid target or note", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn transfer_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<TransferBody>,
) -> ApiResult<Json<Conversation>> {
    let (conv, inbox) = shared::visible_conversation_and_inbox(&state, &agent, id).await?;
    let note = match body.note {
        Some(n) if !n.trim().is_empty() => {
            let c = MessageContent::text(n);
            c.validate()?;
            Some(c)
        }
        _ => None,
    };
    let target = match (body.agent_id, body.team_id) {
        (Some(a), None) => {
            check_assignable(&state, agent.account_id, a, inbox.id).await?;
            TransferTarget::Agent(a)
        }
        (None, Some(t)) => {
            state
                .store
                .get_team(agent.account_id, t)
                .await
                .map_err(|_| ApiError::validation("team_id: no such team"))?;
            TransferTarget::Team(t)
        }
        _ => {
            return Err(ApiError::validation(
                "give exactly one of agent_id and team_id",
            ));
        }
    };
    let mut expected = None;
    if agent.role < Role::Supervisor {
        if conv.assignee_id.is_some_and(|a| a != agent.user_id) {
            return Err(owned_by_other());
        }
        // Decided on the owner just read: apply only if it still holds.
        expected = Some(conv.version);
    }
    let policy = policy(&inbox);
    let now = state.clock.now();
    let notice = MessageContent::system_coded(TRANSFER_CODE, TRANSFER_NOTE);
    // The move and the customer's notice are one unit of work; a transfer
    // to an agent also counts against their capacity, checked in it.
    let applied = match target {
        TransferTarget::Agent(to) => {
            state
                .store
                .claim_conversation(&Claim {
                    account_id: agent.account_id,
                    conversation_id: conv.id,
                    agent: to,
                    expected_version: expected,
                    check_capacity: true,
                    transfer_notice: Some(notice),
                    policy,
                    actor: agent.actor(),
                    now,
                })
                .await?
        }
        TransferTarget::Team(_) => {
            state
                .store
                .apply_noted(
                    agent.account_id,
                    conv.id,
                    Input::Transfer { to: target },
                    agent.actor(),
                    &policy,
                    &notice,
                    expected,
                    now,
                )
                .await?
        }
    };
    let mut conversation = applied.conversation;
    if let Some(content) = note {
        // Notes never change the state, so this cannot conflict with the
        // transfer that just committed.
        let appended = state
            .store
            .append_message(
                &NewMessage {
                    id: MessageId::new(),
                    account_id: agent.account_id,
                    conversation_id: conv.id,
                    sender: agent.actor(),
                    content,
                    visibility: MessageVisibility::Internal,
                    external_id: None,
                    client_id: None,
                    mentions: vec![],
                    now,
                },
                &policy,
            )
            .await?;
        conversation = appended.conversation;
    }
    Ok(Json(conversation))
}
