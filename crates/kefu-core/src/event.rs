//! The event registry: every event type Kefu records, named `noun.verb`, with
//! a schema version. The same names serve the event log, the sockets and
//! outbound webhooks, so a consumer learns one vocabulary.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

use crate::model::Sender;
use crate::state::{Effect, Owner, TransferTarget};
use crate::{AccountId, ConversationId, EventId, InboxId, Timestamp};

macro_rules! registry {
    ($($variant:ident => $name:literal v $version:literal),* $(,)?) => {
        /// Every event type, with its wire name and current schema version.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ToSchema)]
        pub enum EventType { $($variant),* }

        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(EventType::$variant => $name),* }
            }
            pub fn schema_version(self) -> u16 {
                match self { $(EventType::$variant => $version),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(EventType::$variant),)* _ => None }
            }
        }
    };
}

registry! {
    ConversationCreated => "conversation.created" v 1,
    ConversationStatusChanged => "conversation.status_changed" v 1,
    ConversationAssigned => "conversation.assigned" v 1,
    ConversationUnassigned => "conversation.unassigned" v 1,
    ConversationTransferred => "conversation.transferred" v 1,
    ConversationResolved => "conversation.resolved" v 1,
    ConversationAbandoned => "conversation.abandoned" v 1,
    ConversationReopened => "conversation.reopened" v 1,
    ConversationSnoozed => "conversation.snoozed" v 1,
    ConversationUnsnoozed => "conversation.unsnoozed" v 1,
    ConversationUpdated => "conversation.updated" v 1,
    ConversationConverted => "conversation.converted" v 1,
    ConversationClosed => "conversation.closed" v 1,
    ConversationLinked => "conversation.linked" v 1,
    ConversationUnlinked => "conversation.unlinked" v 1,
    BotHandedOff => "bot.handed_off" v 1,
    BotAnswered => "bot.answered" v 1,
    MessageCreated => "message.created" v 1,
    MessageDeliveryUpdated => "message.delivery_updated" v 1,
    ContactCreated => "contact.created" v 1,
    ContactUpdated => "contact.updated" v 1,
    ReadCursorMoved => "conversation.read" v 1,
    ConversationRated => "conversation.rated" v 1,
    QaScored => "qa.scored" v 1,
    // A live rule fired while the conversation runs, or a customer waited
    // too long. Data: `alert_id`, `rule_id`, `rule_name`, `reason` (`rule`
    // or `silence`), `message_id`, `start`, `end`, `excerpt`, `speaker`.
    // Supervisors and admins only (see `EventType::supervisors_only`).
    QaAlert => "qa.alert" v 1,
    SlaBreached => "sla.breached" v 1,
    // A member was @mentioned in a private note. Data: `user_id` (who was
    // mentioned), `message_id`, `author` (the note's writer) and `excerpt`.
    ConversationMentioned => "conversation.mentioned" v 1,
    // What the conversation said was erased: by a privacy request
    // (`reason: erasure`) or the account's retention policy (`reason:
    // retention`); `deleted: true` when the conversation itself is gone.
    // Search indexes drop the conversation's text on it.
    ConversationRedacted => "conversation.redacted" v 1,
    // A privacy request erased the contact. Data: `contact_id`.
    ContactErased => "contact.erased" v 1,
}

impl EventType {
    /// Events only members who see every inbox (supervisors, admins)
    /// receive: an alert about an agent is not shown to the agents.
    pub fn supervisors_only(self) -> bool {
        matches!(self, EventType::QaAlert)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EventType::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event type {s}")))
    }
}

/// Position in the account-wide event stream. Ordered; a reader that has seen
/// everything up to a cursor and asks for what follows never misses an event
/// that committed late. On SQLite (one writer) `tx` is 0 and `pos` is the
/// commit order; on PostgreSQL `tx` is the writing transaction's id and only
/// transactions older than every running one are handed out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamCursor {
    pub tx: u64,
    pub pos: i64,
}

impl StreamCursor {
    pub const START: StreamCursor = StreamCursor { tx: 0, pos: 0 };
}

impl fmt::Display for StreamCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.tx, self.pos)
    }
}

