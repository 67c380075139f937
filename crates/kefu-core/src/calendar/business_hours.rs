//! The business-hours calendar: its JSON shape (as stored in an inbox's
//! settings under `business_hours`), validation with field paths, and the
//! parsed form the queries run on.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::CoreError;

/// More intervals than this in one day is a typo, not a schedule; the cap
/// also lets every weekly field path be a static string (see [`WEEKLY_PATHS`]).
pub const MAX_INTERVALS_PER_DAY: usize = 16;

/// Minutes in a day; `"24:00"` parses to this and means the next midnight.
pub(crate) const DAY_MINUTES: u16 = 24 * 60;

/// The JSON shape of a calendar, exactly as written in settings:
///
/// ```json
/// {"time_zone": "Asia/Shanghai",
///  "weekly": {"mon": [["09:00","12:00"],["13:00","18:00"]], "sun": []},
///  "holidays": ["2026-10-01"],
///  "extra_open_days": [{"date": "2026-09-27", "hours": [["09:00","18:00"]]}]}
/// ```
///
/// Times are `HH:MM` wall-clock times in `time_zone`; an interval is
/// `[start, end)` and `"24:00"` is allowed as an end. A missing weekday is
/// closed. Holidays close a whole date; an extra open day replaces that
/// date's hours (make-up working days, common in China). Use
/// [`BusinessHours`] to validate and query it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursJson {
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    pub weekly: WeeklyHoursJson,
    /// Dates (`YYYY-MM-DD`) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub extra_open_days: Vec<ExtraOpenDayJson>,
}

/// Opening intervals per weekday, each `["HH:MM", "HH:MM"]`, sorted and not
/// overlapping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHoursJson {
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub mon: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub tue: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub wed: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub thu: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub fri: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub sat: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub sun: Vec<[String; 2]>,
}

impl WeeklyHoursJson {
    /// Monday first, matching jiff's `to_monday_zero_offset`.
    fn days(&self) -> [&Vec<[String; 2]>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
}

/// A date that is open although its weekday (or a holiday) says closed, or
/// open with different hours; `hours` replace the weekly hours of that date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraOpenDayJson {
    pub date: String,
    #[schema(value_type = Vec<Vec<String>>)]
    pub hours: Vec<[String; 2]>,
}

/// One open interval of a local day in minutes since local midnight,
/// `start < end <= 1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LocalSpan {
    pub start: u16,
    pub end: u16,
}

/// A validated business-hours calendar, ready to query (see the `queries`
/// module). It serializes to and deserializes from [`BusinessHoursJson`];
/// deserializing an invalid calendar fails with the same message as
/// [`BusinessHours::parse`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "BusinessHoursJson", into = "BusinessHoursJson")]
pub struct BusinessHours {
    /// Kept verbatim so the calendar serializes back exactly as written.
    json: BusinessHoursJson,
    pub(crate) tz: TimeZone,
    /// Monday first.
    pub(crate) weekly: [Vec<LocalSpan>; 7],
    pub(crate) holidays: BTreeSet<Date>,
    pub(crate) extra: BTreeMap<Date, Vec<LocalSpan>>,
}

impl PartialEq for BusinessHours {
    // The parsed fields are a function of the JSON, and jiff's TimeZone has
    // no structural equality worth relying on.
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl Eq for BusinessHours {}

impl TryFrom<BusinessHoursJson> for BusinessHours {
    type Error = CoreError;
    fn try_from(json: BusinessHoursJson) -> Result<Self, CoreError> {
        Self::parse(json)
    }
}

impl From<BusinessHours> for BusinessHoursJson {
    fn from(b: BusinessHours) -> Self {
        b.json
    }
}

// The OpenAPI schema is the JSON shape; the parsed fields are private.
impl utoipa::PartialSchema for BusinessHours {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <BusinessHoursJson as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for BusinessHours {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BusinessHours")
    }
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <BusinessHoursJson as utoipa::ToSchema>::schemas(schemas);
    }
}

