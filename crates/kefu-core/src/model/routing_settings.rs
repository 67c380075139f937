//! How an inbox routes its queued conversations, kept under
//! `settings.routing` of the inbox:
//!
//! ```json
//! {"routing": {"policy": "skills", "relax_after_s": 120,
//!              "skill_rules": [{"label": "refund", "skill": "billing", "min_level": 2}]}}
//! ```
//! Absent, an inbox assigns automatically to the least busy agent of its
//! team.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::CoreError;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoutingPolicyKind {
    RoundRobin,
    #[default]
    LeastBusy,
    Skills,
}

/// A conversation with this label (or whose bot intent is this) needs this
/// skill at this level or above.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillRule {
    /// A conversation label, matched exactly (labels are lower case).
    #[serde(default)]
    pub label: Option<String>,
    /// A bot intent (the knowledge-base entry's tag the bot matched).
    #[serde(default)]
    pub intent: Option<String>,
    pub skill: String,
    #[serde(default = "one")]
    pub min_level: u8,
}

fn one() -> u8 {
    1
}
fn yes() -> bool {
    true
}
fn two_minutes() -> u32 {
    120
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxRoutingSettings {
    #[serde(default)]
    pub policy: RoutingPolicyKind,
    /// Offer queued conversations to agents automatically. Off, agents pick
    /// from the queue themselves (self-assignment).
    #[serde(default = "yes")]
    pub auto_assign: bool,
    /// With the skills policy: after this many seconds of waiting any agent
    /// of the team may take the conversation.
    #[serde(default = "two_minutes")]
    pub relax_after_s: u32,
    #[serde(default)]
    pub skill_rules: Vec<SkillRule>,
    /// Give a returning customer to the agent who last served them, when
    /// that agent can take it now.
    #[serde(default = "yes")]
    pub sticky: bool,
    /// The bot keeps answering while the customer waits for an agent.
    #[serde(default)]
    pub bot_while_queued: bool,
}

impl Default for InboxRoutingSettings {
    fn default() -> Self {
        Self {
            policy: RoutingPolicyKind::default(),
            auto_assign: true,
            relax_after_s: two_minutes(),
            skill_rules: Vec::new(),
            sticky: true,
            bot_while_queued: false,
        }
    }
}

/// Longest relaxation delay: a day. Longer means "never", which the
/// customer would feel as a lost conversation.
const MAX_RELAX_S: u32 = 24 * 3600;
const MAX_RULES: usize = 200;

impl InboxRoutingSettings {
    /// Reads and checks `settings.routing` (absent: the defaults).
    pub fn from_settings(settings: &serde_json::Value) -> Result<Self, CoreError> {
        let Some(v) = settings.get("routing") else {
            return Ok(Self::default());
        };
        let s: Self = serde_json::from_value(v.clone())
            .map_err(|e| CoreError::invalid("settings.routing", e.to_string()))?;
        if s.relax_after_s > MAX_RELAX_S {
            return Err(CoreError::invalid(
                "settings.routing.relax_after_s",
                format!("at most {MAX_RELAX_S}"),
            ));
        }
        if s.skill_rules.len() > MAX_RULES {
            return Err(CoreError::invalid(
                "settings.routing.skill_rules",
                format!("at most {MAX_RULES} rules"),
            ));
        }
        for r in &s.skill_rules {
            if r.label.is_none() == r.intent.is_none() {
                return Err(CoreError::invalid(
                    "settings.routing.skill_rules",
                    "each rule names exactly one of label and intent",
                ));
            }
            if crate::validate::label(&r.skill).ok().as_deref() != Some(r.skill.as_str()) {
                return Err(CoreError::invalid(
                    "settings.routing.skill_rules",
                    format!("invalid skill {:?} (a lower-case label)", r.skill),
                ));
            }
            if !(1..=5).contains(&r.min_level) {
                return Err(CoreError::invalid(
                    "settings.routing.skill_rules",
                    "min_level is between 1 and 5",
                ));
            }
        }
        Ok(s)
    }

    /// The skills a conversation with these labels and bot intents needs:
    /// the highest level any matching rule asks, per skill.
    pub fn required_skills<'a>(
        &self,
        labels: impl IntoIterator<Item = &'a str> + Clone,
        intents: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = Vec::new();
        for r in &self.skill_rules {
            let hit = match (&r.label, &r.intent) {
                (Some(l), _) => labels.clone().into_iter().any(|x| x == l),
                (_, Some(i)) => intents.clone().into_iter().any(|x| x == i),
                _ => false,
            };
            if !hit {
                continue;
            }
            match out.iter_mut().find(|(s, _)| *s == r.skill) {
                Some((_, level)) => *level = (*level).max(r.min_level),
                None => out.push((r.skill.clone(), r.min_level)),
            }
        }
        out
    }
}

/// A member's skill as written (`billing` or `billing:4`): name and level.
/// `None` when malformed.
pub fn parse_skill(s: &str) -> Option<(String, u8)> {
    let (name, level) = match s.rsplit_once(':') {
        Some((n, l)) => (n, l.parse::<u8>().ok().filter(|l| (1..=5).contains(l))?),
        None => (s, 1),
    };
    let name = crate::validate::label(name).ok()?;
    Some((name, level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_when_absent_and_checked_when_present() {
        let d = InboxRoutingSettings::from_settings(&json!({})).unwrap();
        assert_eq!(d.policy, RoutingPolicyKind::LeastBusy);
        assert!(d.auto_assign && d.sticky);
        let s = InboxRoutingSettings::from_settings(&json!({"routing": {
            "policy": "skills", "relax_after_s": 30,
            "skill_rules": [{"label": "refund", "skill": "billing", "min_level": 3}]}}))
        .unwrap();
        assert_eq!(s.policy, RoutingPolicyKind::Skills);
        assert_eq!(s.relax_after_s, 30);
        for bad in [
            json!({"routing": {"policy": "random"}}),
            json!({"routing": {"relax_after_s": 100000}}),
            json!({"routing": {"skill_rules": [{"skill": "billing"}]}}),
            json!({"routing": {"skill_rules": [{"label": "a", "intent": "b", "skill": "x"}]}}),
            json!({"routing": {"skill_rules": [{"label": "a", "skill": "Two Words"}]}}),
            json!({"routing": {"skill_rules": [{"label": "a", "skill": "x", "min_level": 6}]}}),
            json!({"routing": {"speed": "fast"}}),
        ] {
            assert!(InboxRoutingSettings::from_settings(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn required_skills_take_the_highest_level_per_skill() {
        let s = InboxRoutingSettings::from_settings(&json!({"routing": {"skill_rules": [
            {"label": "refund", "skill": "billing", "min_level": 2},
            {"intent": "chargeback", "skill": "billing", "min_level": 4},
            {"label": "vip", "skill": "vip"},
            {"label": "other", "skill": "ignored"}]}}))
        .unwrap();
        let mut got = s.required_skills(["refund", "vip"], ["chargeback"]);
        got.sort();
        assert_eq!(got, vec![("billing".into(), 4), ("vip".into(), 1)]);
        assert!(s.required_skills(["none"], []).is_empty());
    }

    #[test]
    fn skills_parse_with_optional_levels() {
        assert_eq!(parse_skill("billing"), Some(("billing".into(), 1)));
        assert_eq!(parse_skill("billing:4"), Some(("billing".into(), 4)));
        assert_eq!(parse_skill("退款:5"), Some(("退款".into(), 5)));
        for bad in ["billing:0", "billing:6", "billing:x", "two words", ":3"] {
            assert_eq!(parse_skill(bad), None, "{bad}");
        }
    }
}
