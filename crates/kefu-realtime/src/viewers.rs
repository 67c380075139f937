//! Who has a conversation open right now, for the console's collision
//! warning ("Li Lei is also viewing this"). Consoles report that they view a
//! conversation when they open it and every [`HEARTBEAT`] while it stays
//! open; an entry not renewed within [`EXPIRY`] is gone, so a closed laptop
//! or a lost socket clears itself. Like typing, this is presence, not
//! history: kept in memory, never stored or replayed.
//!
//! One node knows only its own consoles' views; across nodes the ephemeral
//! frames will travel over the bus with the rest (multi-node issue).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kefu_core::{ConversationId, UserId};

/// How often an open conversation is reported again (the console's timer).
pub const HEARTBEAT: Duration = Duration::from_secs(20);
/// How long a report holds: two missed heartbeats and a margin.
pub const EXPIRY: Duration = Duration::from_secs(50);

#[derive(Default)]
pub struct Viewers {
    open: Mutex<HashMap<ConversationId, Vec<(UserId, Instant)>>>,
    /// When expired entries were last swept out of `open`.
    swept: Mutex<Option<Instant>>,
}

impl Viewers {
    /// Records that `user` views (or no longer views) `conversation` and
    /// returns who views it now, in the order they opened it, and whether
    /// that changed (a heartbeat is no news), so callers tell others only news.
    pub fn report(
        &self,
        conversation: ConversationId,
        user: UserId,
        viewing: bool,
        now: Instant,
    ) -> (Vec<UserId>, bool) {
        self.sweep_now_and_then(now);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let list = open.entry(conversation).or_default();
        let before: Vec<UserId> = list
            .iter()
            .filter(|(_, seen)| now.saturating_duration_since(*seen) < EXPIRY)
            .map(|(u, _)| *u)
            .collect();
        list.retain(|(u, seen)| *u != user && now.saturating_duration_since(*seen) < EXPIRY);
        if viewing {
            // Keep the first-opened order: re-insert where the user was.
            let at = before
                .iter()
                .position(|u| *u == user)
                .map(|i| i.min(list.len()))
                .unwrap_or(list.len());
            list.insert(at, (user, now));
        }
        let after: Vec<UserId> = list.iter().map(|(u, _)| *u).collect();
        if list.is_empty() {
            open.remove(&conversation);
        }
        // Entries that expire on their own are not news worth a frame: the
        // next report or heartbeat of anyone on the conversation carries the
        // current list.
        let changed = after != before;
        (after, changed)
    }

    /// Who views `conversation` now.
    pub fn of(&self, conversation: ConversationId, now: Instant) -> Vec<UserId> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(&conversation)
            .into_iter()
            .flatten()
            .filter(|(_, seen)| now.saturating_duration_since(*seen) < EXPIRY)
            .map(|(u, _)| *u)
            .collect()
    }

    /// Sweeps at most once per [`EXPIRY`], so conversations nobody reports
    /// again do not linger in memory, at a cost spread thin.
    fn sweep_now_and_then(&self, now: Instant) {
        let mut swept = self.swept.lock().unwrap_or_else(|p| p.into_inner());
        if swept.is_some_and(|t| now.saturating_duration_since(t) < EXPIRY) {
            return;
        }
        *swept = Some(now);
        drop(swept);
        self.sweep(now);
    }

    /// Forgets entries that expired.
    pub fn sweep(&self, now: Instant) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, list| {
            list.retain(|(_, seen)| now.saturating_duration_since(*seen) < EXPIRY);
            !list.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_come_and_go_and_expire() {
        let v = Viewers::default();
        let c = ConversationId::new();
        let (a, b) = (UserId::new(), UserId::new());
        let t0 = Instant::now();
        assert_eq!(v.report(c, a, true, t0), (vec![a], true));
        assert_eq!(v.report(c, b, true, t0), (vec![a, b], true));
        // A heartbeat is no news and keeps the order.
        assert_eq!(v.report(c, a, true, t0 + HEARTBEAT), (vec![a, b], false));
        assert_eq!(v.report(c, b, false, t0 + HEARTBEAT), (vec![a], true));
        assert_eq!(v.of(c, t0 + HEARTBEAT), vec![a]);
        // Not renewed: gone.
        assert!(v.of(c, t0 + HEARTBEAT + EXPIRY).is_empty());
        v.sweep(t0 + HEARTBEAT + EXPIRY);
        assert!(v.open.lock().unwrap().is_empty());
        // Leaving what one never opened changes nothing.
        assert_eq!(v.report(c, b, false, t0), (vec![], false));
    }
}
