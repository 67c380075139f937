//! Kefu's storage port (`kefu_core::store::Store`) on SQLite and PostgreSQL.
//!
//! [`open`] picks the backend from the URL, runs its migrations and returns
//! the store together with a commit signal for the outbox relay. The SQL both
//! dialects agree on exists once, in `src/shared/`, and is `include!`d into
//! each backend module against that module's `Db`/`Conn` aliases; only what
//! differs (locking, the event stream order, connection setup) is written per
//! backend. The contract suite in `tests/contract` runs on both.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use kefu_core::StoreError;
use kefu_core::store::Store;
use tokio::sync::Notify;

pub mod backup;
mod error;
mod paging;
pub mod postgres;
pub mod sqlite;
pub mod transfer;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Pool and writer settings. The defaults suit one node on a small machine.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// PostgreSQL pool size, or the number of SQLite read connections.
    pub max_connections: u32,
    /// How long a caller waits for a pooled connection before `Unavailable`.
    pub acquire_timeout: Duration,
    /// How long SQLite waits for a lock held by another process.
    pub busy_timeout: Duration,
    /// Most units of work the SQLite writer commits together.
    pub write_batch: usize,
    /// Units of work that may queue for the SQLite writer before callers wait.
    pub write_queue: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
            write_batch: 256,
            write_queue: 4096,
        }
    }
}

/// An open store and its commit signal.
pub struct Opened {
    pub store: Arc<dyn Store>,
    /// Woken (`notify_waiters` and `notify_one`) after every commit that
    /// wrote events; on PostgreSQL also when another node's commit is
    /// announced on `LISTEN kefu_events`. The relay should still poll, since
    /// a signal is a hint, not a delivery guarantee.
    pub committed: Arc<Notify>,
}

enum Backend {
    Sqlite,
    Postgres,
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        // The URL itself is not echoed: it may carry a password.
        Err(StoreError::Unavailable(
            "unsupported database URL: expected sqlite://PATH, sqlite::memory: or postgres://..."
                .into(),
        ))
    }
}

/// Opens the database at `url` (`sqlite://PATH`, `sqlite::memory:` or
/// `postgres://...`), creating a SQLite file and its directory if missing,
/// and brings its schema up to date.
pub async fn open(url: &str, opts: OpenOptions) -> Result<Opened, StoreError> {
    let committed = Arc::new(Notify::new());
    let store: Arc<dyn Store> = match backend_of(url)? {
        Backend::Sqlite => Arc::new(SqliteStore::open(url, &opts, committed.clone()).await?),
        Backend::Postgres => Arc::new(PgStore::open(url, &opts, committed.clone()).await?),
    };
    Ok(Opened { store, committed })
}

/// Brings the schema at `url` up to date without keeping a store open (for
/// a `kefu migrate` command).
pub async fn migrate(url: &str) -> Result<(), StoreError> {
    match backend_of(url)? {
        Backend::Sqlite => sqlite::migrate(url).await,
        Backend::Postgres => postgres::migrate(url).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_send<T: Send>(_: T) {}

    /// Servers and CLIs spawn these futures, so they must stay `Send` (sqlx
    /// makes that easy to lose; see `sqlite::open_writer`). Compiling is the test.
    #[test]
    fn public_futures_are_send() {
        is_send(open("", OpenOptions::default()));
        is_send(migrate(""));
        let opts = OpenOptions::default();
        is_send(SqliteStore::open("", &opts, Arc::new(Notify::new())));
        is_send(PgStore::open("", &opts, Arc::new(Notify::new())));
    }
}
