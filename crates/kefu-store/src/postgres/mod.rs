//! The PostgreSQL adapter. Every unit of work is one transaction on a pooled
//! connection with `synchronous_commit=on`; a conversation's row is locked
//! with `SELECT ... FOR UPDATE` for the duration, so concurrent appends and
//! claims serialize per conversation and nowhere else. Commits that write
//! events are announced with `NOTIFY kefu_events` (after the commit, see
//! `listener`), which every node's listener turns into a wake of its relay.

use std::str::FromStr;
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
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::sync::{Notify, oneshot};

use crate::OpenOptions;
use crate::error::db;

// Dialect hooks for the shared SQL.
macro_rules! for_update {
    () => {
        " FOR UPDATE"
    };
}
macro_rules! skip_locked {
    () => {
        " FOR UPDATE SKIP LOCKED"
    };
}
macro_rules! tx_text {
    () => {
        "tx::text"
    };
}

// The contact id inside a contact event's data, written exactly as the
// `events_by_contact` index spells it so the index serves the lookup.
macro_rules! event_contact_id {
    () => {
        "((data::jsonb -> 'contact') ->> 'id')"
    };
}

include!("../shared/sql.rs");

type Db = sqlx::Postgres;
type Conn = sqlx::PgConnection;
type DbRow = sqlx::postgres::PgRow;

/// The query API the shared SQL calls (`sql::query`, ...): sqlx itself.
mod sql {
    pub(crate) use sqlx::{QueryBuilder, query, query_scalar};
}

/// A column type the shared row decoders may read.
pub(crate) trait Column<'r>: sqlx::Decode<'r, Db> + sqlx::Type<Db> {}
impl<'r, T: sqlx::Decode<'r, Db> + sqlx::Type<Db>> Column<'r> for T {}

fn column<'r, T: Column<'r>>(row: &'r DbRow, col: &str) -> Result<T, sqlx::Error> {
    sqlx::Row::try_get(row, col)
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
mod listener;
mod stream;

type BoxFut<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// The PostgreSQL store. Dropping it stops its listener task.
pub struct PgStore {
    pool: PgPool,
    committed: Arc<Notify>,
    /// Rung after each commit that wrote events; `listener::announce`
    /// tells the other nodes.
    announce: Arc<Notify>,
    _stop_listener: oneshot::Sender<()>,
    _stop_announcer: oneshot::Sender<()>,
}

type Backend = PgStore;
const BACKEND: &str = "postgres";

pub(crate) fn connect_options(url: &str) -> StoreResult<PgConnectOptions> {
    let o = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?;
    // Set explicitly on every connection: a server or role default of `off`
    // (or `local` on a replica) would acknowledge commits that a crash can lose.
    Ok(o.options([("synchronous_commit", "on")])
        .application_name("kefu"))
}

async fn run_migrations(pool: &PgPool) -> StoreResult<()> {
    sqlx::migrate!("./migrations/postgres")
        .run(pool)
        .await
        .map_err(|e| StoreError::Unavailable(format!("migrating the PostgreSQL database: {e}")))
}

/// Runs the migrations and closes the connection.
pub(crate) async fn migrate(url: &str) -> StoreResult<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(connect_options(url)?)
        .await
        .map_err(db)?;
    let r = run_migrations(&pool).await;
    pool.close().await;
    r
}

impl PgStore {
    /// Connects, migrates, and starts the `LISTEN` task that wakes
    /// `committed` when any node commits events.
    pub async fn open(url: &str, opts: &OpenOptions, committed: Arc<Notify>) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect_options(url)?)
            .await
            .map_err(db)?;
        run_migrations(&pool).await?;
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(listener::run(pool.clone(), committed.clone(), stopped));
        let announce = Arc::new(Notify::new());
        let (stop_announcer, announcer_stopped) = oneshot::channel();
        tokio::spawn(listener::announce(
            pool.clone(),
            announce.clone(),
            announcer_stopped,
        ));
        Ok(Self {
            pool,
            committed,
            announce,
            _stop_listener: stop,
            _stop_announcer: stop_announcer,
        })
    }

    /// Dead row versions left by an erasure are reclaimed by autovacuum;
    /// nothing to do now (see docs/privacy.md).
    async fn reclaim(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, StoreResult<T>> + Send + 'static,
    {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        f(&mut conn).await
    }

    /// Runs one unit of work in its own transaction. It runs in its own task,
    /// so a caller that goes away (a client disconnecting mid-request) cannot
    /// drop the transaction half-way: it commits or rolls back either way.
    /// (Dropping sqlx 0.9.0 futures inside `begin` can return a connection
    /// with an open transaction to the pool.)
    async fn write<T, F>(&self, events: bool, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, StoreResult<T>> + Send + 'static,
    {
        let pool = self.pool.clone();
        let committed = self.committed.clone();
        let announce = self.announce.clone();
        let unit = tokio::spawn(async move {
            let mut tx = pool.begin().await.map_err(db)?;
            let value = match f(&mut tx).await {
                Ok(v) => v,
                Err(e) => {
                    // Dropping the transaction would roll back too, but only once
                    // the connection is next used; say it now and free the locks.
                    let _ = tx.rollback().await;
                    return Err(e);
                }
            };
            tx.commit().await.map_err(db)?;
            if events {
                // Wake this node's relay now rather than after the NOTIFY's
                // round trip through the listener; then tell other nodes.
                listener::wake(&committed);
                announce.notify_one();
            }
            Ok(value)
        });
        unit.await
            .map_err(|e| StoreError::Database(format!("unit of work failed: {e}")))?
    }

    /// `SHOW synchronous_commit` on a pooled connection (`on` is durable).
    pub async fn synchronous_commit(&self) -> StoreResult<String> {
        self.read(|c| {
            Box::pin(async move {
                sqlx::query_scalar("SHOW synchronous_commit")
                    .fetch_one(&mut *c)
                    .await
                    .map_err(db)
            })
        })
        .await
    }
}

include!("../shared/store_impl.rs");
