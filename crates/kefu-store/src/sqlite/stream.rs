//! The account event stream on SQLite. One writer commits in `pos` order and
//! readers see only committed transactions (WAL snapshots), so "after `pos`"
//! never skips an event; `tx` is always 0.

use kefu_core::event::{Event, StreamCursor};
use kefu_core::{AccountId, StoreError};

use super::{Conn, rows, sql};
use crate::error::db;
use crate::paging::bounded;

type R<T> = Result<T, StoreError>;

pub(crate) async fn account_events_after(
    c: &mut Conn,
    account: AccountId,
    cursor: StreamCursor,
    limit: u32,
) -> R<Vec<Event>> {
    sql::query(concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE account_id = $1 AND pos > $2 ORDER BY pos LIMIT CAST($3 AS BIGINT)"
    ))
    .bind(account.0)
    .bind(cursor.pos)
    .bind(bounded(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::event)
    .collect()
}

pub(crate) async fn stream_after(c: &mut Conn, cursor: StreamCursor, limit: u32) -> R<Vec<Event>> {
    sql::query(concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE pos > $1 ORDER BY pos LIMIT CAST($2 AS BIGINT)"
    ))
    .bind(cursor.pos)
    .bind(bounded(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::event)
    .collect()
}

pub(crate) async fn stream_head(c: &mut Conn) -> R<StreamCursor> {
    let pos: i64 = sql::query_scalar("SELECT COALESCE(MAX(pos), 0) FROM events")
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    Ok(StreamCursor { tx: 0, pos })
}
