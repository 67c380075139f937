//! In-process fan-out. Each socket registers a filter (all of an account,
//! some inboxes of it, or one conversation) and gets its own bounded queue.
//! Publishing touches only the subscribers interested in the event's inbox or
//! conversation, so cost grows with interest, not with the number of sockets.
//! A subscriber whose queue is full is dropped on the spot and learns it was
//! too slow; its client resyncs from its cursor, so the server never buffers
//! without bound.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};

use kefu_core::event::Event;
use kefu_core::model::Sender;
use kefu_core::{AccountId, ConversationId, InboxId};
use tokio::sync::mpsc;

use crate::frame;

/// Something to deliver live.
#[derive(Clone, Debug)]
pub enum Live {
    /// A committed event, with its frames serialised once.
    Event(Arc<Delivered>),
    /// Typing and presence: never logged, never replayed.
    Ephemeral(Arc<Ephemeral>),
}

#[derive(Debug)]
pub struct Delivered {
    pub event: Event,
    pub agent_json: Arc<str>,
    /// `None` when a contact must not see this event.
    pub visitor_json: Option<Arc<str>>,
}

#[derive(Debug, Clone)]
pub struct Ephemeral {
    pub account_id: AccountId,
    pub conversation_id: Option<ConversationId>,
    pub inbox_id: Option<InboxId>,
    pub from: Sender,
    pub json: Arc<str>,
    pub visible_to_contact: bool,
}

impl Ephemeral {
    pub fn typing(
        account_id: AccountId,
        conversation_id: ConversationId,
        inbox_id: InboxId,
        from: Sender,
        typing: bool,
    ) -> Self {
        let json = serde_json::json!({
            "type": "typing",
            "conversation_id": conversation_id,
            "participant": {"kind": from.kind, "id": if from.kind == kefu_core::model::SenderKind::Contact { None } else { from.id }},
            "typing": typing,
        })
        .to_string();
        Self {
            account_id,
            conversation_id: Some(conversation_id),
            inbox_id: Some(inbox_id),
            from,
            json: json.into(),
            visible_to_contact: true,
        }
    }
}

impl Ephemeral {
    /// A waiting customer's place in the queue and the estimated wait. The
    /// agents' consoles get it too (it is about the conversation, not a
    /// secret).
    pub fn queue_status(
        account_id: AccountId,
        conversation_id: ConversationId,
        inbox_id: InboxId,
        position: usize,
        estimated_wait_s: Option<i64>,
    ) -> Self {
        let json = serde_json::json!({
            "type": "queue_status",
            "conversation_id": conversation_id,
            "position": position,
            "estimated_wait_s": estimated_wait_s,
        })
        .to_string();
        Self {
            account_id,
            conversation_id: Some(conversation_id),
            inbox_id: Some(inbox_id),
            from: Sender::system(),
            json: json.into(),
            visible_to_contact: true,
        }
    }

    /// Who has a conversation open in a console now (the collision
    /// warning). Agents only: a customer never learns who is looking.
    pub fn viewing(
        account_id: AccountId,
        conversation_id: ConversationId,
        inbox_id: InboxId,
        from: Sender,
        viewers: &[kefu_core::UserId],
    ) -> Self {
        let json = serde_json::json!({
            "type": "viewing",
            "conversation_id": conversation_id,
            "viewers": viewers,
        })
        .to_string();
        Self {
            account_id,
            conversation_id: Some(conversation_id),
            inbox_id: Some(inbox_id),
            from,
            json: json.into(),
            visible_to_contact: false,
        }
    }
}

/// What a subscriber wants to receive.
#[derive(Clone, Debug, PartialEq)]
pub enum Interest {
    /// Every event of the account (supervisors, admins).
    Account(AccountId),
    /// Events of these inboxes, plus nothing account-wide (agents).
    Inboxes(Vec<InboxId>),
    /// One conversation (widget visitors).
    Conversation(ConversationId),
}

struct Slot {
    id: u64,
    tx: mpsc::Sender<Live>,
    lagged: Arc<AtomicBool>,
}

#[derive(Default)]
struct Registry {
    accounts: HashMap<AccountId, Vec<Slot>>,
    inboxes: HashMap<InboxId, Vec<Slot>>,
    conversations: HashMap<ConversationId, Vec<Slot>>,
}

pub struct Hub {
    capacity: usize,
    next_id: AtomicU64,
    registry: RwLock<Registry>,
    me: Weak<Hub>,
    observers: RwLock<Vec<Observer>>,
}

