//! What the wait estimates learn from: each account's handle time (first
//! assignment to resolution), as an exponentially weighted mean of the
//! conversations this node saw resolved. Every node reads the whole event
//! stream, so every node learns the same; a restarted node starts again
//! from the prior and catches up within a few dozen resolutions.

use std::collections::HashMap;
use std::sync::Mutex;

use kefu_core::event::{Event, EventType};
use kefu_core::{AccountId, ConversationId, Timestamp};
use kefu_routing::WaitEstimator;

/// The handle time estimates start from until Kefu learns an account's own:
/// six minutes, a common chat handle time.
pub const PRIOR_HANDLE_MS: i64 = 6 * 60 * 1000;

/// Conversations being handled whose start is remembered; beyond this the
/// oldest half is forgotten (they are then not learned from, which only
/// slows the learning a little).
const MAX_OPEN: usize = 200_000;

#[derive(Default)]
pub struct HandleTimes {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    started: HashMap<ConversationId, Timestamp>,
    estimators: HashMap<AccountId, WaitEstimator>,
}

impl HandleTimes {
    /// Learns from one committed event.
    pub fn see(&self, e: &Event) {
        let Some(conv) = e.conversation_id else {
            return;
        };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match e.kind {
            EventType::ConversationAssigned => {
                if inner.started.len() >= MAX_OPEN {
                    let mut by_age: Vec<_> = inner.started.iter().map(|(c, t)| (*t, *c)).collect();
                    by_age.sort_unstable_by_key(|(t, _)| *t);
                    for (_, c) in by_age.into_iter().take(MAX_OPEN / 2) {
                        inner.started.remove(&c);
                    }
                }
                inner.started.entry(conv).or_insert(e.created_at);
            }
            EventType::ConversationResolved => {
                if let Some(start) = inner.started.remove(&conv) {
                    let handle = e.created_at.millis() - start.millis();
                    inner
                        .estimators
                        .entry(e.account_id)
                        .or_insert_with(|| WaitEstimator::new(PRIOR_HANDLE_MS))
                        .observe(handle);
                }
            }
            _ => {}
        }
    }

    /// The account's estimator as learned so far.
    pub fn estimator(&self, account: AccountId) -> WaitEstimator {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .estimators
            .get(&account)
            .copied()
            .unwrap_or_else(|| WaitEstimator::new(PRIOR_HANDLE_MS))
    }
}
