//! Match as many waiting conversations to agents as possible at once: after
//! an agent comes online, after skills relax, or on a periodic sweep that
//! catches anything a lost notification left behind.

use std::collections::HashMap;

use kefu_core::model::{Availability, ChannelKind};
use kefu_core::{ConversationId, Timestamp, UserId};

use crate::agent::Agent;
use crate::choose_agent::choose_agent;
use crate::policy::RoutingPolicy;
use crate::queue::Queue;

/// One decision: this conversation goes to this agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub conversation: ConversationId,
    pub agent: UserId,
}

/// Walks the queue in serving order and gives each conversation to the
/// agent [`choose_agent`] picks, counting each assignment against that
/// agent's capacity before the next. A conversation nobody can take is
/// passed over; the ones after it may still be served (another channel,
/// other skills). Returns the assignments in order and the round-robin
/// cursor to keep for the next decision.
pub fn dispatch(
    queue: &Queue,
    agents: &[Agent],
    policy: RoutingPolicy,
    now: Timestamp,
    last_round_robin: Option<UserId>,
) -> (Vec<Assignment>, Option<UserId>) {
    // Only agents who can take anything at all are considered, and a
    // channel nobody has room for is skipped without asking each agent:
    // on a busy floor most of a long queue is in that position.
    let mut agents: Vec<Agent> = agents
        .iter()
        .filter(|a| a.availability == Availability::Online)
        .cloned()
        .collect();
    let mut room: HashMap<ChannelKind, bool> = HashMap::new();
    let mut cursor = last_round_robin;
    let mut out = Vec::new();
    for waiting in queue.iter() {
        let has_room = *room
            .entry(waiting.channel)
            .or_insert_with(|| agents.iter().any(|a| a.has_free_slot(waiting.channel)));
        if !has_room {
            continue;
        }
        let Some(chosen) = choose_agent(waiting, &agents, policy, now, cursor).map(|a| a.id) else {
            continue;
        };
        if let Some(agent) = agents.iter_mut().find(|a| a.id == chosen) {
            agent.take(waiting, now);
            if !agent.has_free_slot(waiting.channel) {
                room.remove(&waiting.channel);
            }
        }
        if policy == RoutingPolicy::RoundRobin {
            cursor = Some(chosen);
        }
        out.push(Assignment {
            conversation: waiting.conversation,
            agent: chosen,
        });
    }
    (out, cursor)
}
