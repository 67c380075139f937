//! End-to-end tests of the `kefu` binary: the README's run command, the CLI,
//! durability under SIGKILL, and backup and restore under load. One test binary for the crate.

mod backup;
mod demo_flow;
mod durability;
mod kb_cli;
mod support;
