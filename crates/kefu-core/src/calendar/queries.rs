//! Queries on a [`BusinessHours`] calendar, all on [`Timestamp`]s.
//!
//! # Wall-clock semantics
//!
//! Each local date `D` owns the real-time range
//! `[midnight(D), midnight(D + 1))`, and its open intervals are wall-clock
//! times mapped to instants in the calendar's zone, clipped to that range.
//! So on the 2026-03-08 spring-forward in `America/New_York` an interval
//! `01:00–04:00` is two real hours and a whole day `00:00–24:00` is 23;
//! on the 2026-11-01 fall-back they are four and 25.
//!
//! Wall times that do not exist (in a spring-forward gap) or exist twice (in
//! a fall-back fold) are resolved with jiff's *compatible* disambiguation,
//! the behaviour of RFC 5545 and most calendars: a time in a gap moves
//! forward by the gap's length (02:30 becomes 03:30 EDT), a time in a fold
//! takes its first occurrence (01:30 is 01:30 EDT). Intervals of one day that
//! then overlap are merged, and one that ends up empty (`02:00–03:00` on a
//! spring-forward day) is dropped.
//!
//! # Cost
//!
//! The queries walk day by day over intervals, never minute by minute; a
//! walk looking for an opening gives up after [`HORIZON_DAYS`] days without
//! one, so a calendar that never opens cannot loop forever.

use jiff::civil::{Date, DateTime, Time};

use super::business_hours::{BusinessHours, DAY_MINUTES};
use crate::time::Timestamp;

/// How many consecutive closed days a search for an opening (or a deadline)
/// crosses before concluding the calendar never opens. A year of holidays
/// plus slack.
pub const HORIZON_DAYS: u32 = 400;

/// A deadline walk stops after this many days in all (about a century), so
/// absurd durations end instead of walking to year 9999.
const MAX_WALK_DAYS: u32 = 36_600;

/// One local date's open time: `[start, end)` instants in milliseconds,
/// sorted, merged, not overlapping.
struct Day {
    spans: Vec<(i64, i64)>,
    /// Where the date's own range ends (its next midnight).
    end: i64,
}

/// Walks local dates forward, yielding each date's open spans as instants.
struct Days<'a> {
    cal: &'a BusinessHours,
    date: Option<Date>,
}

impl Iterator for Days<'_> {
    type Item = Day;
    fn next(&mut self) -> Option<Day> {
        let date = self.date?;
        self.date = date.tomorrow().ok();
        let cal = self.cal;
        let day_start = cal.instant(date, 0)?;
        let day_end = cal.instant(date, DAY_MINUTES)?;
        let mut spans: Vec<(i64, i64)> = Vec::with_capacity(4);
        for h in cal.local_hours(date) {
            let (Some(s), Some(e)) = (cal.instant(date, h.start), cal.instant(date, h.end)) else {
                continue;
            };
            // Clipping to the date's range keeps dates from overlapping when a
            // gap pushes a late interval past the next midnight.
            let (s, e) = (s.max(day_start), e.min(day_end));
            if e > s {
                spans.push((s, e));
            }
        }
        // Compatible disambiguation is not monotonic inside a gap (02:30 maps
        // after 03:00), so intervals of one day can come out overlapping.
        spans.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Some(Day {
            spans: merged,
            end: day_end,
        })
    }
}

fn clamp_ms(ms: i64) -> i64 {
    ms.clamp(
        jiff::Timestamp::MIN.as_millisecond(),
        jiff::Timestamp::MAX.as_millisecond(),
    )
}

impl BusinessHours {
    /// The instant of wall time `minute` (0..=1440) on `date` in the
    /// calendar's zone, compatible disambiguation. `None` only at the edges
    /// of jiff's supported range.
    fn instant(&self, date: Date, minute: u16) -> Option<i64> {
        let dt = if minute >= DAY_MINUTES {
            DateTime::from_parts(date.tomorrow().ok()?, Time::midnight())
        } else {
            let (h, m) = (minute / 60, minute % 60);
            date.at(i8::try_from(h).ok()?, i8::try_from(m).ok()?, 0, 0)
        };
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .ok()
            .map(|t| t.as_millisecond())
    }

