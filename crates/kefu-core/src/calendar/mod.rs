//! Business-hours calendars and SLA clocks, as pure functions over
//! [`Timestamp`](crate::Timestamp)s.
//!
//! A [`BusinessHours`] calendar is stored per inbox (in its settings) and is
//! shared with analytics, which measures the same "business time" the SLA
//! clocks count. Opening hours are wall-clock times in the calendar's IANA
//! time zone, so daylight-saving changes lengthen or shorten the real time of
//! an open interval exactly as they do for the people working it.
//!
//! - `business_hours`: the calendar type, its JSON shape and validation.
//! - `queries`: is it open, when does it open or close, how much open time
//!   lies between two instants, and when a given amount of it has elapsed.
//! - `sla_clock`: targets and the live clock of one target on a conversation.
//! - `sla_policy`: per-priority targets as configured by an account.
//! - `conversation_sla`: a conversation's facts turned into its clocks.

mod business_hours;
mod conversation_sla;
mod queries;
mod sla_clock;
mod sla_policy;

pub use business_hours::{
    BusinessHours, BusinessHoursJson, ExtraOpenDayJson, MAX_INTERVALS_PER_DAY, WeeklyHoursJson,
};
pub use conversation_sla::{SlaFacts, SlaMetricStatus, sla_status};
pub use queries::HORIZON_DAYS;
pub use sla_clock::{SlaClock, SlaClockState, SlaMetric, SlaTarget};
pub use sla_policy::{MAX_TARGET_S, SlaPolicy, SlaPolicyTargets, SlaPriorityTargets};
