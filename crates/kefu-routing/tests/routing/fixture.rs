use kefu_core::model::{ChannelKind, Priority};
use kefu_core::{ConversationId, Timestamp, UserId};
use kefu_routing::{Agent, SkillRequirement, Waiting};
use uuid::Uuid;

pub fn conv(n: u128) -> ConversationId {
    ConversationId(Uuid::from_u128(n))
}

pub fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(n))
}

pub fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

pub fn waiting(n: u128, priority: Priority, enqueued_ms: i64) -> Waiting {
    Waiting {
        conversation: conv(n),
        priority,
        enqueued_at: at(enqueued_ms),
        channel: ChannelKind::WebWidget,
        skills: Vec::new(),
        last_agent: None,
    }
}

pub fn needs(skill: &str, min_level: u8) -> SkillRequirement {
    SkillRequirement {
        skill: skill.into(),
        min_level,
    }
}

pub fn agent(n: u128, capacity: u32) -> Agent {
    Agent::new(user(n), capacity)
}
