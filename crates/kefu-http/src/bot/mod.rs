//! The bot inside the server: it answers customers in conversations it owns
//! (see [`turn`]) from the account's knowledge base (see [`knowledge`]),
//! suggests answers to agents, and lists the questions it could not answer
//! for admins to add to the knowledge base.

pub mod articles;
pub mod knowledge;
pub mod phrases;
pub mod turn;

use std::sync::Arc;

use kefu_core::store::Store;

pub use knowledge::BotDirectory;
pub use turn::after_contact_message;

/// What the server keeps for the bot.
pub struct BotService {
    pub directory: Arc<BotDirectory>,
    pub turns: turn::TurnLocks,
}

impl BotService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            directory: Arc::new(BotDirectory::new(store)),
            turns: turn::TurnLocks::default(),
        }
    }
}
