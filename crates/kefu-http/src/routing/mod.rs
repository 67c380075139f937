//! Routing inside the server: queued conversations are offered to agents
//! the moment something changes (a handoff, a transfer, a resolved
//! conversation freeing a slot, an agent coming online), and waiting
//! customers are told their place in the queue as it moves.
//!
//! The decisions are `kefu_routing`'s pure functions; this module loads the
//! snapshot they need ([`snapshot`]), commits each decision as a claim that
//! checks capacity and version in one transaction ([`route_account`]), and
//! pushes positions ([`queue_status`]). Every node may run it at once: a
//! claim another node already made fails its version check and is dropped.

pub mod handle_time;
pub mod outside_hours;
pub mod queue_status;
pub mod route_account;
pub mod snapshot;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kefu_core::event::{Event, EventType};
use kefu_core::store::Store;
use kefu_core::{AccountId, Clock};
use kefu_realtime::Hub;
use tokio::sync::{Notify, watch};

/// How often every account with a queue is looked at even without a
/// trigger: skills relax with time, and another node's commits or a lost
/// trigger must not leave a customer waiting.
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);

pub struct RoutingService {
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    clock: Arc<dyn Clock>,
    dirty: Mutex<HashSet<AccountId>>,
    wake: Notify,
    positions: queue_status::LastSent,
    handle_times: handle_time::HandleTimes,
}

impl RoutingService {
    pub fn new(store: Arc<dyn Store>, hub: Arc<Hub>, clock: Arc<dyn Clock>) -> Arc<Self> {
        let service = Arc::new(Self {
            store,
            hub: hub.clone(),
            clock,
            dirty: Mutex::default(),
            wake: Notify::new(),
            positions: queue_status::LastSent::default(),
            handle_times: handle_time::HandleTimes::default(),
        });
        let weak = Arc::downgrade(&service);
        hub.observe(Arc::new(move |e: &Event| {
            if let Some(s) = weak.upgrade() {
                s.handle_times.see(e);
                if moves_a_queue(e) {
                    s.kick(e.account_id);
                }
            }
        }));
        service
    }

    /// Asks for the account's queues to be routed soon (non-blocking).
    pub fn kick(&self, account: AccountId) {
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account);
        self.wake.notify_one();
    }

    /// Routes the accounts asked for, and every account with a queue each
    /// [`SWEEP_EVERY`], until shutdown.
    pub fn spawn(self: &Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut sweep = tokio::time::interval(SWEEP_EVERY);
            sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let stopped = async move {
                let _ = shutdown.wait_for(|s| *s).await;
            };
            tokio::pin!(stopped);
            loop {
                let swept = tokio::select! {
                    _ = me.wake.notified() => false,
                    _ = sweep.tick() => true,
                    _ = &mut stopped => return,
                };
                let mut accounts: Vec<AccountId> = if swept {
                    match me.store.accounts_with_queue().await {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::warn!(error = %e, "routing: cannot list queues");
                            Vec::new()
                        }
                    }
                } else {
                    Vec::new()
                };
                accounts.extend(me.dirty.lock().unwrap_or_else(|p| p.into_inner()).drain());
                accounts.sort_unstable_by_key(|a| a.0);
                accounts.dedup();
                for account in accounts {
                    if let Err(e) = me.route(account).await {
                        tracing::warn!(%account, error = %e, "routing failed; retrying on the next sweep");
                    }
                }
            }
        });
    }

    /// One routing round for one account: assign what can be assigned, then
    /// tell the customers still waiting where they stand.
    pub async fn route(&self, account: AccountId) -> Result<(), kefu_core::StoreError> {
        let now = self.clock.now();
        let snap = snapshot::load(&*self.store, account).await?;
        let outcome = route_account::assign(&*self.store, &snap, now).await;
        let estimator = self.handle_times.estimator(account);
        queue_status::publish(&self.hub, &self.positions, &snap, &outcome, &estimator);
        Ok(())
    }
}

/// Events after which a queue may be served differently.
fn moves_a_queue(e: &Event) -> bool {
    use EventType::*;
    matches!(
        e.kind,
        ConversationStatusChanged
            | ConversationUnassigned
            | ConversationTransferred
            | ConversationResolved
            | ConversationSnoozed
            | ConversationUpdated
            | BotHandedOff
    )
}
