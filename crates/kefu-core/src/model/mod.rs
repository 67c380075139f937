//! The tenant model. Every record below `Account` carries its `account_id`, and
//! every store query is scoped by it.

mod account;
mod attachment;
mod audit;
mod bot_question;
mod canned;
mod contact;
mod conversation;
mod csat;
mod inbox;
mod job;
mod kb;
mod mention;
mod message;
mod privacy;
mod qa;
mod routing_settings;
mod ticket;
mod token;
mod user;

pub use account::*;
pub use attachment::*;
pub use audit::*;
pub use bot_question::*;
pub use canned::*;
pub use contact::*;
pub use conversation::*;
pub use csat::*;
pub use inbox::*;
pub use job::*;
pub use kb::*;
pub use mention::*;
pub use message::*;
pub use privacy::*;
pub use qa::*;
pub use routing_settings::*;
pub use ticket::*;
pub use token::*;
pub use user::*;
