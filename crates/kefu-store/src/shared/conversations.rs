// Conversations: creation, reads, the keyset-paged list, and the units of work
// that change them (state-machine input, attribute patch, extra events).
// Included into `sqlite::conversations` and `postgres::conversations`.

use kefu_core::event::{Event, EventType, NewEvent, event_for_effect};
use kefu_core::model::{
    Conversation, ConversationKind, CsatScale, MessageContent, Sender, TicketStatus, csat_enabled,
    csat_text,
};
use kefu_core::page::{Keyset, Page};
use kefu_core::state::{Effect, Input, Owner, Policy, Status, Transition, transition};
use kefu_core::store::{
    Applied, ConversationFilter, ConversationPatch, NewConversation, PageRequest,
};
use kefu_core::{AccountId, ConversationId, CoreError, StoreError, Timestamp};
use serde_json::json;

use super::sql;
use super::events::{insert_event, lock_conversation, save_conversation};
use super::messages::insert_store_message;
use super::rows::{self, to_json, to_value};
use super::{Conn, Db};
use crate::error::{db, refs};
use crate::paging;

type R<T> = Result<T, StoreError>;

pub(crate) async fn exists(c: &mut Conn, account: AccountId, id: ConversationId) -> R<()> {
    let found: Option<i64> =
        sql::query_scalar("SELECT last_seq FROM conversations WHERE account_id = $1 AND id = $2")
            .bind(account.0)
            .bind(id.0)
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
    found
        .map(|_| ())
        .ok_or(StoreError::NotFound("conversation"))
}

