//! SLA targets and the live clock of one target on one conversation.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::BusinessHours;
use crate::time::Timestamp;

/// What an SLA target measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaMetric {
    /// From the conversation's first customer message to the first agent reply.
    FirstResponse,
    /// From a customer message that follows an agent reply to the next reply.
    NextResponse,
    /// From the conversation's start to its resolution.
    Resolution,
}

/// One target: `target_ms` of clock time, counted in the inbox's business
/// hours or, when `business_hours` is false, in calendar hours (24x7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlaTarget {
    pub metric: SlaMetric,
    pub target_ms: i64,
    pub business_hours: bool,
}

/// Where an SLA clock stands at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SlaClockState {
    /// When the target runs out, given the pauses known so far. `None` while
    /// an open-ended pause holds the clock before the target ran out (the
    /// deadline depends on when the pause ends), or when the calendar never
    /// opens. Past `now` once breached: the instant it was breached.
    pub due_at: Option<Timestamp>,
    /// Clock time left: the target minus the running time between the start
    /// and `now`; negative when overdue, by the running time since.
    pub remaining_ms: i64,
    /// The target's time ran out before `now`: `remaining_ms < 0`. A reply
    /// at exactly `due_at` meets the target.
    pub breached: bool,
    /// The clock is counting at `now`: started, inside the (business or
    /// calendar) hours and not paused.
    pub running: bool,
}

/// The 24x7 UTC calendar of calendar-hours targets, built once.
static ALWAYS_OPEN: LazyLock<BusinessHours> = LazyLock::new(BusinessHours::always_open);

/// The SLA clock.
///
/// The clock runs while the calendar is open and no pause holds it, from
/// `started_at` on. Pauses are `(start, end)` instants, e.g. while a
/// conversation is snoozed or pending on the customer; `end = None` means the
/// pause is still on. Pauses may overlap (they are merged) and may begin
/// before `started_at` (only the part after it matters). A pause whose end
/// lies after `now` is taken as known, e.g. a snooze until tomorrow 09:00.
pub struct SlaClock;

impl SlaClock {
    pub fn compute(
        started_at: Timestamp,
        target: SlaTarget,
        calendar: &BusinessHours,
        now: Timestamp,
        paused: &[(Timestamp, Option<Timestamp>)],
    ) -> SlaClockState {
        let cal: &BusinessHours = if target.business_hours {
            calendar
        } else {
            &ALWAYS_OPEN
        };
        let start = started_at.millis();
        let pauses = normalize(start, paused);

        let mut elapsed = cal.business_millis_between(started_at, now);
        for &(s, e) in &pauses {
            // Pauses are disjoint after normalizing, so none is subtracted twice.
            elapsed -= cal.business_millis_between(Timestamp(s), Timestamp(e.min(now.millis())));
        }
        let remaining_ms = target.target_ms.saturating_sub(elapsed);

        let paused_now = pauses
            .iter()
            .any(|&(s, e)| s <= now.millis() && now.millis() < e);
        SlaClockState {
            due_at: due_at(cal, start, target.target_ms, &pauses),
            remaining_ms,
            breached: remaining_ms < 0,
            running: now >= started_at && !paused_now && cal.is_open(now),
        }
    }
}

