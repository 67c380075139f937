//! Wakes this node's relay when any node commits events: after a unit of
//! work that wrote events commits, [`announce`] sends `NOTIFY kefu_events`,
//! and [`run`] `LISTEN`s for it.
//!
//! The NOTIFY is sent after the commit, by one task, rather than inside each
//! writing transaction: PostgreSQL holds a cluster-wide lock from a notifying
//! transaction's pre-commit until its commit record is flushed, so notifying
//! transactions commit one at a time, each with its own WAL flush. Sent
//! afterwards, commits overlap again, and a burst of commits is announced by
//! one NOTIFY. Listeners re-read the stream on any wake, so a coalesced
//! announcement loses nothing; the relay's poll covers a failed one.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, oneshot};

pub(crate) const CHANNEL: &str = "kefu_events";

pub(crate) fn wake(committed: &Notify) {
    committed.notify_waiters();
    committed.notify_one();
}

/// Sends one `NOTIFY` per wake of `ring` (wakes that arrive while one is
/// being sent are folded into the next). Runs until `stop` fires or its
/// sender is dropped.
pub(crate) async fn announce(pool: PgPool, ring: Arc<Notify>, mut stop: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = ring.notified() => {}
        }
        let sent = sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&pool)
            .await;
        if let Err(e) = sent {
            // Other nodes then see these events at their next poll.
            tracing::warn!(error = %e, "cannot NOTIFY {CHANNEL}");
        }
    }
}

/// Runs until `stop` fires or its sender is dropped (the store is gone).
pub(crate) async fn run(pool: PgPool, committed: Arc<Notify>, mut stop: oneshot::Receiver<()>) {
    loop {
        let listener = async {
            let mut l = PgListener::connect_with(&pool).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        };
        let mut l = tokio::select! {
            _ = &mut stop => return,
            l = listener => match l {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN {CHANNEL}; retrying");
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        // Commits made while we were not listening were not announced.
        wake(&committed);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                n = l.recv() => match n {
                    Ok(_) => wake(&committed),
                    Err(e) => {
                        tracing::warn!(error = %e, "LISTEN {CHANNEL} lost; reconnecting");
                        break;
                    }
                },
            }
        }
    }
}
