//! Inboxes as the public (widget) endpoints see them, cached briefly. Every
//! visitor request needs its inbox (allowed origins, identity rule), and
//! reading it from the database each time was one of the two reads on the
//! chat hot path. Updates made through this node are seen at once; those
//! made through another node within `ttl` (2 s by default).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use kefu_core::model::Inbox;
use kefu_core::store::{Store, StoreResult};
use kefu_core::{AccountId, InboxId};

/// More inboxes than this are not cached at once (the map is swept).
const MAX_ENTRIES: usize = 10_000;

pub struct InboxCache {
    ttl: Duration,
    entries: RwLock<HashMap<InboxId, (Instant, Inbox)>>,
}

impl InboxCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The inbox, from the cache when fresh. The account must match, as in
    /// `Store::get_inbox`: a cached inbox is never handed to another tenant.
    pub async fn get(
        &self,
        store: &dyn Store,
        account: AccountId,
        id: InboxId,
    ) -> StoreResult<Inbox> {
        if let Some(inbox) = self.fresh(account, id) {
            return Ok(inbox);
        }
        let inbox = store.get_inbox(account, id).await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(id, (Instant::now(), inbox.clone()));
        Ok(inbox)
    }

    fn fresh(&self, account: AccountId, id: InboxId) -> Option<Inbox> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (at, inbox) = entries.get(&id)?;
        (at.elapsed() < self.ttl && inbox.account_id == account).then(|| inbox.clone())
    }

    /// Drops an inbox after a change, so this node serves the new version.
    pub fn forget(&self, id: InboxId) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}
