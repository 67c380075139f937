//! An agent has a free slot (came online, resolved a conversation, got more
//! capacity): which waiting conversation they are offered.

use kefu_core::Timestamp;

use crate::agent::Agent;
use crate::choose_agent::can_take;
use crate::policy::RoutingPolicy;
use crate::queue::{Queue, Waiting};

/// The first conversation in serving order that `agent` can take now, so
/// the longest-waiting conversation of the highest priority goes first. One
/// the agent cannot take (another channel at capacity, skills still
/// required) is passed over for the next, and stays at the head for the
/// agents who can.
pub fn next_for_agent<'q>(
    queue: &'q Queue,
    agent: &Agent,
    policy: RoutingPolicy,
    now: Timestamp,
) -> Option<&'q Waiting> {
    queue.iter().find(|w| can_take(agent, w, policy, now))
}
