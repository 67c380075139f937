//! Liveness, readiness, and the API description.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::app::AppState;

pub fn router(doc: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let page = Arc::new(super::docs::render(&doc));
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let d = doc.clone();
                async move { Json((*d).clone()) }
            }),
        )
        .route(
            "/api/docs",
            get(move || {
                let p = page.clone();
                async move { Html((*p).clone()) }
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
        Err(e) => crate::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!("database: {e}"),
        )
        .into_response(),
    }
}