pub(crate) async fn get_conversation(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
) -> R<Conversation> {
    let row = sql::query(concat!(
        "SELECT ",
        conversation_cols!(),
        " FROM conversations WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("conversation"))?;
    rows::conversation(&row)
}

pub(crate) async fn create_conversation(c: &mut Conn, new: &NewConversation) -> R<Applied> {
    // Explicit checks name what is missing; the composite foreign keys would
    // only say "some reference", and also keep other accounts' rows out.
    super::directory::get_inbox(c, new.account_id, new.inbox_id).await?;
    super::contacts::get_contact(c, new.account_id, new.contact_id).await?;
    let custom_fields = if new.custom_fields.is_empty() {
        Default::default()
    } else {
        let defs = super::tickets::ticket_fields(c, new.account_id).await?;
        kefu_core::model::merge_custom_fields(&Default::default(), &new.custom_fields, &defs)?
    };
    // Every conversation starts with the bot; with no bot the first contact
    // message hands it to the queue through the state machine.
    let mut conv = Conversation {
        id: new.id,
        account_id: new.account_id,
        inbox_id: new.inbox_id,
        contact_id: new.contact_id,
        kind: new.kind,
        status: Status::Bot,
        assignee_id: None,
        team_id: None,
        priority: new.priority,
        labels: new.labels.clone(),
        subject: new.subject.clone(),
        snoozed_until: None,
        queued_at: None,
        ticket_type: new.ticket_type,
        custom_fields,
        ticket_status: None,
        converted_at: None,
        closed_at: None,
        last_seq: 0,
        version: 1,
        created_at: new.now,
        updated_at: new.now,
        last_activity_at: new.now,
    };
    conv.refresh_ticket_status();
    sql::query(
        "INSERT INTO conversations (account_id, id, inbox_id, contact_id, kind, status, \
         assignee_id, team_id, priority, labels, subject, snoozed_until, last_seq, version, \
         created_at, updated_at, last_activity_at, ticket_type, custom_fields) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8, $9, NULL, 1, 1, $10, $10, $10, \
         $11, $12)",
    )
    .bind(conv.account_id.0)
    .bind(conv.id.0)
    .bind(conv.inbox_id.0)
    .bind(conv.contact_id.0)
    .bind(conv.kind.as_str())
    .bind(conv.status.as_str())
    .bind(i32::from(conv.priority.as_i16()))
    .bind(to_json(&conv.labels)?)
    .bind(&conv.subject)
    .bind(new.now.0)
    .bind(conv.ticket_type.map(|t| t.as_str()))
    .bind(to_json(&conv.custom_fields)?)
    .execute(&mut *c)
    .await
    .map_err(refs("inbox or contact", "conversation"))?;
    // The event carries the conversation as it is after the event (seq 1).
    let mut snapshot = conv.clone();
    snapshot.last_seq = 1;
    let data = json!({ "conversation": to_value(&snapshot)? });
    let event = NewEvent::new(EventType::ConversationCreated, new.actor, data);
    let event = insert_event(c, new.account_id, Some(&mut conv), &event, new.now).await?;
    let mut events = vec![event];
    if let Some(original) = new.follow_up_of {
        let link = kefu_core::model::ConversationLink {
            from: conv.id,
            to: original,
            kind: kefu_core::model::LinkKind::FollowUp,
            created_at: new.now,
        };
        events.append(&mut super::tickets::link(c, new.account_id, &link, new.actor).await?);
        // Linking recorded an event on it: read back its sequence and version.
        conv = get_conversation(c, new.account_id, conv.id).await?;
    }
    Ok(Applied {
        conversation: conv,
        events,
    })
}

pub(crate) async fn list_conversations(
    c: &mut Conn,
    account: AccountId,
    f: &ConversationFilter,
    page: &PageRequest,
) -> R<Page<Conversation>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        conversation_cols!(),
        " FROM conversations WHERE account_id = "
    ));
    q.push_bind(account.0);
    if let Some(s) = f.status {
        q.push(" AND status = ").push_bind(s.as_str());
    }
    if let Some(i) = f.inbox_id {
        q.push(" AND inbox_id = ").push_bind(i.0);
    }
    if let Some(a) = f.assignee_id {
        q.push(" AND assignee_id = ").push_bind(a.0);
    }
    if f.unassigned {
        q.push(" AND assignee_id IS NULL");
    }
    if let Some(t) = f.team_id {
        q.push(" AND team_id = ").push_bind(t.0);
    }
    if let Some(ct) = f.contact_id {
        q.push(" AND contact_id = ").push_bind(ct.0);
    }
    if let Some(l) = &f.label {
        q.push(" AND labels LIKE ")
            .push_bind(super::like::json_element(l))
            .push(" ESCAPE '\\'");
    }
    if let Some(k) = f.kind {
        q.push(" AND kind = ").push_bind(k.as_str());
    }
    if let Some(t) = f.ticket_status {
        q.push(" AND kind = 'ticket' AND ");
        q.push(match t {
            TicketStatus::Open => "status IN ('bot', 'queued', 'assigned')",
            TicketStatus::Pending => "status = 'snoozed'",
            TicketStatus::Solved => "status = 'resolved' AND closed_at IS NULL",
            TicketStatus::Closed => "closed_at IS NOT NULL",
        });
    }
    if f.contact_facing {
        q.push(" AND (kind = 'chat' OR converted_at IS NOT NULL) AND closed_at IS NULL");
    }
    if let Some(t) = f.updated_since {
        q.push(" AND updated_at >= ").push_bind(t.0);
    }
    if let Some(inboxes) = &f.visible_inboxes {
        if inboxes.is_empty() {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
        q.push(" AND inbox_id IN (");
        let mut list = q.separated(", ");
        for i in inboxes {
            list.push_bind(i.0);
        }
        q.push(")");
    }
    super::keyset::newest_first(&mut q, "last_activity_at", after.as_ref(), size);
    let rows = q
        .build()
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(rows::conversation)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |c| Keyset {
        k: c.last_activity_at.0,
        id: c.id.0,
    }))
}

/// Applies a transition's new state to the conversation (not yet saved).
/// Joining a queue (from anywhere, including another team's queue) starts
/// the waiting time FIFO is kept by.
pub(crate) fn adopt(conv: &mut Conversation, t: &Transition, now: Timestamp) {
    let joined_queue = t.state.status == Status::Queued
        && (conv.status != Status::Queued || t.state.owner != conv.state().owner);
    if joined_queue {
        conv.queued_at = Some(now);
    } else if t.state.status != Status::Queued {
        conv.queued_at = None;
    }
    conv.status = t.state.status;
    match t.state.owner {
        Owner::Bot => conv.assignee_id = None,
        Owner::Queue(team) => {
            conv.assignee_id = None;
            conv.team_id = team;
        }
        // The team stays as the queue it came from, for reporting.
        Owner::Agent(a) => conv.assignee_id = Some(a),
    }
    for e in &t.effects {
        if let Effect::Snoozed { until } = e {
            conv.snoozed_until = *until;
        }
    }
    if conv.status != Status::Snoozed {
        conv.snoozed_until = None;
    }    conv.refresh_ticket_status();
}

