//! Changes a conversation's attributes (labels, priority, subject, and a
//! ticket's type and custom fields); its state changes go through the
//! action endpoints.

use axum::Json;
use axum::extract::State;
use kefu_core::ConversationId;
use std::collections::BTreeMap;

use kefu_core::model::{Conversation, Priority, TicketType};
use kefu_core::store::ConversationPatch;
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared::{self, visible_conversation};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    /// Replaces all labels.
    pub labels: Option<Vec<String>>,
    pub priority: Option<Priority>,
    /// `null` clears the subject.
    #[serde(default, deserialize_with = "shared::double_option")]
    #[schema(value_type = Option<String>)]
    pub subject: Option<Option<String>>,
    /// Tickets only; `null` clears it.
    #[serde(default, deserialize_with = "shared::double_option")]
    #[schema(value_type = Option<TicketType>)]
    pub ticket_type: Option<Option<TicketType>>,
    /// Custom field values by key, merged into the current ones; `null`
    /// clears a field. Keys and values are checked against the account's
    /// ticket fields (`GET /api/v1/ticket_fields`).
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<BTreeMap<String, serde_json::Value>>,
}

/// Update a conversation
#[utoipa::path(
    patch,
    path = "/api/v1/conversations/{id}",
    tag = super::TAG,
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = UpdateConversation,
    responses(
        (status = 200, description = "The updated conversation", body = Conversation),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such conversation in an inbox you can see", body = ErrorBody),
        (status = 409, description = "`ticket_closed`: a closed ticket takes no changes", body = ErrorBody),
        (status = 422, description = "Invalid body, an unknown custom field, or a value that does not suit its field", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_conversation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(body): ApiJson<UpdateConversation>,
) -> ApiResult<Json<Conversation>> {
    let conv = visible_conversation(&state, &agent, id).await?;
    let patch = ConversationPatch {
        labels: body.labels.map(shared::labels).transpose()?,
        priority: body.priority,
        subject: body.subject.map(shared::subject).transpose()?,
        ticket_type: body.ticket_type,
        custom_fields: body.custom_fields.filter(|f| !f.is_empty()),
    };
    if patch == ConversationPatch::default() {
        return Ok(Json(conv));
    }
    let applied = state
        .store
        .patch_conversation(
            agent.account_id,
            id,
            &patch,
            agent.actor(),
            state.clock.now(),
        )
        .await?;
    Ok(Json(applied.conversation))
}
