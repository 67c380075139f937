//! Routers by feature; one file per use case inside each.

pub mod attachments;
pub mod auth;
pub mod bot;
pub mod canned;
pub mod conversations;
pub mod directory;
pub mod docs;
pub mod kb;
pub mod mentions;
pub mod qa;
pub mod queues;
pub mod realtime;
pub mod search;
pub mod system;
pub mod tickets;
pub mod widget;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// Every documented `/api/v1` route.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(directory::router())
        .merge(canned::router())
        .merge(bot::router())
        .merge(kb::router())
        .merge(conversations::router())
        .merge(tickets::router())
        .merge(qa::router())
        .merge(mentions::router())
        .merge(search::router())
        .merge(queues::router())
        .merge(attachments::router())
        .merge(widget::router())
        .merge(realtime::router())
}