/// Records a transition's effects as events (one each, in order).
pub(crate) async fn record_effects(
    c: &mut Conn,
    conv: &mut Conversation,
    t: &Transition,
    actor: Sender,
    now: Timestamp,
    events: &mut Vec<Event>,
) -> R<()> {
    for effect in &t.effects {
        let e = event_for_effect(effect, actor);
        events.push(insert_event(c, conv.account_id, Some(&mut *conv), &e, now).await?);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // mirrors `Store::apply`
pub(crate) async fn apply(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    input: Input,
    actor: Sender,
    policy: &Policy,
    expected_version: Option<i64>,
    now: Timestamp,
) -> R<Applied> {
    apply_noted(c, account, id, input, actor, policy, expected_version, None, now).await
}

/// `apply`, and when the transition changed something, a public system
/// message saying so (`note`) in the same unit of work. Resolving also asks
/// the customer for a rating when the inbox wants one.
#[allow(clippy::too_many_arguments)] // mirrors `Store::apply` plus the note
pub(crate) async fn apply_noted(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    input: Input,
    actor: Sender,
    policy: &Policy,
    expected_version: Option<i64>,
    note: Option<&MessageContent>,
    now: Timestamp,
) -> R<Applied> {
    let mut conv = lock_conversation(c, account, id).await?;
    if expected_version.is_some_and(|v| v != conv.version) {
        return Err(StoreError::VersionConflict("conversation"));
    }
    if conv.is_closed() {
        return Err(StoreError::Closed);
    }
    let t = transition(conv.state(), input, policy)?;
    if t.effects.is_empty() && t.state == conv.state() {
        // Nothing changed (e.g. a handoff of a conversation already queued):
        // nothing is written, so repeated requests do not churn the log.
        return Ok(Applied {
            conversation: conv,
            events: vec![],
        });
    }
    adopt(&mut conv, &t, now);
    conv.version += 1;
    conv.updated_at = now;
    let mut events = Vec::with_capacity(t.effects.len() + 1);
    record_effects(c, &mut conv, &t, actor, now, &mut events).await?;
    if let Some(content) = note {
        if !matches!(content, MessageContent::System { .. }) {
            return Err(StoreError::from(kefu_core::CoreError::invalid(
                "note",
                "must be a system message",
            )));
        }
        let content = content.clone();
        insert_store_message(c, &mut conv, Sender::system(), content, now, &mut events).await?;
    }
    // A customer who left the queue was never served: nothing to rate.
    if t.effects.contains(&Effect::Resolved) && !t.effects.contains(&Effect::Abandoned) {
        let inbox = super::directory::get_inbox(c, account, conv.inbox_id).await?;
        if csat_enabled(&inbox) {
            let content = MessageContent::CsatRequest {
                v: 1,
                text: csat_text(&inbox),
                scale: CsatScale::of(&inbox).message_scale().into(),
            };
            insert_store_message(c, &mut conv, Sender::system(), content, now, &mut events).await?;
        }
    }
    save_conversation(c, &conv).await?;
    Ok(Applied {
        conversation: conv,
        events,
    })
}

/// 1 for the next conversation of its queue (the conversation's team, or
/// its inbox when it has none): higher priority first, then longer waiting;
/// `None` unless queued.
pub(crate) async fn queue_position(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
) -> R<Option<i64>> {
    let conv = get_conversation(c, account, id).await?;
    if conv.status != Status::Queued {
        return Ok(None);
    }
    let queued_at = conv.queued_at.unwrap_or(conv.updated_at).0;
    macro_rules! ahead {
        ($scope:literal) => {
            concat!(
                "SELECT COUNT(*) FROM conversations WHERE account_id = $1 AND status = 'queued' \
                 AND ",
                $scope,
                " AND id <> $5 AND (priority > $3 OR (priority = $3 \
                 AND (queued_at < $4 OR (queued_at = $4 AND id < $5))))"
            )
        };
    }
    let (sql, scope) = match conv.team_id {
        Some(t) => (ahead!("team_id = $2"), t.0),
        None => (ahead!("team_id IS NULL AND inbox_id = $2"), conv.inbox_id.0),
    };
    let ahead: i64 = sql::query_scalar(sql)
        .bind(account.0)
        .bind(scope)
        .bind(i32::from(conv.priority.as_i16()))
        .bind(queued_at)
        .bind(conv.id.0)
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    Ok(Some(ahead + 1))
}

pub(crate) async fn patch_conversation(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    patch: &ConversationPatch,
    actor: Sender,
    now: Timestamp,
) -> R<Applied> {
    let mut conv = lock_conversation(c, account, id).await?;
    if conv.is_closed() {
        return Err(StoreError::Closed);
    }
    let mut changes = serde_json::Map::new();
    if let Some(labels) = &patch.labels
        && *labels != conv.labels
    {
        conv.labels = labels.clone();
        changes.insert("labels".into(), to_value(labels)?);
    }
    if let Some(p) = patch.priority
        && p != conv.priority
    {
        conv.priority = p;
        changes.insert("priority".into(), to_value(&p)?);
    }
    if let Some(s) = &patch.subject
        && *s != conv.subject
    {
        conv.subject = s.clone();
        changes.insert("subject".into(), to_value(s)?);
    }
    if let Some(t) = patch.ticket_type
        && t != conv.ticket_type
    {
        if conv.kind != ConversationKind::Ticket {
            return Err(CoreError::invalid("ticket_type", "only tickets have a type").into());
        }
        conv.ticket_type = t;
        changes.insert("ticket_type".into(), to_value(&t)?);
    }
    if let Some(change) = &patch.custom_fields {
        let defs = super::tickets::ticket_fields(c, account).await?;
        let merged = kefu_core::model::merge_custom_fields(&conv.custom_fields, change, &defs)?;
        if merged != conv.custom_fields {
            conv.custom_fields = merged;
            changes.insert("custom_fields".into(), to_value(&conv.custom_fields)?);
        }
    }
    if changes.is_empty() {
        return Ok(Applied {
            conversation: conv,
            events: vec![],
        });
    }
    conv.version += 1;
    conv.updated_at = now;
    let mut snapshot = conv.clone();
    snapshot.last_seq += 1;
    let data = json!({ "changes": changes, "conversation": to_value(&snapshot)? });
    let e = NewEvent::new(EventType::ConversationUpdated, actor, data);
    let event = insert_event(c, account, Some(&mut conv), &e, now).await?;
    save_conversation(c, &conv).await?;
    Ok(Applied {
        conversation: conv,
        events: vec![event],
    })
}

/// Event types only the store itself writes, as part of the unit of work
/// that causes them; recording them by hand would let the log disagree with
/// the conversation's state.
fn written_by_store(kind: EventType) -> bool {
    use EventType::*;
    matches!(
        kind,
        ConversationCreated
            | ConversationStatusChanged
            | ConversationAssigned
            | ConversationUnassigned
            | ConversationTransferred
            | ConversationResolved
            | ConversationReopened
            | ConversationSnoozed
            | ConversationUnsnoozed
            | ConversationUpdated
            | BotHandedOff
            | MessageCreated
            | MessageDeliveryUpdated
            | ContactCreated
            | ContactUpdated
            | ReadCursorMoved
            | ConversationRated
            | ConversationConverted
            | ConversationClosed
            | ConversationLinked
            | ConversationUnlinked
            | ConversationMentioned
            | QaScored
            | QaAlert
            | ConversationRedacted
            | ContactErased
    )
}

pub(crate) async fn record_event(
    c: &mut Conn,
    account: AccountId,
    id: ConversationId,
    event: &NewEvent,
    now: Timestamp,
) -> R<Event> {
    if written_by_store(event.kind) {
        return Err(CoreError::invalid(
            "type",
            format!("{} events are recorded by the store itself", event.kind),
        )
        .into());
    }
    let mut conv = lock_conversation(c, account, id).await?;
    let e = insert_event(c, account, Some(&mut conv), event, now).await?;
    save_conversation(c, &conv).await?;
    Ok(e)
}
