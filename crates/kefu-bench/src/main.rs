//! `kefu-bench`: load generators for Kefu.
//!
//! `kefu-bench realtime` drives the messaging path end to end (widget visitor
//! sends over HTTP, delivery to agent consoles and the visitor over
//! WebSockets) with an open-loop schedule, and reports throughput and
//! send→deliver latency measured from each message's scheduled send time.
#![forbid(unsafe_code)]

mod api;
mod realtime;
mod stats;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "kefu-bench", version, about = "Load generators for Kefu")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Open-loop realtime messaging benchmark: visitors send, agents (two
    /// console tabs each) and the visitor's own socket receive.
    Realtime(realtime::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kefu-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Realtime(args) => runtime.block_on(realtime::run(args)),
    };
    // Socket tasks may still be closing; do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        // The run completed but missed its criteria (errors, p99): exit 2 so
        // scripts can tell a failed target from a broken run.
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("kefu-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
