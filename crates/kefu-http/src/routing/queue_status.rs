//! Tells waiting customers where they stand: position in their queue (the
//! same count the widget reads on load) and an estimated wait, pushed over
//! the realtime channel whenever it changes.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use kefu_core::{AccountId, ConversationId};
use kefu_realtime::{Ephemeral, Hub};
use kefu_routing::{Queue, WaitEstimator};

use super::route_account::Outcome;
use super::snapshot::{QueueKey, Snapshot};

/// What each waiting customer was last told, so that an unchanged position
/// is not sent again every round.
#[derive(Default)]
pub struct LastSent(Mutex<HashMap<AccountId, Told>>);

/// Each waiting conversation's (position, estimated wait in seconds).
type Told = HashMap<ConversationId, (usize, Option<i64>)>;

pub fn publish(
    hub: &Hub,
    last: &LastSent,
    snap: &Snapshot,
    outcome: &Outcome,
    estimator: &WaitEstimator,
) {
    // One queue per key, across the inboxes that feed it.
    let mut keys: Vec<QueueKey> = Vec::new();
    for g in &snap.groups {
        if !keys.contains(&g.key) {
            keys.push(g.key);
        }
    }
    let mut told: HashMap<ConversationId, (usize, Option<i64>)> = HashMap::new();
    let mut guard = last.0.lock().unwrap_or_else(|p| p.into_inner());
    let before = guard.remove(&snap.account).unwrap_or_default();
    for key in keys {
        let groups: Vec<_> = snap.groups.iter().filter(|g| g.key == key).collect();
        let queue = Queue::new(groups.iter().flat_map(|g| {
            g.queue
                .iter()
                .filter(|w| !outcome.assigned.contains(&w.conversation))
                .cloned()
        }));
        let eligible: HashSet<_> = groups
            .iter()
            .flat_map(|g| g.eligible.iter().copied())
            .collect();
        // The agents after this round's claims: a conversation just
        // assigned left the queue and fills a slot, or the next in line
        // would be told a free slot awaits them.
        let agents: Vec<_> = outcome
            .agents
            .iter()
            .filter(|a| eligible.contains(&a.id))
            .cloned()
            .collect();
        for p in estimator.positions(&queue, &agents) {
            let wait_s = p.estimated_wait_ms.map(|ms| (ms + 999) / 1000);
            let now_told = (p.position, wait_s);
            if before.get(&p.conversation) != Some(&now_told)
                && let Some(c) = snap.conversations.get(&p.conversation)
            {
                hub.publish_ephemeral(Ephemeral::queue_status(
                    snap.account,
                    c.id,
                    c.inbox_id,
                    p.position,
                    wait_s,
                ));
            }
            told.insert(p.conversation, now_told);
        }
    }
    if !told.is_empty() {
        guard.insert(snap.account, told);
    }
}
