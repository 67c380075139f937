//! The `kefu` command: the server and its maintenance commands.
#![forbid(unsafe_code)]

mod backup;
mod bench_bot;
mod config;
mod demo;
mod eval;
mod jobs;
mod kb;
mod search;
mod serve;
mod telemetry;
mod transfer;

use std::path::PathBuf;

/// mimalloc instead of glibc's malloc: under chat load glibc spent ~15% of
/// the server's CPU in malloc/free/consolidation, and it kept the 19 MiB
/// Argon2 work areas of a login burst in its heaps (RSS over 1 GiB after 200
/// logins). See docs/benchmarks.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "Kefu (客服): omnichannel customer service with a bot first and humans always reachable"
)]
struct Cli {
    /// Configuration file (default: ./kefu.toml when present).
    #[arg(long, global = true, env = "KEFU_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Write a consistent backup of the database, attachments and secret
    /// key to FILE while the server runs.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Restore a backup into an empty data folder or database, and check
    /// every count against the backup's manifest.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Export the whole installation to a new folder (one JSON-lines file
    /// per table, the attachments and the secret key), to move it to
    /// another database.
    Export {
        dir: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Import an export into an empty database and data folder, checking
    /// every table's row count.
    Import {
        dir: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// User management.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Knowledge base: import and export FAQ entries and articles.
    Kb {
        #[command(subcommand)]
        command: kb::KbCommand,
    },
    /// Benchmarks that need the whole binary (the bot with its models).
    Bench {
        #[command(subcommand)]
        command: bench_bot::BenchCommand,
    },
    /// Full-text search: rebuild this node's index.
    Search {
        #[command(subcommand)]
        command: search::SearchCommand,
    },
    /// Evaluate the bot on labelled data.
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
}

/// Where the data is, overriding the configuration.
#[derive(clap::Args)]
struct Place {
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl Place {
    fn apply(self, cfg: &mut config::Config) {
        override_db(cfg, self.database_url, self.data_dir);
    }
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print an annotated example configuration (the defaults).
    Example,
    /// Print the configuration in effect, secrets redacted.
    Show,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Set a user's password (read from standard input unless --password is given).
    SetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let mut cfg = config::Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => {
            args.apply(&mut cfg);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(serve::run(cfg, args))
        }
        Command::Migrate {
            database_url,
            data_dir,
        } => {
            override_db(&mut cfg, database_url, data_dir);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(async {
                let url = cfg.database_url();
                serve::ensure_data_dir(&cfg)?;
                kefu_store::migrate(&url)
                    .await
                    .with_context(|| format!("migrating {}", config::redact_url(&url)))?;
                println!("migrations applied to {}", config::redact_url(&url));
                Ok(())
            })
        }
        Command::Backup { file, place } => {
            place.apply(&mut cfg);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(backup::backup(&cfg, &file))
        }
        Command::Restore { file, place } => {
            place.apply(&mut cfg);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(backup::restore(&cfg, &file))
        }
        Command::Export { dir, place } => {
            place.apply(&mut cfg);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(transfer::export(&cfg, &dir))
        }
        Command::Import { dir, place } => {
            place.apply(&mut cfg);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(transfer::import(&cfg, &dir))
        }
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            println!("{cfg:#?}");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::SetPassword {
                    email,
                    password,
                    database_url,
                    data_dir,
                },
        } => {
            override_db(&mut cfg, database_url, data_dir);
            telemetry::init_logging(&cfg.log)?;
            let password = match password {
                Some(p) => p,
                None => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            rt.block_on(demo::set_password(&cfg, &email, &password))
        }
        // No logging set up: stdout is the report, progress goes to stderr.
        Command::Eval { command } => eval::run(command),
        Command::Kb { command } => rt.block_on(kb::run(cfg, command)),
        Command::Search {
            command:
                search::SearchCommand::Reindex {
                    database_url,
                    data_dir,
                },
        } => {
            override_db(&mut cfg, database_url, data_dir);
            telemetry::init_logging(&cfg.log)?;
            rt.block_on(search::reindex(&cfg))
        }
        Command::Bench { command } => bench_bot::run(command),
    }
}

fn override_db(cfg: &mut config::Config, database_url: Option<String>, data_dir: Option<PathBuf>) {
    if let Some(d) = data_dir {
        cfg.server.data_dir = d;
    }
    if let Some(u) = database_url {
        cfg.server.database_url = u;
    }
}
