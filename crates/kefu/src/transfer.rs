//! `kefu export DIR` and `kefu import DIR`: a whole installation as one
//! JSON-lines file per table plus the attachment files and the secret key,
//! so it can move from SQLite to PostgreSQL (or back). Ids, events, stream
//! positions and attachments are kept; the import checks every table's row
//! count against the export's manifest.
//!
//! An export of SQLite reads a `VACUUM INTO` snapshot, so it is consistent
//! even beside a running server; on PostgreSQL each table is read on its
//! own, so stop the servers first (docs/operations.md).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use kefu_store::transfer::{TABLES, export_table, import_table};
use serde::{Deserialize, Serialize};

use crate::backup::{BLOBS, SECRET, copy_private, files_under, is_postgres, now_ms};
use crate::config::{Config, redact_url};

const FORMAT: &str = "kefu-export";
const VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const TABLES_DIR: &str = "tables";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    kefu_version: String,
    /// `sqlite` or `postgres`.
    source: String,
    created_at: i64,
    /// Rows per table.
    tables: BTreeMap<String, u64>,
    blobs: u64,
}

fn bar(what: &str, table: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} {table}: {{pos}} rows {{elapsed}}"
    )) {
        bar.set_style(style);
    }
    bar
}

fn progress(bar: &ProgressBar) -> Box<dyn Fn(u64) + Send> {
    let bar = bar.clone();
    Box::new(move |n| bar.set_position(n))
}

/// Copies every file under `from` to the same place under `to`.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let files = files_under(from)?;
    for rel in &files {
        let dest = to.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(from.join(rel), &dest)
            .with_context(|| format!("copying {}", from.join(rel).display()))?;
    }
    Ok(files.len() as u64)
}

pub async fn export(cfg: &Config, dir: &Path) -> anyhow::Result<()> {
    let url = cfg.database_url();
    ensure!(
        !dir.exists() || std::fs::read_dir(dir)?.next().is_none(),
        "{} is not empty; export into a new folder",
        dir.display()
    );
    std::fs::create_dir_all(dir.join(TABLES_DIR))?;
    let started = std::time::Instant::now();
    // SQLite: read a snapshot, so the tables agree with each other.
    let snapshot = tempfile::Builder::new()
        .prefix(".kefu-export-")
        .tempdir_in(dir)?;
    let source_url = if is_postgres(&url) {
        url.clone()
    } else {
        let copy = snapshot.path().join("snapshot.sqlite");
        kefu_store::backup::sqlite_snapshot(&url, &copy)
            .await
            .with_context(|| format!("copying {}", redact_url(&url)))?;
        format!("sqlite://{}", copy.display())
    };
    let mut tables = BTreeMap::new();
    for table in TABLES {
        let out = BufWriter::new(File::create(
            dir.join(TABLES_DIR).join(format!("{table}.jsonl")),
        )?);
        let b = bar("exporting", table);
        let n = export_table(&source_url, table, Box::new(out), progress(&b))
            .await
            .with_context(|| format!("exporting {table}"))?;
        b.finish_and_clear();
        tables.insert((*table).to_string(), n);
    }
    drop(snapshot);
    let blobs = copy_tree(&cfg.server.data_dir.join(BLOBS), &dir.join(BLOBS))?;
    let secret = cfg.server.data_dir.join(SECRET);
    if secret.is_file() {
        copy_private(&secret, &dir.join(SECRET))?;
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        kefu_version: env!("CARGO_PKG_VERSION").into(),
        source: if is_postgres(&url) {
            "postgres"
        } else {
            "sqlite"
        }
        .into(),
        created_at: now_ms(),
        tables,
        blobs,
    };
    std::fs::write(dir.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    println!(
        "exported {} to {} ({:.1} s): {}",
        redact_url(&url),
        dir.display(),
        started.elapsed().as_secs_f64(),
        summary(&manifest)
    );
    Ok(())
}

fn summary(m: &Manifest) -> String {
    let rows: u64 = m.tables.values().sum();
    format!(
        "{rows} rows in {} tables ({} messages, {} events), {} attachment files",
        m.tables.len(),
        m.tables.get("messages").copied().unwrap_or(0),
        m.tables.get("events").copied().unwrap_or(0),
        m.blobs
    )
}

pub async fn import(cfg: &Config, dir: &Path) -> anyhow::Result<()> {
    let url = cfg.database_url();
    let started = std::time::Instant::now();
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(dir.join(MANIFEST))
            .with_context(|| format!("reading {}", dir.join(MANIFEST).display()))?,
    )
    .context("reading the export's manifest")?;
    ensure!(
        manifest.format == FORMAT && manifest.version == VERSION,
        "unsupported export format {} version {}",
        manifest.format,
        manifest.version
    );
    if let Some(t) = manifest
        .tables
        .keys()
        .find(|t| !TABLES.contains(&t.as_str()))
    {
        bail!(
            "the export has a table this version does not know ({t}): import it with a newer Kefu"
        );
    }
    let blobs_dir = cfg.server.data_dir.join(BLOBS);
    ensure!(
        files_under(&blobs_dir)?.is_empty(),
        "{} already holds attachments; import into a new data folder",
        blobs_dir.display()
    );
    std::fs::create_dir_all(&cfg.server.data_dir)?;
    kefu_store::migrate(&url)
        .await
        .with_context(|| format!("preparing {}", redact_url(&url)))?;
    let before = kefu_store::backup::row_counts(&url).await?;
    if let Some((t, n)) = before.iter().find(|(_, n)| **n > 0) {
        bail!(
            "{} is not empty ({n} rows in {t}); import into an empty database",
            redact_url(&url)
        );
    }
    for table in TABLES {
        let Some(&expected) = manifest.tables.get(*table) else {
            continue;
        };
        let path: PathBuf = dir.join(TABLES_DIR).join(format!("{table}.jsonl"));
        let lines = BufReader::new(
            File::open(&path).with_context(|| format!("opening {}", path.display()))?,
        );
        let b = bar("importing", table);
        let n = import_table(&url, table, Box::new(lines), progress(&b))
            .await
            .with_context(|| format!("importing {table}"))?;
        b.finish_and_clear();
        ensure!(
            n == expected,
            "{table}: the export lists {expected} rows but {n} were imported"
        );
    }
    let blobs = copy_tree(&dir.join(BLOBS), &blobs_dir)?;
    ensure!(
        blobs == manifest.blobs,
        "the export lists {} attachment files but holds {blobs}",
        manifest.blobs
    );
    let secret = dir.join(SECRET);
    let target = cfg.server.data_dir.join(SECRET);
    if secret.is_file() && !target.exists() {
        copy_private(&secret, &target)?;
    }
    // What the database now says, against the manifest.
    let after = kefu_store::backup::row_counts(&url).await?;
    let wrong: Vec<String> = after
        .iter()
        .filter(|(t, n)| manifest.tables.get(*t).map(|&m| m as i64) != Some(**n))
        .map(|(t, n)| format!("{t}: {n} (export: {:?})", manifest.tables.get(t)))
        .collect();
    ensure!(
        wrong.is_empty(),
        "counts differ after the import: {wrong:?}"
    );
    println!(
        "imported {} into {} ({:.1} s): {}",
        dir.display(),
        redact_url(&url),
        started.elapsed().as_secs_f64(),
        summary(&manifest)
    );
    Ok(())
}
