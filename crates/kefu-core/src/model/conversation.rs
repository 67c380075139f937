use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::TicketStatus;

use crate::state::{ConversationState, Owner, Status};
use crate::{AccountId, ContactId, ConversationId, InboxId, TeamId, Timestamp, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Chat,
    /// Asynchronous follow-up; shares the state machine, SLA engine and event log.
    Ticket,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Ticket => "ticket",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "chat" => Some(Self::Chat),
            "ticket" => Some(Self::Ticket),
            _ => None,
        }
    }
}

/// What a ticket is about, in the four kinds helpdesks share: a question,
/// an incident (something broke for this customer), a problem (the cause
/// behind several incidents) and a task (work to do by a date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    Question,
    Incident,
    Problem,
    Task,
}

impl TicketType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Incident => "incident",
            Self::Problem => "problem",
            Self::Task => "task",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "question" => Some(Self::Question),
            "incident" => Some(Self::Incident),
            "problem" => Some(Self::Problem),
            "task" => Some(Self::Task),
            _ => None,
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_i16(self) -> i16 {
        match self {
            Self::Low => 0,
            Self::Normal => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }
    pub fn from_i16(v: i16) -> Self {
        match v {
            i16::MIN..=0 => Self::Low,
            1 => Self::Normal,
            2 => Self::High,
            _ => Self::Urgent,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub kind: ConversationKind,
    pub status: Status,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub priority: Priority,
    pub labels: Vec<String>,
    pub subject: Option<String>,
    pub snoozed_until: Option<Timestamp>,
    /// When it joined the queue it waits in (`None` unless queued). FIFO
    /// within a priority is by this time.
    #[serde(default)]
    pub queued_at: Option<Timestamp>,
    /// Tickets only: what the ticket is about.
    #[serde(default)]
    pub ticket_type: Option<TicketType>,
    /// Values of the account's custom ticket fields, by key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_fields: BTreeMap<String, Value>,
    /// Tickets only: open, pending, solved or closed, derived from `status`
    /// and `closed_at` (see [`TicketStatus`]).
    #[serde(default)]
    pub ticket_status: Option<TicketStatus>,
    /// When a chat became a ticket.
    #[serde(default)]
    pub converted_at: Option<Timestamp>,
    /// When a ticket was closed for good.
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    /// Sequence number of the conversation's latest event.
    pub last_seq: i64,
    /// Optimistic-concurrency version, bumped by every change.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_activity_at: Timestamp,
}

impl Conversation {
    /// Recomputes the derived `ticket_status`; every change of kind, status
    /// or closing calls it before the conversation is shown or recorded.
    pub fn refresh_ticket_status(&mut self) {
        self.ticket_status = (self.kind == ConversationKind::Ticket)
            .then(|| TicketStatus::of(self.status, self.closed_at.is_some()));
    }

    /// A closed ticket takes no more changes or messages.
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }

    pub fn state(&self) -> ConversationState {
        ConversationState {
            status: self.status,
            owner: match (self.status, self.assignee_id) {
                (Status::Bot, _) => Owner::Bot,
                (_, Some(a)) => Owner::Agent(a),
                (_, None) => Owner::Queue(self.team_id),
            },
        }
    }
}
