//! Tickets (工单): a ticket is a conversation of kind `ticket`, so the
//! conversation endpoints serve it (messages, internal notes, assignment,
//! SLA). These add what only tickets have: turning a chat into one, the
//! ticket status, the account's custom fields and links between
//! conversations. One file per use case.

pub mod convert;
pub mod fields;
pub mod links;
pub mod status;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "tickets";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(convert::convert_to_ticket))
        .routes(routes!(status::set_ticket_status))
        .routes(routes!(
            fields::get_ticket_fields,
            fields::put_ticket_fields
        ))
        .routes(routes!(links::list_links, links::create_link))
        .routes(routes!(links::delete_link))
}

#[cfg(test)]
mod tests {
    #[test]
    fn routes_are_documented() {
        let doc = serde_json::to_value(crate::openapi()).unwrap();
        for (path, method) in [
            ("/api/v1/conversations/{id}/convert", "post"),
            ("/api/v1/conversations/{id}/ticket_status", "post"),
            ("/api/v1/ticket_fields", "get"),
            ("/api/v1/ticket_fields", "put"),
            ("/api/v1/conversations/{id}/links", "get"),
            ("/api/v1/conversations/{id}/links", "post"),
            ("/api/v1/conversations/{id}/links/{other_id}", "delete"),
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
