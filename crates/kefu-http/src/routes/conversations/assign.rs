//! Assigns a conversation to an agent, or unassigns it.

use axum::Json;
use axum::extract::State;
use kefu_core::model::{Conversation, Role};
use kefu_core::state::Input;
use kefu_core::store::Claim;
use kefu_core::{ConversationId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared::{self, check_assignable, owned_by_other, policy};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The agent to assign, or `null` to return the conversation to the queue.
    #[serde(default, deserialize_with = "shared::double_option")]
    #[schema(value_type = Option<String>, format = Uuid, required = true)]
    pub assignee_id: Option<Option<UserId>>,
    /// Apply only if the conversation is still at this version
    /// (409 `version_conflict` otherwise).
    pub expected_version: Option<i64>,
}

/// Assign a conversation
///
/// Any agent may take a conversation nobody else holds. Assigning someone
/// else, taking a colleague's conversation, or unassigning a colleague needs
/// the supervisor role. The assignee must be able to see the inbox.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/assign",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The conversation after the change", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Needs the supervisor role", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `assigned_to_other_agent`, `agent_at_capacity` or a state error such as `conversation_resolved`", body = ErrorBody),
        (status = 422, description = "The assignee cannot take this conversation", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn assign_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<Json<Conversation>> {
    let Some(assignee) = body.assignee_id else {
        return Err(ApiError::validation(
            "assignee_id is required (a user id or null)",
        ));
    };
    let (conv, inbox) = shared::visible_conversation_and_inbox(&state, &agent, id).await?;
    let supervisor = agent.role >= Role::Supervisor;
    let mut expected = body.expected_version;
    let input = match assignee {
        None => {
            if conv.assignee_id.is_some_and(|a| a != agent.user_id) && !supervisor {
                agent.require(Role::Supervisor)?;
            }
            Input::Unassign
        }
        Some(user) if user == agent.user_id => {
            if !supervisor {
                if conv.assignee_id.is_some_and(|a| a != user) {
                    return Err(owned_by_other());
                }
                // The check above read the owner; apply only if it still holds.
                expected = expected.or(Some(conv.version));
            }
            Input::Assign { agent: user }
        }
        Some(user) => {
            agent.require(Role::Supervisor)?;
            check_assignable(&state, agent.account_id, user, inbox.id).await?;
            Input::Assign { agent: user }
        }
    };
    let applied = match input {
        // Taking a conversation counts against the assignee's capacity,
        // checked in the same transaction as the assignment.
        Input::Assign { agent: user } => {
            state
                .store
                .claim_conversation(&Claim {
                    account_id: agent.account_id,
                    conversation_id: conv.id,
                    agent: user,
                    expected_version: expected,
                    check_capacity: true,
                    transfer_notice: None,
                    policy: policy(&inbox),
                    actor: agent.actor(),
                    now: state.clock.now(),
                })
                .await?
        }
        _ => {
            state
                .store
                .apply(
                    agent.account_id,
                    conv.id,
                    input,
                    agent.actor(),
                    &policy(&inbox),
                    expected,
                    state.clock.now(),
                )
                .await?
        }
    };
    Ok(Json(applied.conversation))
}
