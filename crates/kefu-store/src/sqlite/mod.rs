//! The SQLite adapter. One file, WAL mode, `synchronous=FULL` (a commit is on
//! disk before it is acknowledged). Writes go through the group-committing
//! [`writer`]; reads use a separate pool of read-only connections
//! ([`readers`]), which WAL lets run alongside the writer. An in-memory
//! database has no WAL and every connection would be a different database,
//! so there the writer's one connection serves reads too.
//!
//! The driver is rusqlite behind the small sqlx-shaped API in [`lite`], so a
//! unit of work runs start to finish on the thread that owns its connection
//! (why: see `lite`).

use std::sync::Arc;

use kefu_core::StoreError;
use kefu_core::event::{Event, NewEvent, StreamCursor};
use kefu_core::model::*;
use kefu_core::page::Page;
use kefu_core::state::{Input, Policy};
use kefu_core::store::{
    Appended, Applied, Claim, ConversationFilter, ConversationPatch, KbFilter, KbImportCounts,
    KbImportMode, NewConversation, NewMessage, PageRequest, QaScoreFilter, QueuedConversation,
    ReadCursor, RosterEntry, Session, StoreResult,
};
use kefu_core::{
    AccountId, AttachmentId, CannedResponseId, ContactId, ConversationId, InboxId, JobId,
    KbEntryId, MessageId, SessionId, TeamId, Timestamp, TokenId, UserId,
};
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

use crate::OpenOptions;

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

// The contact id inside a contact event's data, written exactly as the
// `events_by_contact` index spells it so the index serves the lookup.
macro_rules! event_contact_id {
    () => {
        "json_extract(data, '$.contact.id')"
    };
}

include!("../shared/sql.rs");

mod lite;

type Db = lite::Sqlite;
type Conn = lite::Conn;
type DbRow = lite::Row;

/// The query API the shared SQL calls (`sql::query`, ...).
mod sql {
    pub(crate) use super::lite::{QueryBuilder, query, query_scalar};
}

/// A column type the shared row decoders may read.
pub(crate) trait Column<'r>: lite::Column {}
impl<T: lite::Column> Column<'_> for T {}

fn column<'r, T: Column<'r>>(row: &'r DbRow, col: &str) -> Result<T, lite::Error> {
    row.try_get(col)
}

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
mod like {
    include!("../shared/like.rs");
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
mod mentions {
    include!("../shared/mentions.rs");
}
mod csat {
    include!("../shared/csat.rs");
}
mod canned {
    include!("../shared/canned.rs");
}
mod kb {
    include!("../shared/kb.rs");
}
mod bot_questions {
    include!("../shared/bot_questions.rs");
}
mod access {
    include!("../shared/access.rs");
}
mod jobs {
    include!("../shared/jobs.rs");
}
mod routing {
    include!("../shared/routing.rs");
}
mod tickets {
    include!("../shared/tickets.rs");
}
mod qa {
    include!("../shared/qa.rs");
}
mod privacy {
    include!("../shared/privacy.rs");
}
pub(crate) mod connect;
mod migrate;
mod readers;
mod stream;
mod writer;

use readers::Readers;
use writer::{BoxFut, Writer};

/// The SQLite store. Cheap to share behind an `Arc`; dropping the last
/// handle stops the writer after it drains its queue.
pub struct SqliteStore {
    writer: Writer,
    /// `None` for in-memory databases: reads then queue on the writer.
    reads: Option<Readers>,
    replans: Arc<AtomicU64>,
    /// The database file (`None` in memory).
    path: Option<std::path::PathBuf>,
}

type Backend = SqliteStore;
const BACKEND: &str = "sqlite";

/// Opens the write connection (creating the file and its directory) and
/// brings the schema up to date. Blocking: call it off the async runtime.
fn open_writer(
    url: &str,
    opts: &OpenOptions,
    replans: Arc<AtomicU64>,
) -> StoreResult<(Conn, connect::Location)> {
    let at = connect::Location::parse(url)?;
    let mut conn = at.open_writer(opts.busy_timeout, replans)?;
    migrate::run(&mut conn)?;
    Ok((conn, at))
}

/// Runs the migrations and closes the connection.
pub(crate) async fn migrate(url: &str) -> StoreResult<()> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let opts = OpenOptions::default();
        open_writer(&url, &opts, Default::default()).map(drop)
    })
    .await
    .map_err(|e| StoreError::Unavailable(format!("migrating the SQLite database: {e}")))?
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database, and starts the
    /// writer. `committed` is woken after every commit that wrote events.
    pub async fn open(url: &str, opts: &OpenOptions, committed: Arc<Notify>) -> StoreResult<Self> {
        let replans = Arc::new(AtomicU64::new(0));
        let (url, o, r) = (url.to_owned(), opts.clone(), replans.clone());
        let (conn, at) = tokio::task::spawn_blocking(move || open_writer(&url, &o, r))
            .await
            .map_err(|e| StoreError::Unavailable(format!("opening the SQLite database: {e}")))??;
        let path = at.path().map(|p| p.to_owned());
        let reads = at.path().map(|path| {
            Readers::new(
                path.to_owned(),
                opts.busy_timeout,
                opts.max_connections.max(1) as usize,
                opts.acquire_timeout,
                replans.clone(),
            )
        });
        let writer = Writer::spawn(conn, committed, opts.write_batch, opts.write_queue);
        Ok(Self {
            writer,
            reads,
            replans,
            path,
        })
    }

    /// How many times SQLite re-planned a cached statement since the store
    /// opened. It should stay flat under steady load: each re-plan is a full
    /// parse, which the statement cache exists to avoid.
    pub fn replanned_statements(&self) -> u64 {
        self.replans.load(Ordering::Relaxed)
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, StoreResult<T>> + Send + 'static,
    {
        match &self.reads {
            Some(readers) => readers.run(f).await,
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

    /// Copies every committed page from the write-ahead log into the file
    /// and truncates the log, so page images from before an erasure are
    /// gone from disk too (the file's own freed space is zeroed by
    /// `secure_delete`). Retries while readers still use the log.
    async fn reclaim(&self) -> StoreResult<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || -> StoreResult<()> {
            let conn = rusqlite::Connection::open(&path).map_err(crate::error::db)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .map_err(crate::error::db)?;
            for attempt in 0..20 {
                let busy: i64 = conn
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                    .map_err(crate::error::db)?;
                if busy == 0 {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(50 << attempt.min(4)));
            }
            Err(StoreError::Unavailable(
                "the write-ahead log stayed busy; it is truncated at the next checkpoint".into(),
            ))
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("checkpointing: {e}")))?
    }

    /// `PRAGMA synchronous` of the write connection (2 = FULL), for checks
    /// that acknowledged writes are durable.
    pub async fn synchronous(&self) -> StoreResult<i64> {
        self.write(false, |c| {
            Box::pin(async move {
                lite::query_scalar("PRAGMA synchronous")
                    .fetch_one(c)
                    .await
                    .map_err(crate::error::db)
            })
        })
        .await
    }

    /// `PRAGMA journal_mode` of the write connection (`wal` for files).
    pub async fn journal_mode(&self) -> StoreResult<String> {
        self.write(false, |c| {
            Box::pin(async move {
                lite::query_scalar("PRAGMA journal_mode")
                    .fetch_one(c)
                    .await
                    .map_err(crate::error::db)
            })
        })
        .await
    }
}

include!("../shared/store_impl.rs");
