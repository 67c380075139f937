//! Who is asking. Four principals: an agent (browser session or personal API
//! token), an inbox integration (inbox token), a widget visitor (signed
//! visitor token), and nobody. Every handler names the principal it accepts
//! as an extractor, and every store call takes the account from that
//! principal — never from the path — which is how tenants stay apart.

pub mod password;
pub mod principal;
pub mod rate_limit;
pub mod secrets;

pub use principal::{Agent, InboxIntegration, Via, Visitor, VisitorClaims};
