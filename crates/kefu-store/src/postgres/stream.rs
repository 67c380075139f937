//! The account event stream on PostgreSQL, with the high-water-mark rule.
//! `pos` comes from a sequence, so a transaction that took a lower `pos` may
//! commit after one with a higher `pos`; reading "after pos" would then skip
//! it for good. Instead rows are ordered by (writing transaction id, pos) and
//! only rows of transactions older than every running one are handed out
//! (`tx < xmin` of the current snapshot): those can no longer change, and
//! anything still to come sorts after them.
//!
//! "After the cursor" is spelled out (`tx >= a AND (tx > a OR pos > b)`)
//! rather than as a row comparison, so the index bounds are plain scalar
//! keys on `tx`.
//!
//! The order is written `events.tx`: the selected columns include `tx::text
//! AS tx`, and a bare `ORDER BY tx` would sort by that text, putting
//! transaction 10000 before 9998.

use kefu_core::event::{Event, StreamCursor};
use kefu_core::{AccountId, StoreError};

use super::{Conn, rows};
use crate::error::{corrupt, db};
use crate::paging::bounded;

type R<T> = Result<T, StoreError>;

pub(crate) async fn account_events_after(
    c: &mut Conn,
    account: AccountId,
    cursor: StreamCursor,
    limit: u32,
) -> R<Vec<Event>> {
    sqlx::query(concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE account_id = $1 \
         AND tx < pg_snapshot_xmin(pg_current_snapshot()) \
         AND tx >= $2::text::xid8 AND (tx > $2::text::xid8 OR pos > $3) \
         ORDER BY events.tx, events.pos LIMIT $4"
    ))
    .bind(account.0)
    .bind(cursor.tx.to_string())
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
    sqlx::query(concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) \
         AND tx >= $1::text::xid8 AND (tx > $1::text::xid8 OR pos > $2) \
         ORDER BY events.tx, events.pos LIMIT $3"
    ))
    .bind(cursor.tx.to_string())
    .bind(cursor.pos)
    .bind(bounded(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::event)
    .collect()
}

/// Everything of transactions older than the snapshot's xmin is finished, and
/// everything else sorts at or after (xmin, 1): a reader starting at
/// (xmin, 0) sees every event that commits from now on (and possibly a few
/// that committed just before, which consumers skip by position or seq).
pub(crate) async fn stream_head(c: &mut Conn) -> R<StreamCursor> {
    let xmin: String = sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    let tx = xmin.parse().map_err(|_| corrupt("xmin", &xmin))?;
    Ok(StreamCursor { tx, pos: 0 })
}
