//! A conversation's SLA: the facts its timeline gives (when it reached
//! people, when they first replied, whether a customer waits for an answer,
//! when it was resolved, when it was paused) turned into one clock per
//! target of its policy.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{BusinessHours, SlaClock, SlaClockState, SlaMetric, SlaPolicy};
use crate::event::{Event, EventType};
use crate::model::Priority;
use crate::model::SenderKind;
use crate::time::Timestamp;

/// What the SLA clocks need from a conversation's log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaFacts {
    /// When the conversation first reached people (handed over by the bot,
    /// straight to the queue without one, or taken by an agent). `None`
    /// while the bot has it: the bot's time is not the team's.
    pub started_at: Option<Timestamp>,
    /// The first public agent reply.
    pub first_reply_at: Option<Timestamp>,
    /// After the first reply: the earliest customer message no agent has
    /// answered yet (the next-response clock runs from it).
    pub awaiting_reply_since: Option<Timestamp>,
    /// The latest resolution, while resolved.
    pub resolved_at: Option<Timestamp>,
    /// Snoozed spans (waiting on the customer or a date): the clocks stop.
    pub pauses: Vec<(Timestamp, Option<Timestamp>)>,
}

impl SlaFacts {
    /// Reads the facts from a conversation's events, in sequence order.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut f = Self::default();
        for e in events {
            let at = e.created_at;
            match e.kind {
                EventType::BotHandedOff
                | EventType::ConversationAssigned
                | EventType::ConversationTransferred => {
                    f.started_at.get_or_insert(at);
                }
                EventType::ConversationStatusChanged
                    if e.data["to"] == "queued" || e.data["to"] == "assigned" =>
                {
                    f.started_at.get_or_insert(at);
                }
                EventType::MessageCreated => {
                    let public = e.data["message"]["visibility"] == "public";
                    match e.actor.kind {
                        SenderKind::Agent if public => {
                            f.first_reply_at.get_or_insert(at);
                            f.awaiting_reply_since = None;
                        }
                        SenderKind::Contact if f.first_reply_at.is_some() => {
                            f.awaiting_reply_since.get_or_insert(at);
                        }
                        _ => {}
                    }
                }
                EventType::ConversationResolved => f.resolved_at = Some(at),
                EventType::ConversationReopened => f.resolved_at = None,
                EventType::ConversationSnoozed if f.pauses.last().is_none_or(|p| p.1.is_some()) => {
                    f.pauses.push((at, None));
                }
                EventType::ConversationUnsnoozed => {
                    if let Some(p) = f.pauses.last_mut().filter(|p| p.1.is_none()) {
                        p.1 = Some(at);
                    }
                }
                _ => {}
            }
        }
        f
    }
}

/// One target's clock on one conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlaMetricStatus {
    pub metric: SlaMetric,
    pub target_ms: i64,
    pub business_hours: bool,
    pub started_at: Timestamp,
    /// When the target was met (or missed late): the clock stopped there.
    pub achieved_at: Option<Timestamp>,
    /// The clock at `achieved_at`, or at `now` while it runs.
    pub clock: SlaClockState,
}

