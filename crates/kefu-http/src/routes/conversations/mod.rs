//! Conversations and their messages and events, for agents (session or
//! personal token) and for channel integrations (inbox token). One file per
//! use case; what several of them share lives in [`shared`].
//!
//! Agents only ever see conversations in inboxes they may see: anything else
//! is a 404, so ids of other inboxes (and other tenants) reveal nothing.

pub mod actions;
pub mod assign;
pub mod create;
pub mod events;
pub mod get;
pub mod integration;
pub mod list;
pub mod messages;
pub mod post_message;
pub mod shared;
pub mod sla;
pub mod snooze;
pub mod transfer;
pub mod update;
pub mod viewing;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "conversations";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            list::list_conversations,
            create::create_conversation
        ))
        .routes(routes!(get::get_conversation, update::update_conversation))
        .routes(routes!(assign::assign_conversation))
        .routes(routes!(transfer::transfer_conversation))
        .routes(routes!(actions::resolve_conversation))
        .routes(routes!(actions::reopen_conversation))
        .routes(routes!(snooze::snooze_conversation))
        .routes(routes!(actions::mark_read))
        .routes(routes!(actions::conversation_ratings))
        .routes(routes!(actions::set_typing))
        .routes(routes!(viewing::report_viewing))
        .routes(routes!(messages::list_messages, post_message::post_message))
        .routes(routes!(events::conversation_events))
        .routes(routes!(sla::conversation_sla_clocks))
        .routes(routes!(events::account_events))
        .routes(routes!(integration::post_inbox_message))
}

#[cfg(test)]
mod tests {
    /// Every conversation, mention, attachment, widget and socket route is in the
    /// OpenAPI document with the method it is served on.
    #[test]
    fn routes_are_documented() {
        let doc = serde_json::to_value(crate::openapi()).unwrap();
        let paths = &doc["paths"];
        for (path, method) in [
            ("/api/v1/conversations", "get"),
            ("/api/v1/conversations", "post"),
            ("/api/v1/conversations/{id}", "get"),
            ("/api/v1/conversations/{id}", "patch"),
            ("/api/v1/conversations/{id}/assign", "post"),
            ("/api/v1/conversations/{id}/transfer", "post"),
            ("/api/v1/conversations/{id}/resolve", "post"),
            ("/api/v1/conversations/{id}/reopen", "post"),
            ("/api/v1/conversations/{id}/snooze", "post"),
            ("/api/v1/conversations/{id}/read", "post"),
            ("/api/v1/conversations/{id}/typing", "post"),
            ("/api/v1/conversations/{id}/viewing", "post"),
            ("/api/v1/conversations/{id}/canned_responses", "get"),
            ("/api/v1/canned_responses", "get"),
            ("/api/v1/canned_responses", "post"),
            ("/api/v1/canned_responses/{id}", "get"),
            ("/api/v1/canned_responses/{id}", "patch"),
            ("/api/v1/canned_responses/{id}", "delete"),
            ("/api/v1/conversations/{id}/messages", "get"),
            ("/api/v1/conversations/{id}/messages", "post"),
            ("/api/v1/conversations/{id}/events", "get"),
            ("/api/v1/conversations/{id}/mentionable", "get"),
            ("/api/v1/mentions", "get"),
            ("/api/v1/mentions/read", "post"),
            ("/api/v1/events", "get"),
            ("/api/v1/inbox/messages", "post"),
            ("/api/v1/attachments", "post"),
            ("/api/v1/attachments/{id}", "get"),
            ("/api/v1/attachments/{id}/content", "get"),
            ("/api/v1/widget/sessions", "post"),
            ("/api/v1/widget/conversation", "get"),
            ("/api/v1/widget/messages", "get"),
            ("/api/v1/widget/messages", "post"),
            ("/api/v1/widget/typing", "post"),
            ("/api/v1/widget/read", "post"),
            ("/api/v1/widget/attachments", "post"),
            ("/api/v1/widget/attachments/{id}", "get"),
            ("/api/v1/ws", "get"),
            ("/api/v1/widget/ws", "get"),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "{method} {path} is not documented");
            assert!(
                op["responses"].is_object(),
                "{method} {path} has no responses"
            );
            assert!(op["tags"].is_array(), "{method} {path} has no tag");
        }
        let schemas = &doc["components"]["schemas"];
        for s in [
            "ErrorBody",
            "MessageBody",
            "Posted",
            "AttachmentView",
            "SessionResponse",
            "MentionView",
            "ReadMentions",
        ] {
            assert!(schemas[s].is_object(), "schema {s} missing");
        }
    }
}
