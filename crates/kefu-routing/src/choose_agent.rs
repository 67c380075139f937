//! A conversation is waiting: which agent of the queue's team takes it.

use std::cmp::Ordering;

use kefu_core::{Timestamp, UserId};

use crate::agent::Agent;
use crate::policy::RoutingPolicy;
use crate::queue::Waiting;

/// Whether the skills requirement still applies to a conversation at `now`.
pub(crate) fn skills_required(
    conversation: &Waiting,
    policy: RoutingPolicy,
    now: Timestamp,
) -> bool {
    match policy {
        RoutingPolicy::Skills { relax_after_ms } => {
            !conversation.skills.is_empty() && conversation.waited_ms(now) < relax_after_ms
        }
        RoutingPolicy::RoundRobin | RoutingPolicy::LeastBusy => false,
    }
}

/// Whether `agent` may take `conversation` now: online with a free slot for
/// its channel and, while the policy requires them, the skills.
pub fn can_take(
    agent: &Agent,
    conversation: &Waiting,
    policy: RoutingPolicy,
    now: Timestamp,
) -> bool {
    agent.has_free_slot(conversation.channel)
        && (!skills_required(conversation, policy, now) || agent.meets(&conversation.skills))
}

/// The agent who takes `conversation` at `now`, or `None` when nobody can
/// (everyone offline, away, full, or without the skills).
///
/// The customer's last agent comes first when they can take it (a returning
/// customer continues with the person who knows the case). Otherwise:
/// - round-robin: the next agent after `last_round_robin` in id order;
/// - least-busy: the lowest load relative to capacity, then the agent idle
///   longest, then id;
/// - skills: while required, only agents with the skills, the largest margin
///   over the required levels first; once relaxed, agents with the skills
///   still come before those without; ties as least-busy.
pub fn choose_agent<'a>(
    conversation: &Waiting,
    agents: &'a [Agent],
    policy: RoutingPolicy,
    now: Timestamp,
    last_round_robin: Option<UserId>,
) -> Option<&'a Agent> {
    let eligible = agents
        .iter()
        .filter(|a| can_take(a, conversation, policy, now));
    if let Some(last) = conversation.last_agent
        && let Some(agent) = eligible.clone().find(|a| a.id == last)
    {
        return Some(agent);
    }
    match policy {
        RoutingPolicy::RoundRobin => {
            let first = eligible.clone().min_by_key(|a| a.id.0);
            let after = last_round_robin
                .and_then(|last| eligible.filter(|a| a.id.0 > last.0).min_by_key(|a| a.id.0));
            after.or(first)
        }
        RoutingPolicy::LeastBusy => eligible.min_by(|a, b| least_busy(a, b, conversation)),
        RoutingPolicy::Skills { .. } => eligible.min_by(|a, b| {
            b.meets(&conversation.skills)
                .cmp(&a.meets(&conversation.skills))
                .then_with(|| {
                    b.skill_margin(&conversation.skills)
                        .cmp(&a.skill_margin(&conversation.skills))
                })
                .then_with(|| least_busy(a, b, conversation))
        }),
    }
}

/// Least busy first, then idle longest (never assigned counts as longest),
/// then id, so the choice is the same on every node.
pub(crate) fn least_busy(a: &Agent, b: &Agent, conversation: &Waiting) -> Ordering {
    a.busier_than(b, conversation.channel)
        .then(a.last_assigned_at.cmp(&b.last_assigned_at))
        .then(a.id.0.cmp(&b.id.0))
}
