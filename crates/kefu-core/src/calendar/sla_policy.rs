//! An account's SLA policy: targets per conversation priority.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{SlaMetric, SlaTarget};
use crate::error::CoreError;
use crate::model::Priority;

/// The longest target accepted, in seconds (a year). Longer targets are
/// typos, and the cap keeps deadline walks and millisecond arithmetic small.
pub const MAX_TARGET_S: i64 = 366 * 24 * 3600;

/// ```json
/// {"name": "Standard", "business_hours": true,
///  "targets": {"urgent": {"first_response_s": 300, "next_response_s": 600, "resolution_s": 14400},
///              "normal": {"first_response_s": 3600}}}
/// ```
///
/// A priority or metric left out has no target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub name: String,
    /// Count targets in the inbox's business hours (true) or around the clock.
    pub business_hours: bool,
    #[serde(default)]
    pub targets: SlaPolicyTargets,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyTargets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<SlaPriorityTargets>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<SlaPriorityTargets>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal: Option<SlaPriorityTargets>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<SlaPriorityTargets>,
}

/// Targets of one priority, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPriorityTargets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_s: Option<i64>,
}

impl SlaPriorityTargets {
    fn seconds(&self, metric: SlaMetric) -> Option<i64> {
        match metric {
            SlaMetric::FirstResponse => self.first_response_s,
            SlaMetric::NextResponse => self.next_response_s,
            SlaMetric::Resolution => self.resolution_s,
        }
    }
}

const PRIORITIES: [Priority; 4] = [
    Priority::Urgent,
    Priority::High,
    Priority::Normal,
    Priority::Low,
];
const METRICS: [SlaMetric; 3] = [
    SlaMetric::FirstResponse,
    SlaMetric::NextResponse,
    SlaMetric::Resolution,
];

/// Field paths are `&'static str` in `CoreError`, hence the table.
fn path(priority: Priority, metric: SlaMetric) -> &'static str {
    macro_rules! p {
        ($p:literal, $m:literal) => {
            concat!("sla_policy.targets.", $p, ".", $m)
        };
    }
    match (priority, metric) {
        (Priority::Urgent, SlaMetric::FirstResponse) => p!("urgent", "first_response_s"),
        (Priority::Urgent, SlaMetric::NextResponse) => p!("urgent", "next_response_s"),
        (Priority::Urgent, SlaMetric::Resolution) => p!("urgent", "resolution_s"),
        (Priority::High, SlaMetric::FirstResponse) => p!("high", "first_response_s"),
        (Priority::High, SlaMetric::NextResponse) => p!("high", "next_response_s"),
        (Priority::High, SlaMetric::Resolution) => p!("high", "resolution_s"),
        (Priority::Normal, SlaMetric::FirstResponse) => p!("normal", "first_response_s"),
        (Priority::Normal, SlaMetric::NextResponse) => p!("normal", "next_response_s"),
        (Priority::Normal, SlaMetric::Resolution) => p!("normal", "resolution_s"),
        (Priority::Low, SlaMetric::FirstResponse) => p!("low", "first_response_s"),
        (Priority::Low, SlaMetric::NextResponse) => p!("low", "next_response_s"),
        (Priority::Low, SlaMetric::Resolution) => p!("low", "resolution_s"),
    }
}

