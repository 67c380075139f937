//! `kefu kb import` and `kefu kb export`: the knowledge base to and from
//! files, against the database the server uses (same configuration). The
//! formats and the import itself are `kefu_kb`'s, exactly as the API runs
//! them; this file parses arguments, draws progress on stderr and prints the
//! report on stdout.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use kefu_core::model::Account;
use kefu_core::store::Store;
use kefu_core::{AccountId, Timestamp};
use kefu_kb::{Format, ImportOptions, ImportReport};

use crate::config::{self, Config};

#[derive(clap::Subcommand)]
pub enum KbCommand {
    /// Import FAQ entries and articles from a CSV, JSON Lines or Markdown
    /// file (see docs/api.md, "Knowledge base files"). Rows match existing
    /// entries by id, else by locale and question, and update them; refused
    /// rows are listed with their line number.
    Import(ImportArgs),
    /// Write the account's knowledge base to a file (or stdout) that
    /// imports back to the same entries.
    Export(ExportArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    Csv,
    Jsonl,
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => Format::Csv,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

#[derive(clap::Args)]
pub struct DbArgs {
    /// Database URL (default: the configuration's, as for `kefu serve`).
    #[arg(long)]
    database_url: Option<String>,
    /// Data folder holding the default SQLite database.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The file (`-` for standard input).
    file: PathBuf,
    /// Account id, or its exact name.
    #[arg(long)]
    account: String,
    /// Default: from the file's extension (.csv, .jsonl, .md).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Locale of rows that do not give one (e.g. en, zh-CN).
    #[arg(long)]
    locale: Option<String>,
    /// Check the file and report what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Succeed (exit 0) even when some rows were refused.
    #[arg(long)]
    allow_partial: bool,
    /// Entries written per transaction; the progress bar moves per batch.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    batch: u32,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Account id, or its exact name.
    #[arg(long)]
    account: String,
    /// Default: from the output file's extension, else CSV.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Only entries of this locale.
    #[arg(long)]
    locale: Option<String>,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(mut cfg: Config, command: KbCommand) -> anyhow::Result<()> {
    match command {
        KbCommand::Import(args) => {
            crate::override_db(
                &mut cfg,
                args.db.database_url.clone(),
                args.db.data_dir.clone(),
            );
            import(&cfg, args).await
        }
        KbCommand::Export(args) => {
            crate::override_db(
                &mut cfg,
                args.db.database_url.clone(),
                args.db.data_dir.clone(),
            );
            export(&cfg, args).await
        }
    }
}

async fn open(cfg: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = cfg.database_url();
    let opened = kefu_store::open(&url, Default::default())
        .await
        .with_context(|| format!("opening {}", config::redact_url(&url)))?;
    Ok(opened.store)
}

/// An account by id, or by its exact name when that names exactly one.
async fn account(store: &dyn Store, given: &str) -> anyhow::Result<Account> {
    if let Ok(id) = given.trim().parse::<AccountId>() {
        return store
            .get_account(id)
            .await
            .with_context(|| format!("no account with id {id}"));
    }
    let mut found = store.find_accounts_by_name(given.trim()).await?;
    match found.len() {
        0 => bail!("no account is named {given:?} (names are exact; or give the account id)"),
        1 => Ok(found.remove(0)),
        _ => bail!(
            "{} accounts are named {given:?}; give one of their ids: {}",
            found.len(),
            found
                .iter()
                .map(|a| a.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn locale(given: Option<&str>) -> anyhow::Result<Option<String>> {
    given
        .map(|l| {
            kefu_core::locale::normalize_locale(l).map_err(|e| anyhow::anyhow!("--locale: {e}"))
        })
        .transpose()
}

async fn import(cfg: &Config, args: ImportArgs) -> anyhow::Result<()> {
    let name = args.file.display().to_string();
    let format: Format = match args.format {
        Some(f) => f.into(),
        None => Format::from_path(&name).with_context(|| {
            format!("cannot tell the format of {name} from its extension: pass --format csv|jsonl|markdown")
        })?,
    };
    let default_locale = locale(args.locale.as_deref())?;
    let bytes = if name == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("reading standard input")?;
        b
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {name}"))?
    };
    let store = open(cfg).await?;
    let account = account(&*store, &args.account).await?;

    let bar = progress_bar();
    let opts = ImportOptions {
        format,
        default_locale,
        dry_run: args.dry_run,
    };
    let report = kefu_kb::import_in_batches(
        &*store,
        account.id,
        &bytes,
        &opts,
        Timestamp::now(),
        args.batch as usize,
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await;
    bar.finish_and_clear();
    let report = report.with_context(|| format!("importing {name}"))?;

    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_report(&mut out, &name, &account, &report)?;
    }
    out.flush()?;
    if !report.rejected.is_empty() && !args.allow_partial {
        bail!(
            "{} row(s) of {name} were refused (listed above); fix them and import again, or pass --allow-partial",
            report.rejected.len()
        );
    }
    Ok(())
}

/// A bar on stderr when it is a terminal; nothing otherwise, so that logs
/// and pipes get only the report.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} importing [{bar:40}] {pos}/{len} entries {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn print_report(
    out: &mut impl Write,
    name: &str,
    account: &Account,
    r: &ImportReport,
) -> std::io::Result<()> {
    let verb = if r.dry_run {
        "would import"
    } else {
        "imported"
    };
    writeln!(
        out,
        "{verb} {name} into {:?} ({}): {} created, {} updated, {} unchanged, {} refused, of {} rows",
        account.name,
        account.id,
        r.created,
        r.updated,
        r.unchanged,
        r.rejected.len(),
        r.total
    )?;
    if r.dry_run {
        writeln!(out, "dry run: nothing was written")?;
    }
    if !r.rejected.is_empty() {
        writeln!(out, "refused rows:")?;
        for x in &r.rejected {
            writeln!(out, "  line {}: [{}] {}", x.line, x.code, x.message)?;
        }
    }
    Ok(())
}

async fn export(cfg: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let format: Format = match (args.format, &args.output) {
        (Some(f), _) => f.into(),
        (None, Some(path)) => Format::from_path(&path.display().to_string()).unwrap_or(Format::Csv),
        (None, None) => Format::Csv,
    };
    let only = locale(args.locale.as_deref())?;
    let store = open(cfg).await?;
    let account = account(&*store, &args.account).await?;
    let mut entries = store.knowledge_base(account.id).await?;
    if let Some(l) = &only {
        entries.retain(|e| &e.locale == l);
    }
    let file = kefu_kb::write(format, &entries);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &file).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "exported {} entries of {:?} to {} ({format})",
                entries.len(),
                account.name,
                path.display()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&file)?;
            out.flush()?;
        }
    }
    Ok(())
}