/// `CoreError::invalid` takes a `&'static str` field, so the path of every
/// weekly interval is spelled out here once (`business_hours.weekly.mon[1]`).
/// Holidays and extra open days can be arbitrarily many; their errors name
/// the list as the field and put the index at the start of the message.
macro_rules! day_paths {
    ($day:literal) => {
        day_paths!(@ $day; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@ $day:literal; $($i:literal)*) => {
        DayPaths {
            day: concat!("business_hours.weekly.", $day),
            items: [$(concat!("business_hours.weekly.", $day, "[", $i, "]")),*],
        }
    };
}

struct DayPaths {
    day: &'static str,
    items: [&'static str; MAX_INTERVALS_PER_DAY],
}

const WEEKLY_PATHS: [DayPaths; 7] = [
    day_paths!("mon"),
    day_paths!("tue"),
    day_paths!("wed"),
    day_paths!("thu"),
    day_paths!("fri"),
    day_paths!("sat"),
    day_paths!("sun"),
];

const TIME_ZONE: &str = "business_hours.time_zone";
const HOLIDAYS: &str = "business_hours.holidays";
const EXTRA_OPEN_DAYS: &str = "business_hours.extra_open_days";

impl BusinessHours {
    /// Open around the clock in UTC: what "calendar hours" targets count.
    pub fn always_open() -> Self {
        let all_day = || vec![["00:00".to_string(), "24:00".to_string()]];
        let json = BusinessHoursJson {
            time_zone: "UTC".into(),
            weekly: WeeklyHoursJson {
                mon: all_day(),
                tue: all_day(),
                wed: all_day(),
                thu: all_day(),
                fri: all_day(),
                sat: all_day(),
                sun: all_day(),
            },
            holidays: Vec::new(),
            extra_open_days: Vec::new(),
        };
        Self::parse(json).expect("the 24x7 UTC calendar is valid")
    }

    /// Validates and parses a calendar. Rejects unknown time zones, times
    /// that are not `HH:MM` (or `24:00` as an end), intervals whose end is
    /// not after their start, unsorted or overlapping intervals, more than
    /// [`MAX_INTERVALS_PER_DAY`] intervals a day, dates that are not
    /// `YYYY-MM-DD`, extra open days that repeat a date, fall on a holiday
    /// or have no hours. The error's field is the path of the bad value.
    pub fn parse(json: BusinessHoursJson) -> Result<Self, CoreError> {
        if json.time_zone.trim().is_empty() {
            return Err(CoreError::invalid(TIME_ZONE, "must not be empty"));
        }
        let tz = TimeZone::get(&json.time_zone).map_err(|_| {
            CoreError::invalid(TIME_ZONE, format!("unknown time zone {:?}", json.time_zone))
        })?;

        let mut weekly: [Vec<LocalSpan>; 7] = Default::default();
        for ((spans, day), paths) in weekly.iter_mut().zip(json.weekly.days()).zip(&WEEKLY_PATHS) {
            if day.len() > MAX_INTERVALS_PER_DAY {
                return Err(CoreError::invalid(
                    paths.day,
                    format!("at most {MAX_INTERVALS_PER_DAY} intervals"),
                ));
            }
            *spans = parse_intervals(day, |i, msg| CoreError::invalid(paths.items[i], msg))?;
        }

        let mut holidays = BTreeSet::new();
        for (i, s) in json.holidays.iter().enumerate() {
            let d = parse_date(s).ok_or_else(|| {
                CoreError::invalid(HOLIDAYS, format!("[{i}]: {s:?} is not a date (YYYY-MM-DD)"))
            })?;
            // A repeated holiday closes the same date twice; harmless, so accepted.
            holidays.insert(d);
        }

        let mut extra = BTreeMap::new();
        for (k, day) in json.extra_open_days.iter().enumerate() {
            let d = parse_date(&day.date).ok_or_else(|| {
                CoreError::invalid(
                    EXTRA_OPEN_DAYS,
                    format!("[{k}].date: {:?} is not a date (YYYY-MM-DD)", day.date),
                )
            })?;
            if holidays.contains(&d) {
                return Err(CoreError::invalid(
                    EXTRA_OPEN_DAYS,
                    format!("[{k}].date: {} is also a holiday", day.date),
                ));
            }
            if day.hours.is_empty() {
                return Err(CoreError::invalid(
                    EXTRA_OPEN_DAYS,
                    format!("[{k}].hours: must not be empty (list a closed date under holidays)"),
                ));
            }
            if day.hours.len() > MAX_INTERVALS_PER_DAY {
                return Err(CoreError::invalid(
                    EXTRA_OPEN_DAYS,
                    format!("[{k}].hours: at most {MAX_INTERVALS_PER_DAY} intervals"),
                ));
            }
            let spans = parse_intervals(&day.hours, |i, msg| {
                CoreError::invalid(EXTRA_OPEN_DAYS, format!("[{k}].hours[{i}]: {msg}"))
            })?;
            if extra.insert(d, spans).is_some() {
                return Err(CoreError::invalid(
                    EXTRA_OPEN_DAYS,
                    format!("[{k}].date: {} is listed twice", day.date),
                ));
            }
        }

        Ok(Self {
            json,
            tz,
            weekly,
            holidays,
            extra,
        })
    }

    /// Checks a calendar as written; the same rules as [`BusinessHours::parse`].
    pub fn validate(json: &BusinessHoursJson) -> Result<(), CoreError> {
        Self::parse(json.clone()).map(|_| ())
    }

    /// Reads `settings.business_hours` of an inbox: `None` when absent (or
    /// null), meaning the inbox has no business hours configured.
    pub fn from_settings(settings: &serde_json::Value) -> Result<Option<Self>, CoreError> {
        let Some(v) = settings.get("business_hours").filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let json: BusinessHoursJson = serde_json::from_value(v.clone())
            .map_err(|e| CoreError::invalid("business_hours", e.to_string()))?;
        Self::parse(json).map(Some)
    }

    /// The calendar as written.
    pub fn json(&self) -> &BusinessHoursJson {
        &self.json
    }

    pub fn time_zone(&self) -> &str {
        &self.json.time_zone
    }

    /// The local hours of `date`: an extra open day's hours, nothing on a
    /// holiday, otherwise the weekday's hours.
    pub(crate) fn local_hours(&self, date: Date) -> &[LocalSpan] {
        if let Some(h) = self.extra.get(&date) {
            return h;
        }
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.weekly[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())]
    }
}

/// Parses one day's intervals, requiring each to be non-empty and to start
/// at or after the end of the previous one (touching intervals are fine).
fn parse_intervals(
    list: &[[String; 2]],
    err: impl Fn(usize, String) -> CoreError,
) -> Result<Vec<LocalSpan>, CoreError> {
    let mut out: Vec<LocalSpan> = Vec::with_capacity(list.len());
    for (i, [s, e]) in list.iter().enumerate() {
        let start = parse_time(s, false).ok_or_else(|| {
            err(
                i,
                format!("start {s:?} is not a time of day (HH:MM, 00:00 to 23:59)"),
            )
        })?;
        let end = parse_time(e, true).ok_or_else(|| {
            err(
                i,
                format!("end {e:?} is not a time of day (HH:MM, 00:01 to 24:00)"),
            )
        })?;
        if end <= start {
            return Err(err(i, format!("end {e} must be after start {s}")));
        }
        if let Some(prev) = out.last() {
            if start < prev.start {
                return Err(err(i, "intervals must be sorted by start time".into()));
            }
            if start < prev.end {
                return Err(err(i, "overlaps the previous interval".into()));
            }
        }
        out.push(LocalSpan { start, end });
    }
    Ok(out)
}

/// Strict `HH:MM`: exactly two digits each, so "9:00" or "09:00:00" are
/// rejected rather than guessed at. `24:00` only where `allow_24`.
fn parse_time(s: &str, allow_24: bool) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |hi: u8, lo: u8| u16::from(hi - b'0') * 10 + u16::from(lo - b'0');
    let (h, m) = (num(b[0], b[1]), num(b[3], b[4]));
    match (h, m) {
        (0..=23, 0..=59) => Some(h * 60 + m),
        (24, 0) if allow_24 => Some(DAY_MINUTES),
        _ => None,
    }
}

