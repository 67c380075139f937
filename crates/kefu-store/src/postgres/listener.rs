//! Wakes this node's relay when any node commits events: every unit of work
//! that writes events also runs `NOTIFY kefu_events` (delivered at commit),
//! and this task `LISTEN`s for it.

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
