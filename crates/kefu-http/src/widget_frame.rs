//! Who may frame the widget. `/widget` is served by `kefu-web` with
//! `frame-ancestors *`, right for an inbox open to any site. An inbox that
//! lists its allowed origins gets a policy naming exactly those (and Kefu's
//! own origin, for the console's preview), so no other site can frame its
//! chat to trick a customer, the same list its API calls are checked against.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use kefu_core::InboxId;

use crate::app::AppState;

pub async fn narrow_frame_ancestors(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let inbox = (req.uri().path() == "/widget")
        .then(|| inbox_param(req.uri().query().unwrap_or("")))
        .flatten();
    let mut res = next.run(req).await;
    let Some(id) = inbox else { return res };
    if res.status() != StatusCode::OK {
        return res;
    }
    let Ok(inbox) = state.store.find_inbox(id).await else {
        return res;
    };
    let origins = &inbox.allowed_origins;
    if origins.is_empty() || origins.iter().any(|o| o.trim() == "*") {
        return res;
    }
    // Origins are validated when saved (`scheme://host[:port]`, no spaces or
    // semicolons), so they cannot break out of the directive.
    let policy = kefu_web::WIDGET_CSP.replace(
        "frame-ancestors *",
        &format!("frame-ancestors 'self' {}", origins.join(" ")),
    );
    if let Ok(v) = HeaderValue::from_str(&policy) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

fn inbox_param(query: &str) -> Option<InboxId> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("inbox="))
        .and_then(|v| v.parse().ok())
}
