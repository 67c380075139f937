//! The names customers see on agents' messages. Stored messages carry the
//! agent's user id, which customers must not learn; what they see is the
//! member's display name, looked up here and kept a minute, so the relay
//! (the hot path) almost never reads the database for it. A rename on this
//! node shows at once (`forget`); on other nodes within [`TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_core::event::Event;
use kefu_core::store::Store;
use kefu_core::{AccountId, StoreError, UserId};

pub const TTL: Duration = Duration::from_secs(60);
/// Entries kept at most; the cache empties when it overflows (cheap, rare).
const MAX_ENTRIES: usize = 10_000;

/// A member's name (none: not a member any more) and when it was read.
type Cached = HashMap<(AccountId, UserId), (Option<Arc<str>>, Instant)>;

pub struct DisplayNames {
    store: Arc<dyn Store>,
    cache: Mutex<Cached>,
}

impl DisplayNames {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            cache: Mutex::default(),
        }
    }

    /// The display name of a member; `None` for someone no longer in the
    /// account (the customer then sees "Agent").
    pub async fn agent(&self, account: AccountId, user: UserId) -> Option<Arc<str>> {
        let now = Instant::now();
        if let Some((name, at)) = self.lock().get(&(account, user))
            && now.saturating_duration_since(*at) < TTL
        {
            return name.clone();
        }
        let name = match self.store.get_member(account, user).await {
            Ok(m) => Some(Arc::<str>::from(m.name.as_str())),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => {
                // Not cached: the next message tries again.
                tracing::warn!(error = %e, "display name lookup failed");
                return None;
            }
        };
        let mut cache = self.lock();
        if cache.len() >= MAX_ENTRIES {
            cache.clear();
        }
        cache.insert((account, user), (name.clone(), now));
        name
    }

    /// The name a customer sees on this event's message, when an agent wrote it.
    pub async fn for_event(&self, event: &Event) -> Option<Arc<str>> {
        let sender = event.data.get("message")?.get("sender")?;
        if sender.get("kind")?.as_str()? != "agent" {
            return None;
        }
        let id: UserId = sender.get("id")?.as_str()?.parse().ok()?;
        self.agent(event.account_id, id).await
    }

    /// Drops a member's cached name (after a rename or removal on this node).
    pub fn forget(&self, account: AccountId, user: UserId) {
        self.lock().remove(&(account, user));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}
