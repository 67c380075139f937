//! The visitor writes, and reads the public side of the conversation.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kefu_core::ConversationId;
use kefu_core::page::clamp_limit;
use kefu_core::store::Appended;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ClientIp, WidgetConversation, WidgetMessage, rate_limit, visitor_inbox};
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::conversations::shared::{self, CONTACT_CONTENT, posted_status};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetMessageBody {
    pub content: Option<kefu_core::model::MessageContent>,
    /// Shorthand for text content.
    pub text: Option<String>,
    /// Idempotency key: a retry with the same key returns the original.
    pub client_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetPosted {
    pub message: WidgetMessage,
    pub conversation: WidgetConversation,
}

/// Send a message as the visitor
///
/// The first message starts the conversation; writing to a resolved one
/// reopens it.
#[utoipa::path(
    post,
    path = "/api/v1/widget/messages",
    tag = super::TAG,
    request_body = WidgetMessageBody,
    responses(
        (status = 201, description = "Stored", body = WidgetPosted),
        (status = 200, description = "Already stored under this client_id", body = WidgetPosted),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "Attachment not found", body = ErrorBody),
        (status = 422, description = "Invalid content", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn post_widget_message(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WidgetMessageBody>,
) -> ApiResult<(StatusCode, Json<WidgetPosted>)> {
    rate_limit(&state, ip)?;
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let content = shared::content_of(body.content, body.text, CONTACT_CONTENT)?;
    let client_id = shared::client_id(body.client_id)?;
    // The hot path: a message that names no file goes to the visitor's latest
    // chat in one unit of work (the lookup runs inside it).
    if content.attachment_id().is_none() {
        let new = shared::contact_message(
            &state,
            &inbox,
            ConversationId(uuid::Uuid::nil()),
            claims.contact_id,
            content.clone(),
            client_id.clone(),
            None,
        );
        if let Some(appended) = state
            .store
            .append_to_latest(inbox.id, claims.contact_id, &new, &shared::policy(&inbox))
            .await?
        {
            crate::bot::after_contact_message(&state, &inbox, &appended);
            return Ok(posted(&appended));
        }
    }
    let conv = match shared::current_conversation(
        &state,
        inbox.account_id,
        inbox.id,
        claims.contact_id,
        false,
    )
    .await?
    {
        Some(c) => c,
        None => shared::start_conversation(&state, &inbox, claims.contact_id).await?,
    };
    // A visitor may only send files uploaded into this conversation.
    shared::check_attachment(&state, inbox.account_id, &content, conv.id, true).await?;
    let appended = shared::append_contact_message(
        &state,
        &inbox,
        conv.id,
        claims.contact_id,
        content,
        client_id,
        None,
    )
    .await?;
    Ok(posted(&appended))
}

fn posted(appended: &Appended) -> (StatusCode, Json<WidgetPosted>) {
    (
        posted_status(appended),
        Json(WidgetPosted {
            message: WidgetMessage::from(&appended.message),
            conversation: WidgetConversation::from(&appended.conversation),
        }),
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WidgetMessagesQuery {
    /// Only messages after this sequence number (default 0).
    pub after_seq: Option<i64>,
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetMessageList {
    pub conversation: Option<WidgetConversation>,
    /// Public messages, oldest first. Internal notes never appear here.
    pub items: Vec<WidgetMessage>,
    /// Pass as `after_seq` for the next page; absent on the last page.
    pub next_after_seq: Option<i64>,
}

/// Read the conversation as the visitor
#[utoipa::path(
    get,
    path = "/api/v1/widget/messages",
    tag = super::TAG,
    params(WidgetMessagesQuery),
    responses(
        (status = 200, description = "Public messages", body = WidgetMessageList),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_widget_messages(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<WidgetMessagesQuery>,
) -> ApiResult<Json<WidgetMessageList>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let Some(conv) =
        shared::current_conversation(&state, inbox.account_id, inbox.id, claims.contact_id, false)
            .await?
    else {
        return Ok(Json(WidgetMessageList {
            conversation: None,
            items: vec![],
            next_after_seq: None,
        }));
    };
    let limit = clamp_limit(q.limit);
    let messages = state
        .store
        .list_messages(
            inbox.account_id,
            conv.id,
            q.after_seq.unwrap_or(0).max(0),
            limit,
            false,
        )
        .await?;
    let next_after_seq = if messages.len() as u32 >= limit {
        messages.last().map(|m| m.seq)
    } else {
        None
    };
    let mut items = Vec::with_capacity(messages.len());
    for m in &messages {
        items.push(WidgetMessage::named(&state, m).await);
    }
    Ok(Json(WidgetMessageList {
        conversation: Some(WidgetConversation::from(&conv)),
        items,
        next_after_seq,
    }))
}
