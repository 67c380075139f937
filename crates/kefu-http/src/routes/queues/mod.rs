//! The supervisor's view of the floor: every queue with its waiting
//! conversations and longest wait, and every agent with their status and
//! load. Supervisors act on it with the conversation endpoints (assign to
//! reassign or take over, an internal note to whisper).

pub mod overview;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "queues";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview::queue_overview))
}
