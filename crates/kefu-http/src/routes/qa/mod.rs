//! Quality inspection: the account's rules and scorecards, a preview of
//! rules on a conversation, a conversation's scores, live alerts, and the
//! account's sentiment model. One file per use case; the inspection itself is `crate::qa`.

pub mod alerts;
pub mod list;
pub mod preview;
pub mod review;
pub mod scores;
pub mod sentiment;
pub mod settings;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "quality inspection";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            settings::get_qa_settings,
            settings::put_qa_settings
        ))
        .routes(routes!(preview::preview_rules))
        .routes(routes!(scores::conversation_scores))
        .routes(routes!(review::review_score))
        .routes(routes!(review::appeal_score))
        .routes(routes!(review::decide_appeal))
        .routes(routes!(list::list_scores))
        .routes(routes!(alerts::list_alerts))
        .routes(routes!(sentiment::get_sentiment))
        .routes(routes!(sentiment::retrain))
        .routes(routes!(sentiment::revert))
}

#[cfg(test)]
mod tests {
    #[test]
    fn routes_are_documented() {
        let doc = serde_json::to_value(crate::openapi()).unwrap();
        for (path, method) in [
            ("/api/v1/qa/settings", "get"),
            ("/api/v1/qa/settings", "put"),
            ("/api/v1/qa/preview", "post"),
            ("/api/v1/conversations/{id}/qa", "get"),
            (
                "/api/v1/conversations/{id}/qa/{scorecard_id}/review",
                "post",
            ),
            (
                "/api/v1/conversations/{id}/qa/{scorecard_id}/appeal",
                "post",
            ),
            (
                "/api/v1/conversations/{id}/qa/{scorecard_id}/decide",
                "post",
            ),
            ("/api/v1/qa/scores", "get"),
            ("/api/v1/qa/alerts", "get"),
            ("/api/v1/qa/sentiment", "get"),
            ("/api/v1/qa/sentiment/retrain", "post"),
            ("/api/v1/qa/sentiment/model", "delete"),
        ] {
            let op = &doc["paths"][path][method];
            assert!(op.is_object(), "{method} {path} is not documented");
            assert!(
                op["responses"].is_object(),
                "{method} {path} has no responses"
            );
        }
    }
}
