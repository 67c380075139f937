//! What `kefu backup` and `kefu restore` need from the database: a
//! consistent copy of a SQLite database while the server writes to it, a
//! PostgreSQL snapshot that `pg_dump` can share (so the counts in a backup's
//! manifest describe exactly what was dumped), and the row counts a
//! restore is checked against. Running `pg_dump` itself is the binary's job.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use kefu_core::StoreError;
use sqlx::Connection;

use crate::error::db;

/// The tables a backup counts: every kind of record a customer would miss.
pub const COUNTED: &[&str] = &[
    "accounts",
    "users",
    "inboxes",
    "contacts",
    "identities",
    "conversations",
    "messages",
    "events",
    "attachments",
    "csat_responses",
    "qa_scores",
    "kb_entries",
    "audit_log",
];

pub type Counts = BTreeMap<String, i64>;

fn count_sql(table: &str) -> String {
    // Table names come from COUNTED, never from input.
    format!("SELECT count(*) FROM {table}")
}

fn sqlite_file(url: &str) -> Result<std::path::PathBuf, StoreError> {
    crate::sqlite::connect::Location::parse(url)?
        .path()
        .map(Path::to_path_buf)
        .ok_or_else(|| StoreError::Unavailable("an in-memory database cannot be backed up".into()))
}

/// Copies the SQLite database at `url` into the new file `dest` with
/// `VACUUM INTO`: one read transaction, so the copy is the database as it was
/// at one commit however busy the writer is, and compacted.
pub async fn sqlite_snapshot(url: &str, dest: &Path) -> Result<(), StoreError> {
    let src = sqlite_file(url)?;
    let dest = dest.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open_with_flags(
            &src,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", src.display())))?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(db)?;
        let target = dest
            .to_str()
            .ok_or_else(|| StoreError::Unavailable("the backup path is not UTF-8".into()))?;
        conn.execute("VACUUM INTO ?1", [target]).map_err(db)?;
        Ok(())
    })
    .await
    .map_err(|e| StoreError::Unavailable(format!("copying the SQLite database: {e}")))?
}

/// The row counts of [`COUNTED`] in the database at `url` (a table this
/// version does not have counts as absent).
pub async fn row_counts(url: &str) -> Result<Counts, StoreError> {
    if url.starts_with("sqlite:") {
        let path = sqlite_file(url)?;
        return tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", path.display())))?;
            let mut out = Counts::new();
            for t in COUNTED {
                let exists: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        [t],
                        |r| r.get(0),
                    )
                    .map_err(db)?;
                if exists == 1 {
                    let n: i64 = conn
                        .query_row(&count_sql(t), [], |r| r.get(0))
                        .map_err(db)?;
                    out.insert((*t).to_string(), n);
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("counting rows: {e}")))?;
    }
    let mut conn = sqlx::PgConnection::connect_with(&crate::postgres::connect_options(url)?)
        .await
        .map_err(db)?;
    pg_counts(&mut conn).await
}

async fn pg_counts(conn: &mut sqlx::PgConnection) -> Result<Counts, StoreError> {
    let mut out = Counts::new();
    for t in COUNTED {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = $1)",
        )
        .bind(t)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        if exists {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql(t)))
                .fetch_one(&mut *conn)
                .await
                .map_err(db)?;
            out.insert((*t).to_string(), n);
        }
    }
    Ok(out)
}

/// A repeatable-read transaction whose snapshot is exported for `pg_dump
/// --snapshot`, so the dump and these counts see the same commits. Keep it
/// open until the dump has finished.
pub struct PgSnapshot {
    conn: sqlx::PgConnection,
    /// The snapshot's id for `pg_dump --snapshot`.
    pub id: String,
    /// The schema Kefu's tables are in (`current_schema()` of the URL).
    pub schema: String,
    pub counts: Counts,
}

impl PgSnapshot {
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let mut conn = sqlx::PgConnection::connect_with(&crate::postgres::connect_options(url)?)
            .await
            .map_err(db)?;
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut conn)
            .await
            .map_err(db)?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut conn)
            .await
            .map_err(db)?;
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&mut conn)
            .await
            .map_err(db)?;
        let schema = schema.ok_or_else(|| {
            StoreError::Unavailable(
                "the database URL's search_path names no existing schema".into(),
            )
        })?;
        let counts = pg_counts(&mut conn).await?;
        Ok(Self {
            conn,
            id,
            schema,
            counts,
        })
    }

    pub async fn close(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT")
            .execute(&mut self.conn)
            .await
            .map_err(db)?;
        self.conn.close().await.map_err(db)
    }
}

/// How many tables the PostgreSQL schema `schema` holds (0 when it does not
/// exist): a restore goes only into an empty one.
pub async fn pg_schema_tables(url: &str, schema: &str) -> Result<i64, StoreError> {
    let mut conn = sqlx::PgConnection::connect_with(&crate::postgres::connect_options(url)?)
        .await
        .map_err(db)?;
    sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = $1")
        .bind(schema)
        .fetch_one(&mut conn)
        .await
        .map_err(db)
}
