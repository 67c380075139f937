//! The public API of the chat widget that sites embed. A visitor starts a
//! session (`POST /widget/sessions`) and gets a signed visitor token, sent as
//! `Authorization: Bearer kefu_vis_…` on every other call, so no cookies are
//! involved and CORS never allows credentials.
//!
//! CORS: preflights are answered for any origin (they carry neither the
//! token nor the inbox, so there is nothing to decide on yet); the actual
//! requests are then refused with 403 `origin_not_allowed` when the browser's
//! `Origin` is not one of the inbox's `allowed_origins` (any origin when that
//! list is empty). Requests without `Origin` come from servers, which CORS
//! does not concern.

pub mod actions;
pub mod attachments;
pub mod contact;
pub mod conversation;
pub mod csat;
pub mod handoff;
pub mod leave;
pub mod messages;
pub mod session;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::options;
use kefu_core::model::{Conversation, DeliveryState, Inbox, Message, MessageContent, SenderKind};
use kefu_core::state::Status;
use kefu_core::{ConversationId, InboxId, MessageId, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::VisitorClaims;
use crate::error::{ApiError, ApiResult};

pub const TAG: &str = "widget";

pub fn router() -> OpenApiRouter<AppState> {
    let preflight = || options(|| async { StatusCode::NO_CONTENT });
    OpenApiRouter::new()
        .routes(routes!(session::create_session))
        .route("/api/v1/widget/sessions", preflight())
        .routes(routes!(conversation::get_widget_conversation))
        .route("/api/v1/widget/conversation", preflight())
        .routes(routes!(
            messages::list_widget_messages,
            messages::post_widget_message
        ))
        .route("/api/v1/widget/messages", preflight())
        .routes(routes!(actions::widget_typing))
        .route("/api/v1/widget/typing", preflight())
        .routes(routes!(actions::widget_read))
        .route("/api/v1/widget/read", preflight())
        .routes(routes!(handoff::widget_handoff))
        .route("/api/v1/widget/handoff", preflight())
        .routes(routes!(leave::widget_leave))
        .route("/api/v1/widget/leave", preflight())
        .routes(routes!(csat::widget_csat))
        .route("/api/v1/widget/csat", preflight())
        .routes(routes!(contact::patch_widget_contact))
        .route("/api/v1/widget/contact", preflight())
        .routes(
            routes!(attachments::upload_widget_attachment)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/widget/attachments", preflight())
        .routes(routes!(attachments::get_widget_attachment))
        .route("/api/v1/widget/attachments/{id}", preflight())
        .layer(middleware::from_fn(cors))
}

/// Answers preflights and lets the widget read responses. Credentials are
/// never allowed: the visitor token travels in `Authorization`.
async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut res = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("origin"));
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PATCH, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
    res
}

fn normalise_origin(s: &str) -> String {
    s.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Refuses a browser request from an origin the inbox does not allow.
pub fn check_origin(headers: &HeaderMap, inbox: &Inbox) -> ApiResult<()> {
    if inbox.allowed_origins.is_empty() {
        return Ok(());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = normalise_origin(origin.to_str().unwrap_or(""));
    let allowed = inbox
        .allowed_origins
        .iter()
        .any(|a| a.trim() == "*" || normalise_origin(a) == origin);
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this site may not use this inbox's widget",
        ))
    }
}

/// The visitor's inbox, after the checks every widget call makes: the
/// origin, and identity when the inbox (now) requires it.
pub async fn visitor_inbox(
    state: &AppState,
    claims: &VisitorClaims,
    headers: &HeaderMap,
) -> ApiResult<Inbox> {
    let inbox = state
        .inboxes
        .get(&*state.store, claims.account_id, claims.inbox_id)
        .await
        .map_err(|_| ApiError::unauthorized("invalid or expired visitor token"))?;
    check_origin(headers, &inbox)?;
    if inbox.require_identity && !claims.verified {
        return Err(identity_required());
    }
    Ok(inbox)
}

pub fn identity_required() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "identity_required",
        "this inbox only talks to signed-in users of the site",
    )
}

/// Per-IP budget for the public endpoints.
pub fn rate_limit(state: &AppState, ip: IpAddr) -> ApiResult<()> {
    if state.public_limiter.check(&format!("widget:{ip}")) {
        Ok(())
    } else {
        Err(ApiError::too_many_requests())
    }
}

/// The peer's address. Behind a reverse proxy this is the proxy's; trusting
/// forwarded headers is a deployment decision this layer does not make.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// A conversation as its customer sees it: no assignee, team, labels or
/// priority.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WidgetConversation {
    pub id: ConversationId,
    pub inbox_id: InboxId,
    pub status: Status,
    /// Sequence number of the latest event (for `after_seq`).
    pub last_seq: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&Conversation> for WidgetConversation {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id,
            inbox_id: c.inbox_id,
            status: c.status,
            last_seq: c.last_seq,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WidgetSender {
    pub kind: SenderKind,
    /// The agent's display name, on agents' messages (never their id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A public message as the customer sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WidgetMessage {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender: WidgetSender,
    pub content: MessageContent,
    /// The visitor's own idempotency key, on their own messages.
    pub client_id: Option<String>,
    pub delivery: DeliveryState,
    pub created_at: Timestamp,
}

impl WidgetMessage {
    /// The message with its author's display name, when an agent wrote it.
    pub async fn named(state: &AppState, m: &Message) -> Self {
        let mut w = Self::from(m);
        if m.sender.kind == SenderKind::Agent
            && let Some(id) = m.sender.id
        {
            w.sender.name = state
                .names
                .agent(m.account_id, UserId(id))
                .await
                .map(|n| n.to_string());
        }
        w
    }
}

impl From<&Message> for WidgetMessage {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            conversation_id: m.conversation_id,
            seq: m.seq,
            sender: WidgetSender {
                kind: m.sender.kind,
                name: None,
            },
            content: m.content.clone(),
            client_id: if m.sender.kind == SenderKind::Contact {
                m.client_id.clone()
            } else {
                None
            },
            delivery: m.delivery,
            created_at: m.created_at,
        }
    }
}
