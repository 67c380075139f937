//! The widget's socket: the public events of the visitor's conversation,
//! replayed from `?after_seq=` and then live, plus agents' typing.
//!
//! It follows one conversation, so the widget opens it once there is one:
//! after the first message (whose response names the conversation), or right
//! away when the session already has one. Before that the socket is refused
//! with 404 `no_conversation`.

use axum::extract::State;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kefu_core::ConversationId;
use kefu_core::model::Sender;
use kefu_realtime::VisitorSubscription;
use serde::Deserialize;
use utoipa::IntoParams;

use super::agent::upgrade_required;
use super::socket::{self, Feed, Peer};
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::routes::conversations::shared;
use crate::routes::widget::{ClientIp, visitor_inbox};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitorSocketQuery {
    /// The visitor token (`kefu_vis_…`): browsers cannot set headers here.
    pub token: Option<String>,
    /// Resume after this sequence number (default 0: the whole conversation).
    pub after_seq: Option<i64>,
    /// Follow this conversation of the visitor's (default: the current one).
    #[param(value_type = Option<String>, format = Uuid)]
    pub conversation_id: Option<ConversationId>,
}

/// Visitor event socket
///
/// WebSocket for the widget, authenticated by `?token=kefu_vis_…`. The server
/// sends `{"type":"event","seq","event"}` for each public event of the
/// conversation (messages, status changes; never internal notes), `{"type":
/// "ready","cursor":seq}` once caught up, agents' `{"type":"typing",…}` and
/// `{"type":"pong"}`. Send `{"type":"ping"}` or `{"type":"typing","typing"}`.
/// Sockets per IP address are capped (429).
#[utoipa::path(
    get,
    path = "/api/v1/widget/ws",
    tag = super::TAG,
    params(VisitorSocketQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 404, description = "`no_conversation`: write a message first", body = ErrorBody),
        (status = 426, description = "Not a WebSocket handshake", body = ErrorBody),
        (status = 429, description = "Too many sockets from this address", body = ErrorBody),
    )
)]
pub async fn visitor_socket(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<VisitorSocketQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    // Before anything that costs: the slot is held until the socket ends.
    let Some(slot) = state
        .visitor_sockets
        .try_acquire(ip, state.config.max_visitor_sockets_per_ip)
    else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sockets",
            "too many open sockets from this address",
        ));
    };
    let ws = ws.map_err(upgrade_required)?;
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let no_conversation = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_conversation",
            "no conversation yet: connect after the first message",
        )
    };
    let conversation = match q.conversation_id {
        Some(id) => {
            let c = state
                .store
                .get_conversation(inbox.account_id, id)
                .await
                .map_err(|_| no_conversation())?;
            if c.contact_id != claims.contact_id || c.inbox_id != inbox.id {
                return Err(no_conversation());
            }
            c
        }
        None => shared::current_conversation(
            &state,
            inbox.account_id,
            inbox.id,
            claims.contact_id,
            false,
        )
        .await?
        .ok_or_else(no_conversation)?,
    };
    let feed = VisitorSubscription::start(
        state.store.clone(),
        state.names.clone(),
        &state.hub,
        inbox.account_id,
        conversation.id,
        q.after_seq.unwrap_or(0),
    )
    .await
    .map_err(|e| match e {
        kefu_realtime::SubscriptionError::Store(s) => ApiError::from(s),
        _ => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down",
        ),
    })?;
    let peer = Peer::Visitor {
        account: inbox.account_id,
        inbox: inbox.id,
        conversation: conversation.id,
        sender: Sender::contact(claims.contact_id),
    };
    Ok(socket::limits(ws).on_upgrade(move |socket| async move {
        let _slot = slot;
        socket::run(socket, Feed::Visitor(Box::new(feed)), peer, state).await;
    }))
}
