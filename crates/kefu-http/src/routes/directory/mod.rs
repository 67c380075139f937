//! Who works where, and with what: the account, its members, teams, inboxes,
//! contacts, API tokens and audit log. One file per resource; every handler
//! takes the account from the caller (never from the path), so an id of
//! another account is simply not found.

pub mod account;
pub mod audit;
pub mod common;
pub mod contacts;
pub mod inboxes;
pub mod privacy;
pub mod teams;
pub mod tokens;
pub mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(account::router())
        .merge(users::router())
        .merge(teams::router())
        .merge(inboxes::router())
        .merge(contacts::router())
        .merge(privacy::router())
        .merge(tokens::router())
        .merge(audit::router())
}