impl SlaPolicy {
    /// Parses and validates a policy from JSON; shape errors are reported
    /// under `sla_policy`.
    pub fn from_json(v: &serde_json::Value) -> Result<Self, CoreError> {
        let p: Self = serde_json::from_value(v.clone())
            .map_err(|e| CoreError::invalid("sla_policy", e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    /// A non-empty name and every target between 1 s and [`MAX_TARGET_S`].
    pub fn validate(&self) -> Result<(), CoreError> {
        crate::validate::name("sla_policy.name", &self.name, 100)?;
        for priority in PRIORITIES {
            let Some(targets) = self.targets.of(priority) else {
                continue;
            };
            for metric in METRICS {
                match targets.seconds(metric) {
                    Some(s) if s <= 0 => {
                        return Err(CoreError::invalid(
                            path(priority, metric),
                            "must be positive",
                        ));
                    }
                    Some(s) if s > MAX_TARGET_S => {
                        return Err(CoreError::invalid(
                            path(priority, metric),
                            format!("at most {MAX_TARGET_S} seconds"),
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The target for a conversation of `priority`: the priority's own, or
    /// when the policy sets none for it, the next lower priority's that has
    /// one. A conversation escalated past its policy's priorities (an SLA
    /// breach raises the priority) keeps the clock it had rather than losing
    /// it. A non-positive target (from a policy that skipped validation)
    /// counts as none rather than as instantly breached.
    pub fn target(&self, priority: Priority, metric: SlaMetric) -> Option<SlaTarget> {
        let s = PRIORITIES
            .iter()
            .filter(|p| **p <= priority)
            .find_map(|p| self.targets.of(*p).and_then(|t| t.seconds(metric)))?;
        if s <= 0 {
            return None;
        }
        Some(SlaTarget {
            metric,
            target_ms: s.saturating_mul(1000),
            business_hours: self.business_hours,
        })
    }
}

impl SlaPolicyTargets {
    fn of(&self, priority: Priority) -> Option<&SlaPriorityTargets> {
        match priority {
            Priority::Urgent => self.urgent.as_ref(),
            Priority::High => self.high.as_ref(),
            Priority::Normal => self.normal.as_ref(),
            Priority::Low => self.low.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy() -> serde_json::Value {
        json!({"name": "Standard", "business_hours": true, "targets": {
            "urgent": {"first_response_s": 300, "next_response_s": 600, "resolution_s": 14400},
            "high": {"first_response_s": 900},
            "low": {"resolution_s": 604800}
        }})
    }

    #[test]
    fn targets_by_priority_and_metric() {
        let p = SlaPolicy::from_json(&policy()).unwrap();
        // (priority, metric, expected milliseconds)
        let cases = [
            (Priority::Urgent, SlaMetric::FirstResponse, Some(300_000)),
            (Priority::Urgent, SlaMetric::NextResponse, Some(600_000)),
            (Priority::Urgent, SlaMetric::Resolution, Some(14_400_000)),
            (Priority::High, SlaMetric::FirstResponse, Some(900_000)),
            // High sets no resolution target: the next lower priority with
            // one (normal sets none either) gives it: low's week.
            (Priority::High, SlaMetric::Resolution, Some(604_800_000)),
            (Priority::High, SlaMetric::NextResponse, None),
            (Priority::Normal, SlaMetric::FirstResponse, None),
            (Priority::Normal, SlaMetric::Resolution, Some(604_800_000)),
            (Priority::Low, SlaMetric::Resolution, Some(604_800_000)),
            (Priority::Low, SlaMetric::FirstResponse, None),
        ];
        for (priority, metric, want) in cases {
            let got = p.target(priority, metric);
            assert_eq!(got.map(|t| t.target_ms), want, "{priority:?} {metric:?}");
            if let Some(t) = got {
                assert_eq!(t.metric, metric);
                assert!(t.business_hours);
            }
        }
        let mut calendar_hours = policy();
        calendar_hours["business_hours"] = json!(false);
        let p = SlaPolicy::from_json(&calendar_hours).unwrap();
        assert!(
            !p.target(Priority::Urgent, SlaMetric::FirstResponse)
                .unwrap()
                .business_hours
        );
        // Round trip keeps the shape (absent stays absent).
        assert_eq!(serde_json::to_value(&p).unwrap(), calendar_hours);
    }

    #[test]
    fn invalid_policies_name_the_bad_field() {
        let with = |priority: &str, metric: &str, v: serde_json::Value| {
            let mut targets = serde_json::Map::new();
            targets.insert(priority.to_string(), json!({ metric: v }));
            json!({"name": "P", "business_hours": true, "targets": targets})
        };
        let cases = [
            (
                with("urgent", "first_response_s", json!(0)),
                "sla_policy.targets.urgent.first_response_s",
            ),
            (
                with("high", "next_response_s", json!(-5)),
                "sla_policy.targets.high.next_response_s",
            ),
            (
                with("normal", "resolution_s", json!(0)),
                "sla_policy.targets.normal.resolution_s",
            ),
            (
                with("low", "first_response_s", json!(MAX_TARGET_S + 1)),
                "sla_policy.targets.low.first_response_s",
            ),
            (
                json!({"name": "  ", "business_hours": true}),
                "sla_policy.name",
            ),
            (with("urgent", "first_response", json!(5)), "sla_policy"),
            (with("critical", "first_response_s", json!(5)), "sla_policy"),
            (json!({"name": "P"}), "sla_policy"),
            (with("urgent", "first_response_s", json!(1.5)), "sla_policy"),
        ];
        for (input, want) in cases {
            match SlaPolicy::from_json(&input) {
                Err(CoreError::Invalid { field, .. }) => assert_eq!(field, want, "{input}"),
                other => panic!("{input}: expected an error on {want}, got {other:?}"),
            }
        }
        // The largest allowed target is accepted.
        assert!(SlaPolicy::from_json(&with("low", "resolution_s", json!(MAX_TARGET_S))).is_ok());
    }
}