/// Called with every published event, in stream order, on the relay's task:
/// it must not block (services record what to do and do it elsewhere).
pub type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// A registered subscriber's receiving end. Dropping it unregisters.
pub struct Receiver {
    pub(crate) rx: mpsc::Receiver<Live>,
    lagged: Arc<AtomicBool>,
    id: u64,
    interest: Interest,
    hub: Weak<Hub>,
}

impl Receiver {
    /// The next item; `Closed::Lagged` when the hub dropped us for being too
    /// slow.
    pub async fn recv(&mut self) -> Result<Live, Closed> {
        match self.rx.recv().await {
            Some(l) => Ok(l),
            None if self.lagged.load(Ordering::Acquire) => Err(Closed::Lagged),
            None => Err(Closed::HubGone),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Lagged,
    HubGone,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.unregister(self.id, &self.interest);
        }
    }
}

impl Hub {
    /// `capacity` bounds each subscriber's queue, in frames.
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            capacity: capacity.max(16),
            next_id: AtomicU64::new(1),
            registry: RwLock::default(),
            me: me.clone(),
            observers: RwLock::default(),
        })
    }

    /// Lets a server-side service (routing) see every committed event
    /// without a socket of its own.
    pub fn observe(&self, observer: Observer) {
        self.observers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(observer);
    }

    pub fn subscribe(&self, interest: Interest) -> Receiver {
        let (tx, rx) = mpsc::channel(self.capacity);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut reg = self.registry.write().unwrap_or_else(|p| p.into_inner());
        let slot = || Slot {
            id,
            tx: tx.clone(),
            lagged: lagged.clone(),
        };
        match &interest {
            Interest::Account(a) => reg.accounts.entry(*a).or_default().push(slot()),
            Interest::Inboxes(list) => {
                for i in list {
                    reg.inboxes.entry(*i).or_default().push(slot());
                }
            }
            Interest::Conversation(c) => reg.conversations.entry(*c).or_default().push(slot()),
        }
        drop(reg);
        metrics::gauge!("kefu_realtime_subscribers").increment(1.0);
        Receiver {
            rx,
            lagged,
            id,
            interest,
            hub: self.me.clone(),
        }
    }

    fn unregister(&self, id: u64, interest: &Interest) {
        let mut reg = self.registry.write().unwrap_or_else(|p| p.into_inner());
        fn remove<K: std::hash::Hash + Eq>(m: &mut HashMap<K, Vec<Slot>>, k: K, id: u64) {
            if let Some(v) = m.get_mut(&k) {
                v.retain(|s| s.id != id);
                if v.is_empty() {
                    m.remove(&k);
                }
            }
        }
        match interest {
            Interest::Account(a) => remove(&mut reg.accounts, *a, id),
            Interest::Inboxes(list) => list.iter().for_each(|i| remove(&mut reg.inboxes, *i, id)),
            Interest::Conversation(c) => remove(&mut reg.conversations, *c, id),
        }
        metrics::gauge!("kefu_realtime_subscribers").decrement(1.0);
    }

    /// Publishes a committed event. Called by the relay, in stream order, so
    /// every subscriber sees its events in order. `sender_name` is what the
    /// customer sees as the author of an agent's message.
    pub fn publish_event(&self, event: Event, sender_name: Option<&str>) {
        let visitor_json = event
            .visible_to_contact()
            .then(|| Arc::from(frame::visitor_frame(&event, sender_name)));
        let d = Arc::new(Delivered {
            agent_json: frame::agent_frame(&event).into(),
            visitor_json,
            event,
        });
        self.deliver(
            d.event.account_id,
            d.event.inbox_id,
            d.event.conversation_id,
            &Live::Event(d.clone()),
        );
        for o in self
            .observers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            o(&d.event);
        }
        metrics::counter!("kefu_realtime_events_published_total").increment(1);
    }

    pub fn publish_ephemeral(&self, e: Ephemeral) {
        let (a, i, c) = (e.account_id, e.inbox_id, e.conversation_id);
        self.deliver(a, i, c, &Live::Ephemeral(Arc::new(e)));
    }

    fn deliver(
        &self,
        account: AccountId,
        inbox: Option<InboxId>,
        conversation: Option<ConversationId>,
        live: &Live,
    ) {
        let mut slow = Vec::new();
        {
            let reg = self.registry.read().unwrap_or_else(|p| p.into_inner());
            let mut offer = |slots: Option<&Vec<Slot>>| {
                for s in slots.into_iter().flatten() {
                    if let Err(mpsc::error::TrySendError::Full(_)) = s.tx.try_send(live.clone()) {
                        s.lagged.store(true, Ordering::Release);
                        slow.push(s.id);
                    }
                }
            };
            offer(reg.accounts.get(&account));
            if let Some(i) = inbox {
                offer(reg.inboxes.get(&i));
            }
            if let Some(c) = conversation {
                offer(reg.conversations.get(&c));
            }
        }
        if !slow.is_empty() {
            // Dropping the sender closes the subscriber's queue once drained:
            // it sees `Closed::Lagged` and the socket is closed.
            let mut guard = self.registry.write().unwrap_or_else(|p| p.into_inner());
            let reg = &mut *guard;
            reg.accounts.drop_ids(&slow);
            reg.inboxes.drop_ids(&slow);
            reg.conversations.drop_ids(&slow);
            metrics::counter!("kefu_realtime_slow_consumers_total").increment(slow.len() as u64);
        }
    }

    /// Registered subscribers, for tests and metrics.
    pub fn subscriber_count(&self) -> usize {
        let reg = self.registry.read().unwrap_or_else(|p| p.into_inner());
        reg.accounts.values().map(Vec::len).sum::<usize>()
            + reg.inboxes.values().map(Vec::len).sum::<usize>()
            + reg.conversations.values().map(Vec::len).sum::<usize>()
    }
}

