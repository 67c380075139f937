//! Kefu's HTTP and WebSocket API. One router per feature under [`routes`],
//! one file per use case; authentication in [`auth`]; every failure leaves
//! as the stable JSON error of [`error`].
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod blob;
pub mod bot;
pub mod error;
pub mod extract;
pub mod inbox_cache;
pub mod media;
pub mod privacy;
pub mod qa;
pub mod qa_alerts;
pub mod routes;
pub mod routing;
pub mod search;
pub mod sentiment;
pub mod setup;
pub mod sla;
mod widget_frame;

pub use app::{AppState, HttpConfig, Keys, openapi, router, serve};
pub use error::ApiError;
