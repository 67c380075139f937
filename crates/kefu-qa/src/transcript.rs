use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Customer,
    Agent,
    Bot,
}

/// One public message of the conversation (internal notes and system
/// notices are not inspected: the customer never saw them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub party: Party,
    pub text: String,
    /// When it was sent, in milliseconds since the epoch.
    pub at_ms: i64,
}

/// A conversation as inspection sees it: its messages in order, and when
/// it reached people (response times start there, not during the bot's
/// part).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub turns: Vec<Turn>,
    #[serde(default)]
    pub handed_off_at_ms: Option<i64>,
}

impl Transcript {
    /// No agent ever wrote: the bot (or nobody) answered the customer.
    pub fn is_bot_only(&self) -> bool {
        !self.turns.iter().any(|t| t.party == Party::Agent)
    }
}