impl FromStr for StreamCursor {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (tx, pos) = s.split_once('.').ok_or(())?;
        let c = StreamCursor {
            tx: tx.parse().map_err(|_| ())?,
            pos: pos.parse().map_err(|_| ())?,
        };
        if c.pos < 0 { Err(()) } else { Ok(c) }
    }
}

impl Serialize for StreamCursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StreamCursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("invalid cursor"))
    }
}

/// An entry of the append-only event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: EventId,
    pub account_id: AccountId,
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: EventType,
    pub schema_version: u16,
    pub conversation_id: Option<ConversationId>,
    pub inbox_id: Option<InboxId>,
    /// Per-conversation sequence number, gap-free, assigned under the
    /// conversation's lock.
    pub seq: Option<i64>,
    pub actor: Sender,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: Timestamp,
    /// Position in the account stream, known once committed.
    #[schema(value_type = Option<String>)]
    pub cursor: Option<StreamCursor>,
}

impl Event {
    /// Whether a widget visitor of this conversation may see the event: only
    /// public messages and status changes, never notes or assignments.
    pub fn visible_to_contact(&self) -> bool {
        match self.kind {
            EventType::MessageCreated => {
                self.data
                    .get("message")
                    .and_then(|m| m.get("visibility"))
                    .and_then(|v| v.as_str())
                    == Some("public")
            }
            EventType::MessageDeliveryUpdated
            | EventType::ConversationStatusChanged
            | EventType::ConversationResolved
            | EventType::ConversationReopened
            | EventType::ReadCursorMoved => true,
            _ => false,
        }
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.cursor.partial_cmp(&other.cursor)
    }
}

/// An event before it is written: the store fills in id-independent parts
/// (sequence, cursor) inside the unit of work.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub kind: EventType,
    pub actor: Sender,
    pub data: serde_json::Value,
}

impl NewEvent {
    pub fn new(kind: EventType, actor: Sender, data: serde_json::Value) -> Self {
        Self { kind, actor, data }
    }
}

fn owner_json(o: &Owner) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or_default()
}

fn target_json(t: &TransferTarget) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

/// The events a state-machine effect is recorded as.
pub fn event_for_effect(effect: &Effect, actor: Sender) -> NewEvent {
    use serde_json::json;
    let (kind, data) = match effect {
        Effect::StatusChanged { from, to } => (
            EventType::ConversationStatusChanged,
            json!({"from": from, "to": to}),
        ),
        Effect::HandedOff { reason } => (EventType::BotHandedOff, json!({"reason": reason})),
        Effect::Assigned { agent, previous } => (
            EventType::ConversationAssigned,
            json!({"assignee_id": agent, "previous_assignee_id": previous}),
        ),
        Effect::Unassigned { previous } => (
            EventType::ConversationUnassigned,
            json!({"previous_assignee_id": previous}),
        ),
        Effect::Transferred { from, to } => (
            EventType::ConversationTransferred,
            json!({"from": owner_json(from), "to": target_json(to)}),
        ),
        Effect::Resolved => (EventType::ConversationResolved, json!({})),
        Effect::Abandoned => (EventType::ConversationAbandoned, json!({})),
        Effect::Reopened => (EventType::ConversationReopened, json!({})),
        Effect::Snoozed { until } => (EventType::ConversationSnoozed, json!({"until": until})),
        Effect::Unsnoozed => (EventType::ConversationUnsnoozed, json!({})),
    };
    NewEvent::new(kind, actor, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_noun_verb_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for t in EventType::ALL {
            let n = t.name();
            assert!(seen.insert(n), "duplicate {n}");
            let (noun, verb) = n.split_once('.').expect("noun.verb");
            assert!(!noun.is_empty() && !verb.is_empty());
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            );
            assert_eq!(EventType::parse(n), Some(*t));
            assert!(t.schema_version() >= 1);
        }
        assert_eq!(EventType::parse("message.exploded"), None);
    }

    #[test]
    fn cursors_order_by_transaction_then_position() {
        let a: StreamCursor = "5.10".parse().unwrap();
        let b: StreamCursor = "6.2".parse().unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "5.10");
        assert!("x".parse::<StreamCursor>().is_err());
        assert!("1.-3".parse::<StreamCursor>().is_err());
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"5.10\"");
    }
}