/// The clocks of every target the policy sets for this priority, in the
/// order first response, next response, resolution. A target whose start
/// has not happened (no customer waiting for a next response) is left out.
pub fn sla_status(
    facts: &SlaFacts,
    policy: &SlaPolicy,
    priority: Priority,
    calendar: &BusinessHours,
    now: Timestamp,
) -> Vec<SlaMetricStatus> {
    let mut out = Vec::new();
    let Some(started) = facts.started_at else {
        return out;
    };
    let spans = [
        (
            SlaMetric::FirstResponse,
            Some(started),
            facts.first_reply_at,
        ),
        (
            SlaMetric::NextResponse,
            facts
                .awaiting_reply_since
                .filter(|_| facts.first_reply_at.is_some()),
            None,
        ),
        (SlaMetric::Resolution, Some(started), facts.resolved_at),
    ];
    for (metric, start, achieved) in spans {
        let (Some(start), Some(target)) = (start, policy.target(priority, metric)) else {
            continue;
        };
        let at = achieved.map_or(now, |a| a.min(now));
        let mut clock = SlaClock::compute(start, target, calendar, at, &facts.pauses);
        // A met (or late-met) target's clock has stopped for good.
        clock.running &= achieved.is_none();
        out.push(SlaMetricStatus {
            metric,
            target_ms: target.target_ms,
            business_hours: target.business_hours,
            started_at: start,
            achieved_at: achieved,
            clock,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn policy(business_hours: bool) -> SlaPolicy {
        SlaPolicy::from_json(&json!({"name": "Std", "business_hours": business_hours,
            "targets": {"normal": {"first_response_s": 3600, "next_response_s": 1800,
                                   "resolution_s": 28800}}}))
        .unwrap()
    }

    /// Shanghai, Monday to Friday 09:00-18:00.
    fn office() -> BusinessHours {
        BusinessHours::from_settings(&json!({"business_hours": {"time_zone": "Asia/Shanghai",
            "weekly": {"mon": [["09:00","18:00"]], "tue": [["09:00","18:00"]],
                       "wed": [["09:00","18:00"]], "thu": [["09:00","18:00"]],
                       "fri": [["09:00","18:00"]]}}}))
        .unwrap()
        .unwrap()
    }

    /// Each row: the facts, `now`, and per metric (due, breached, running).
    #[test]
    fn clocks_follow_the_conversation() {
        // Friday 17:30 Shanghai = 09:30 UTC.
        let start = t("2026-11-27T09:30:00Z");
        struct Row {
            what: &'static str,
            facts: SlaFacts,
            now: &'static str,
            business: bool,
            want: Vec<(SlaMetric, Option<&'static str>, bool, bool)>,
        }
        let rows = vec![
            Row {
                what: "Friday 17:30: 30 business minutes left today, the rest on Monday",
                facts: SlaFacts {
                    started_at: Some(start),
                    ..Default::default()
                },
                now: "2026-11-28T02:00:00Z", // Saturday 10:00: closed
                business: true,
                want: vec![
                    // 1 h: 30 min Friday + 30 min from Monday 09:00.
                    (
                        SlaMetric::FirstResponse,
                        Some("2026-11-30T01:30:00Z"),
                        false,
                        false,
                    ),
                    // 8 h: 30 min Friday + 7.5 h Monday, 09:00 -> 16:30.
                    (
                        SlaMetric::Resolution,
                        Some("2026-11-30T08:30:00Z"),
                        false,
                        false,
                    ),
                ],
            },
            Row {
                what: "the same in calendar hours is long overdue by Saturday",
                facts: SlaFacts {
                    started_at: Some(start),
                    ..Default::default()
                },
                now: "2026-11-28T02:00:00Z",
                business: false,
                want: vec![
                    (
                        SlaMetric::FirstResponse,
                        Some("2026-11-27T10:30:00Z"),
                        true,
                        true,
                    ),
                    (
                        SlaMetric::Resolution,
                        Some("2026-11-27T17:30:00Z"),
                        true,
                        true,
                    ),
                ],
            },
            Row {
                what: "a first reply on Monday 09:20 met its target; a customer waits since 09:40",
                facts: SlaFacts {
                    started_at: Some(start),
                    first_reply_at: Some(t("2026-11-30T01:20:00Z")),
                    awaiting_reply_since: Some(t("2026-11-30T01:40:00Z")),
                    ..Default::default()
                },
                now: "2026-11-30T02:30:00Z", // Monday 10:30
                business: true,
                want: vec![
                    (
                        SlaMetric::FirstResponse,
                        Some("2026-11-30T01:30:00Z"),
                        false,
                        false,
                    ),
                    // 30 min from 09:40 = 10:10: missed by 10:30.
                    (
                        SlaMetric::NextResponse,
                        Some("2026-11-30T02:10:00Z"),
                        true,
                        true,
                    ),
                    (
                        SlaMetric::Resolution,
                        Some("2026-11-30T08:30:00Z"),
                        false,
                        true,
                    ),
                ],
            },
            Row {
                what: "snoozed Monday 10:00-12:00: the clock stops for two open hours",
                facts: SlaFacts {
                    started_at: Some(start),
                    first_reply_at: Some(t("2026-11-30T01:20:00Z")),
                    pauses: vec![(t("2026-11-30T02:00:00Z"), Some(t("2026-11-30T04:00:00Z")))],
                    ..Default::default()
                },
                now: "2026-11-30T03:00:00Z",
                business: true,
                want: vec![
                    (
                        SlaMetric::FirstResponse,
                        Some("2026-11-30T01:30:00Z"),
                        false,
                        false,
                    ),
                    // 8 h: 0.5 Friday + 1 Monday before the snooze + 6 after
                    // it until 18:00, and the last 0.5 h on Tuesday: 09:30.
                    (
                        SlaMetric::Resolution,
                        Some("2026-12-01T01:30:00Z"),
                        false,
                        false,
                    ),
                ],
            },
            Row {
                what: "the bot still has it: no clock runs",
                facts: SlaFacts::default(),
                now: "2026-11-30T03:00:00Z",
                business: true,
                want: vec![],
            },
        ];
        for row in rows {
            let got = sla_status(
                &row.facts,
                &policy(row.business),
                Priority::Normal,
                &office(),
                t(row.now),
            );
            let got: Vec<_> = got
                .iter()
                .map(|m| (m.metric, m.clock.due_at, m.clock.breached, m.clock.running))
                .collect();
            let want: Vec<_> = row
                .want
                .iter()
                .map(|(m, d, b, r)| (*m, d.map(t), *b, *r))
                .collect();
            assert_eq!(got, want, "{}", row.what);
        }
    }

    #[test]
    fn facts_come_from_the_log() {
        use crate::model::Sender;
        let ev = |kind: EventType, actor: Sender, data: serde_json::Value, at: &str| Event {
            id: crate::EventId::new(),
            account_id: crate::AccountId::new(),
            kind,
            schema_version: 1,
            conversation_id: None,
            inbox_id: None,
            seq: None,
            actor,
            data,
            created_at: t(at),
            cursor: None,
        };
        let agent = Sender::agent(crate::UserId::new());
        let contact = Sender::contact(crate::ContactId::new());
        let msg = |vis: &str| json!({"message": {"visibility": vis}});
        let log = vec![
            ev(
                EventType::MessageCreated,
                contact,
                msg("public"),
                "2026-11-30T01:00:00Z",
            ),
            ev(
                EventType::BotHandedOff,
                Sender::bot(),
                json!({}),
                "2026-11-30T01:05:00Z",
            ),
            ev(
                EventType::MessageCreated,
                agent,
                msg("internal"),
                "2026-11-30T01:06:00Z",
            ),
            ev(
                EventType::MessageCreated,
                agent,
                msg("public"),
                "2026-11-30T01:10:00Z",
            ),
            ev(
                EventType::MessageCreated,
                contact,
                msg("public"),
                "2026-11-30T01:20:00Z",
            ),
            ev(
                EventType::MessageCreated,
                contact,
                msg("public"),
                "2026-11-30T01:25:00Z",
            ),
            ev(
                EventType::ConversationSnoozed,
                agent,
                json!({}),
                "2026-11-30T02:00:00Z",
            ),
            ev(
                EventType::ConversationUnsnoozed,
                contact,
                json!({}),
                "2026-11-30T03:00:00Z",
            ),
            ev(
                EventType::ConversationSnoozed,
                agent,
                json!({}),
                "2026-11-30T04:00:00Z",
            ),
        ];
        let f = SlaFacts::from_events(&log);
        assert_eq!(
            f.started_at,
            Some(t("2026-11-30T01:05:00Z")),
            "the bot's time does not count"
        );
        assert_eq!(
            f.first_reply_at,
            Some(t("2026-11-30T01:10:00Z")),
            "notes are not replies"
        );
        assert_eq!(
            f.awaiting_reply_since,
            Some(t("2026-11-30T01:20:00Z")),
            "from the first unanswered"
        );
        assert_eq!(
            f.pauses,
            vec![
                (t("2026-11-30T02:00:00Z"), Some(t("2026-11-30T03:00:00Z"))),
                (t("2026-11-30T04:00:00Z"), None)
            ]
        );
        let mut more = log.clone();
        more.push(ev(
            EventType::MessageCreated,
            agent,
            msg("public"),
            "2026-11-30T05:00:00Z",
        ));
        more.push(ev(
            EventType::ConversationResolved,
            agent,
            json!({}),
            "2026-11-30T05:01:00Z",
        ));
        let f = SlaFacts::from_events(&more);
        assert_eq!(f.awaiting_reply_since, None);
        assert_eq!(f.resolved_at, Some(t("2026-11-30T05:01:00Z")));
    }

    #[test]
    fn an_escalated_conversation_keeps_its_clocks_and_a_lower_one_has_none() {
        let facts = SlaFacts {
            started_at: Some(t("2026-11-27T09:30:00Z")),
            ..Default::default()
        };
        let at = |p| {
            sla_status(
                &facts,
                &policy(true),
                p,
                &office(),
                t("2026-11-28T09:30:00Z"),
            )
        };
        // The policy sets normal's targets only: urgent falls back to them
        // (a breach escalates, and the breached clock must not vanish).
        assert_eq!(at(Priority::Urgent), at(Priority::Normal));
        assert_eq!(at(Priority::Normal).len(), 2);
        assert!(at(Priority::Low).is_empty());
    }
}
