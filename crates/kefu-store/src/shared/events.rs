// Event-log writes and the conversation lock they happen under. Included into
// `sqlite::events` and `postgres::events`. Every event of a conversation gets
// the next `seq` from `conversations.last_seq` while the conversation row is
// locked, so sequences are gap-free and follow commit order.

use kefu_core::event::{Event, NewEvent, StreamCursor};
use kefu_core::model::Conversation;
use kefu_core::{AccountId, ConversationId, EventId, StoreError, Timestamp};

use super::sql;
use super::Conn;
use super::rows::{self, to_json};
use crate::error::db;

type R<T> = Result<T, StoreError>;

/// Reads the conversation and locks its row until the transaction ends
/// (`FOR UPDATE` on PostgreSQL; on SQLite the single writer is the lock).
pub(crate) async fn lock_conversation(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
) -> R<Conversation> {
    let row = sql::query(concat!(
        "SELECT ",
        conversation_cols!(),
        " FROM conversations WHERE account_id = $1 AND id = $2",
        for_update!()
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("conversation"))?;
    rows::conversation(&row)
}

/// Writes every mutable column of a locked conversation back.
pub(crate) async fn save_conversation(c: &mut Conn, conv: &Conversation) -> R<()> {
    sql::query(
        "UPDATE conversations SET status = $3, assignee_id = $4, team_id = $5, priority = $6, \
         labels = $7, subject = $8, snoozed_until = $9, last_seq = $10, version = $11, \
         updated_at = $12, last_activity_at = $13, queued_at = $14, ticket_type = $15, \
         custom_fields = $16, converted_at = $17, closed_at = $18, kind = $19 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(conv.account_id.0)
    .bind(conv.id.0)
    .bind(conv.status.as_str())
    .bind(conv.assignee_id.map(|u| u.0))
    .bind(conv.team_id.map(|t| t.0))
    .bind(i32::from(conv.priority.as_i16()))
    .bind(to_json(&conv.labels)?)
    .bind(&conv.subject)
    .bind(conv.snoozed_until.map(|t| t.0))
    .bind(conv.last_seq)
    .bind(conv.version)
    .bind(conv.updated_at.0)
    .bind(conv.last_activity_at.0)
    .bind(conv.queued_at.map(|t| t.0))
    .bind(conv.ticket_type.map(|t| t.as_str()))
    .bind(to_json(&conv.custom_fields)?)
    .bind(conv.converted_at.map(|t| t.0))
    .bind(conv.closed_at.map(|t| t.0))
    .bind(conv.kind.as_str())
    .execute(&mut *c)
    .await
    .map_err(db)?;
    Ok(())
}

/// Saves a locked conversation that only moved on: a new message changed its
/// sequence, version and times, nothing it is routed or filtered by. SQLite
/// rewrites the index entries of every column a `SET` names, even to the
/// same value, so naming only these spares the status and assignee indexes
/// a page write on every message.
pub(crate) async fn save_progress(
    c: &mut Conn,
    before: &Conversation,
    conv: &Conversation,
) -> R<()> {
    let moved = conv.last_activity_at != before.last_activity_at;
    let q = sql::query(if moved {
        "UPDATE conversations SET last_seq = $3, version = $4, updated_at = $5, \
         last_activity_at = $6 WHERE account_id = $1 AND id = $2"
    } else {
        "UPDATE conversations SET last_seq = $3, version = $4, updated_at = $5 \
         WHERE account_id = $1 AND id = $2"
    })
    .bind(conv.account_id.0)
    .bind(conv.id.0)
    .bind(conv.last_seq)
    .bind(conv.version)
    .bind(conv.updated_at.0);
    let q = if moved {
        q.bind(conv.last_activity_at.0)
    } else {
        q
    };
    q.execute(&mut *c).await.map_err(db)?;
    Ok(())
}

/// Whether `after` differs from `before` only where [`save_progress`] writes.
pub(crate) fn only_progressed(before: &Conversation, after: &Conversation) -> bool {
    before.status == after.status
        && before.assignee_id == after.assignee_id
        && before.team_id == after.team_id
        && before.priority == after.priority
        && before.labels == after.labels
        && before.subject == after.subject
        && before.snoozed_until == after.snoozed_until
}

/// Appends one event. With a conversation, takes its next `seq` (the caller
/// holds the lock and saves `last_seq` afterwards).
pub(crate) async fn insert_event(
    c: &mut Conn,
    account: AccountId,
    conv: Option<&mut Conversation>,
    new: &NewEvent,
    now: Timestamp,
) -> R<Event> {
    let (conversation_id, inbox_id, seq) = match conv {
        Some(conv) => {
            conv.last_seq += 1;
            (Some(conv.id), Some(conv.inbox_id), Some(conv.last_seq))
        }
        None => (None, None, None),
    };
    let id = EventId::new();
    let row = sql::query(concat!(
        "INSERT INTO events (id, account_id, conversation_id, inbox_id, seq, type, \
         schema_version, actor, data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING pos, ",
        tx_text!(),
        " AS tx"
    ))
    .bind(id.0)
    .bind(account.0)
    .bind(conversation_id.map(|i| i.0))
    .bind(inbox_id.map(|i| i.0))
    .bind(seq)
    .bind(new.kind.name())
    .bind(i32::from(new.kind.schema_version()))
    .bind(to_json(&new.actor)?)
    .bind(to_json(&new.data)?)
    .bind(now.0)
    .fetch_one(&mut *c)
    .await
    .map_err(db)?;
    let tx: String = rows::get(&row, "tx")?;
    let cursor = StreamCursor {
        tx: tx.parse().map_err(|_| crate::error::corrupt("tx", &tx))?,
        pos: rows::get(&row, "pos")?,
    };
    Ok(Event {
        id,
        account_id: account,
        kind: new.kind,
        schema_version: new.kind.schema_version(),
        conversation_id,
        inbox_id,
        seq,
        actor: new.actor,
        data: new.data.clone(),
        created_at: now,
        cursor: Some(cursor),
    })
}

/// Events of one conversation after `after_seq`, by sequence.
pub(crate) async fn conversation_events(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
    after_seq: i64,
    limit: u32,
) -> R<Vec<Event>> {
    super::conversations::exists(c, account, conversation).await?;
    sql::query(concat!(
        "SELECT ",
        event_cols!(),
        " FROM events WHERE conversation_id = $2 AND account_id = $1 AND seq > $3 \
         ORDER BY seq LIMIT CAST($4 AS BIGINT)"
    ))
    .bind(account.0)
    .bind(conversation.0)
    .bind(after_seq)
    .bind(crate::paging::bounded(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::event)
    .collect()
}
