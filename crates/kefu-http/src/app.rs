//! Wiring: shared state, the assembled router with its middleware, the
//! OpenAPI document, and the server loop with graceful shutdown.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use kefu_core::Clock;
use kefu_core::store::Store;
use kefu_realtime::Hub;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::rate_limit::RateLimiter;
use crate::auth::secrets;
use crate::blob::BlobStore;
use crate::error::ApiError;
use crate::routes;

/// Settings the HTTP layer needs.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Base URL people reach the server at (links, embed snippets).
    pub public_url: String,
    /// Mark cookies `Secure` (on when served over HTTPS).
    pub secure_cookies: bool,
    pub session_ttl_hours: i64,
    pub visitor_token_ttl_days: i64,
    /// Largest JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Largest upload, in bytes.
    pub max_upload_bytes: usize,
    /// Frames a socket may fall behind before it is disconnected.
    pub socket_queue: usize,
    /// Requests per second per IP on public endpoints (login, widget).
    pub public_rate_per_second: f64,
    pub public_rate_burst: u32,
    /// Most concurrent anonymous (visitor) sockets from one IP.
    pub max_visitor_sockets_per_ip: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_ttl_hours: 24 * 14,
            visitor_token_ttl_days: 30,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            socket_queue: 1024,
            public_rate_per_second: 5.0,
            public_rate_burst: 60,
            max_visitor_sockets_per_ip: 50,
        }
    }
}

/// Keys derived from the server's master secret, one per purpose, so a leak
/// of one signature kind does not forge another.
#[derive(Clone)]
pub struct Keys {
    pub visitor: Vec<u8>,
    pub download: Vec<u8>,
}

impl Keys {
    pub fn derive(master: &[u8]) -> Self {
        Self {
            visitor: secrets::hmac_sha256(master, b"kefu visitor tokens v1"),
            download: secrets::hmac_sha256(master, b"kefu download urls v1"),
        }
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub blobs: Arc<dyn BlobStore>,
    pub keys: Arc<Keys>,
    pub config: Arc<HttpConfig>,
    pub clock: Arc<dyn Clock>,
    /// Public endpoints' per-IP budget.
    pub public_limiter: Arc<RateLimiter>,
    /// Turns true when the server shuts down; sockets close on it.
    pub shutdown: watch::Receiver<bool>,
    pub visitor_sockets: Arc<crate::routes::realtime::SocketCounter>,
    /// Inboxes for the public endpoints (see `inbox_cache`).
    pub inboxes: Arc<crate::inbox_cache::InboxCache>,
    /// Who has which conversation open (the console's collision warning).
    pub viewers: Arc<kefu_realtime::Viewers>,
    /// Agents' display names as customers see them.
    pub names: Arc<kefu_realtime::DisplayNames>,
    /// The bot: trained knowledge bases and turns in progress.
    pub bot: Arc<crate::bot::BotService>,
    /// Offers queued conversations to agents (started by [`serve`]).
    pub routing: Arc<crate::routing::RoutingService>,
    /// This node's search index, once opened (`kefu serve` opens it and
    /// starts its indexer, see [`crate::search`]); search answers
    /// `search_unavailable` without it.
    pub search: Arc<std::sync::OnceLock<Arc<kefu_search::SearchIndex>>>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        hub: Arc<Hub>,
        blobs: Arc<dyn BlobStore>,
        master_secret: &[u8],
        config: HttpConfig,
        clock: Arc<dyn Clock>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let public_limiter = Arc::new(RateLimiter::new(
            config.public_rate_per_second,
            config.public_rate_burst,
        ));
        let inboxes = Arc::new(crate::inbox_cache::InboxCache::new(Duration::from_secs(2)));
        crate::sla::SlaWatcher::observe(&hub, store.clone(), inboxes.clone(), clock.clone());
        crate::routing::outside_hours::observe(&hub, store.clone(), inboxes.clone(), clock.clone());
        crate::qa::observe(&hub, store.clone(), clock.clone());
        crate::qa_alerts::observe(&hub, store.clone(), clock.clone());
        Self {
            names: Arc::new(kefu_realtime::DisplayNames::new(store.clone())),
            bot: Arc::new(crate::bot::BotService::new(store.clone())),
            routing: crate::routing::RoutingService::new(store.clone(), hub.clone(), clock.clone()),
            search: Default::default(),
            store,
            hub,
            blobs,
            keys: Arc::new(Keys::derive(master_secret)),
            config: Arc::new(config),
            clock,
            public_limiter,
            shutdown,
            visitor_sockets: Arc::default(),
            inboxes,
            viewers: Arc::default(),
        }
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Kefu API", description = "Omnichannel customer service: conversations, messages, events, contacts, inboxes. Errors are always `{\"error\": {\"code\", \"message\"}}`."),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&SecurityAddon)
)]
struct ApiDoc;

struct SecurityAddon;
impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::principal::SESSION_COOKIE,
            ))),
        );
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api_router())
        .split_for_parts()
}

/// The OpenAPI document generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api();
    let doc = Arc::new(doc);
    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(api)
        .merge(routes::system::router(doc))
        // The web apps (console, widget, /sdk.js); before the JSON fallback.
        // Gzipped on the way out: the widget loads on customers' pages, often
        // on phones (its first load is ~100 KB gzipped, ~3x that raw).
        .merge(
            kefu_web::router()
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    crate::widget_frame::narrow_frame_ancestors,
                ))
                .layer(tower_http::compression::CompressionLayer::new()),
        )
        // After routing, so the route template is known.
        .route_layer(middleware::from_fn(record_metrics))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route") })
        .method_not_allowed_fallback(|| async { ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method") })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(json_errors))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal().into_response()))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(TraceLayer::new_for_http().make_span_with(|r: &Request<_>| tracing::info_span!("http", method = %r.method(), path = %r.uri().path())))
        .with_state(state)
}

/// Request counts and latencies by route template (never the raw path, which
/// would make one time series per id).
async fn record_metrics(req: Request<axum::body::Body>, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("kefu_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("kefu_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Any error response that is not already our JSON shape (a layer's 413, a
/// timeout, a framework rejection we did not wrap) is rewritten into it, so
/// clients only ever parse one error format.
async fn json_errors(req: Request<axum::body::Body>, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    };
    let message = status.canonical_reason().unwrap_or("error").to_string();
    let mut out = ApiError {
        status,
        code,
        message,
    }
    .into_response();
    // Keep headers such as Retry-After or Allow.
    for (k, v) in res.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// Serves until `shutdown` turns true, then stops accepting, tells sockets to
/// close, and waits for in-flight requests (at most `drain`).
pub async fn serve(listener: TcpListener, state: AppState, drain: Duration) -> std::io::Result<()> {
    state.routing.spawn(state.shutdown.clone());
    let mut stop_accepting = state.shutdown.clone();
    let mut stop_waiting = state.shutdown.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let graceful = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stop_accepting.wait_for(|s| *s).await;
    });
    tokio::select! {
        r = graceful => r,
        _ = async {
            let _ = stop_waiting.wait_for(|s| *s).await;
            tokio::time::sleep(drain).await;
        } => {
            tracing::warn!("drain timeout reached; closing remaining connections");
            Ok(())
        }
    }
}
