//! Integration tests of the HTTP and WebSocket API against a real server on
//! port 0, on SQLite and on PostgreSQL. One test binary for the crate.

mod support;

mod bot;
mod canned;
mod conversations;
mod directory;
mod errors;
mod kb;
mod mentions;
mod privacy;
mod qa;
mod qa_alerts;
mod qa_sentiment;
mod realtime;
mod routing;
mod search;
mod sla;
mod tenants;
mod tickets;
mod widget;
