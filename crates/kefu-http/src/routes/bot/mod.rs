//! The bot's endpoints for people: answers suggested to an agent for the
//! conversation they have open, a preview of what the bot would do with a
//! message, and the questions it could not answer (the learning loop).

pub mod preview;
pub mod questions;
pub mod suggestions;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "bot";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(suggestions::suggested_answers))
        .routes(routes!(preview::preview_bot))
        .routes(routes!(questions::list_questions))
        .routes(routes!(questions::resolve_questions))
}
