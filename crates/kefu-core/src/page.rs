//! Cursor pagination: opaque `next` strings so clients never compute offsets
//! and pages stay stable while rows are added.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Keyset position: sort key (usually a timestamp) and id for ties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyset {
    pub k: i64,
    pub id: uuid::Uuid,
}

impl Keyset {
    pub fn encode(&self) -> String {
        let raw = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()?;
        serde_json::from_slice(&raw).ok()
    }
}

/// Clamp a requested page size into the allowed range.
pub fn clamp_limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn keyset_round_trips_and_rejects_garbage() {
        let k = Keyset {
            k: 42,
            id: uuid::Uuid::now_v7(),
        };
        assert_eq!(Keyset::decode(&k.encode()), Some(k));
        assert_eq!(Keyset::decode("!!!"), None);
        assert_eq!(clamp_limit(Some(100_000)), MAX_LIMIT);
        assert_eq!(clamp_limit(Some(0)), 1);
    }
}
