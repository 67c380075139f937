//! Routing decisions for Kefu: which agent gets a waiting conversation, and
//! which waiting conversation an agent gets when a slot frees.
//!
//! Everything here is a pure function over a snapshot of one queue (an
//! account's team), its agents and the current time. The server loads the
//! snapshot, asks for a decision and commits it with a conditional update;
//! if another node got there first the update fails and the server asks
//! again. Keeping decisions pure is what lets the property tests and the
//! replay simulation check them over thousands of arrivals without a
//! database.
//!
//! - [`queue`]: the waiting conversations, ordered by priority, then waiting time.
//! - [`agent`]: an agent's status, capacity per channel, load and skills.
//! - [`policy`]: round-robin, least-busy or skills-based, with relaxation.
//! - [`choose_agent`]: a conversation arrives (or waits on): who takes it.
//! - [`next_for_agent`]: an agent has a free slot: which conversation.
//! - [`dispatch`]: match as many waiting conversations as the agents can take.
//! - [`wait_estimate`]: queue positions and estimated waits for customers.

pub mod agent;
pub mod choose_agent;
pub mod dispatch;
pub mod next_for_agent;
pub mod policy;
pub mod queue;
pub mod wait_estimate;

pub use agent::Agent;
pub use choose_agent::choose_agent;
pub use dispatch::{Assignment, dispatch};
pub use next_for_agent::next_for_agent;
pub use policy::{RoutingPolicy, SkillRequirement};
pub use queue::{Queue, Waiting};
pub use wait_estimate::{QueuePosition, WaitEstimator};
