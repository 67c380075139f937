//! The outbox relay: reads committed events in stream order and publishes
//! them. It wakes on the store's commit signal, and polls as a fallback so
//! commits made by other nodes are seen too.

use std::sync::Arc;
use std::time::Duration;

use kefu_core::store::Store;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::{DisplayNames, Hub};

const BATCH: u32 = 1000;
const POLL: Duration = Duration::from_millis(250);
const HELD_BACK_FIRST: Duration = Duration::from_millis(2);
const HELD_BACK_MAX: Duration = Duration::from_millis(64);

/// Starts the relay from the current head of the stream (sockets replay
/// older events themselves). Stops when `shutdown` turns true.
pub fn spawn_relay(
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    names: Arc<DisplayNames>,
    committed: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut cursor = loop {
            match store.stream_head().await {
                Ok(c) => break c,
                Err(e) => {
                    tracing::warn!(error = %e, "relay: cannot read stream head; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        // After a commit signal, an empty read means the events are held back
        // (on PostgreSQL, until older transactions finish): look again soon
        // rather than at the next poll.
        let mut retry_in: Option<Duration> = None;
        loop {
            // Register interest before reading, so a commit that lands while
            // we read still wakes us.
            let notified = committed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let mut published = 0;
            loop {
                match store.stream_after(cursor, BATCH).await {
                    Ok(events) => {
                        let n = events.len();
                        published += n;
                        for e in events {
                            if let Some(c) = e.cursor {
                                cursor = c;
                            }
                            let name = names.for_event(&e).await;
                            hub.publish_event(e, name.as_deref());
                        }
                        if n < BATCH as usize {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "relay: read failed");
                        break;
                    }
                }
            }
            let wait = match retry_in {
                Some(d) if published == 0 && d <= HELD_BACK_MAX => {
                    retry_in = Some(d * 2);
                    d
                }
                _ => {
                    retry_in = None;
                    POLL
                }
            };
            tokio::select! {
                _ = &mut notified => { retry_in = Some(HELD_BACK_FIRST); }
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    })
}
