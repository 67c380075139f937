//! Tickets (工单): a ticket is a conversation of kind `ticket`, so one state
//! machine, one SLA engine and one event log serve chats and tickets. What a
//! ticket adds lives here: its status in the words helpdesk users know
//! (open, pending, solved, closed) mapped onto the conversation states, the
//! account's custom fields, and links between conversations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::CoreError;
use crate::state::{HandoffReason, Input, Status};
use crate::{ConversationId, Timestamp};

/// A ticket's status. Derived from the conversation, never stored apart:
/// open = with the bot, queued or assigned (waiting on the team); pending =
/// snoozed (waiting on the customer or a date); solved = resolved (a reply
/// reopens it); closed = resolved and closed for good (a reply starts a new
/// conversation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Pending,
    Solved,
    Closed,
}

impl TicketStatus {
    pub fn of(status: Status, closed: bool) -> Self {
        match status {
            Status::Bot | Status::Queued | Status::Assigned => Self::Open,
            Status::Snoozed => Self::Pending,
            Status::Resolved if closed => Self::Closed,
            Status::Resolved => Self::Solved,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Solved => "solved",
            Self::Closed => "closed",
        }
    }

    /// The state-machine inputs that take a conversation in `from` to this
    /// ticket status, in order. Closing is the store's marker on top of
    /// `Solved`; it adds no input of its own. Pending waits for the customer
    /// (a snooze without a time).
    pub fn plan(self, from: Status) -> Vec<Input> {
        let hand_off = Input::HandOff {
            reason: HandoffReason::Manual,
        };
        let wait = Input::Snooze { until: None };
        match (self, from) {
            (Self::Open, Status::Resolved) => vec![Input::Reopen],
            (Self::Open, Status::Snoozed) => vec![Input::Unsnooze],
            (Self::Open, Status::Bot) => vec![hand_off],
            (Self::Open, Status::Queued | Status::Assigned) => vec![],
            (Self::Pending, Status::Resolved) => vec![Input::Reopen, wait],
            (Self::Pending, Status::Bot) => vec![hand_off, wait],
            (Self::Pending, Status::Queued | Status::Assigned | Status::Snoozed) => vec![wait],
            (Self::Solved | Self::Closed, Status::Resolved) => vec![],
            (Self::Solved | Self::Closed, _) => vec![Input::Resolve],
        }
    }

    /// Whether the account's required fields must be filled to reach it.
    pub fn needs_required_fields(self) -> bool {
        matches!(self, Self::Solved | Self::Closed)
    }
}

/// The value type of a custom ticket field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketFieldType {
    Text,
    Number,
    /// One of `options`.
    Select,
    Checkbox,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
}

/// One custom field an account defines for its tickets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketField {
    /// Stable key in `custom_fields`: lowercase letters, digits and `_`.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: TicketFieldType,
    /// The choices of a `select` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// A ticket cannot be solved or closed while it is empty.
    #[serde(default)]
    pub required: bool,
}

pub const MAX_TICKET_FIELDS: usize = 50;
const MAX_TEXT_VALUE: usize = 2000;

