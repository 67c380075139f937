//! How an inbox's conversations are spread over a team's agents.

use serde::{Deserialize, Serialize};

/// A skill a conversation needs, with the lowest acceptable level (1–5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillRequirement {
    pub skill: String,
    pub min_level: u8,
}

/// The routing policy of an inbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoutingPolicy {
    /// Agents take turns, in a fixed order, skipping those who cannot take
    /// the conversation.
    RoundRobin,
    /// The agent with the fewest open conversations relative to capacity;
    /// on a tie, the one idle longest.
    #[default]
    LeastBusy,
    /// Only agents with every required skill at the required level, the
    /// best-matched first (then least busy). After `relax_after_ms` of
    /// waiting any agent of the team may take it: a customer should not
    /// wait forever for the one specialist.
    Skills { relax_after_ms: i64 },
}
