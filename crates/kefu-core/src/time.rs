//! Time as integer milliseconds since the Unix epoch. Both SQLite and
//! PostgreSQL store it as a 64-bit integer, so the two adapters share one
//! representation and comparisons are exact.

use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }
    pub fn millis(self) -> i64 {
        self.0
    }
    pub fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
    pub fn now() -> Self {
        SystemClock.now()
    }
    /// RFC 3339 text, for people and for the API's `*_at` display fields.
    pub fn to_rfc3339(self) -> String {
        jiff::Timestamp::from_millisecond(self.0)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        s.parse::<jiff::Timestamp>()
            .ok()
            .map(|t| Self(t.as_millisecond()))
    }
}

/// Where "now" comes from; tests and simulations substitute their own.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_millis() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp(1_764_100_000_123);
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }
}