/// Strict `YYYY-MM-DD`; jiff alone would also take other ISO 8601 forms.
fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    s.parse::<Date>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: CoreError) -> (&'static str, String) {
        match e {
            CoreError::Invalid { field, message } => (field, message),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn parse(v: serde_json::Value) -> Result<BusinessHours, CoreError> {
        BusinessHours::from_settings(&json!({ "business_hours": v })).map(|b| b.unwrap())
    }

    fn shanghai() -> serde_json::Value {
        json!({
            "time_zone": "Asia/Shanghai",
            "weekly": {"mon": [["09:00","12:00"],["13:00","18:00"]], "sun": []},
            "holidays": ["2026-10-01", "2026-10-02"],
            "extra_open_days": [{"date": "2026-09-27", "hours": [["09:00","18:00"]]}]
        })
    }

    #[test]
    fn settings_without_business_hours_are_none() {
        assert_eq!(BusinessHours::from_settings(&json!({})).unwrap(), None);
        assert_eq!(
            BusinessHours::from_settings(&json!({"business_hours": null})).unwrap(),
            None
        );
        assert!(
            BusinessHours::from_settings(&json!({"business_hours": shanghai()}))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn parsed_calendar_reads_back_the_json() {
        let b = parse(shanghai()).unwrap();
        assert_eq!(b.time_zone(), "Asia/Shanghai");
        let mon = Date::constant(2026, 9, 28);
        assert_eq!(
            b.local_hours(mon),
            &[
                LocalSpan {
                    start: 540,
                    end: 720
                },
                LocalSpan {
                    start: 780,
                    end: 1080
                }
            ]
        );
        // Tuesday is missing from the JSON: closed.
        assert!(b.local_hours(Date::constant(2026, 9, 29)).is_empty());
        // A holiday closes a date whose weekday is open (2026-10-01 is a Thursday,
        // so use a Monday holiday to see it override).
        let b2 = parse(json!({
            "time_zone": "UTC",
            "weekly": {"mon": [["09:00","10:00"]]},
            "holidays": ["2026-09-28"]
        }))
        .unwrap();
        assert!(b2.local_hours(mon).is_empty());
        // The extra open day (a Sunday) has its own hours.
        assert_eq!(
            b.local_hours(Date::constant(2026, 9, 27)),
            &[LocalSpan {
                start: 540,
                end: 1080
            }]
        );
        // Serializing gives back what was written, and deserializing validates.
        let round: BusinessHours =
            serde_json::from_value(serde_json::to_value(&b).unwrap()).unwrap();
        assert_eq!(round, b);
        assert_eq!(
            serde_json::to_value(b.json()).unwrap()["weekly"]["mon"][1][1],
            "18:00"
        );
    }

    #[test]
    fn twenty_four_is_an_end_only() {
        let b = parse(json!({"time_zone": "UTC", "weekly": {"sat": [["22:00","24:00"]]}})).unwrap();
        assert_eq!(
            b.weekly[5],
            vec![LocalSpan {
                start: 1320,
                end: 1440
            }]
        );
        let e =
            parse(json!({"time_zone": "UTC", "weekly": {"sat": [["24:00","24:00"]]}})).unwrap_err();
        assert_eq!(field_of(e).0, "business_hours.weekly.sat[0]");
    }

    #[test]
    fn invalid_calendars_name_the_bad_field() {
        let wk = |day: &str, hours: serde_json::Value| {
            let mut weekly = serde_json::Map::new();
            weekly.insert(day.to_string(), hours);
            json!({"time_zone": "Asia/Shanghai", "weekly": weekly})
        };
        // (input, expected field, a word the message must contain)
        let cases = [
            (
                json!({"time_zone": "Mars/Olympus", "weekly": {}}),
                "business_hours.time_zone",
                "unknown",
            ),
            (
                json!({"time_zone": "", "weekly": {}}),
                "business_hours.time_zone",
                "empty",
            ),
            (
                wk("mon", json!([["9:00", "12:00"]])),
                "business_hours.weekly.mon[0]",
                "start",
            ),
            (
                wk("tue", json!([["09:00", "12:60"]])),
                "business_hours.weekly.tue[0]",
                "end",
            ),
            (
                wk("wed", json!([["09:00", "25:00"]])),
                "business_hours.weekly.wed[0]",
                "end",
            ),
            (
                wk("thu", json!([["09:00", "09:00"]])),
                "business_hours.weekly.thu[0]",
                "after",
            ),
            (
                wk("fri", json!([["12:00", "09:00"]])),
                "business_hours.weekly.fri[0]",
                "after",
            ),
            (
                wk("sat", json!([["09:00", "12:00"], ["11:00", "13:00"]])),
                "business_hours.weekly.sat[1]",
                "overlaps",
            ),
            (
                wk("sun", json!([["13:00", "18:00"], ["09:00", "12:00"]])),
                "business_hours.weekly.sun[1]",
                "sorted",
            ),
            (
                wk(
                    "mon",
                    json!([["09:00", "10:00"], ["10:00", "11:00"], ["11:00", "10:30"]]),
                ),
                "business_hours.weekly.mon[2]",
                "after",
            ),
            (
                wk(
                    "mon",
                    json!(vec![["00:00", "00:01"]; MAX_INTERVALS_PER_DAY + 1]),
                ),
                "business_hours.weekly.mon",
                "at most",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {}, "holidays": ["2026-10-01", "2026-02-30"]}),
                "business_hours.holidays",
                "[1]",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {}, "holidays": ["20261001"]}),
                "business_hours.holidays",
                "[0]",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {},
                       "extra_open_days": [{"date": "2026/09/27", "hours": [["09:00","18:00"]]}]}),
                "business_hours.extra_open_days",
                "[0].date",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {},
                       "extra_open_days": [{"date": "2026-09-27", "hours": [["18:00","09:00"]]}]}),
                "business_hours.extra_open_days",
                "[0].hours[0]",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {},
                       "extra_open_days": [{"date": "2026-09-27", "hours": []}]}),
                "business_hours.extra_open_days",
                "[0].hours",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {},
                       "extra_open_days": [{"date": "2026-09-27", "hours": [["09:00","10:00"]]},
                                           {"date": "2026-09-27", "hours": [["11:00","12:00"]]}]}),
                "business_hours.extra_open_days",
                "[1].date",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {}, "holidays": ["2026-09-27"],
                       "extra_open_days": [{"date": "2026-09-27", "hours": [["09:00","10:00"]]}]}),
                "business_hours.extra_open_days",
                "holiday",
            ),
            // Shape errors come from serde, under the section's name.
            (
                json!({"time_zone": "UTC", "weekly": {"monday": []}}),
                "business_hours",
                "monday",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {}, "open": true}),
                "business_hours",
                "open",
            ),
            (
                json!({"time_zone": "UTC", "weekly": {"mon": [["09:00"]]}}),
                "business_hours",
                "",
            ),
            (json!({"time_zone": "UTC"}), "business_hours", "weekly"),
        ];
        for (input, want_field, want_word) in cases {
            let e = parse(input.clone()).expect_err(&input.to_string());
            let (field, message) = field_of(e);
            assert_eq!(field, want_field, "{input}: {message}");
            assert!(message.contains(want_word), "{input}: {message}");
        }
    }

    #[test]
    fn deserializing_validates_with_the_field_path() {
        let e = serde_json::from_value::<BusinessHours>(json!({
            "time_zone": "UTC",
            "weekly": {"mon": [["09:00","12:00"],["11:00","13:00"]]}
        }))
        .unwrap_err();
        assert!(
            e.to_string().contains("business_hours.weekly.mon[1]"),
            "{e}"
        );
    }

    #[test]
    fn validate_matches_parse() {
        let ok: BusinessHoursJson = serde_json::from_value(shanghai()).unwrap();
        assert_eq!(BusinessHours::validate(&ok), Ok(()));
        let mut bad = ok;
        bad.weekly.fri = vec![["18:00".into(), "09:00".into()]];
        assert_eq!(
            field_of(BusinessHours::validate(&bad).unwrap_err()).0,
            "business_hours.weekly.fri[0]"
        );
    }

    #[test]
    fn openapi_schema_is_the_json_shape() {
        use utoipa::{PartialSchema, ToSchema};
        assert_eq!(BusinessHours::name(), "BusinessHours");
        let schema = serde_json::to_value(BusinessHours::schema()).unwrap();
        assert!(schema["properties"]["time_zone"].is_object(), "{schema}");
        assert!(
            schema["properties"]["extra_open_days"].is_object(),
            "{schema}"
        );
        let mut refs = Vec::new();
        BusinessHours::schemas(&mut refs);
        let names: Vec<&str> = refs.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"WeeklyHoursJson"), "{names:?}");
    }

    #[test]
    fn always_open_covers_every_weekday() {
        let b = BusinessHours::always_open();
        assert_eq!(b.time_zone(), "UTC");
        for w in &b.weekly {
            assert_eq!(
                w,
                &vec![LocalSpan {
                    start: 0,
                    end: DAY_MINUTES
                }]
            );
        }
    }
}
