// Tickets: turning a chat into a ticket, moving a ticket between its
// statuses (through the state machine, in one unit), the account's custom
// field definitions and links between conversations.
// Included into `sqlite::tickets` and `postgres::tickets`.

use kefu_core::event::{Event, EventType, NewEvent};
use kefu_core::model::{
    Conversation, ConversationKind, ConversationLink, Sender, TicketField, TicketStatus,
    TicketType, missing_required_fields,
};
use kefu_core::state::{Policy, transition};
use kefu_core::store::Applied;
use kefu_core::{AccountId, ConversationId, CoreError, StoreError, Timestamp};
use serde_json::json;

use super::Conn;
use super::conversations::{adopt, record_effects};
use super::events::{insert_event, lock_conversation, save_conversation};
use super::rows::{self, to_json, to_value};
use super::sql;
use crate::error::db;

type R<T> = Result<T, StoreError>;

pub(crate) async fn ticket_fields(c: &mut Conn, account: AccountId) -> R<Vec<TicketField>> {
    let text: Option<String> =
        sql::query_scalar("SELECT fields FROM ticket_fields WHERE account_id = $1")
            .bind(account.0)
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
    match text {
        None => Ok(vec![]),
        Some(t) => serde_json::from_str(&t).map_err(|e| crate::error::corrupt("fields", e)),
    }
}

pub(crate) async fn replace_ticket_fields(
    c: &mut Conn,
    account: AccountId,
    fields: &[TicketField],
    now: Timestamp,
) -> R<()> {
    kefu_core::model::validate_ticket_fields(fields)?;
    sql::query(
        "INSERT INTO ticket_fields (account_id, fields, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET fields = excluded.fields, \
         updated_at = excluded.updated_at",
    )
    .bind(account.0)
    .bind(to_json(fields)?)
    .bind(now.0)
    .execute(&mut *c)
    .await
    .map_err(crate::error::refs("account", "ticket fields"))?;
    Ok(())
}

/// Records `kind` on the conversation with its snapshot after the event,
/// bumping its version (the caller saves it).
async fn record_changed(
    c: &mut Conn,
    conv: &mut Conversation,
    kind: EventType,
    mut data: serde_json::Value,
    actor: Sender,
    now: Timestamp,
) -> R<Event> {
    conv.version += 1;
    conv.updated_at = now;
    conv.refresh_ticket_status();
    let mut snapshot = conv.clone();
    snapshot.last_seq += 1;
    data["conversation"] = to_value(&snapshot)?;
    let e = NewEvent::new(kind, actor, data);
    insert_event(c, conv.account_id, Some(conv), &e, now).await
}

pub(crate) async fn convert(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    ticket_type: Option<TicketType>,
    reason: &str,
    actor: Sender,
    now: Timestamp,
) -> R<Applied> {
    let mut conv = lock_conversation(c, account, id).await?;
    if conv.kind == ConversationKind::Ticket {
        return Err(StoreError::Conflict("ticket"));
    }
    conv.kind = ConversationKind::Ticket;
    conv.ticket_type = ticket_type;
    conv.converted_at = Some(now);
    let data = json!({ "reason": reason, "ticket_type": ticket_type });
    let event = record_changed(
        c,
        &mut conv,
        EventType::ConversationConverted,
        data,
        actor,
        now,
    )
    .await?;
    save_conversation(c, &conv).await?;
    Ok(Applied {
        conversation: conv,
        events: vec![event],
    })
}

