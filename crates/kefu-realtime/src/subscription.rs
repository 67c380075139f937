//! One socket's view of the stream: replay from the database after the
//! client's cursor, then follow the hub. The hub channel is subscribed
//! *before* the replay query, so an event is either in the replay or in the
//! channel (or both, and then skipped by position) — never in neither.

use std::collections::VecDeque;
use std::sync::Arc;

use kefu_core::event::{Event, StreamCursor};
use kefu_core::model::{SenderKind, Visibility};
use kefu_core::store::Store;
use kefu_core::{AccountId, ConversationId, StoreError};
use thiserror::Error;

use crate::hub::{Closed, Interest, Live, Receiver};
use crate::{DisplayNames, Hub, frame};

const REPLAY_BATCH: u32 = 500;

#[derive(Debug, Error)]
pub enum SubscriptionError {
    /// The socket's queue overflowed; the client must reconnect with its cursor.
    #[error("slow consumer: reconnect with your last cursor")]
    SlowConsumer,
    #[error("the server is shutting down")]
    Closed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An agent's feed: every event of the account in inboxes the agent may see.
pub struct AgentSubscription {
    store: Arc<dyn Store>,
    account: AccountId,
    visibility: Visibility,
    rx: Receiver,
    cursor: StreamCursor,
    backlog: VecDeque<Event>,
    replaying: bool,
}

impl AgentSubscription {
    /// With `cursor: None` the feed starts at the current head (live only).
    pub async fn start(
        store: Arc<dyn Store>,
        hub: &Hub,
        account: AccountId,
        visibility: Visibility,
        cursor: Option<StreamCursor>,
    ) -> Result<Self, SubscriptionError> {
        let interest = match &visibility.inboxes {
            None => Interest::Account(account),
            Some(list) => Interest::Inboxes(list.clone()),
        };
        let rx = hub.subscribe(interest);
        let (cursor, replaying) = match cursor {
            Some(c) => (c, true),
            None => (store.stream_head().await?, true),
        };
        Ok(Self {
            store,
            account,
            visibility,
            rx,
            cursor,
            backlog: VecDeque::new(),
            replaying,
        })
    }

    pub fn cursor(&self) -> StreamCursor {
        self.cursor
    }

    fn visible(&self, inbox: Option<kefu_core::InboxId>) -> bool {
        match inbox {
            Some(i) => self.visibility.can_see_inbox(i),
            None => self.visibility.inboxes.is_none(),
        }
    }

    /// An event's visibility: its inbox, and for supervisors' events (live
    /// QA alerts about an agent) whether the member sees every inbox, which
    /// only supervisors and admins do.
    fn visible_event(&self, e: &Event) -> bool {
        self.visible(e.inbox_id)
            && (!e.kind.supervisors_only() || self.visibility.inboxes.is_none())
    }

    /// The next frame to send.
    pub async fn next(&mut self) -> Result<Arc<str>, SubscriptionError> {
        loop {
            if self.replaying {
                if self.backlog.is_empty() {
                    let batch = self
                        .store
                        .account_events_after(self.account, self.cursor, REPLAY_BATCH)
                        .await?;
                    if batch.is_empty() {
                        self.replaying = false;
                        return Ok(frame::ready_frame(self.cursor).into());
                    }
                    self.backlog.extend(batch);
                }
                if let Some(e) = self.backlog.pop_front() {
                    if let Some(c) = e.cursor {
                        self.cursor = c;
                    }
                    if self.visible_event(&e) {
                        return Ok(frame::agent_frame(&e).into());
                    }
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(Live::Event(d)) => {
                    let Some(c) = d.event.cursor else { continue };
                    if c <= self.cursor {
                        continue;
                    }
                    self.cursor = c;
                    if self.visible_event(&d.event) {
                        return Ok(d.agent_json.clone());
                    }
                }
                Ok(Live::Ephemeral(e)) => {
                    if self.visible(e.inbox_id) {
                        return Ok(e.json.clone());
                    }
                }
                Err(Closed::Lagged) => return Err(SubscriptionError::SlowConsumer),
                Err(Closed::HubGone) => return Err(SubscriptionError::Closed),
            }
        }
    }
}

/// A widget visitor's feed: the public events of one conversation, by its
/// gap-free sequence number. A gap in the live feed (events of one
/// conversation may reach the hub out of sequence on PostgreSQL) is filled
/// from the database before going on.
pub struct VisitorSubscription {
    store: Arc<dyn Store>,
    names: Arc<DisplayNames>,
    account: AccountId,
    conversation: ConversationId,
    rx: Receiver,
    last_seq: i64,
    backlog: VecDeque<Event>,
    replaying: bool,
}

impl VisitorSubscription {
    pub async fn start(
        store: Arc<dyn Store>,
        names: Arc<DisplayNames>,
        hub: &Hub,
        account: AccountId,
        conversation: ConversationId,
        after_seq: i64,
    ) -> Result<Self, SubscriptionError> {
        let rx = hub.subscribe(Interest::Conversation(conversation));
        Ok(Self {
            store,
            names,
            account,
            conversation,
            rx,
            last_seq: after_seq.max(0),
            backlog: VecDeque::new(),
            replaying: true,
        })
    }

    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    pub async fn next(&mut self) -> Result<Arc<str>, SubscriptionError> {
        loop {
            if self.replaying {
                if self.backlog.is_empty() {
                    let batch = self
                        .store
                        .conversation_events(
                            self.account,
                            self.conversation,
                            self.last_seq,
                            REPLAY_BATCH,
                        )
                        .await?;
                    if batch.is_empty() {
                        self.replaying = false;
                        return Ok(frame::ready_frame(self.last_seq).into());
                    }
                    self.backlog.extend(batch);
                }
                if let Some(e) = self.backlog.pop_front() {
                    let seq = e.seq.unwrap_or(self.last_seq);
                    if seq <= self.last_seq {
                        continue;
                    }
                    self.last_seq = seq;
                    if e.visible_to_contact() {
                        let name = self.names.for_event(&e).await;
                        return Ok(frame::visitor_frame(&e, name.as_deref()).into());
                    }
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(Live::Event(d)) => {
                    let Some(seq) = d.event.seq else { continue };
                    if seq <= self.last_seq {
                        continue;
                    }
                    if seq > self.last_seq + 1 {
                        // Earlier events are committed (they held the
                        // conversation lock first): read them from the database.
                        self.replaying = true;
                        continue;
                    }
                    self.last_seq = seq;
                    if let Some(j) = &d.visitor_json {
                        return Ok(j.clone());
                    }
                }
                Ok(Live::Ephemeral(e)) => {
                    if e.visible_to_contact && e.from.kind != SenderKind::Contact {
                        return Ok(e.json.clone());
                    }
                }
                Err(Closed::Lagged) => return Err(SubscriptionError::SlowConsumer),
                Err(Closed::HubGone) => return Err(SubscriptionError::Closed),
            }
        }
    }
}
