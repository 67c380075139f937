// Messages and read positions. `append_message` is the hot unit of work:
// conversation lock, idempotency check, state machine, message row, state
// change and events, all in one transaction. Included into
// `sqlite::messages` and `postgres::messages`.

use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{
    Conversation, DeliveryState, Message, MessageContent, MessageVisibility, Sender, SenderKind,
};
use kefu_core::state::{Policy, transition};
use kefu_core::store::{Appended, NewMessage, ReadCursor};
use kefu_core::{AccountId, ContactId, ConversationId, InboxId, MessageId, StoreError, Timestamp};
use serde_json::json;
use uuid::Uuid;

use super::sql;
use super::Conn;
use super::conversations::{adopt, exists, record_effects};
use super::events::{
    insert_event, lock_conversation, only_progressed, save_conversation, save_progress,
};
use super::rows::{self, to_json, to_value};
use crate::error::db;
use crate::paging;

type R<T> = Result<T, StoreError>;

/// How finely `last_activity_at` follows messages (see `append_message`).
pub(crate) const ACTIVITY_RESOLUTION_MS: i64 = 1000;

/// A stored message by one of its keys. Each key has its own unique index;
/// one query per key keeps every lookup an index probe (an `OR` of the three
/// made SQLite scan the account's messages).
async fn message_by(c: &mut Conn, account: Uuid, key: Key<'_>) -> R<Option<Message>> {
    let q = match key {
        Key::Id(id) => sql::query(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE account_id = $1 AND id = $2"
        ))
        .bind(account)
        .bind(id),
        Key::Client(conversation, client_id) => sql::query(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $2 AND client_id = $3 AND account_id = $1"
        ))
        .bind(account)
        .bind(conversation)
        .bind(client_id.to_owned()),
        Key::External(inbox, external_id) => sql::query(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE inbox_id = $2 AND external_id = $3 AND account_id = $1"
        ))
        .bind(account)
        .bind(inbox)
        .bind(external_id.to_owned()),
    };
    let row = q.fetch_optional(&mut *c).await.map_err(db)?;
    row.as_ref().map(rows::message).transpose()
}

