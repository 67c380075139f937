//! `kefu backup FILE` and `kefu restore FILE`: one zstd-compressed tar file
//! holding the database as of one commit, the attachments, the server's
//! secret key and a manifest with the row counts of what was copied.
//!
//! - SQLite: `VACUUM INTO` a copy, one read transaction while the server
//!   keeps writing.
//! - PostgreSQL: `pg_dump --format=custom` of the URL's schema, sharing an
//!   exported snapshot with the transaction that counts the rows, so the
//!   manifest describes exactly what was dumped.
//!
//! Attachments are files written before their database row, so copying the
//! folder after the database snapshot finds every attachment the snapshot
//! names (and perhaps a few newer ones, which are harmless).
//!
//! A restore goes only into an empty place (a new data folder, or a
//! PostgreSQL database without the schema), migrates what it restored up to
//! this version, and checks every count against the manifest.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use kefu_store::backup::{Counts, PgSnapshot};
use serde::{Deserialize, Serialize};

use crate::config::{Config, redact_url};

const FORMAT: &str = "kefu-backup";
const VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const SQLITE_DB: &str = "database.sqlite";
const PG_DUMP: &str = "database.pgdump";
pub(crate) const SECRET: &str = "secret.key";
pub(crate) const BLOBS: &str = "blobs";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    kefu_version: String,
    /// `sqlite` or `postgres`.
    backend: String,
    /// PostgreSQL: the schema the tables were in (restored into the same).
    schema: Option<String>,
    /// Milliseconds since the Unix epoch.
    created_at: i64,
    counts: Counts,
    blobs: u64,
}

pub(crate) fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// A URL for libpq tools without its password, which goes in `PGPASSWORD`
/// instead: command lines are visible to every local user.
fn libpq(url: &str) -> (String, Option<String>) {
    if let (Some(s), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > s
        && let Some((user, password)) = url[s + 3..at].split_once(':')
    {
        return (
            format!("{}{user}{}", &url[..s + 3], &url[at..]),
            Some(password.to_string()),
        );
    }
    (url.to_string(), None)
}

fn run_tool(mut cmd: Command, url: &str, what: &str) -> anyhow::Result<()> {
    let (dbname, password) = libpq(url);
    cmd.arg(format!("--dbname={dbname}"));
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd
        .output()
        .with_context(|| format!("running {what} (is the PostgreSQL client installed?)"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).replace(&dbname, &redact_url(url))
        );
    }
    Ok(())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Every file under `dir`, relative to it, sorted.
pub(crate) fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir)?.to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn private_file(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Copies a secret file, readable by its owner only.
pub(crate) fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut out = private_file(to).with_context(|| format!("writing {}", to.display()))?;
    std::io::copy(&mut File::open(from)?, &mut out)?;
    out.sync_all()?;
    Ok(())
}

