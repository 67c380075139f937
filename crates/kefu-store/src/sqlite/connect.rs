//! Where the database lives and how its connections are set up.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use kefu_core::StoreError;
use rusqlite::OpenFlags;

use super::Conn;
use crate::error::db;

/// Prepared statements kept per connection. Kefu's SQL is a fixed set of a
/// few dozen statements (plus list queries whose filters vary), so every hot
/// statement stays prepared.
const STATEMENT_CACHE: usize = 256;

/// A database file, or an in-memory database.
#[derive(Clone, Debug)]
pub(crate) struct Location {
    path: Option<PathBuf>,
}

impl Location {
    /// Reads `sqlite://PATH` (`sqlite:///abs/path`, `sqlite://rel/path`),
    /// `sqlite:PATH`, and `sqlite::memory:` (or `?mode=memory`). Other query
    /// parameters are ignored.
    pub(crate) fn parse(url: &str) -> Result<Self, StoreError> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| StoreError::Unavailable("not a sqlite: URL".into()))?;
        let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
        let memory =
            file.is_empty() || file == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
        Ok(Self {
            path: (!memory).then(|| PathBuf::from(file)),
        })
    }

    /// The file, or `None` in memory.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The read-write connection, creating the file (and its folder) if
    /// missing, in WAL mode.
    pub(crate) fn open_writer(
        &self,
        busy: Duration,
        replans: Arc<AtomicU64>,
    ) -> Result<Conn, StoreError> {
        let conn = match &self.path {
            None => rusqlite::Connection::open_in_memory().map_err(db)?,
            Some(path) => {
                if let Some(dir) = path.parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("creating {}: {e}", dir.display()))
                    })?;
                }
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = rusqlite::Connection::open_with_flags(path, flags)
                    .map_err(|e| unavailable(path, e))?;
                // WAL lets readers run beside the writer; it is persistent,
                // so setting it on the writer is enough.
                let mode: String = conn
                    .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                    .map_err(db)?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(StoreError::Unavailable(format!(
                        "{} cannot use WAL (journal_mode is {mode})",
                        path.display()
                    )));
                }
                conn
            }
        };
        setup(&conn, busy)?;
        Ok(Conn::new(conn, replans))
    }

    /// A read-only connection to the file.
    pub(crate) fn open_reader(
        path: &Path,
        busy: Duration,
        replans: Arc<AtomicU64>,
    ) -> Result<Conn, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            rusqlite::Connection::open_with_flags(path, flags).map_err(|e| unavailable(path, e))?;
        setup(&conn, busy)?;
        Ok(Conn::new(conn, replans))
    }
}

fn unavailable(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("opening {}: {e}", path.display()))
}

fn setup(conn: &rusqlite::Connection, busy: Duration) -> Result<(), StoreError> {
    conn.busy_timeout(busy).map_err(db)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Deliberately FULL on every connection: with WAL, NORMAL would let a
    // power cut lose acknowledged commits.
    // secure_delete: what a privacy erasure or retention removes is
    // overwritten with zeros in the file, not left in free space.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;",
    )
    .map_err(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let p = |u: &str| {
            Location::parse(u)
                .unwrap()
                .path
                .map(|p| p.display().to_string())
        };
        assert_eq!(p("sqlite://data/kefu.db").as_deref(), Some("data/kefu.db"));
        assert_eq!(
            p("sqlite:///tmp/k.db?mode=rwc").as_deref(),
            Some("/tmp/k.db")
        );
        assert_eq!(p("sqlite:k.db").as_deref(), Some("k.db"));
        assert_eq!(p("sqlite::memory:"), None);
        assert_eq!(p("sqlite://x.db?mode=memory"), None);
        assert!(Location::parse("postgres://x").is_err());
    }
}
