//! Liveness, readiness, and the API description.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;

/// The docs page is self-contained: inline styles, no scripts, nothing loaded from elsewhere.
const DOCS_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    // Both are fixed for the life of the process: render them once.
    let page: Arc<str> = super::docs::render(&doc).into();
    let json: Arc<str> = serde_json::to_string(&*doc).unwrap_or_default().into();
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let j = json.clone();
                async move {
                    (
                        [(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        )],
                        j.to_string(),
                    )
                }
            }),
        )
        .route(
            "/api/docs",
            get(move || {
                let p = page.clone();
                async move {
                    (
                        [(
                            header::CONTENT_SECURITY_POLICY,
                            HeaderValue::from_static(DOCS_CSP),
                        )],
                        Html(p.to_string()),
                    )
                }
            }),
        )
}

/// Ready when the database answers; load balancers stop sending traffic otherwise.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"status": "ready", "database": state.store.backend()})),
        )
            .into_response(),
        Err(e) => {
            // The error may name hosts; it goes to the log, not to the caller.
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "the database is not reachable",
            )
            .into_response()
        }
    }
}
