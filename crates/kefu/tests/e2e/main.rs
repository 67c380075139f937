//! End-to-end tests of the `kefu` binary: the README's run command, the CLI,
//! and durability under SIGKILL. One test binary for the crate.

mod demo_flow;
mod durability;
mod kb_cli;
mod support;
