//! The SQLite adapter. One file, WAL mode, `synchronous=FULL` (a commit is on
//! disk before it is acknowledged). Writes go through the group-committing
//! [`writer`]; reads use a separate pool of read-only connections, which WAL
//! lets run alongside the writer. An in-memory database has no WAL and every
//! connection would be a different database, so there the writer's one
//! connection serves reads too.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use kefu_core::StoreError;
use kefu_core::event::{Event, NewEvent, StreamCursor};
use kefu_core::model::*;
use kefu_core::page::Page;
use kefu_core::state::{Input, Policy};
use kefu_core::store::{
    Appended, Applied, ConversationFilter, ConversationPatch, NewConversation, NewMessage,
    PageRequest, ReadCursor, Session, StoreResult,
};
use kefu_core::{
    AccountId, AttachmentId, ContactId, ConversationId, InboxId, JobId, MessageId, SessionId,
    TeamId, Timestamp, TokenId, UserId,
};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::Notify;

use crate::OpenOptions;
use crate::error::db;

// Dialect hooks for the shared SQL: the single writer already excludes other
// writers, so there are no row locks, and the stream has no transaction ids.
macro_rules! for_update {
    () => {
        ""
    };
}
macro_rules! skip_locked {
    () => {
        ""
    };
}
macro_rules! tx_text {
    () => {
        "'0'"
    };
}

include!("../shared/sql.rs");

type Db = sqlx::Sqlite;
type Conn = sqlx::SqliteConnection;
type DbRow = sqlx::sqlite::SqliteRow;

mod rows {
    include!("../shared/rows.rs");
}
mod events {
    include!("../shared/events.rs");
}
mod directory {
    include!("../shared/directory.rs");
}
mod keyset {
    include!("../shared/keyset.rs");
}
mod contacts {
    include!("../shared/contacts.rs");
}
mod conversations {
    include!("../shared/conversations.rs");
}
mod messages {
    include!("../shared/messages.rs");
}
mod access {
    include!("../shared/access.rs");
}
mod jobs {
    include!("../shared/jobs.rs");
}
mod stream;
mod writer;

use writer::{BoxFut, Writer};

/// The SQLite store. Cheap to share behind an `Arc`; dropping the last
/// handle stops the writer after it drains its queue.
pub struct SqliteStore {
    writer: Writer,
    /// `None` for in-memory databases: reads then queue on the writer.
    reads: Option<SqlitePool>,
}

type Backend = SqliteStore;
const BACKEND: &str = "sqlite";

/// Connection options shared by the writer and the readers.
fn base_options(url: &str, opts: &OpenOptions) -> StoreResult<SqliteConnectOptions> {
    let o = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable(format!("invalid SQLite URL: {e}")))?;
    Ok(o.foreign_keys(true)
        .busy_timeout(opts.busy_timeout)
        // Deliberately FULL on every connection: with WAL, NORMAL would let
        // a power cut lose acknowledged commits.
        .synchronous(SqliteSynchronous::Full))
}

fn is_memory(url: &str, o: &SqliteConnectOptions) -> bool {
    url.contains(":memory:")
        || url.contains("mode=memory")
        || o.get_filename().as_os_str().is_empty()
}

/// Opens the write connection (creating the file and its directory) and
/// brings the schema up to date.
async fn open_writer(
    url: &str,
    opts: &OpenOptions,
) -> StoreResult<(sqlx::SqliteConnection, bool, SqliteConnectOptions)> {
    let base = base_options(url, opts)?;
    let memory = is_memory(url, &base);
    if !memory
        && let Some(dir) = base.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Unavailable(format!("creating {}: {e}", dir.display())))?;
    }
    let mut w = base.clone().create_if_missing(true);
    if !memory {
        w = w.journal_mode(SqliteJournalMode::Wal);
    }
    // Migrate through a one-connection pool and keep its connection: running
    // the migrator on a bare `&mut SqliteConnection` makes every caller's
    // future fail the `Send` check (sqlx's `Acquire` is not general enough).
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(w)
        .await
        .map_err(db)?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .map_err(|e| StoreError::Unavailable(format!("migrating the SQLite database: {e}")))?;
    let conn = pool.acquire().await.map_err(db)?.detach();
    pool.close().await;
    Ok((conn, memory, base))
}

/// Runs the migrations and closes the connection.
pub(crate) async fn migrate(url: &str) -> StoreResult<()> {
    use sqlx::Connection;
    let (conn, _, _) = open_writer(url, &OpenOptions::default()).await?;
    conn.close().await.map_err(db)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database, and starts the
    /// writer. `committed` is woken after every commit that wrote events.
    pub async fn open(url: &str, opts: &OpenOptions, committed: Arc<Notify>) -> StoreResult<Self> {
        let (conn, memory, base) = open_writer(url, opts).await?;
        let reads = if memory {
            None
        } else {
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .min_connections(0)
                .acquire_timeout(opts.acquire_timeout)
                .idle_timeout(Some(Duration::from_secs(600)))
                .connect_with(base.read_only(true))
                .await
                .map_err(db)?;
            Some(pool)
        };
        let writer = Writer::spawn(conn, committed, opts.write_batch, opts.write_queue);
        Ok(Self { writer, reads })
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, StoreResult<T>> + Send + 'static,
    {
        match &self.reads {
            Some(pool) => {
                let mut conn = pool.acquire().await.map_err(db)?;
                f(&mut conn).await
            }
            None => self.writer.submit(false, f).await,
        }
    }

    async fn write<T, F>(&self, events: bool, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, StoreResult<T>> + Send + 'static,
    {
        self.writer.submit(events, f).await
    }

    /// `PRAGMA synchronous` of the write connection (2 = FULL), for checks
    /// that acknowledged writes are durable.
    pub async fn synchronous(&self) -> StoreResult<i64> {
        self.write(false, |c| {
            Box::pin(async move {
                sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(&mut *c)
                    .await
                    .map_err(db)
            })
        })
        .await
    }

    /// `PRAGMA journal_mode` of the write connection (`wal` for files).
    pub async fn journal_mode(&self) -> StoreResult<String> {
        self.write(false, |c| {
            Box::pin(async move {
                sqlx::query_scalar("PRAGMA journal_mode")
                    .fetch_one(&mut *c)
                    .await
                    .map_err(db)
            })
        })
        .await
    }
}

include!("../shared/store_impl.rs");
