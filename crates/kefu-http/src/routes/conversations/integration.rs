//! A channel integration (inbox token) delivers a customer's message: the
//! contact is found or created by the integration's identifier, the message
//! joins the contact's open conversation or starts a new one, and a
//! redelivery with the same `external_id` is stored once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::Sender;
use kefu_core::state::Input;
use serde::Deserialize;
use utoipa::ToSchema;

use super::shared::{self, IdentityKey, Posted, policy, posted_status};
use crate::app::AppState;
use crate::auth::InboxIntegration;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationContact {
    /// The customer's id in the integrating system.
    pub identifier: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxMessageBody {
    pub contact: IntegrationContact,
    pub content: Option<kefu_core::model::MessageContent>,
    /// Shorthand for text content.
    pub text: Option<String>,
    /// The message's id in the integrating system: a redelivery with the
    /// same id returns the stored message (200) instead of a copy.
    pub external_id: Option<String>,
}

/// Deliver a customer message
#[utoipa::path(
    post,
    path = "/api/v1/inbox/messages",
    tag = "inbox integration",
    request_body = InboxMessageBody,
    responses(
        (status = 201, description = "Stored", body = Posted),
        (status = 200, description = "Already stored under this external_id", body = Posted),
        (status = 401, description = "Missing or invalid inbox token", body = ErrorBody),
        (status = 404, description = "Attachment not found", body = ErrorBody),
        (status = 422, description = "Invalid body", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn post_inbox_message(
    State(state): State<AppState>,
    principal: InboxIntegration,
    ApiJson(body): ApiJson<InboxMessageBody>,
) -> ApiResult<(StatusCode, Json<Posted>)> {
    let inbox = state
        .store
        .get_inbox(principal.account_id, principal.inbox_id)
        .await?;
    // Integrations have no upload endpoint yet, so only text: an attachment
    // id would have to name a file someone else uploaded.
    let content = shared::content_of(body.content, body.text, &["text"])?;
    let external_id = shared::external_id(body.external_id)?;
    let identifier = shared::identifier(&body.contact.identifier)?;
    let details = shared::contact_details(body.contact.name, body.contact.email)?;
    // The integration vouches for its own identifiers (it holds the token).
    let contact = shared::contact_by_identity(
        &state,
        inbox.account_id,
        inbox.id,
        IdentityKey {
            kind: "external",
            value: &identifier,
            verified: true,
        },
        details,
    )
    .await?;
    let (conversation, fresh) =
        match shared::current_conversation(&state, inbox.account_id, inbox.id, contact.id, true)
            .await?
        {
            Some(c) => (c, false),
            None => (
                shared::start_conversation(&state, &inbox, contact.id).await?,
                true,
            ),
        };
    let appended = shared::append_contact_message(
        &state,
        &inbox,
        conversation.id,
        contact.id,
        content,
        None,
        external_id,
    )
    .await?;
    let status = posted_status(&appended);
    let mut conversation_now = appended.conversation;
    if appended.duplicate && fresh && appended.message.conversation_id != conversation.id {
        // A redelivery of a message whose conversation was resolved since:
        // the conversation just started for it stays empty, so close it at
        // once rather than leave it in a queue.
        let _ = state
            .store
            .apply(
                inbox.account_id,
                conversation.id,
                Input::Resolve,
                Sender::system(),
                &policy(&inbox),
                None,
                state.clock.now(),
            )
            .await;
        conversation_now = state
            .store
            .get_conversation(inbox.account_id, appended.message.conversation_id)
            .await?;
    }
    Ok((
        status,
        Json(Posted {
            message: appended.message,
            conversation: conversation_now,
        }),
    ))
}