impl TicketField {
    /// Checks the definition itself.
    pub fn validate(&self) -> Result<(), CoreError> {
        let key_ok = !self.key.is_empty()
            && self.key.len() <= 40
            && self.key.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(CoreError::invalid(
                "key",
                format!(
                    "`{}` must start with a lowercase letter and hold only a-z, 0-9 and _ (at most 40)",
                    self.key
                ),
            ));
        }
        if self.label.trim().is_empty() || self.label.chars().count() > 100 {
            return Err(CoreError::invalid(
                "label",
                format!("field `{}` needs a label of 1 to 100 characters", self.key),
            ));
        }
        match self.field_type {
            TicketFieldType::Select => {
                if self.options.is_empty() || self.options.len() > 100 {
                    return Err(CoreError::invalid(
                        "options",
                        format!("select field `{}` needs 1 to 100 options", self.key),
                    ));
                }
                let mut seen = std::collections::HashSet::new();
                for o in &self.options {
                    if o.trim().is_empty() || o.chars().count() > 100 || !seen.insert(o) {
                        return Err(CoreError::invalid(
                            "options",
                            format!(
                                "select field `{}` has an empty, too long or repeated option",
                                self.key
                            ),
                        ));
                    }
                }
            }
            _ if !self.options.is_empty() => {
                return Err(CoreError::invalid(
                    "options",
                    format!("only select fields have options (`{}`)", self.key),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks a value set on a ticket (`null` is never passed here: it
    /// clears the field).
    pub fn check_value(&self, value: &Value) -> Result<(), CoreError> {
        let ok = match (self.field_type, value) {
            (TicketFieldType::Text, Value::String(s)) => s.chars().count() <= MAX_TEXT_VALUE,
            (TicketFieldType::Number, Value::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
            (TicketFieldType::Select, Value::String(s)) => self.options.contains(s),
            (TicketFieldType::Checkbox, Value::Bool(_)) => true,
            (TicketFieldType::Date, Value::String(s)) => s.parse::<jiff::civil::Date>().is_ok(),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            let expected = match self.field_type {
                TicketFieldType::Text => format!("text of at most {MAX_TEXT_VALUE} characters"),
                TicketFieldType::Number => "a number".into(),
                TicketFieldType::Select => format!("one of {:?}", self.options),
                TicketFieldType::Checkbox => "true or false".into(),
                TicketFieldType::Date => "a date YYYY-MM-DD".into(),
            };
            Err(CoreError::invalid(
                "custom_fields",
                format!("`{}` must be {expected}", self.key),
            ))
        }
    }
}

/// Checks a whole set of definitions: each valid, keys unique, not too many.
pub fn validate_ticket_fields(fields: &[TicketField]) -> Result<(), CoreError> {
    if fields.len() > MAX_TICKET_FIELDS {
        return Err(CoreError::invalid(
            "fields",
            format!("at most {MAX_TICKET_FIELDS} ticket fields"),
        ));
    }
    let mut keys = std::collections::HashSet::new();
    for f in fields {
        f.validate()?;
        if !keys.insert(f.key.as_str()) {
            return Err(CoreError::invalid(
                "key",
                format!("`{}` is defined twice", f.key),
            ));
        }
    }
    Ok(())
}

/// Applies a change of custom fields to the current values: a key set to
/// `null` is removed, any other value must suit its field's definition.
/// Keys the account does not define are refused, so a typo never stores
/// data nobody sees.
pub fn merge_custom_fields(
    current: &BTreeMap<String, Value>,
    change: &BTreeMap<String, Value>,
    defs: &[TicketField],
) -> Result<BTreeMap<String, Value>, CoreError> {
    let mut next = current.clone();
    for (key, value) in change {
        if value.is_null() {
            next.remove(key);
            continue;
        }
        let def = defs.iter().find(|d| d.key == *key).ok_or_else(|| {
            CoreError::invalid(
                "custom_fields",
                format!("`{key}` is not a ticket field of this account"),
            )
        })?;
        def.check_value(value)?;
        next.insert(key.clone(), value.clone());
    }
    Ok(next)
}

/// The required fields without a value (an empty text counts as none).
pub fn missing_required_fields<'a>(
    values: &BTreeMap<String, Value>,
    defs: &'a [TicketField],
) -> Vec<&'a str> {
    defs.iter()
        .filter(|d| d.required)
        .filter(|d| match values.get(&d.key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        })
        .map(|d| d.key.as_str())
        .collect()
}

/// How two conversations relate. `follow_up` and `duplicate` read from the
/// conversation that holds the link: it follows up, or duplicates, the
/// linked one; `related` is symmetric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Related,
    FollowUp,
    Duplicate,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Related => "related",
            Self::FollowUp => "follow_up",
            Self::Duplicate => "duplicate",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "related" => Some(Self::Related),
            "follow_up" => Some(Self::FollowUp),
            "duplicate" => Some(Self::Duplicate),
            _ => None,
        }
    }
}

/// A stored link: `from` holds it (follows up or duplicates `to`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversationLink {
    pub from: ConversationId,
    pub to: ConversationId,
    pub kind: LinkKind,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(key: &str, t: TicketFieldType, options: &[&str], required: bool) -> TicketField {
        TicketField {
            key: key.into(),
            label: key.into(),
            field_type: t,
            options: options.iter().map(|s| s.to_string()).collect(),
            required,
        }
    }

