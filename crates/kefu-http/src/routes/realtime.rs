//! (being written)

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

/// Counts anonymous sockets per IP, to cap them.
#[derive(Default)]
pub struct SocketCounter {}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
