//! Realtime delivery. Committed events reach sockets through one path: the
//! events table is the outbox, the [`relay`] reads it in stream order and
//! publishes to the [`hub`], and each socket's [`subscription`] first replays
//! what it missed from the database, then follows the hub, skipping anything
//! already sent. A reconnecting client therefore misses nothing, and a slow
//! one is cut off (bounded queue) and resyncs rather than growing memory.
#![forbid(unsafe_code)]

pub mod frame;
pub mod hub;
pub mod names;
pub mod relay;
pub mod subscription;
pub mod viewers;

pub use hub::{Ephemeral, Hub, Interest, Live};
pub use names::DisplayNames;
pub use relay::spawn_relay;
pub use subscription::{AgentSubscription, SubscriptionError, VisitorSubscription};
pub use viewers::Viewers;
