//! Kefu's domain, free of I/O: identifiers, the tenant model, conversations and
//! their state machine, typed message content, the event registry, and the
//! storage port that adapters implement. Every other crate depends inward on
//! this one.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod error;
pub mod event;
pub mod ids;
pub mod locale;
pub mod model;
pub mod page;
pub mod state;
pub mod store;
pub mod time;
pub mod validate;

pub use error::{CoreError, StoreError};
pub use ids::*;
pub use time::{Clock, SystemClock, Timestamp};
