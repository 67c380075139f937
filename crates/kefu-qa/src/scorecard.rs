//! Scorecards: how hits become a score. Each item names a rule and what
//! its hits are worth (a deduction or a bonus, per hit or once, capped);
//! a critical item fails the whole conversation whatever the total
//! (一票否决); the total passes at the card's threshold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::QaError;
use crate::hit::Hit;
use crate::inspector::Inspector;
use crate::transcript::Transcript;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Deduct,
    Bonus,
}

/// What a card does with conversations no agent took part in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotOnly {
    /// Not scored by this card (the default: agents' cards).
    #[default]
    Skip,
    /// Scored like any other.
    Include,
    /// Only bot conversations (the bot's own card).
    Only,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreItem {
    pub rule_id: String,
    pub label: String,
    pub effect: Effect,
    pub points: f64,
    /// Points for every hit (up to `max_points`), rather than once.
    #[serde(default)]
    pub per_hit: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_points: Option<f64>,
    /// Any hit fails the conversation.
    #[serde(default)]
    pub critical: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scorecard {
    pub id: String,
    pub name: String,
    /// What a conversation without hits scores (default 100); totals stay
    /// between 0 and this.
    #[serde(default = "default_base")]
    pub base: f64,
    pub pass_score: f64,
    #[serde(default)]
    pub bot_only: BotOnly,
    /// The inboxes (ids) whose conversations the card scores; with `teams`
    /// both empty, every inbox's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inboxes: Vec<String>,
    /// The teams (ids) whose conversations the card scores.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    pub items: Vec<ScoreItem>,
}

fn default_base() -> f64 {
    100.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub rule_id: String,
    pub hits: usize,
    /// Signed: negative for deductions.
    pub points: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreResult {
    pub scorecard_id: String,
    pub total: f64,
    pub passed: bool,
    /// Rules of critical items that were hit.
    pub critical_failed: Vec<String>,
    pub items: Vec<ItemScore>,
}

impl Scorecard {
    /// Checks the card against the rules it scores.
    pub fn validate(&self, rules: &Inspector) -> Result<(), QaError> {
        let bad = |m: &str| Err(QaError::scorecard(&self.id, m));
        if self.id.trim().is_empty() || self.name.trim().is_empty() {
            return bad("a card needs an id and a name");
        }
        if !(self.base.is_finite() && self.base > 0.0) {
            return bad("`base` must be a positive number");
        }
        if !(self.pass_score.is_finite() && (0.0..=self.base).contains(&self.pass_score)) {
            return bad("`pass_score` must be between 0 and `base`");
        }
        if self.items.is_empty() {
            return bad("a card needs at least one item");
        }
        for item in &self.items {
            if !rules.has_rule(&item.rule_id) {
                return Err(QaError::scorecard(
                    &self.id,
                    format!(
                        "item `{}` scores rule `{}`, which does not exist",
                        item.label, item.rule_id
                    ),
                ));
            }
            let ok_points = item.points.is_finite() && item.points >= 0.0;
            let ok_max = item.max_points.is_none_or(|m| m.is_finite() && m >= 0.0);
            if !ok_points || !ok_max {
                return Err(QaError::scorecard(
                    &self.id,
                    format!("item `{}`: points are numbers of at least 0", item.label),
                ));
            }
        }
        Ok(())
    }

    /// Whether the card is assigned to a conversation of this inbox and team.
    pub fn covers(&self, inbox: &str, team: Option<&str>) -> bool {
        (self.inboxes.is_empty() && self.teams.is_empty())
            || self.inboxes.iter().any(|i| i == inbox)
            || team.is_some_and(|t| self.teams.iter().any(|x| x == t))
    }

    /// Whether the card scores this conversation at all.
    pub fn applies_to(&self, t: &Transcript) -> bool {
        match self.bot_only {
            BotOnly::Skip => !t.is_bot_only(),
            BotOnly::Include => true,
            BotOnly::Only => t.is_bot_only(),
        }
    }

    /// Scores the hits a conversation kept (a reviewer's rejected hits are
    /// left out by the caller, and the score recomputed).
    pub fn score(&self, hits: &[Hit]) -> ScoreResult {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for h in hits {
            *count.entry(h.rule_id.as_str()).or_default() += 1;
        }
        let mut total = self.base;
        let mut items = Vec::with_capacity(self.items.len());
        let mut critical_failed = Vec::new();
        for item in &self.items {
            let n = count.get(item.rule_id.as_str()).copied().unwrap_or(0);
            let mut points = match (n, item.per_hit) {
                (0, _) => 0.0,
                (n, true) => item.points * n as f64,
                (_, false) => item.points,
            };
            if let Some(max) = item.max_points {
                points = points.min(max);
            }
            let signed = match item.effect {
                Effect::Deduct => -points,
                Effect::Bonus => points,
            };
            total += signed;
            if item.critical && n > 0 {
                critical_failed.push(item.rule_id.clone());
            }
            items.push(ItemScore {
                rule_id: item.rule_id.clone(),
                hits: n,
                points: signed,
            });
        }
        let total = total.clamp(0.0, self.base);
        ScoreResult {
            scorecard_id: self.id.clone(),
            total,
            passed: critical_failed.is_empty() && total >= self.pass_score,
            critical_failed,
            items,
        }
    }
}