pub async fn backup(cfg: &Config, file: &Path) -> anyhow::Result<()> {
    let url = cfg.database_url();
    let data_dir = &cfg.server.data_dir;
    ensure!(
        !file.exists(),
        "{} exists; a backup never overwrites a file",
        file.display()
    );
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".kefu-backup-")
        .tempdir_in(&parent)
        .with_context(|| format!("making a work folder in {}", parent.display()))?;
    let started = std::time::Instant::now();

    let (backend, schema, counts, db_name) = if is_postgres(&url) {
        let snap = PgSnapshot::open(&url)
            .await
            .with_context(|| format!("opening a snapshot of {}", redact_url(&url)))?;
        let dump = work.path().join(PG_DUMP);
        let mut cmd = Command::new("pg_dump");
        cmd.args(["--format=custom", "--no-owner", "--no-privileges"])
            .arg(format!("--schema={}", snap.schema))
            .arg(format!("--snapshot={}", snap.id))
            .arg("--file")
            .arg(&dump);
        let dumped = run_tool(cmd, &url, "pg_dump");
        let (schema, counts) = (snap.schema.clone(), snap.counts.clone());
        snap.close().await?;
        dumped?;
        ("postgres", Some(schema), counts, PG_DUMP)
    } else {
        let copy = work.path().join(SQLITE_DB);
        kefu_store::backup::sqlite_snapshot(&url, &copy)
            .await
            .with_context(|| format!("copying {}", redact_url(&url)))?;
        let counts =
            kefu_store::backup::row_counts(&format!("sqlite://{}", copy.display())).await?;
        ("sqlite", None, counts, SQLITE_DB)
    };

    let blobs_dir = data_dir.join(BLOBS);
    let blobs = files_under(&blobs_dir)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        kefu_version: env!("CARGO_PKG_VERSION").into(),
        backend: backend.into(),
        schema,
        created_at: now_ms(),
        counts,
        blobs: blobs.len() as u64,
    };
    let partial = work.path().join("backup.partial");
    {
        let out = BufWriter::new(private_file(&partial)?);
        let mut zst = zstd::Encoder::new(out, 3)?;
        {
            let mut tar = tar::Builder::new(&mut zst);
            let json = serde_json::to_vec_pretty(&manifest)?;
            let mut header = tar::Header::new_gnu();
            header.set_size(json.len() as u64);
            header.set_mode(0o600);
            header.set_mtime((manifest.created_at / 1000) as u64);
            header.set_cksum();
            tar.append_data(&mut header, MANIFEST, json.as_slice())?;
            tar.append_path_with_name(work.path().join(db_name), db_name)?;
            let secret = data_dir.join(SECRET);
            if secret.is_file() {
                tar.append_path_with_name(&secret, SECRET)?;
            }
            for rel in &blobs {
                tar.append_path_with_name(blobs_dir.join(rel), Path::new(BLOBS).join(rel))
                    .with_context(|| format!("adding attachment {}", rel.display()))?;
            }
            tar.finish()?;
        }
        let mut out = zst.finish()?;
        out.flush()?;
        out.get_ref().sync_all()?;
    }
    std::fs::rename(&partial, file).with_context(|| format!("writing {}", file.display()))?;
    let size = std::fs::metadata(file)?.len();
    println!(
        "backup of {} written to {} ({:.1} MB, {:.1} s): {}",
        redact_url(&url),
        file.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        summary(&manifest)
    );
    Ok(())
}

fn summary(m: &Manifest) -> String {
    let mut parts: Vec<String> = m.counts.iter().map(|(t, n)| format!("{n} {t}")).collect();
    parts.push(format!("{} attachment files", m.blobs));
    parts.join(", ")
}

/// An archive entry's path, if it is one a backup writes.
fn entry_kind(path: &Path) -> Option<&'static str> {
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let s = path.to_str()?;
    Some(match s {
        MANIFEST => MANIFEST,
        SQLITE_DB => SQLITE_DB,
        PG_DUMP => PG_DUMP,
        SECRET => SECRET,
        _ if path.starts_with(BLOBS) && path.components().count() > 1 => BLOBS,
        _ => return None,
    })
}

fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .context("not a sqlite: URL")?;
    let file = rest.split('?').next().unwrap_or_default();
    ensure!(
        !file.is_empty() && file != ":memory:",
        "cannot restore into an in-memory database"
    );
    Ok(PathBuf::from(file))
}

