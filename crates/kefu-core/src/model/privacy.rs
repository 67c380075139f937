//! Privacy: erasing a contact, and the account's retention policy. Both
//! remove what people wrote while keeping the shape of the history (which
//! events happened, when, by which kind of sender), so analytics keep
//! anonymous counts.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{ConversationId, CoreError, Timestamp};

/// What erasing a contact removed. Attachment blobs are the caller's to
/// delete: the store returns their keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Erasure {
    pub conversations: Vec<ConversationId>,
    pub messages: u64,
    pub identities: u64,
    pub events: u64,
    pub attachments: u64,
    /// Storage keys (files and thumbnails) of the removed attachments.
    #[serde(skip)]
    pub blob_keys: Vec<String>,
}

/// What the account does with conversations older than its retention period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    /// Messages are redacted and attachments removed; the conversation, its
    /// contact and its events (without their text) stay.
    #[default]
    Anonymise,
    /// The conversation, its messages and attachments are removed; its
    /// events stay, without their text, so past reports still add up.
    Delete,
}

impl RetentionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anonymise => "anonymise",
            Self::Delete => "delete",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "anonymise" => Some(Self::Anonymise),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// An account's retention policy: resolved and closed conversations whose
/// last activity is older than `days` are anonymised or deleted. `days:
/// null` keeps everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetentionPolicy {
    pub days: Option<u32>,
    #[serde(default)]
    pub action: RetentionAction,
}

impl RetentionPolicy {
    /// Ten years: beyond that a policy is a typo, not a policy.
    pub const MAX_DAYS: u32 = 3650;

    pub fn validate(&self) -> Result<(), CoreError> {
        match self.days {
            Some(d) if d == 0 || d > Self::MAX_DAYS => Err(CoreError::invalid(
                "days",
                format!(
                    "between 1 and {} (or null to keep everything)",
                    Self::MAX_DAYS
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Conversations whose last activity is before this time are due.
    pub fn cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        self.days
            .map(|d| Timestamp(now.0 - i64::from(d) * 24 * 3600 * 1000))
    }
}

/// What one retention pass did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RetentionBatch {
    pub conversations: u64,
    pub messages: u64,
    pub attachments: u64,
    /// Events whose data lost personal parts.
    pub events: u64,
    #[serde(skip)]
    pub blob_keys: Vec<String>,
}

/// Keys whose values are what people wrote or who they are, wherever they
/// sit in an event's data: message content, captions, excerpts and quotes,
/// subjects, comments, contact details, free-form attributes and fields.
const PERSONAL_KEYS: &[&str] = &[
    "text",
    "excerpt",
    "detail",
    "subject",
    "comment",
    "email",
    "phone",
    "attributes",
    "custom_fields",
    "external_id",
    "file_name",
];

/// The data of an event with everything personal removed and its shape
/// kept: message `content` becomes redacted content, a contact's `name`
/// goes, personal keys become null, ids, types, times and numbers stay.
/// Applied to every event of an erased or expired conversation and to the
/// erased contact's own events.
pub fn scrub_event_data(data: &Value) -> Value {
    scrub(data, None)
}

fn scrub(v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, val) in map {
                let scrubbed = if k == "content" && val.is_object() {
                    serde_json::json!({"type": "redacted", "v": 1})
                } else if PERSONAL_KEYS.contains(&k.as_str())
                    || (k == "name" && key == Some("contact"))
                {
                    match val {
                        Value::Null => Value::Null,
                        Value::Object(_) => Value::Object(Default::default()),
                        Value::Array(_) => Value::Array(Vec::new()),
                        _ => Value::Null,
                    }
                } else {
                    scrub(val, Some(k))
                };
                out.insert(k.clone(), scrubbed);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| scrub(i, key)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_content_is_redacted_and_ids_stay() {
        let data = json!({"message": {"id": "m1", "seq": 3, "content": {"type": "text", "v": 1, "text": "我的地址是上海"}, "external_id": "<a@b>"}});
        let out = scrub_event_data(&data);
        assert_eq!(
            out,
            json!({"message": {"id": "m1", "seq": 3, "content": {"type": "redacted", "v": 1}, "external_id": null}})
        );
    }

    #[test]
    fn contact_details_go_but_other_names_stay() {
        let data = json!({
            "contact": {"id": "c", "name": "Lin", "email": "l@x.cn", "phone": "+86", "attributes": {"vip": true}},
            "rule_name": "Forbidden words",
            "team": {"name": "Billing"}
        });
        let out = scrub_event_data(&data);
        assert_eq!(out["contact"]["name"], Value::Null);
        assert_eq!(out["contact"]["email"], Value::Null);
        assert_eq!(out["contact"]["attributes"], json!({}));
        assert_eq!(out["contact"]["id"], "c");
        assert_eq!(out["rule_name"], "Forbidden words");
        assert_eq!(out["team"]["name"], "Billing");
    }

    #[test]
    fn nested_hits_lose_their_quotes() {
        let data = json!({"hits": [{"rule_id": "r", "start": 1, "detail": "退款"}], "rating": {"rating": 2, "comment": "too slow"}, "excerpt": "x"});
        let out = scrub_event_data(&data);
        assert_eq!(out["hits"][0]["detail"], Value::Null);
        assert_eq!(out["hits"][0]["start"], 1);
        assert_eq!(out["rating"]["comment"], Value::Null);
        assert_eq!(out["rating"]["rating"], 2);
        assert_eq!(out["excerpt"], Value::Null);
    }

    #[test]
    fn policy_limits() {
        assert!(
            RetentionPolicy {
                days: Some(0),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            RetentionPolicy {
                days: Some(3651),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            RetentionPolicy {
                days: None,
                ..Default::default()
            }
            .validate()
            .is_ok()
        );
        let p = RetentionPolicy {
            days: Some(1),
            action: RetentionAction::Delete,
        };
        assert_eq!(
            p.cutoff(Timestamp(100_000_000)),
            Some(Timestamp(100_000_000 - 86_400_000))
        );
    }
}
