//! In-process fan-out: one broadcast channel per account (agents) and per
//! conversation (visitors). Broadcast channels are bounded rings: a receiver
//! that falls behind learns it lagged, and its socket is closed so the client
//! resyncs from its cursor instead of the server buffering without limit.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use kefu_core::event::Event;
use kefu_core::model::Sender;
use kefu_core::{AccountId, ConversationId, InboxId};
use tokio::sync::broadcast;

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

pub struct Hub {
    capacity: usize,
    accounts: RwLock<HashMap<AccountId, broadcast::Sender<Live>>>,
    conversations: RwLock<HashMap<ConversationId, broadcast::Sender<Live>>>,
}

impl Hub {
    /// `capacity` is each socket's queue bound, in frames.
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity: capacity.max(16),
            accounts: RwLock::default(),
            conversations: RwLock::default(),
        })
    }

    pub fn subscribe_account(&self, account: AccountId) -> broadcast::Receiver<Live> {
        subscribe(&self.accounts, account, self.capacity)
    }

    pub fn subscribe_conversation(
        &self,
        conversation: ConversationId,
    ) -> broadcast::Receiver<Live> {
        subscribe(&self.conversations, conversation, self.capacity)
    }

    /// Publishes a committed event. Called by the relay, in stream order.
    pub fn publish_event(&self, event: Event) {
        let visitor_json = event
            .visible_to_contact()
            .then(|| Arc::from(frame::visitor_frame(&event)));
        let delivered = Arc::new(Delivered {
            agent_json: frame::agent_frame(&event).into(),
            visitor_json,
            event,
        });
        let live = Live::Event(delivered.clone());
        send(&self.accounts, delivered.event.account_id, live.clone());
        if let Some(c) = delivered.event.conversation_id {
            send(&self.conversations, c, live);
        }
        metrics::counter!("kefu_realtime_events_published_total").increment(1);
    }

    pub fn publish_ephemeral(&self, e: Ephemeral) {
        let e = Arc::new(e);
        send(&self.accounts, e.account_id, Live::Ephemeral(e.clone()));
        if let Some(c) = e.conversation_id {
            send(&self.conversations, c, Live::Ephemeral(e));
        }
    }

    /// Number of channels held, for tests and metrics.
    pub fn channel_count(&self) -> (usize, usize) {
        (read(&self.accounts).len(), read(&self.conversations).len())
    }
}

fn read<K, V>(m: &RwLock<HashMap<K, V>>) -> std::sync::RwLockReadGuard<'_, HashMap<K, V>> {
    m.read().unwrap_or_else(|p| p.into_inner())
}

fn subscribe<K: std::hash::Hash + Eq + Copy>(
    map: &RwLock<HashMap<K, broadcast::Sender<Live>>>,
    key: K,
    capacity: usize,
) -> broadcast::Receiver<Live> {
    if let Some(tx) = read(map).get(&key) {
        return tx.subscribe();
    }
    let mut w = map.write().unwrap_or_else(|p| p.into_inner());
    w.entry(key)
        .or_insert_with(|| broadcast::channel(capacity).0)
        .subscribe()
}

/// Sends to the channel if anyone listens; drops channels nobody listens to
/// any more, so idle conversations cost nothing.
fn send<K: std::hash::Hash + Eq + Copy>(
    map: &RwLock<HashMap<K, broadcast::Sender<Live>>>,
    key: K,
    live: Live,
) {
    let orphaned = match read(map).get(&key) {
        Some(tx) => tx.send(live).is_err(),
        None => false,
    };
    if orphaned {
        let mut w = map.write().unwrap_or_else(|p| p.into_inner());
        if w.get(&key).is_some_and(|tx| tx.receiver_count() == 0) {
            w.remove(&key);
        }
    }
}
