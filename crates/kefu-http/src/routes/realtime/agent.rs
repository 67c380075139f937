//! The agent console's socket: every event of the inboxes the agent can
//! see, replayed from `?cursor=` and then live, plus typing indicators.

use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use kefu_core::event::StreamCursor;
use kefu_realtime::AgentSubscription;
use serde::Deserialize;
use utoipa::IntoParams;

use super::socket::{self, Feed, Peer};
use crate::app::AppState;
use crate::auth::{Agent, Via};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentSocketQuery {
    /// Resume after this stream position (the `cursor` of the last frame
    /// received); without it the feed starts live.
    pub cursor: Option<String>,
    /// A personal API token (`kefu_pat_…`), for clients that cannot send
    /// headers on a WebSocket handshake. Browsers use the session cookie.
    pub token: Option<String>,
}

/// An agent, authenticated as everywhere else, or by `?token=` because
/// browsers cannot set headers on a WebSocket handshake.
pub struct SocketAgent(pub Agent);

impl FromRequestParts<AppState> for SocketAgent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = axum::extract::Query::<AgentSocketQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.token);
        if let Some(token) = token
            && !parts.headers.contains_key(header::AUTHORIZATION)
        {
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| ApiError::unauthorized("invalid token"))?;
            parts.headers.insert(header::AUTHORIZATION, value);
        }
        let agent = Agent::from_request_parts(parts, state).await?;
        if matches!(agent.via, Via::Session(_)) && !same_origin(parts) {
            // Browsers send cookies on cross-site WebSocket handshakes, and
            // CORS does not apply to them: without this check any site could
            // open a socket as the signed-in agent.
            return Err(ApiError::forbidden(
                "cross-origin socket with a session cookie",
            ));
        }
        Ok(Self(agent))
    }
}

/// Whether the handshake's `Origin` (if any) is the server's own.
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        // Not a browser.
        return true;
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

pub fn upgrade_required(_: WebSocketUpgradeRejection) -> ApiError {
    ApiError::new(
        StatusCode::UPGRADE_REQUIRED,
        "upgrade_required",
        "this endpoint speaks WebSocket only",
    )
}

/// Agent event socket
///
/// WebSocket. Authenticate with the session cookie (same origin only) or
/// `?token=kefu_pat_…`. The server sends `{"type":"event","cursor","event"}`
/// for each committed event of the inboxes you can see (replayed from
/// `?cursor=` first), `{"type":"ready","cursor"}` once caught up,
/// `{"type":"typing",…}` indicators and `{"type":"pong"}`. Send
/// `{"type":"ping"}` or `{"type":"typing","conversation_id","typing"}`.
/// Close 4008 means the client fell behind: reconnect with the last cursor.
#[utoipa::path(
    get,
    path = "/api/v1/ws",
    tag = super::TAG,
    params(AgentSocketQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "`invalid_cursor`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cross-origin handshake with a session cookie", body = ErrorBody),
        (status = 426, description = "Not a WebSocket handshake", body = ErrorBody),
    ),
    security(("session" = []), ("bearer" = []))
)]
pub async fn agent_socket(
    State(state): State<AppState>,
    SocketAgent(agent): SocketAgent,
    ApiQuery(q): ApiQuery<AgentSocketQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let ws = ws.map_err(upgrade_required)?;
    let cursor = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(s) => Some(s.parse::<StreamCursor>().map_err(|()| {
            ApiError::bad_request("invalid_cursor", "cursor: not a stream position")
        })?),
    };
    let visibility = agent.visibility(&state).await?;
    // Subscribed before the upgrade, so a failure is still an HTTP error.
    let feed = AgentSubscription::start(
        state.store.clone(),
        &state.hub,
        agent.account_id,
        visibility.clone(),
        cursor,
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
    let peer = Peer::Agent {
        account: agent.account_id,
        sender: agent.actor(),
        visibility,
        inboxes: Default::default(),
    };
    Ok(socket::limits(ws)
        .on_upgrade(move |socket| socket::run(socket, Feed::Agent(Box::new(feed)), peer, state)))
}
