//! Moving a whole installation between databases (`kefu export` and
//! `kefu import`): every table, row by row, as JSON lines whose values do
//! not depend on the backend, so SQLite → PostgreSQL and back is the same
//! code.
//!
//! The two schemas are the same tables and columns with each backend's
//! types: a UUID is a 16-byte BLOB on SQLite and `uuid` on PostgreSQL, a
//! boolean is an INTEGER on SQLite, times and counts are 64-bit integers,
//! and everything else (JSON documents included) is text. A row is written
//! as a JSON object of column → string (UUIDs and text), number or
//! boolean, and read back into whatever type the target's column has.
//! Importing into a freshly migrated, empty database keeps every id, event
//! sequence and stream position.

use std::io::{BufRead, Write};

use futures_util::TryStreamExt;
use kefu_core::StoreError;
use serde_json::{Map, Value};
use sqlx::{Column, Connection, Row};
use uuid::Uuid;

use crate::error::db;

/// Every table, in the order the migrations create them, so a table comes
/// after the tables it refers to (the contract test checks the list against
/// the schema).
pub const TABLES: &[&str] = &[
    "accounts",
    "users",
    "members",
    "teams",
    "team_members",
    "inboxes",
    "inbox_members",
    "contacts",
    "identities",
    "conversations",
    "messages",
    "events",
    "read_cursors",
    "attachments",
    "sessions",
    "api_tokens",
    "audit_log",
    "jobs",
    "csat_responses",
    "canned_responses",
    "kb_entries",
    "kb_revisions",
    "bot_questions",
    "ticket_fields",
    "conversation_links",
    "mentions",
    "qa_settings",
    "qa_scores",
    "qa_alerts",
    "sentiment_labels",
    "sentiment_models",
    "retention_policies",
];

/// Rows per INSERT statement.
const BATCH: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Uuid,
    Int,
    Int32,
    Bool,
    Text,
}

fn bad(table: &str, column: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("{table}.{column}: {what}"))
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn sqlite_path(url: &str) -> Result<std::path::PathBuf, StoreError> {
    crate::sqlite::connect::Location::parse(url)?
        .path()
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| StoreError::Unavailable("an in-memory database cannot be moved".into()))
}

/// The columns of `table` on SQLite: (name, kind) in table order. Booleans
/// are INTEGER there, which is all an import into SQLite needs to know.
fn sqlite_columns(
    conn: &rusqlite::Connection,
    table: &str,
) -> Result<Vec<(String, Kind)>, StoreError> {
    let mut stmt = conn
        .prepare(&format!("PRAGMA table_info({table})"))
        .map_err(db)?;
    let cols = stmt
        .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)?;
    cols.into_iter()
        .map(|(name, ty)| {
            let kind = match ty.to_ascii_uppercase().as_str() {
                "BLOB" => Kind::Uuid,
                "INTEGER" => Kind::Int,
                "TEXT" => Kind::Text,
                other => return Err(bad(table, &name, format!("unexpected type {other}"))),
            };
            Ok((name, kind))
        })
        .collect()
}

async fn pg_columns(
    conn: &mut sqlx::PgConnection,
    table: &str,
) -> Result<Vec<(String, Kind)>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.into_iter()
        // `events.tx` (xid8) is PostgreSQL's own stream order, the writing
        // transaction: an import's rows take the importing transaction's.
        .filter(|(_, ty)| ty != "xid8")
        .map(|(name, ty)| {
            let kind = match ty.as_str() {
                "uuid" => Kind::Uuid,
                "bigint" => Kind::Int,
                "integer" => Kind::Int32,
                "boolean" => Kind::Bool,
                "text" => Kind::Text,
                other => return Err(bad(table, &name, format!("unexpected type {other}"))),
            };
            Ok((name, kind))
        })
        .collect()
}

async fn pg_connect(url: &str) -> Result<sqlx::PgConnection, StoreError> {
    sqlx::PgConnection::connect_with(&crate::postgres::connect_options(url)?)
        .await
        .map_err(db)
}

/// Where exported rows go: JSON lines, with the running count reported
/// every thousand rows and at the end.
struct Sink {
    out: Box<dyn Write + Send>,
    progress: Box<dyn Fn(u64) + Send>,
    n: u64,
}

fn write_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("writing the export: {e}"))
}