pub(crate) async fn set_status(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    target: TicketStatus,
    actor: Sender,
    policy: &Policy,
    now: Timestamp,
) -> R<Applied> {
    let mut conv = lock_conversation(c, account, id).await?;
    if conv.kind != ConversationKind::Ticket {
        return Err(CoreError::invalid("status", "only tickets have a ticket status").into());
    }
    if conv.is_closed() {
        return Err(StoreError::Closed);
    }
    if target.needs_required_fields() {
        let defs = ticket_fields(c, account).await?;
        let missing = missing_required_fields(&conv.custom_fields, &defs);
        if !missing.is_empty() {
            return Err(StoreError::RequiredFieldsMissing(
                missing.into_iter().map(String::from).collect(),
            ));
        }
    }
    let mut events = vec![];
    let before = (conv.state(), conv.snoozed_until);
    for input in target.plan(conv.status) {
        let t = transition(conv.state(), input, policy)?;
        adopt(&mut conv, &t, now);
        record_effects(c, &mut conv, &t, actor, now, &mut events).await?;
    }
    let moved = (conv.state(), conv.snoozed_until) != before;
    if target == TicketStatus::Closed {
        conv.closed_at = Some(now);
        let e = record_changed(c, &mut conv, EventType::ConversationClosed, json!({}), actor, now);
        events.push(e.await?);
    } else if moved {
        conv.version += 1;
        conv.updated_at = now;
    } else {
        return Ok(Applied {
            conversation: conv,
            events,
        });
    }
    save_conversation(c, &conv).await?;
    Ok(Applied {
        conversation: conv,
        events,
    })
}

/// Locks two conversations in id order, so two units locking the same pair
/// the other way round cannot deadlock.
async fn lock_pair(
    c: &mut Conn,
    account: AccountId,
    a: ConversationId,
    b: ConversationId,
) -> R<(Conversation, Conversation)> {
    if a == b {
        return Err(CoreError::invalid("conversation_id", "a conversation cannot link to itself").into());
    }
    let (first, second) = if a.0 < b.0 { (a, b) } else { (b, a) };
    let x = lock_conversation(c, account, first).await?;
    let y = lock_conversation(c, account, second).await?;
    Ok(if first == a { (x, y) } else { (y, x) })
}

/// Records a link event on both ends and saves them.
async fn record_on_both(
    c: &mut Conn,
    pair: (Conversation, Conversation),
    kind: EventType,
    link: &ConversationLink,
    actor: Sender,
    now: Timestamp,
) -> R<Vec<Event>> {
    let (mut a, mut b) = pair;
    let mut events = Vec::with_capacity(2);
    for conv in [&mut a, &mut b] {
        let other = if conv.id == link.from { link.to } else { link.from };
        conv.version += 1;
        conv.updated_at = now;
        let data = json!({ "link": to_value(link)?, "other_id": other });
        let e = NewEvent::new(kind, actor, data);
        events.push(insert_event(c, conv.account_id, Some(&mut *conv), &e, now).await?);
        save_conversation(c, conv).await?;
    }
    Ok(events)
}

pub(crate) async fn link(
    c: &mut Conn,
    account: AccountId,
    link: &ConversationLink,
    actor: Sender,
) -> R<Vec<Event>> {
    let pair = lock_pair(c, account, link.from, link.to).await?;
    let inserted = sql::query(
        "INSERT INTO conversation_links (account_id, from_id, to_id, kind, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(account.0)
    .bind(link.from.0)
    .bind(link.to.0)
    .bind(link.kind.as_str())
    .bind(link.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(db)?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Conflict("link"));
    }
    record_on_both(c, pair, EventType::ConversationLinked, link, actor, link.created_at).await
}

pub(crate) async fn unlink(
    c: &mut Conn,
    account: AccountId,
    a: ConversationId,
    b: ConversationId,
    actor: Sender,
    now: Timestamp,
) -> R<Vec<Event>> {
    let pair = lock_pair(c, account, a, b).await?;
    let row = sql::query(
        "DELETE FROM conversation_links WHERE account_id = $1 \
         AND ((from_id = $2 AND to_id = $3) OR (from_id = $3 AND to_id = $2)) \
         RETURNING from_id, to_id, kind, created_at",
    )
    .bind(account.0)
    .bind(a.0)
    .bind(b.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("link"))?;
    let link = rows::conversation_link(&row)?;
    record_on_both(c, pair, EventType::ConversationUnlinked, &link, actor, now).await
}

pub(crate) async fn links(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
) -> R<Vec<ConversationLink>> {
    super::conversations::exists(c, account, id).await?;
    sql::query(
        "SELECT from_id, to_id, kind, created_at FROM conversation_links \
         WHERE account_id = $1 AND (from_id = $2 OR to_id = $2) ORDER BY created_at, from_id, to_id",
    )
    .bind(account.0)
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::conversation_link)
    .collect()
}
