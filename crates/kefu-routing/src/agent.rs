//! An agent as routing sees them: status, capacity per channel, load, skills.

use std::collections::{BTreeMap, HashMap};

use kefu_core::model::{Availability, ChannelKind};
use kefu_core::{Timestamp, UserId};

use crate::policy::SkillRequirement;
use crate::queue::Waiting;

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: UserId,
    pub availability: Availability,
    /// Maximum concurrent conversations for channels not listed in
    /// `channel_capacity`.
    pub capacity: u32,
    /// Per-channel maxima (e.g. 5 chats but 20 emails).
    pub channel_capacity: HashMap<ChannelKind, u32>,
    /// Open conversations assigned to the agent, per channel.
    pub load: HashMap<ChannelKind, u32>,
    /// Skill levels (1–5).
    pub skills: BTreeMap<String, u8>,
    /// When the agent was last given a conversation (for fairness on ties).
    pub last_assigned_at: Option<Timestamp>,
}

impl Agent {
    /// An online agent with one capacity for every channel and no load.
    pub fn new(id: UserId, capacity: u32) -> Self {
        Self {
            id,
            availability: Availability::Online,
            capacity,
            channel_capacity: HashMap::new(),
            load: HashMap::new(),
            skills: BTreeMap::new(),
            last_assigned_at: None,
        }
    }

    pub fn capacity_for(&self, channel: ChannelKind) -> u32 {
        self.channel_capacity
            .get(&channel)
            .copied()
            .unwrap_or(self.capacity)
    }

    pub fn load_for(&self, channel: ChannelKind) -> u32 {
        self.load.get(&channel).copied().unwrap_or(0)
    }

    /// Open conversations over all channels.
    pub fn total_load(&self) -> u32 {
        self.load.values().sum()
    }

    /// Whether the agent takes new conversations of this channel now: online
    /// (away and offline agents keep what they have but get nothing new) and
    /// below capacity.
    pub fn has_free_slot(&self, channel: ChannelKind) -> bool {
        self.availability == Availability::Online
            && self.load_for(channel) < self.capacity_for(channel)
    }

    /// Whether the agent has every required skill at its level.
    pub fn meets(&self, skills: &[SkillRequirement]) -> bool {
        skills.iter().all(|r| {
            self.skills
                .get(&r.skill)
                .is_some_and(|&level| level >= r.min_level)
        })
    }

    /// How well the agent's levels exceed the requirements (higher is better).
    pub fn skill_margin(&self, skills: &[SkillRequirement]) -> i32 {
        skills
            .iter()
            .map(|r| {
                i32::from(self.skills.get(&r.skill).copied().unwrap_or(0)) - i32::from(r.min_level)
            })
            .sum()
    }

    /// Load relative to capacity for the conversation's channel, as a
    /// fraction compared exactly (load × other's capacity).
    pub(crate) fn busier_than(&self, other: &Agent, channel: ChannelKind) -> std::cmp::Ordering {
        let a = u64::from(self.load_for(channel)) * u64::from(other.capacity_for(channel).max(1));
        let b = u64::from(other.load_for(channel)) * u64::from(self.capacity_for(channel).max(1));
        a.cmp(&b)
    }

    /// Records an assignment in this snapshot (for decisions that hand out
    /// several conversations at once).
    pub fn take(&mut self, conversation: &Waiting, now: Timestamp) {
        *self.load.entry(conversation.channel).or_insert(0) += 1;
        self.last_assigned_at = Some(now);
    }
}