impl Sink {
    fn row(&mut self, row: &Map<String, Value>) -> Result<(), StoreError> {
        serde_json::to_writer(&mut self.out, row).map_err(write_error)?;
        self.out.write_all(b"\n").map_err(write_error)?;
        self.n += 1;
        if self.n.is_multiple_of(1000) {
            (self.progress)(self.n);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<u64, StoreError> {
        self.out.flush().map_err(write_error)?;
        (self.progress)(self.n);
        Ok(self.n)
    }
}

/// Writes every row of `table` to `out` as JSON lines, in primary-key
/// order; returns how many. `progress` is told the running count.
pub async fn export_table(
    url: &str,
    table: &'static str,
    out: Box<dyn Write + Send>,
    progress: Box<dyn Fn(u64) + Send>,
) -> Result<u64, StoreError> {
    let mut sink = Sink {
        out,
        progress,
        n: 0,
    };
    if is_sqlite(url) {
        let path = sqlite_path(url)?;
        return tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", path.display())))?;
            let cols = sqlite_columns(&conn, table)?;
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
                .map_err(db)?;
            let mut rows = stmt.query([]).map_err(db)?;
            while let Some(r) = rows.next().map_err(db)? {
                let mut obj = Map::with_capacity(cols.len());
                for (i, (name, _)) in cols.iter().enumerate() {
                    use rusqlite::types::ValueRef;
                    let v = match r.get_ref(i).map_err(db)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(x) => Value::from(x),
                        ValueRef::Real(x) => Value::from(x),
                        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Value::from(
                            Uuid::from_slice(b)
                                .map_err(|e| bad(table, name, e))?
                                .to_string(),
                        ),
                    };
                    obj.insert(name.clone(), v);
                }
                sink.row(&obj)?;
            }
            sink.finish()
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("exporting {table}: {e}")))?;
    }
    let mut conn = pg_connect(url).await?;
    let cols = pg_columns(&mut conn, table).await?;
    // The primary key's order where there is one (the first column).
    let first = &cols
        .first()
        .ok_or_else(|| bad(table, "*", "no such table"))?
        .0;
    let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
    let sql = format!("SELECT {} FROM {table} ORDER BY {first}", names.join(", "));
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut conn);
    while let Some(r) = rows.try_next().await.map_err(db)? {
        let mut obj = Map::with_capacity(cols.len());
        for (i, (name, kind)) in cols.iter().enumerate() {
            debug_assert_eq!(r.column(i).name(), name);
            let v = match kind {
                Kind::Uuid => r
                    .try_get::<Option<Uuid>, _>(i)
                    .map_err(db)?
                    .map_or(Value::Null, |u| Value::from(u.to_string())),
                Kind::Int => r
                    .try_get::<Option<i64>, _>(i)
                    .map_err(db)?
                    .map_or(Value::Null, Value::from),
                Kind::Int32 => r
                    .try_get::<Option<i32>, _>(i)
                    .map_err(db)?
                    .map_or(Value::Null, Value::from),
                Kind::Bool => r
                    .try_get::<Option<bool>, _>(i)
                    .map_err(db)?
                    .map_or(Value::Null, Value::from),
                Kind::Text => r
                    .try_get::<Option<String>, _>(i)
                    .map_err(db)?
                    .map_or(Value::Null, Value::from),
            };
            obj.insert(name.clone(), v);
        }
        sink.row(&obj)?;
    }
    sink.finish()
}

fn as_uuid(table: &str, col: &str, v: &Value) -> Result<Option<Uuid>, StoreError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => s.parse().map(Some).map_err(|e| bad(table, col, e)),
        other => Err(bad(table, col, format!("not a UUID: {other}"))),
    }
}

fn as_int(table: &str, col: &str, v: &Value) -> Result<Option<i64>, StoreError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(table, col, format!("not an integer: {n}"))),
        other => Err(bad(table, col, format!("not an integer: {other}"))),
    }
}

fn as_text(table: &str, col: &str, v: &Value) -> Result<Option<String>, StoreError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(bad(table, col, format!("not text: {other}"))),
    }
}

fn parse_line(table: &str, line: &str, n: u64) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(line)
        .map_err(|e| StoreError::Unavailable(format!("{table} line {}: {e}", n + 1)))
}