pub async fn restore(cfg: &Config, file: &Path) -> anyhow::Result<()> {
    let url = cfg.database_url();
    let data_dir = cfg.server.data_dir.clone();
    let started = std::time::Instant::now();
    let reader =
        BufReader::new(File::open(file).with_context(|| format!("opening {}", file.display()))?);
    let mut tar =
        tar::Archive::new(zstd::Decoder::new(reader).context("not a Kefu backup (zstd)")?);
    let mut entries = tar.entries().context("not a Kefu backup (tar)")?;

    let mut first = entries
        .next()
        .context("not a Kefu backup: it is empty")?
        .context("not a Kefu backup: it cannot be read")?;
    ensure!(
        first.path()?.as_ref() == Path::new(MANIFEST),
        "not a Kefu backup: it does not start with {MANIFEST}"
    );
    let mut json = Vec::new();
    first.read_to_end(&mut json)?;
    let manifest: Manifest = serde_json::from_slice(&json).context("reading the manifest")?;
    ensure!(
        manifest.format == FORMAT && manifest.version == VERSION,
        "unsupported backup format {} version {}",
        manifest.format,
        manifest.version
    );

    // Only into an empty place.
    let blobs_dir = data_dir.join(BLOBS);
    ensure!(
        files_under(&blobs_dir)?.is_empty(),
        "{} already holds attachments; restore into a new data folder",
        blobs_dir.display()
    );
    let target_db = match (manifest.backend.as_str(), is_postgres(&url)) {
        ("sqlite", false) => {
            let path = sqlite_path(&url)?;
            ensure!(
                !path.exists(),
                "{} exists; restore into a new data folder (or move it away first)",
                path.display()
            );
            Some(path)
        }
        ("postgres", true) => {
            let schema = manifest
                .schema
                .as_deref()
                .context("the manifest names no schema")?;
            let tables = kefu_store::backup::pg_schema_tables(&url, schema).await?;
            ensure!(
                tables == 0,
                "schema `{schema}` of {} already has {tables} tables; restore into an empty database",
                redact_url(&url)
            );
            None
        }
        (b, _) => bail!(
            "this is a {b} backup and the target is {}: a backup restores to the same kind of database",
            redact_url(&url)
        ),
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".kefu-restore-")
        .tempdir_in(&data_dir)?;

    let mut blobs = 0u64;
    let mut database = None;
    for entry in entries {
        let mut entry = entry.context("reading the backup")?;
        let path = entry.path()?.into_owned();
        let kind = entry_kind(&path)
            .with_context(|| format!("unexpected entry {} in the backup", path.display()))?;
        match kind {
            SQLITE_DB | PG_DUMP => {
                let to = work.path().join(kind);
                entry.unpack(&to)?;
                database = Some(to);
            }
            SECRET => {
                let to = data_dir.join(SECRET);
                if to.exists() {
                    eprintln!("keeping the existing {}", to.display());
                } else {
                    let mut out = private_file(&to)?;
                    std::io::copy(&mut entry, &mut out)?;
                    out.sync_all()?;
                }
            }
            BLOBS => {
                let to = data_dir.join(&path);
                if let Some(dir) = to.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                entry.unpack(&to)?;
                blobs += 1;
            }
            _ => bail!("unexpected entry {}", path.display()),
        }
    }
    let database = database.context("the backup holds no database")?;
    match target_db {
        Some(path) => {
            if let Some(dir) = path.parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)?;
            }
            File::open(&database)?.sync_all()?;
            std::fs::rename(&database, &path)
                .with_context(|| format!("moving the database to {}", path.display()))?;
        }
        None => {
            let mut cmd = Command::new("pg_restore");
            cmd.args([
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
            ])
            .arg(&database);
            run_tool(cmd, &url, "pg_restore")?;
        }
    }

    // Up to this version's schema, then every count as the manifest says.
    kefu_store::migrate(&url)
        .await
        .with_context(|| format!("migrating the restored {}", redact_url(&url)))?;
    let counts = kefu_store::backup::row_counts(&url).await?;
    let wrong: BTreeMap<&String, (i64, Option<&i64>)> = manifest
        .counts
        .iter()
        .filter(|(t, n)| counts.get(*t) != Some(n))
        .map(|(t, n)| (t, (*n, counts.get(t))))
        .collect();
    ensure!(
        wrong.is_empty(),
        "the restored database does not match the backup (table: (backed up, restored)): {wrong:?}{}",
        match &manifest.schema {
            Some(s) => format!("; is the URL's search_path `{s}`?"),
            None => String::new(),
        }
    );
    ensure!(
        blobs == manifest.blobs,
        "the backup lists {} attachment files but holds {blobs}",
        manifest.blobs
    );
    println!(
        "restored {} into {} ({:.1} s): {}",
        file.display(),
        redact_url(&url),
        started.elapsed().as_secs_f64(),
        summary(&manifest)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_off_the_command_line() {
        assert_eq!(
            libpq("postgres://kefu:s3cr:et@db:5432/kefu?sslmode=require"),
            (
                "postgres://kefu@db:5432/kefu?sslmode=require".into(),
                Some("s3cr:et".into())
            )
        );
        assert_eq!(
            libpq("postgres://postgres@127.0.0.1/test"),
            ("postgres://postgres@127.0.0.1/test".into(), None)
        );
    }

    #[test]
    fn only_a_backups_own_entries_are_restored() {
        assert_eq!(entry_kind(Path::new("manifest.json")), Some(MANIFEST));
        assert_eq!(entry_kind(Path::new("blobs/ab/cdef")), Some(BLOBS));
        assert_eq!(entry_kind(Path::new("blobs")), None);
        assert_eq!(entry_kind(Path::new("blobs/../../etc/passwd")), None);
        assert_eq!(entry_kind(Path::new("/etc/passwd")), None);
        assert_eq!(entry_kind(Path::new("other.txt")), None);
    }
}
