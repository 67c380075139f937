//! The waiting conversations of one queue, in the order they are served:
//! higher priority first, then the longest waiting (FIFO within a priority),
//! then by id so the order is total and every node computes the same one.

use std::cmp::Ordering;

use kefu_core::model::{ChannelKind, Priority};
use kefu_core::{ConversationId, Timestamp, UserId};

use crate::policy::SkillRequirement;

/// One conversation waiting for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub conversation: ConversationId,
    pub priority: Priority,
    /// When it joined the queue (the handoff, or a transfer to this team).
    pub enqueued_at: Timestamp,
    /// Its channel: agents have a capacity per channel kind.
    pub channel: ChannelKind,
    /// Skills an agent needs (from conversation tags or the bot's intent).
    pub skills: Vec<SkillRequirement>,
    /// The agent who last served this customer, preferred when available.
    pub last_agent: Option<UserId>,
}

impl Waiting {
    /// Serving order: priority descending, then waiting time, then id.
    pub fn serve_order(&self, other: &Self) -> Ordering {
        other
            .priority
            .cmp(&self.priority)
            .then(self.enqueued_at.cmp(&other.enqueued_at))
            .then(self.conversation.0.cmp(&other.conversation.0))
    }

    /// How long it has waited at `now`, in milliseconds (0 if enqueued in
    /// the future, which a skewed clock can produce).
    pub fn waited_ms(&self, now: Timestamp) -> i64 {
        (now.millis() - self.enqueued_at.millis()).max(0)
    }
}

/// A queue snapshot, always in serving order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    waiting: Vec<Waiting>,
}

impl Queue {
    /// A queue of these conversations; a conversation listed twice is kept
    /// once (its first listing), so a snapshot read twice cannot serve a
    /// conversation twice.
    pub fn new(waiting: impl IntoIterator<Item = Waiting>) -> Self {
        let mut waiting: Vec<Waiting> = waiting.into_iter().collect();
        let mut seen = std::collections::HashSet::new();
        waiting.retain(|w| seen.insert(w.conversation));
        waiting.sort_by(Waiting::serve_order);
        Self { waiting }
    }

    /// Adds a conversation in its place (or replaces its earlier entry).
    pub fn push(&mut self, item: Waiting) {
        self.remove(item.conversation);
        let at = self
            .waiting
            .partition_point(|w| w.serve_order(&item) == Ordering::Less);
        self.waiting.insert(at, item);
    }

    /// Removes a conversation (assigned, abandoned, transferred away).
    pub fn remove(&mut self, conversation: ConversationId) -> Option<Waiting> {
        let at = self
            .waiting
            .iter()
            .position(|w| w.conversation == conversation)?;
        Some(self.waiting.remove(at))
    }

    /// The conversations in serving order.
    pub fn iter(&self) -> impl Iterator<Item = &Waiting> {
        self.waiting.iter()
    }

    pub fn get(&self, conversation: ConversationId) -> Option<&Waiting> {
        self.waiting.iter().find(|w| w.conversation == conversation)
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}