/// Pauses as sorted, disjoint `[start, end)` in milliseconds, clipped to
/// begin no earlier than `start`; an open-ended pause ends at `i64::MAX`.
fn normalize(start: i64, paused: &[(Timestamp, Option<Timestamp>)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = paused
        .iter()
        .map(|&(s, e)| (s.millis().max(start), e.map_or(i64::MAX, Timestamp::millis)))
        .filter(|&(s, e)| e > s)
        .collect();
    v.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Walks the running windows between the pauses until `target_ms` of open
/// time has been used up.
fn due_at(
    cal: &BusinessHours,
    start: i64,
    target_ms: i64,
    pauses: &[(i64, i64)],
) -> Option<Timestamp> {
    let mut from = start;
    let mut left = target_ms;
    for &(s, e) in pauses {
        let available = cal.business_millis_between(Timestamp(from), Timestamp(s));
        if available >= left {
            return cal.add_business_millis(Timestamp(from), left);
        }
        left -= available;
        if e == i64::MAX {
            return None;
        }
        from = from.max(e);
    }
    cal.add_business_millis(Timestamp(from), left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const H: i64 = 3_600_000;
    const M: i64 = 60_000;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or_else(|| panic!("bad test instant {s}"))
    }

    /// Mon–Fri 09:00–12:00, 13:00–18:00 in Shanghai (UTC+8: 09:00 = 01:00Z,
    /// 18:00 = 10:00Z). 2026-11-30 is a Monday.
    fn shanghai() -> BusinessHours {
        let h = json!([["09:00", "12:00"], ["13:00", "18:00"]]);
        serde_json::from_value(json!({"time_zone": "Asia/Shanghai",
            "weekly": {"mon": h, "tue": h, "wed": h, "thu": h, "fri": h}}))
        .unwrap()
    }

    fn frt(ms: i64, business_hours: bool) -> SlaTarget {
        SlaTarget {
            metric: SlaMetric::FirstResponse,
            target_ms: ms,
            business_hours,
        }
    }

    struct Case {
        why: &'static str,
        target: SlaTarget,
        now: &'static str,
        paused: Vec<(&'static str, Option<&'static str>)>,
        due: Option<&'static str>,
        remaining: i64,
        breached: bool,
        running: bool,
    }

    #[test]
    fn clock_across_an_overnight_close() {
        // All start Monday 17:00 Shanghai (09:00Z) with a 2 h business target:
        // 1 h until 18:00, closed overnight, Tuesday 09:00 + 1 h = 10:00 (02:00Z).
        let started = t("2026-11-30T09:00:00Z");
        let cases = [
            Case {
                why: "Mon 17:30: half an hour used, counting",
                target: frt(2 * H, true),
                now: "2026-11-30T09:30:00Z",
                paused: vec![],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: 90 * M,
                breached: false,
                running: true,
            },
            Case {
                why: "Mon 20:00: closed overnight, 1 h used, stopped",
                target: frt(2 * H, true),
                now: "2026-11-30T12:00:00Z",
                paused: vec![],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: H,
                breached: false,
                running: false,
            },
            Case {
                why: "Tue 09:30: 1.5 h used",
                target: frt(2 * H, true),
                now: "2026-12-01T01:30:00Z",
                paused: vec![],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: 30 * M,
                breached: false,
                running: true,
            },
            Case {
                why: "Tue 10:00 exactly: out of time but not yet breached",
                target: frt(2 * H, true),
                now: "2026-12-01T02:00:00Z",
                paused: vec![],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: 0,
                breached: false,
                running: true,
            },
            Case {
                why: "Tue 11:00: an hour overdue",
                target: frt(2 * H, true),
                now: "2026-12-01T03:00:00Z",
                paused: vec![],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: -H,
                breached: true,
                running: true,
            },
            Case {
                why: "Tue 12:30, lunch: overdue by business time only (2 h); stopped for lunch",
                target: frt(2 * H, true),
                now: "2026-12-01T04:30:00Z",
                paused: vec![],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: -2 * H,
                breached: true,
                running: false,
            },
            Case {
                why: "paused Mon 17:30 to Tue 09:30: 30 + 30 min used, due moves to 11:00",
                target: frt(2 * H, true),
                now: "2026-12-01T02:00:00Z",
                paused: vec![("2026-11-30T09:30:00Z", Some("2026-12-01T01:30:00Z"))],
                due: Some("2026-12-01T03:00:00Z"),
                remaining: H,
                breached: false,
                running: true,
            },
            Case {
                why: "overlapping pauses count once",
                target: frt(2 * H, true),
                now: "2026-12-01T02:00:00Z",
                paused: vec![
                    ("2026-12-01T01:00:00Z", Some("2026-12-01T01:30:00Z")),
                    ("2026-11-30T09:30:00Z", Some("2026-12-01T01:15:00Z")),
                ],
                due: Some("2026-12-01T03:00:00Z"),
                remaining: H,
                breached: false,
                running: true,
            },
            Case {
                why: "paused since Mon 17:30 and still paused: no due date",
                target: frt(2 * H, true),
                now: "2026-12-01T02:00:00Z",
                paused: vec![("2026-11-30T09:30:00Z", None)],
                due: None,
                remaining: 90 * M,
                breached: false,
                running: false,
            },
            Case {
                why: "paused after the breach: the breach instant stays known",
                target: frt(2 * H, true),
                now: "2026-12-01T03:00:00Z",
                paused: vec![("2026-12-01T02:30:00Z", None)],
                due: Some("2026-12-01T02:00:00Z"),
                remaining: -30 * M,
                breached: true,
                running: false,
            },
            Case {
                why: "a pause from before the start only counts from the start",
                target: frt(2 * H, true),
                now: "2026-11-30T09:45:00Z",
                paused: vec![("2026-11-30T08:00:00Z", Some("2026-11-30T09:30:00Z"))],
                due: Some("2026-12-01T02:30:00Z"),
                remaining: 105 * M,
                breached: false,
                running: true,
            },
            Case {
                why: "calendar hours ignore the calendar: due 19:00 (11:00Z), 1 h late at 20:00",
                target: frt(2 * H, false),
                now: "2026-11-30T12:00:00Z",
                paused: vec![],
                due: Some("2026-11-30T11:00:00Z"),
                remaining: -H,
                breached: true,
                running: true,
            },
            Case {
                why: "calendar hours still honour pauses",
                target: frt(2 * H, false),
                now: "2026-11-30T12:00:00Z",
                paused: vec![("2026-11-30T10:00:00Z", Some("2026-11-30T11:30:00Z"))],
                due: Some("2026-11-30T12:30:00Z"),
                remaining: 30 * M,
                breached: false,
                running: true,
            },
            Case {
                why: "not started yet",
                target: frt(2 * H, false),
                now: "2026-11-30T08:00:00Z",
                paused: vec![],
                due: Some("2026-11-30T11:00:00Z"),
                remaining: 2 * H,
                breached: false,
                running: false,
            },
        ];
        let cal = shanghai();
        for c in cases {
            let paused: Vec<(Timestamp, Option<Timestamp>)> =
                c.paused.iter().map(|&(s, e)| (t(s), e.map(t))).collect();
            let got = SlaClock::compute(started, c.target, &cal, t(c.now), &paused);
            let want = SlaClockState {
                due_at: c.due.map(t),
                remaining_ms: c.remaining,
                breached: c.breached,
                running: c.running,
            };
            assert_eq!(
                got,
                want,
                "{}: due {:?}",
                c.why,
                got.due_at.map(|d| d.to_rfc3339())
            );
        }
    }

    #[test]
    fn due_at_agrees_with_remaining() {
        // At the due instant the remaining time is zero, a millisecond later
        // it is negative: the two answers come from different walks.
        let cal = shanghai();
        let started = t("2026-11-27T08:00:00Z"); // Friday 16:00
        let target = frt(5 * H, true);
        let paused = [(t("2026-11-30T02:00:00Z"), Some(t("2026-11-30T05:30:00Z")))];
        let due = SlaClock::compute(started, target, &cal, started, &paused)
            .due_at
            .unwrap();
        // Fri 2 h; Mon 09:00–10:00 1 h; paused to 13:30; 2 h more = 15:30 (07:30Z).
        assert_eq!(due, t("2026-11-30T07:30:00Z"));
        let at = SlaClock::compute(started, target, &cal, due, &paused);
        assert_eq!((at.remaining_ms, at.breached), (0, false));
        let after = SlaClock::compute(started, target, &cal, due.plus_millis(1), &paused);
        assert_eq!((after.remaining_ms, after.breached), (-1, true));
    }
}