/// Inserts every JSON line of `lines` into `table` (which must be empty);
/// returns how many rows.
pub async fn import_table(
    url: &str,
    table: &'static str,
    lines: Box<dyn BufRead + Send>,
    progress: Box<dyn Fn(u64) + Send>,
) -> Result<u64, StoreError> {
    if is_sqlite(url) {
        let path = sqlite_path(url)?;
        return tokio::task::spawn_blocking(move || {
            let mut conn = rusqlite::Connection::open(&path)
                .map_err(|e| StoreError::Unavailable(format!("opening {}: {e}", path.display())))?;
            conn.pragma_update(None, "foreign_keys", true).map_err(db)?;
            let cols = sqlite_columns(&conn, table)?;
            let tx = conn.transaction().map_err(db)?;
            let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                vec!["?"; names.len()].join(", ")
            );
            let mut n = 0u64;
            {
                let mut stmt = tx.prepare(&sql).map_err(db)?;
                for line in lines.lines() {
                    let line =
                        line.map_err(|e| StoreError::Unavailable(format!("reading {table}: {e}")))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let row = parse_line(table, &line, n)?;
                    let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(cols.len());
                    for (name, kind) in &cols {
                        use rusqlite::types::Value as V;
                        let v = row.get(name).unwrap_or(&Value::Null);
                        values.push(match kind {
                            Kind::Uuid => as_uuid(table, name, v)?
                                .map_or(V::Null, |u| V::Blob(u.as_bytes().to_vec())),
                            Kind::Text => as_text(table, name, v)?.map_or(V::Null, V::Text),
                            _ => as_int(table, name, v)?.map_or(V::Null, V::Integer),
                        });
                    }
                    stmt.execute(rusqlite::params_from_iter(values))
                        .map_err(db)?;
                    n += 1;
                    if n.is_multiple_of(1000) {
                        progress(n);
                    }
                }
            }
            tx.commit().map_err(db)?;
            progress(n);
            Ok(n)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("importing {table}: {e}")))?;
    }
    let mut conn = pg_connect(url).await?;
    let cols = pg_columns(&mut conn, table).await?;
    if cols.is_empty() {
        return Err(bad(table, "*", "no such table"));
    }
    let mut tx = conn.begin().await.map_err(db)?;
    let mut batch: Vec<Map<String, Value>> = Vec::with_capacity(BATCH);
    let mut n = 0u64;
    let mut lines = lines.lines();
    loop {
        let line = lines
            .next()
            .transpose()
            .map_err(|e| StoreError::Unavailable(format!("reading {table}: {e}")))?;
        if let Some(l) = &line
            && !l.trim().is_empty()
        {
            batch.push(parse_line(table, l, n + batch.len() as u64)?);
        }
        if batch.len() == BATCH || (line.is_none() && !batch.is_empty()) {
            let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
                "INSERT INTO {table} ({}) ",
                cols.iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let mut failed = None;
            q.push_values(&batch, |mut b, row| {
                for (name, kind) in &cols {
                    let v = row.get(name).unwrap_or(&Value::Null);
                    let r = match kind {
                        Kind::Uuid => as_uuid(table, name, v).map(|x| {
                            b.push_bind(x);
                        }),
                        Kind::Int => as_int(table, name, v).map(|x| {
                            b.push_bind(x);
                        }),
                        Kind::Int32 => as_int(table, name, v).and_then(|x| {
                            let x = x
                                .map(i32::try_from)
                                .transpose()
                                .map_err(|e| bad(table, name, e))?;
                            b.push_bind(x);
                            Ok(())
                        }),
                        Kind::Bool => as_int(table, name, v).map(|x| {
                            b.push_bind(x.map(|i| i != 0));
                        }),
                        Kind::Text => as_text(table, name, v).map(|x| {
                            b.push_bind(x);
                        }),
                    };
                    if let Err(e) = r {
                        failed.get_or_insert(e);
                    }
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
            q.build().execute(&mut *tx).await.map_err(db)?;
            n += batch.len() as u64;
            batch.clear();
            progress(n);
        }
        if line.is_none() {
            break;
        }
    }
    // A serial column continues after the imported rows.
    if cols.iter().any(|(c, _)| c == "pos") {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(s, (SELECT COALESCE(max(pos), 0) + 1 FROM {table}), false) \
             FROM pg_get_serial_sequence('{table}', 'pos') AS s WHERE s IS NOT NULL"
        )))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    /// A new table must join the export, after the tables it refers to.
    #[tokio::test]
    async fn every_table_is_moved_in_creation_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kefu.db");
        crate::migrate(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            )
            .unwrap();
        let names: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(names, super::TABLES);
    }
}