    /// Dates from the one before `at`'s local date onwards. The date before
    /// is included because when a gap straddles midnight (clocks jumping
    /// from 23:30 to 00:30, say) the first instants of a local date fall in
    /// the range of the date before: its midnight maps past them.
    fn days_from(&self, at: i64) -> Days<'_> {
        let ts =
            jiff::Timestamp::from_millisecond(clamp_ms(at)).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let local = self.tz.to_datetime(ts).date();
        Days {
            cal: self,
            date: Some(local.yesterday().unwrap_or(local)),
        }
    }

    /// Open spans ending after `at`, in order (merged within a date only);
    /// stops after [`HORIZON_DAYS`] closed days in a row or `max_days` dates
    /// in all.
    fn spans_after(&self, at: i64, max_days: u32) -> impl Iterator<Item = (i64, i64)> + '_ {
        let mut closed_run = 0u32;
        self.days_from(at)
            .take(max_days as usize)
            .map_while(move |day| {
                let spans: Vec<(i64, i64)> =
                    day.spans.into_iter().filter(|&(_, e)| e > at).collect();
                if spans.is_empty() && day.end > at {
                    closed_run += 1;
                    if closed_run > HORIZON_DAYS {
                        return None;
                    }
                } else if !spans.is_empty() {
                    closed_run = 0;
                }
                Some(spans)
            })
            .flatten()
    }

    /// Whether the calendar is open at `at`. Intervals are `[start, end)`:
    /// open at 09:00:00.000, closed at 12:00:00.000 for `09:00–12:00`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let at = at.millis();
        self.days_from(at)
            .take(3)
            .any(|d| d.spans.iter().any(|&(s, e)| s <= at && at < e))
    }

    /// The first open instant at or after `at`: `at` itself when open.
    /// `None` if the calendar does not open within [`HORIZON_DAYS`].
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        let at = at.millis();
        self.spans_after(at, HORIZON_DAYS + 2)
            .next()
            .map(|(s, _)| Timestamp(s.max(at)))
    }

    /// The first closed instant at or after `at`: `at` itself when closed,
    /// else the end of the open period containing it (intervals that touch,
    /// like `22:00–24:00` and the next day's `00:00–02:00`, are one period).
    /// `None` if it stays open for [`HORIZON_DAYS`], as a 24x7 calendar does.
    pub fn next_close(&self, at: Timestamp) -> Option<Timestamp> {
        let at = at.millis();
        let mut end: Option<i64> = None;
        for (s, e) in self.spans_after(at, HORIZON_DAYS + 2) {
            match end {
                None if s > at => return Some(Timestamp(at)),
                None => end = Some(e),
                Some(cur) if s <= cur => end = Some(cur.max(e)),
                Some(cur) => return Some(Timestamp(cur)),
            }
        }
        // The walk ended. Having found no open span at all, `at` is closed;
        // inside an open period, that period outlasts the horizon.
        match end {
            None => Some(Timestamp(at)),
            Some(_) => None,
        }
    }

    /// Open time in milliseconds within `[from, to)`; 0 when `to <= from`.
    /// Walks every date of the range, so it has no horizon: a year is 366
    /// small steps.
    pub fn business_millis_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        let (from, to) = (from.millis(), to.millis());
        if to <= from {
            return 0;
        }
        let mut total = 0i64;
        for day in self.days_from(from) {
            for (s, e) in day.spans {
                let (s, e) = (s.max(from), e.min(to));
                if e > s {
                    total += e - s;
                }
            }
            if day.end >= to {
                break;
            }
        }
        total
    }

    /// The earliest instant by which `ms` of open time has elapsed since
    /// `start`: the deadline of a target of `ms` business milliseconds.
    /// `start` itself for `ms <= 0`. When the time runs out exactly at a
    /// closing, the closing instant is returned, not the next opening.
    /// `None` if the calendar stops opening ([`HORIZON_DAYS`] closed days in a
    /// row) or the deadline is more than about a century away.
    pub fn add_business_millis(&self, start: Timestamp, ms: i64) -> Option<Timestamp> {
        let from = start.millis();
        if ms <= 0 {
            return Some(start);
        }
        let mut left = ms;
        for (s, e) in self.spans_after(from, MAX_WALK_DAYS) {
            let s = s.max(from);
            let len = e - s;
            if len >= left {
                return Some(Timestamp(s + left));
            }
            left -= len;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn cal(v: serde_json::Value) -> BusinessHours {
        serde_json::from_value(v).unwrap()
    }

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or_else(|| panic!("bad test instant {s}"))
    }

    const H: i64 = 3_600_000;
    const M: i64 = 60_000;

    fn weekdays(hours: serde_json::Value) -> serde_json::Value {
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours})
    }

    fn every_day(hours: serde_json::Value) -> serde_json::Value {
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours,
               "sat": hours, "sun": hours})
    }

    /// Mon–Fri 09:00–12:00 and 13:00–18:00 in Shanghai (UTC+8 all year, so
    /// local 09:00 is 01:00Z), with the 2026-10-01/02 holidays and Sunday
    /// 2026-10-04 as a make-up working day 09:00–18:00.
    fn shanghai() -> BusinessHours {
        cal(json!({
            "time_zone": "Asia/Shanghai",
            "weekly": weekdays(json!([["09:00","12:00"],["13:00","18:00"]])),
            "holidays": ["2026-10-01", "2026-10-02"],
            "extra_open_days": [{"date": "2026-10-04", "hours": [["09:00","18:00"]]}]
        }))
    }

    fn zone_every_day(tz: &str, hours: serde_json::Value) -> BusinessHours {
        cal(json!({"time_zone": tz, "weekly": every_day(hours)}))
    }

    #[test]
    fn shanghai_deadlines() {
        let c = shanghai();
        // (start, business duration, expected deadline, why)
        let cases = [
            (
                "2026-11-27T08:00:00Z",
                4 * H,
                "2026-11-30T03:00:00Z",
                "Fri 16:00 local: 2 h to 18:00, weekend closed, Mon 09:00 + 2 h = Mon 11:00 local",
            ),
            (
                "2026-11-30T03:00:00Z",
                2 * H,
                "2026-11-30T06:00:00Z",
                "Mon 11:00: 1 h to 12:00, lunch skipped, 13:00 + 1 h = 14:00 local",
            ),
            (
                "2026-11-29T23:00:00Z",
                H,
                "2026-11-30T02:00:00Z",
                "Mon 07:00 local, before opening: counts from 09:00, due 10:00 local",
            ),
            (
                "2026-09-30T08:00:00Z",
                4 * H,
                "2026-10-04T03:00:00Z",
                "Wed 16:00: 2 h to 18:00; Thu, Fri holidays, Sat closed; \
                 extra Sunday 09:00 + 2 h = 11:00",
            ),
            (
                "2026-09-30T08:00:00Z",
                12 * H,
                "2026-10-05T02:00:00Z",
                "Wed 2 h + Sunday 9 h (no lunch on the extra day) + Mon 09:00–10:00",
            ),
            (
                "2026-11-30T04:00:00Z",
                10 * M,
                "2026-11-30T05:10:00Z",
                "Mon 12:00 local, lunch: starts at 13:00, due 13:10",
            ),
            (
                "2026-11-30T03:00:00Z",
                60 * M,
                "2026-11-30T04:00:00Z",
                "ends exactly at 12:00: the closing instant, not 13:00",
            ),
            (
                "2026-11-30T03:00:00Z",
                0,
                "2026-11-30T03:00:00Z",
                "zero is the start",
            ),
        ];
        for (start, ms, due, why) in cases {
            let got = c.add_business_millis(t(start), ms);
            assert_eq!(
                got,
                Some(t(due)),
                "{why}: got {:?}",
                got.map(|g| g.to_rfc3339())
            );
            assert_eq!(c.business_millis_between(t(start), t(due)), ms, "{why}");
        }
    }

    #[test]
    fn shanghai_open_and_close() {
        let c = shanghai();
        // (instant, open?, next_open, next_close, why)
        let cases = [
            (
                "2026-11-30T01:00:00Z",
                true,
                "2026-11-30T01:00:00Z",
                "2026-11-30T04:00:00Z",
                "Mon 09:00 opens",
            ),
            (
                "2026-11-30T03:59:59.999Z",
                true,
                "2026-11-30T03:59:59.999Z",
                "2026-11-30T04:00:00Z",
                "last ms before lunch",
            ),
            (
                "2026-11-30T04:00:00Z",
                false,
                "2026-11-30T05:00:00Z",
                "2026-11-30T04:00:00Z",
                "12:00 is closed",
            ),
            (
                "2026-11-27T10:00:00Z",
                false,
                "2026-11-30T01:00:00Z",
                "2026-11-27T10:00:00Z",
                "Fri 18:00 to Mon 09:00",
            ),
            (
                "2026-09-30T10:00:00Z",
                false,
                "2026-10-04T01:00:00Z",
                "2026-09-30T10:00:00Z",
                "over holidays to the extra Sunday",
            ),
            (
                "2026-10-04T05:00:00Z",
                true,
                "2026-10-04T05:00:00Z",
                "2026-10-04T10:00:00Z",
                "extra Sunday has no lunch",
            ),
            (
                "2026-10-01T02:00:00Z",
                false,
                "2026-10-04T01:00:00Z",
                "2026-10-01T02:00:00Z",
                "holiday Thursday 10:00",
            ),
        ];
        for (at, open, next_open, next_close, why) in cases {
            assert_eq!(c.is_open(t(at)), open, "{why}");
            assert_eq!(c.next_open(t(at)), Some(t(next_open)), "{why}");
            assert_eq!(c.next_close(t(at)), Some(t(next_close)), "{why}");
        }
    }

    #[test]
    fn never_open_and_always_open_end_their_walks() {
        let never = cal(json!({"time_zone": "UTC", "weekly": {}}));
        let at = t("2026-11-26T12:00:00Z");
        assert!(!never.is_open(at));
        assert_eq!(never.next_open(at), None);
        assert_eq!(never.add_business_millis(at, 1), None);
        assert_eq!(never.next_close(at), Some(at));
        assert_eq!(
            never.business_millis_between(at, t("2027-11-26T12:00:00Z")),
            0
        );

        let always = BusinessHours::always_open();
        assert!(always.is_open(at));
        assert_eq!(always.next_close(at), None);
        assert_eq!(always.next_open(at), Some(at));
        // 24x7: a 365-day year of 24 h days.
        assert_eq!(
            always.business_millis_between(at, t("2027-11-26T12:00:00Z")),
            365 * 24 * H
        );

        // Open one date only, 500 days out: beyond the horizon of closed days.
        let far = cal(json!({"time_zone": "UTC", "weekly": {},
            "extra_open_days": [{"date": "2028-04-09", "hours": [["09:00","10:00"]]}]}));
        assert_eq!(far.next_open(at), None);
        // ...but one 300 days out is found.
        let near = cal(json!({"time_zone": "UTC", "weekly": {},
            "extra_open_days": [{"date": "2027-09-22", "hours": [["09:00","10:00"]]}]}));
        assert_eq!(near.next_open(at), Some(t("2027-09-22T09:00:00Z")));
    }

    #[test]
    fn open_periods_join_across_midnight() {
        let c = cal(json!({"time_zone": "UTC", "weekly": {
            "mon": [["22:00","24:00"]], "tue": [["00:00","02:00"], ["08:00","09:00"]]}}));
        // 2026-11-30 is a Monday.
        assert_eq!(
            c.next_close(t("2026-11-30T23:00:00Z")),
            Some(t("2026-12-01T02:00:00Z"))
        );
        assert_eq!(
            c.business_millis_between(t("2026-11-30T00:00:00Z"), t("2026-12-02T00:00:00Z")),
            5 * H
        );
    }

    #[test]
    fn new_york_daylight_saving_changes() {
        // 2026-03-08 02:00 EST (UTC-5) jumps to 03:00 EDT (UTC-4);
        // 2026-11-01 02:00 EDT falls back to 01:00 EST.
        let full = zone_every_day("America/New_York", json!([["00:00", "24:00"]]));
        let office = zone_every_day("America/New_York", json!([["08:00", "17:00"]]));
        let night = zone_every_day("America/New_York", json!([["01:00", "04:00"]]));
        // (calendar, from, to, expected business time, why)
        let cases = [
            (
                &full,
                "2026-03-08T05:00:00Z",
                "2026-03-09T04:00:00Z",
                23 * H,
                "spring-forward day: 00:00 EST = 05:00Z to 00:00 EDT = 04:00Z",
            ),
            (
                &full,
                "2026-11-01T04:00:00Z",
                "2026-11-02T05:00:00Z",
                25 * H,
                "fall-back day: 00:00 EDT = 04:00Z to 00:00 EST = 05:00Z",
            ),
            (
                &full,
                "2026-03-07T00:00:00Z",
                "2026-03-10T00:00:00Z",
                72 * H,
                "24x7 in any zone is all real time, whatever the wall clock does",
            ),
            (
                &office,
                "2026-03-08T00:00:00Z",
                "2026-03-09T00:00:00Z",
                9 * H,
                "08:00–17:00 EDT = 12:00Z–21:00Z, after the change",
            ),
            (
                &office,
                "2026-11-01T00:00:00Z",
                "2026-11-02T00:00:00Z",
                9 * H,
                "08:00–17:00 EST = 13:00Z–22:00Z, after the change",
            ),
            (
                &night,
                "2026-03-08T05:00:00Z",
                "2026-03-09T04:00:00Z",
                2 * H,
                "01:00 EST = 06:00Z to 04:00 EDT = 08:00Z",
            ),
            (
                &night,
                "2026-11-01T04:00:00Z",
                "2026-11-02T05:00:00Z",
                4 * H,
                "01:00 is ambiguous, first (EDT) = 05:00Z, to 04:00 EST = 09:00Z",
            ),
        ];
        for (c, from, to, want, why) in cases {
            assert_eq!(c.business_millis_between(t(from), t(to)), want, "{why}");
        }

        // (calendar, start, duration, expected deadline, why)
        let deadlines = [
            (
                &office,
                "2026-03-07T21:00:00Z",
                2 * H,
                "2026-03-08T13:00:00Z",
                "Sat 16:00 EST: 1 h to 17:00; Sun opens 08:00 EDT = 12:00Z, + 1 h",
            ),
            (
                &office,
                "2026-10-31T20:00:00Z",
                2 * H,
                "2026-11-01T14:00:00Z",
                "Sat 16:00 EDT: 1 h to 17:00; Sun opens 08:00 EST = 13:00Z, + 1 h",
            ),
            (
                &full,
                "2026-03-07T17:00:00Z",
                24 * H,
                "2026-03-08T17:00:00Z",
                "24 real hours, though the wall clock reads 13:00, not 12:00",
            ),
            (
                &night,
                "2026-03-08T06:00:00Z",
                150 * M,
                "2026-03-09T05:30:00Z",
                "2 h on the short night (to 08:00Z), then 01:00 EDT next day = 05:00Z + 30 min",
            ),
        ];
        for (c, start, ms, due, why) in deadlines {
            let got = c.add_business_millis(t(start), ms);
            assert_eq!(
                got,
                Some(t(due)),
                "{why}: got {:?}",
                got.map(|g| g.to_rfc3339())
            );
        }
    }

    #[test]
    fn nonexistent_and_ambiguous_wall_times_are_compatible() {
        let gap = zone_every_day("America/New_York", json!([["02:30", "05:00"]]));
        // 02:30 does not exist on 2026-03-08; compatible moves it forward an
        // hour to 03:30 EDT = 07:30Z. 05:00 EDT = 09:00Z.
        assert_eq!(
            gap.next_open(t("2026-03-08T05:00:00Z")),
            Some(t("2026-03-08T07:30:00Z"))
        );
        assert_eq!(
            gap.next_close(t("2026-03-08T08:00:00Z")),
            Some(t("2026-03-08T09:00:00Z"))
        );
        // An interval entirely inside the gap has no real time.
        let empty = zone_every_day("America/New_York", json!([["02:00", "03:00"]]));
        assert_eq!(
            empty.business_millis_between(t("2026-03-08T05:00:00Z"), t("2026-03-09T04:00:00Z")),
            0
        );
        // Split around the gap: 00:00–02:30 and 03:00–05:00 are 00:00 EST–03:30
        // EDT (05:00Z–07:30Z) and 03:00–05:00 EDT (07:00Z–09:00Z); merged, 4 h.
        let split = zone_every_day(
            "America/New_York",
            json!([["00:00", "02:30"], ["03:00", "05:00"]]),
        );
        assert_eq!(
            split.business_millis_between(t("2026-03-08T05:00:00Z"), t("2026-03-09T04:00:00Z")),
            4 * H
        );
        // 01:30 happens twice on 2026-11-01; compatible takes the first, EDT:
        // 05:30Z. The interval to 03:00 EST (08:00Z) is 2.5 real hours.
        let fold = zone_every_day("America/New_York", json!([["01:30", "03:00"]]));
        assert_eq!(
            fold.next_open(t("2026-11-01T04:00:00Z")),
            Some(t("2026-11-01T05:30:00Z"))
        );
        assert_eq!(
            fold.business_millis_between(t("2026-11-01T04:00:00Z"), t("2026-11-02T05:00:00Z")),
            150 * M
        );
    }

    #[test]
    fn berlin_spring_forward() {
        // 2026-03-29 02:00 CET (UTC+1) jumps to 03:00 CEST (UTC+2).
        let full = zone_every_day("Europe/Berlin", json!([["00:00", "24:00"]]));
        assert_eq!(
            // 00:00 CET = 23:00Z the day before; next midnight CEST = 22:00Z.
            full.business_millis_between(t("2026-03-28T23:00:00Z"), t("2026-03-29T22:00:00Z")),
            23 * H
        );
        let office = zone_every_day("Europe/Berlin", json!([["08:00", "17:00"]]));
        // Sat 16:00 CET = 15:00Z: 1 h to 17:00 CET (16:00Z); Sun 08:00 CEST =
        // 06:00Z + 1 h = 07:00Z.
        assert_eq!(
            office.add_business_millis(t("2026-03-28T15:00:00Z"), 2 * H),
            Some(t("2026-03-29T07:00:00Z"))
        );
        // Opening moves from 07:00Z (CET) to 06:00Z (CEST).
        assert_eq!(
            office.next_open(t("2026-03-28T00:00:00Z")),
            Some(t("2026-03-28T07:00:00Z"))
        );
        assert_eq!(
            office.next_open(t("2026-03-29T00:00:00Z")),
            Some(t("2026-03-29T06:00:00Z"))
        );
    }

    #[test]
    fn a_skipped_date_has_no_business_time() {
        // Samoa skipped 2011-12-30: after 2011-12-29 24:00 at UTC-10 came
        // 2011-12-31 00:00 at UTC+14. Its 09:00-18:00 would map onto the
        // 31st's hours; clipping each date to its own range keeps them from
        // counting twice.
        let c = zone_every_day("Pacific/Apia", json!([["09:00", "18:00"]]));
        // 12-29 00:00 -10 = 12-29 10:00Z; 2012-01-01 00:00 +14 = 12-31 10:00Z:
        // the 29th and the 31st, 9 h each.
        assert_eq!(
            c.business_millis_between(t("2011-12-29T10:00:00Z"), t("2011-12-31T10:00:00Z")),
            18 * H
        );
        // 12-29 17:00 -10 = 12-30 03:00Z: 1 h to 18:00 (04:00Z), then
        // 12-31 09:00 +14 = 12-30 19:00Z, + 1 h.
        assert_eq!(
            c.add_business_millis(t("2011-12-30T03:00:00Z"), 2 * H),
            Some(t("2011-12-30T20:00:00Z"))
        );
    }

    #[test]
    fn same_wall_clock_in_two_zones_is_eight_hours_apart() {
        let hours = weekdays(json!([["09:00", "12:00"], ["13:00", "18:00"]]));
        let sh = cal(json!({"time_zone": "Asia/Shanghai", "weekly": hours}));
        let utc = cal(json!({"time_zone": "UTC", "weekly": hours}));
        // Sunday noon UTC is Sunday 20:00 in Shanghai: both closed until Monday 09:00 local.
        let at = t("2026-11-29T12:00:00Z");
        assert_eq!(sh.next_open(at), Some(t("2026-11-30T01:00:00Z")));
        assert_eq!(utc.next_open(at), Some(t("2026-11-30T09:00:00Z")));
        // Monday 10:00 local in each zone, + 3 h = 14:00 local (lunch skipped).
        let a = sh
            .add_business_millis(t("2026-11-30T02:00:00Z"), 3 * H)
            .unwrap();
        let b = utc
            .add_business_millis(t("2026-11-30T10:00:00Z"), 3 * H)
            .unwrap();
        assert_eq!(a, t("2026-11-30T06:00:00Z"));
        assert_eq!(b.millis() - a.millis(), 8 * H);
    }

    fn property_calendars() -> Vec<BusinessHours> {
        vec![
            shanghai(),
            zone_every_day(
                "America/New_York",
                json!([["01:00", "04:00"], ["08:00", "17:00"]]),
            ),
            zone_every_day(
                "America/New_York",
                json!([["00:00", "02:30"], ["03:00", "05:00"]]),
            ),
            cal(json!({"time_zone": "Europe/Berlin",
                       "weekly": weekdays(json!([["08:00","12:00"],["12:30","24:00"]]))})),
            BusinessHours::always_open(),
        ]
    }

    proptest! {
        #[test]
        fn adding_then_measuring_gives_back_the_duration(
            which in 0usize..5,
            // 2025-01-01 to 2028-01-01, across several DST changes.
            start in 1_735_689_600_000i64..1_830_297_600_000,
            // Up to 40 days of business time, not aligned to minutes.
            d in 0i64..40 * 24 * H,
        ) {
            let c = &property_calendars()[which];
            let start = Timestamp(start);
            let due = c.add_business_millis(start, d).unwrap();
            prop_assert!(due >= start);
            prop_assert_eq!(c.business_millis_between(start, due), d);
            // Earliest: a millisecond less is not enough.
            if d > 0 {
                let just_before = Timestamp(due.millis() - 1);
                prop_assert_eq!(c.business_millis_between(start, just_before), d - 1);
            }
        }
    }
}