enum Key<'a> {
    Id(Uuid),
    Client(Uuid, &'a str),
    External(Uuid, &'a str),
}

/// The message already stored under this message's client id (per
/// conversation) or external id (per inbox), and with `by_id`, its id.
async fn original(c: &mut Conn, new: &NewMessage, inbox: Uuid, by_id: bool) -> R<Option<Message>> {
    let account = new.account_id.0;
    if let Some(client_id) = &new.client_id {
        let key = Key::Client(new.conversation_id.0, client_id);
        if let Some(m) = message_by(c, account, key).await? {
            return Ok(Some(m));
        }
    }
    if let Some(external_id) = &new.external_id
        && let Some(m) = message_by(c, account, Key::External(inbox, external_id)).await?
    {
        return Ok(Some(m));
    }
    if by_id {
        return message_by(c, account, Key::Id(new.id.0)).await;
    }
    Ok(None)
}

/// `append_message` to the contact's newest contact-facing conversation in
/// the inbox, looked up in the same unit (the `conversations_by_contact`
/// index). The condition matches `ConversationFilter::contact_facing`.
pub(crate) async fn append_to_latest(
    c: &mut Conn,
    inbox: InboxId,
    contact: ContactId,
    new: &NewMessage,
    policy: &Policy,
) -> R<Option<Appended>> {
    let id: Option<Uuid> = sql::query_scalar(
        "SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2 \
         AND inbox_id = $3 AND (kind = 'chat' OR converted_at IS NOT NULL) \
         AND closed_at IS NULL ORDER BY last_activity_at DESC, id DESC LIMIT 1",
    )
    .bind(new.account_id.0)
    .bind(contact.0)
    .bind(inbox.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    let Some(id) = id else { return Ok(None) };
    let mut new = new.clone();
    new.conversation_id = ConversationId(id);
    append_message(c, &new, policy).await.map(Some)
}

pub(crate) async fn append_message(c: &mut Conn, new: &NewMessage, policy: &Policy) -> R<Appended> {
    let mut conv = lock_conversation(c, new.account_id, new.conversation_id).await?;
    if conv.is_closed() {
        return Err(StoreError::Closed);
    }
    // Duplicates are found by the insert below (ON CONFLICT), which keeps the
    // hot path one statement shorter. Only when a rule rejects the message is
    // it looked up first: a retry must get its original back even if the
    // conversation moved on since (e.g. was resolved).
    let checked = new
        .content
        .validate()
        .and_then(|()| mentions_allowed(new))
        .map_err(StoreError::from)
        .and_then(|()| transition(conv.state(), new.input(), policy).map_err(StoreError::from));
    let t = match checked {
        Ok(t) => t,
        Err(e) => {
            return match original(c, new, conv.inbox_id.0, false).await? {
                Some(message) => Ok(Appended {
                    message,
                    conversation: conv,
                    events: vec![],
                    duplicate: true,
                }),
                None => Err(e),
            };
        }
    };
    let message = Message {
        id: new.id,
        account_id: new.account_id,
        conversation_id: new.conversation_id,
        inbox_id: conv.inbox_id,
        seq: conv.last_seq + 1,
        sender: new.sender,
        content: new.content.clone(),
        visibility: new.visibility,
        external_id: new.external_id.clone(),
        client_id: new.client_id.clone(),
        delivery: DeliveryState::Pending,
        created_at: new.now,
    };
    // A clash on the id, the client id or the external id makes the insert a
    // no-op: the message is a duplicate and its original is the answer. (On
    // PostgreSQL a concurrent transaction storing the same external id in
    // another conversation is waited for, then clashes the same way.)
    let inserted: Option<Uuid> = sql::query_scalar(
        "INSERT INTO messages (account_id, id, conversation_id, inbox_id, seq, sender_kind, \
         sender_id, content, visibility, external_id, client_id, delivery, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(message.account_id.0)
    .bind(message.id.0)
    .bind(message.conversation_id.0)
    .bind(message.inbox_id.0)
    .bind(message.seq)
    .bind(message.sender.kind.as_str())
    .bind(message.sender.id)
    .bind(to_json(&message.content)?)
    .bind(message.visibility.as_str())
    .bind(message.external_id.as_deref())
    .bind(message.client_id.as_deref())
    .bind(message.delivery.as_str())
    .bind(message.created_at.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    if inserted.is_none() {
        let message = original(c, new, conv.inbox_id.0, true)
            .await?
            .ok_or(StoreError::Conflict("message"))?;
        return Ok(Appended {
            message,
            conversation: conv,
            events: vec![],
            duplicate: true,
        });
    }
    // Checked after the insert, so a duplicate is answered as one; failing
    // here rolls the insert back with the rest of the unit.
    if let Some(att) = new.content.attachment_id() {
        // The attachment must be this account's, and not another conversation's.
        let r = sql::query(
            "UPDATE attachments SET conversation_id = $3 WHERE account_id = $1 AND id = $2 \
             AND (conversation_id IS NULL OR conversation_id = $3)",
        )
        .bind(new.account_id.0)
        .bind(att.0)
        .bind(new.conversation_id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound("attachment"));
        }
    }
    let before = conv.clone();
    adopt(&mut conv, &t, new.now);
    conv.version += 1;
    conv.updated_at = new.now;
    // Activity orders the conversation lists, and every index on it moves
    // its entry when it changes: the costliest page writes of a message. It
    // therefore moves at most once per `ACTIVITY_RESOLUTION_MS` (a chat
    // keeps its place while messages flow; a later message still moves it).
    if new.now.0 - conv.last_activity_at.0 >= ACTIVITY_RESOLUTION_MS {
        conv.last_activity_at = new.now;
    }
    let mut events = Vec::with_capacity(1 + t.effects.len());
    let created = NewEvent::new(
        EventType::MessageCreated,
        new.sender,
        json!({ "message": to_value(&message)? }),
    );
    events.push(insert_event(c, new.account_id, Some(&mut conv), &created, new.now).await?);
    // Only a message that was really inserted gets here, so a retried note
    // (same client id) never mentions anyone twice.
    if !new.mentions.is_empty() {
        super::mentions::record(c, &mut conv, &message, &new.mentions, &mut events).await?;
    }
    record_effects(c, &mut conv, &t, new.sender, new.now, &mut events).await?;
    if only_progressed(&before, &conv) {
        save_progress(c, &before, &conv).await?;
    } else {
        save_conversation(c, &conv).await?;
    }
    Ok(Appended {
        message,
        conversation: conv,
        events,
        duplicate: false,
    })
}

/// Mentions belong to agents' private notes: a public message would tell
/// the customer nothing and notify colleagues of what they can already see.
fn mentions_allowed(new: &NewMessage) -> Result<(), kefu_core::CoreError> {
    if new.mentions.is_empty() {
        return Ok(());
    }
    if new.visibility != MessageVisibility::Internal || new.sender.kind != SenderKind::Agent {
        return Err(kefu_core::CoreError::invalid(
            "mentions",
            "only an agent's private note can mention members",
        ));
    }
    if new.mentions.len() > kefu_core::model::MAX_MENTIONS {
        return Err(kefu_core::CoreError::invalid(
            "mentions",
            format!("at most {} members", kefu_core::model::MAX_MENTIONS),
        ));
    }
    Ok(())
}

/// Appends a public message the store itself writes as part of another unit
/// of work (a hand-off note, a CSAT request) to a locked conversation, with
/// its `message.created` event. The caller saves the conversation.
pub(crate) async fn insert_store_message(
    c: &mut Conn,
    conv: &mut Conversation,
    sender: Sender,
    content: MessageContent,
    now: Timestamp,
    events: &mut Vec<Event>,
) -> R<Message> {
    content.validate().map_err(StoreError::from)?;
    let message = Message {
        id: MessageId::new(),
        account_id: conv.account_id,
        conversation_id: conv.id,
        inbox_id: conv.inbox_id,
        seq: conv.last_seq + 1,
        sender,
        content,
        visibility: MessageVisibility::Public,
        external_id: None,
        client_id: None,
        delivery: DeliveryState::Sent,
        created_at: now,
    };
    sql::query(
        "INSERT INTO messages (account_id, id, conversation_id, inbox_id, seq, sender_kind, \
         sender_id, content, visibility, external_id, client_id, delivery, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10, $11)",
    )
    .bind(message.account_id.0)
    .bind(message.id.0)
    .bind(message.conversation_id.0)
    .bind(message.inbox_id.0)
    .bind(message.seq)
    .bind(message.sender.kind.as_str())
    .bind(message.sender.id)
    .bind(to_json(&message.content)?)
    .bind(message.visibility.as_str())
    .bind(message.delivery.as_str())
    .bind(message.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    conv.last_activity_at = now;
    let created = NewEvent::new(
        EventType::MessageCreated,
        sender,
        json!({ "message": to_value(&message)? }),
    );
    events.push(insert_event(c, conv.account_id, Some(&mut *conv), &created, now).await?);
    Ok(message)
}

pub(crate) async fn get_message(c: &mut Conn, account: AccountId, id: MessageId) -> R<Message> {
    let row = sql::query(concat!(
        "SELECT ",
        message_cols!(),
        " FROM messages WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("message"))?;
    rows::message(&row)
}

pub(crate) async fn list_messages(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
    after_seq: i64,
    limit: u32,
    include_internal: bool,
) -> R<Vec<Message>> {
    exists(c, account, conversation).await?;
    sql::query(concat!(
        "SELECT ",
        message_cols!(),
        " FROM messages WHERE conversation_id = $2 AND account_id = $1 AND seq > $3 \
         AND ($4 OR visibility = 'public') ORDER BY seq LIMIT CAST($5 AS BIGINT)"
    ))
    .bind(account.0)
    .bind(conversation.0)
    .bind(after_seq)
    .bind(include_internal)
    .bind(paging::bounded(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::message)
    .collect()
}

pub(crate) async fn latest_messages(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
    limit: u32,
    include_internal: bool,
) -> R<Vec<Message>> {
    exists(c, account, conversation).await?;
    let mut out = sql::query(concat!(
        "SELECT ",
        message_cols!(),
        " FROM messages WHERE conversation_id = $2 AND account_id = $1 \
         AND ($3 OR visibility = 'public') ORDER BY seq DESC LIMIT CAST($4 AS BIGINT)"
    ))
    .bind(account.0)
    .bind(conversation.0)
    .bind(include_internal)
    .bind(paging::bounded(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::message)
    .collect::<R<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

pub(crate) async fn set_delivery(
    c: &mut Conn,
    account: AccountId,
    id: MessageId,
    state: DeliveryState,
    now: Timestamp,
) -> R<Event> {
    let message = get_message(c, account, id).await?;
    let mut conv = lock_conversation(c, account, message.conversation_id).await?;
    sql::query("UPDATE messages SET delivery = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .bind(state.as_str())
        .execute(&mut *c)
        .await
        .map_err(db)?;
    let data = json!({
        "message_id": id,
        "message_seq": message.seq,
        "delivery": state,
    });
    let e = NewEvent::new(EventType::MessageDeliveryUpdated, Sender::system(), data);
    let event = insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(event)
}

fn participant_key(p: &Sender) -> (&'static str, Uuid) {
    (p.kind.as_str(), p.id.unwrap_or(Uuid::nil()))
}

pub(crate) async fn set_read_cursor(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
    participant: Sender,
    seq: i64,
    now: Timestamp,
) -> R<ReadCursor> {
    let mut conv = lock_conversation(c, account, conversation).await?;
    // A read position counts messages only. Clamping to the newest message
    // keeps read events themselves from being "read": otherwise two open
    // clients acknowledging each other's read events would ping-pong forever.
    let newest: Option<i64> = sql::query_scalar(
        "SELECT MAX(seq) FROM messages WHERE conversation_id = $2 AND account_id = $1",
    )
    .bind(account.0)
    .bind(conversation.0)
    .fetch_one(&mut *c)
    .await
    .map_err(db)?;
    let seq = seq.min(newest.unwrap_or(0)).max(0);
    let (kind, pid) = participant_key(&participant);
    let current = sql::query(
        "SELECT participant_kind, participant_id, seq, updated_at FROM read_cursors \
         WHERE account_id = $1 AND conversation_id = $2 AND participant_kind = $3 AND participant_id = $4",
    )
    .bind(account.0)
    .bind(conversation.0)
    .bind(kind)
    .bind(pid)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    let current = current.as_ref().map(rows::read_cursor).transpose()?;
    // Read positions only move forward; going back is a no-op, not an error.
    match current {
        Some(cur) if cur.seq >= seq => return Ok(cur),
        None if seq == 0 => {
            return Ok(ReadCursor {
                participant,
                seq: 0,
                updated_at: now,
            });
        }
        _ => {}
    }
    sql::query(
        "INSERT INTO read_cursors (account_id, conversation_id, participant_kind, participant_id, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id, conversation_id, participant_kind, participant_id) \
         DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
    )
    .bind(account.0)
    .bind(conversation.0)
    .bind(kind)
    .bind(pid)
    .bind(seq)
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    let data = json!({ "participant": participant, "seq": seq });
    let e = NewEvent::new(EventType::ReadCursorMoved, participant, data);
    insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(ReadCursor {
        participant,
        seq,
        updated_at: now,
    })
}

pub(crate) async fn read_cursors(
    c: &mut Conn,
    account: AccountId,
    conversation: ConversationId,
) -> R<Vec<ReadCursor>> {
    exists(c, account, conversation).await?;
    sql::query(
        "SELECT participant_kind, participant_id, seq, updated_at FROM read_cursors \
         WHERE account_id = $1 AND conversation_id = $2 ORDER BY participant_kind, participant_id",
    )
    .bind(account.0)
    .bind(conversation.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::read_cursor)
    .collect()
}
