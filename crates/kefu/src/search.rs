//! `kefu search reindex`: rebuilds this node's search index from the event
//! log (see `kefu_http::search`). Run it with the server stopped: the
//! running server holds the index's writer lock, and opening it here would
//! fail with that message.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{Config, redact_url};

#[derive(Subcommand)]
pub enum SearchCommand {
    /// Empty the search index and rebuild it from the event log.
    Reindex {
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// The node's index folder.
pub fn index_dir(cfg: &Config) -> PathBuf {
    cfg.server.data_dir.join("search")
}

/// Opens (creating if needed) the node's index.
pub fn open_index(cfg: &Config) -> anyhow::Result<Arc<kefu_search::SearchIndex>> {
    let dir = index_dir(cfg);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let index = kefu_search::SearchIndex::open(&dir).with_context(|| {
        format!(
            "opening the search index in {} (is a server using it?)",
            dir.display()
        )
    })?;
    Ok(Arc::new(index))
}

pub async fn reindex(cfg: &Config) -> anyhow::Result<()> {
    let url = cfg.database_url();
    let opened = kefu_store::open(&url, Default::default())
        .await
        .with_context(|| format!("opening the database {}", redact_url(&url)))?;
    let index = open_index(cfg)?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} reindexing: {pos} events {per_sec} {elapsed}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let progress = bar.clone();
    let events = kefu_http::search::reindex(opened.store.clone(), index.clone(), move |n| {
        progress.set_position(n)
    })
    .await
    .context("reindexing")?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "search index rebuilt from {events} events in {secs:.1} s ({:.0} events/s); {} documents in {}",
        events as f64 / secs.max(0.001),
        index.num_docs(),
        index_dir(cfg).display()
    );
    Ok(())
}
