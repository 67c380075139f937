//! End-to-end tests of the `kefu` binary: the README's run command, the CLI,
//! durability under SIGKILL, backup and restore under load, and moving an
//! installation between databases. One test binary for the crate.

mod backup;
mod demo_flow;
mod durability;
mod fixtures;
mod kb_cli;
mod search;
mod support;
mod transfer;
