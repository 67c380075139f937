//! Files in conversations: upload (agents here, visitors through the widget
//! routes), metadata, and download through signed, expiring links.
//!
//! A download link is the credential: it names the account, the attachment
//! and the variant, expires, and is signed with the server's download key
//! over the attachment's conversation too. Links therefore work in `<img>`
//! tags and for visitors without sessions, cannot be pointed at another
//! tenant's file, and stop working when they expire.

pub mod content;
pub mod get;
pub mod signing;
pub mod upload;

use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "attachments";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Uploads enforce their own (larger) limit while streaming.
        .routes(
            routes!(upload::upload_attachment).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(get::get_attachment))
        .routes(routes!(content::download_attachment))
}