    #[test]
    fn status_follows_the_conversation_state() {
        use Status::*;
        let table = [
            (Bot, false, TicketStatus::Open),
            (Queued, false, TicketStatus::Open),
            (Assigned, false, TicketStatus::Open),
            (Snoozed, false, TicketStatus::Pending),
            (Resolved, false, TicketStatus::Solved),
            (Resolved, true, TicketStatus::Closed),
        ];
        for (status, closed, want) in table {
            assert_eq!(TicketStatus::of(status, closed), want, "{status:?}");
        }
    }

    /// Every plan, run through the state machine from every status, lands
    /// on the status it names: the mapping cannot drift from the machine.
    #[test]
    fn every_plan_reaches_its_status() {
        use crate::state::{ConversationState, Owner, Policy, transition};
        let agent = crate::UserId(uuid::Uuid::from_u128(7));
        let starts = [
            ConversationState::new_bot(),
            ConversationState {
                status: Status::Queued,
                owner: Owner::Queue(None),
            },
            ConversationState {
                status: Status::Assigned,
                owner: Owner::Agent(agent),
            },
            ConversationState {
                status: Status::Snoozed,
                owner: Owner::Agent(agent),
            },
            ConversationState {
                status: Status::Resolved,
                owner: Owner::Agent(agent),
            },
        ];
        let policy = Policy {
            bot_enabled: true,
            default_team: None,
            bot_while_queued: false,
        };
        for target in [
            TicketStatus::Open,
            TicketStatus::Pending,
            TicketStatus::Solved,
            TicketStatus::Closed,
        ] {
            for start in starts {
                let mut s = start;
                for input in target.plan(s.status) {
                    s = transition(s, input, &policy)
                        .unwrap_or_else(|e| panic!("{target:?} from {start:?}: {e}"))
                        .state;
                }
                let closed = target == TicketStatus::Closed;
                assert_eq!(TicketStatus::of(s.status, closed), target, "from {start:?}");
            }
        }
    }

    #[test]
    fn definitions_are_checked() {
        assert!(
            field("order_no", TicketFieldType::Text, &[], false)
                .validate()
                .is_ok()
        );
        for bad in [
            field("", TicketFieldType::Text, &[], false),
            field("Order", TicketFieldType::Text, &[], false),
            field("9lives", TicketFieldType::Text, &[], false),
            field("a-b", TicketFieldType::Text, &[], false),
            field("s", TicketFieldType::Select, &[], false),
            field("s", TicketFieldType::Select, &["a", "a"], false),
            field("t", TicketFieldType::Text, &["a"], false),
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        let twice = [
            field("a", TicketFieldType::Text, &[], false),
            field("a", TicketFieldType::Number, &[], false),
        ];
        assert!(validate_ticket_fields(&twice).is_err());
    }

    #[test]
    fn values_must_suit_their_field() {
        let defs = [
            field("order_no", TicketFieldType::Text, &[], true),
            field("amount", TicketFieldType::Number, &[], false),
            field(
                "reason",
                TicketFieldType::Select,
                &["damaged", "late"],
                false,
            ),
            field("vip", TicketFieldType::Checkbox, &[], false),
            field("due", TicketFieldType::Date, &[], false),
        ];
        let change: BTreeMap<String, Value> = [
            ("order_no".to_string(), json!("A-1")),
            ("amount".to_string(), json!(12.5)),
            ("reason".to_string(), json!("late")),
            ("vip".to_string(), json!(true)),
            ("due".to_string(), json!("2026-12-01")),
        ]
        .into();
        let merged = merge_custom_fields(&BTreeMap::new(), &change, &defs).unwrap();
        assert_eq!(merged, change);
        for (key, bad) in [
            ("amount", json!("12")),
            ("reason", json!("lost")),
            ("vip", json!(1)),
            ("due", json!("2026-13-01")),
            ("order_no", json!(5)),
            ("unknown", json!("x")),
        ] {
            let change: BTreeMap<String, Value> = [(key.to_string(), bad)].into();
            assert!(
                merge_custom_fields(&merged, &change, &defs).is_err(),
                "{key}"
            );
        }
        // null clears; the required field is then missing.
        let clear: BTreeMap<String, Value> = [("order_no".to_string(), Value::Null)].into();
        let cleared = merge_custom_fields(&merged, &clear, &defs).unwrap();
        assert!(!cleared.contains_key("order_no"));
        assert_eq!(missing_required_fields(&cleared, &defs), vec!["order_no"]);
        assert!(missing_required_fields(&merged, &defs).is_empty());
    }
}
