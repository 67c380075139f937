//! The storage contract: every test body runs on SQLite and on PostgreSQL
//! (see `harness`), so both adapters are held to one behaviour.

mod fixture;
mod harness;

mod access;
mod bot_questions;
mod canned;
mod concurrency;
mod contacts;
mod conversations;
mod csat;
mod directory;
mod durability;
mod jobs;
mod kb;
mod mentions;
mod messages;
mod qa;
mod routing;
mod tickets;
