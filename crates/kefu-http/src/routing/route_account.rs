//! One account's routing round: each queue's decisions from
//! `kefu_routing::dispatch`, each committed as a claim. A claim that fails
//! (someone took the conversation, the agent filled up meanwhile, another
//! node got there first) is dropped: the next round decides again on fresh
//! data.

use std::collections::HashSet;

use kefu_core::model::Sender;
use kefu_core::store::{Claim, Store};
use kefu_core::{ConversationId, StoreError, Timestamp};
use kefu_routing::Agent;

use super::snapshot::Snapshot;
use crate::routes::conversations::shared::policy;

#[derive(Default)]
pub struct Outcome {
    pub assigned: HashSet<ConversationId>,
    /// The agents as this round left them: the snapshot's, with each claim
    /// it made counted in the agent's load.
    pub agents: Vec<Agent>,
}

pub async fn assign(store: &dyn Store, snap: &Snapshot, now: Timestamp) -> Outcome {
    let mut out = Outcome::default();
    let mut agents = snap.agents.clone();
    for group in &snap.groups {
        // Nothing is offered from a closed inbox: its customers wait for
        // the opening (and were told when that is).
        if !group.settings.auto_assign || super::outside_hours::closed(&group.inbox, now) {
            continue;
        }
        let wanted: HashSet<_> = group.eligible.iter().collect();
        let candidates: Vec<_> = agents
            .iter()
            .filter(|a| wanted.contains(&a.id))
            .cloned()
            .collect();
        if candidates.is_empty() {
            continue;
        }
        // Round robin continues after whoever routing served last: the
        // members table remembers it, so every node agrees.
        let last = candidates
            .iter()
            .filter(|a| a.last_assigned_at.is_some())
            .max_by_key(|a| (a.last_assigned_at, a.id.0))
            .map(|a| a.id);
        let policy_kind = group.policy();
        let (decisions, _) =
            kefu_routing::dispatch(&group.queue, &candidates, policy_kind, now, last);
        for d in decisions {
            let Some(conv) = snap.conversations.get(&d.conversation) else {
                continue;
            };
            let claim = Claim {
                account_id: snap.account,
                conversation_id: conv.id,
                agent: d.agent,
                expected_version: Some(conv.version),
                check_capacity: true,
                transfer_notice: None,
                policy: policy(&group.inbox),
                actor: Sender::system(),
                now,
            };
            match store.claim_conversation(&claim).await {
                Ok(_) => {
                    out.assigned.insert(conv.id);
                    if let (Some(agent), Some(waiting)) = (
                        agents.iter_mut().find(|a| a.id == d.agent),
                        group.queue.get(conv.id),
                    ) {
                        agent.take(waiting, now);
                    }
                    metrics::counter!("kefu_routing_assigned_total").increment(1);
                }
                Err(
                    StoreError::VersionConflict(_)
                    | StoreError::AtCapacity
                    | StoreError::NotFound(_)
                    | StoreError::Domain(_),
                ) => {
                    metrics::counter!("kefu_routing_claims_lost_total").increment(1);
                }
                Err(e) => {
                    tracing::warn!(conversation = %conv.id, error = %e, "routing: claim failed");
                }
            }
        }
    }
    out.agents = agents;
    out
}