trait SlotMap {
    fn drop_ids(&mut self, ids: &[u64]);
}

impl<K: std::hash::Hash + Eq> SlotMap for HashMap<K, Vec<Slot>> {
    fn drop_ids(&mut self, ids: &[u64]) {
        for v in self.values_mut() {
            v.retain(|s| !ids.contains(&s.id));
        }
        self.retain(|_, v| !v.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::event::{EventType, StreamCursor};
    use kefu_core::{EventId, Timestamp};

    fn event(account: AccountId, inbox: InboxId, conv: ConversationId, pos: i64) -> Event {
        Event {
            id: EventId::new(),
            account_id: account,
            kind: EventType::MessageCreated,
            schema_version: 1,
            conversation_id: Some(conv),
            inbox_id: Some(inbox),
            seq: Some(pos),
            actor: Sender::system(),
            data: serde_json::json!({"message": {"visibility": "public"}}),
            created_at: Timestamp(0),
            cursor: Some(StreamCursor { tx: 0, pos }),
        }
    }

    fn pos(l: &Live) -> i64 {
        match l {
            Live::Event(d) => d.event.cursor.unwrap().pos,
            Live::Ephemeral(_) => -1,
        }
    }

    #[tokio::test]
    async fn routes_by_interest_in_order() {
        let hub = Hub::new(64);
        let (a, i1, i2, c1, c2) = (
            AccountId::new(),
            InboxId::new(),
            InboxId::new(),
            ConversationId::new(),
            ConversationId::new(),
        );
        let mut all = hub.subscribe(Interest::Account(a));
        let mut only_i1 = hub.subscribe(Interest::Inboxes(vec![i1]));
        let mut visitor_c2 = hub.subscribe(Interest::Conversation(c2));
        let mut other_account = hub.subscribe(Interest::Account(AccountId::new()));
        hub.publish_event(event(a, i1, c1, 1), None);
        hub.publish_event(event(a, i2, c2, 2), None);
        hub.publish_event(event(a, i1, c1, 3), None);
        assert_eq!(
            [
                pos(&all.recv().await.unwrap()),
                pos(&all.recv().await.unwrap()),
                pos(&all.recv().await.unwrap())
            ],
            [1, 2, 3]
        );
        assert_eq!(
            [
                pos(&only_i1.recv().await.unwrap()),
                pos(&only_i1.recv().await.unwrap())
            ],
            [1, 3]
        );
        assert_eq!(pos(&visitor_c2.recv().await.unwrap()), 2);
        assert!(other_account.rx.try_recv().is_err());
        assert!(only_i1.rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_full_queue_drops_only_that_subscriber() {
        let hub = Hub::new(16);
        let (a, i, c) = (AccountId::new(), InboxId::new(), ConversationId::new());
        let mut slow = hub.subscribe(Interest::Account(a));
        let mut fast = hub.subscribe(Interest::Account(a));
        for p in 1..=40 {
            hub.publish_event(event(a, i, c, p), None);
            // The fast one keeps up.
            assert_eq!(pos(&fast.recv().await.unwrap()), p);
        }
        // The slow one gets what fitted, then learns it lagged.
        let mut got = 0;
        loop {
            match slow.recv().await {
                Ok(_) => got += 1,
                Err(e) => {
                    assert_eq!(e, Closed::Lagged);
                    break;
                }
            }
        }
        assert_eq!(got, 16);
        assert_eq!(hub.subscriber_count(), 1);
        drop(fast);
        assert_eq!(
            hub.subscriber_count(),
            0,
            "dropping a receiver unregisters it"
        );
    }
}
