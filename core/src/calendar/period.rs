//! The building blocks of a calendar: a working period of a day (工作时段), a month-day season
//! bound, and a seasonal schedule (作息时间, e.g. 夏季 / 冬季) that pairs a month-day range with
//! the day's periods. All are validated on construction, so the arithmetic never meets a bad one.

use chrono::{Datelike, NaiveDate, NaiveTime};
use std::fmt;

/// Milliseconds in a minute.
const MINUTE_MS: i64 = 60_000;

/// One working period of a day, the half-open interval `[start, end)` of local Asia/Shanghai
/// wall-clock time, in whole minutes. Invariant: `start < end`, both within one day, so a
/// period never crosses midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkPeriod {
    start: u16,
    end: u16,
}

impl WorkPeriod {
    /// A period from `start` to `end` (whole minutes, `start < end`), or `None`.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Option<Self> {
        use chrono::Timelike;
        let whole = |t: NaiveTime| t.second() == 0 && t.nanosecond() == 0;
        if !whole(start) || !whole(end) {
            return None;
        }
        let minutes = |t: NaiveTime| u16::try_from(t.hour() * 60 + t.minute()).ok();
        Self::from_minutes(minutes(start)?, minutes(end)?)
    }

    /// A period between two minute-of-day values, or `None` unless `start < end <= 1440`
    /// (an end of 1440 is 24:00, the next midnight: a 24-hour shift is `00:00-24:00`).
    pub(crate) const fn from_minutes(start: u16, end: u16) -> Option<Self> {
        if start < end && end <= 24 * 60 {
            Some(Self { start, end })
        } else {
            None
        }
    }

    /// Parses `"08:30-12:00"` (hours may have one digit; the end must be after the start; the
    /// end may be `24:00`, the next midnight).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not a period like \"08:30-12:00\""))?;
        let start = parse_hm(start.trim())?;
        let end = match end.trim() {
            "24:00" => 24 * 60,
            other => parse_hm(other)?,
        };
        Self::from_minutes(start, end)
            .ok_or_else(|| format!("period {text:?} must end after it starts, on the same day"))
    }

    /// The local time the period starts.
    pub fn start(self) -> NaiveTime {
        hm(self.start)
    }

    /// The local time the period ends (exclusive); a period ending at 24:00 gives the last
    /// instant of the day (23:59:59.999), which a `NaiveTime` can hold.
    pub fn end(self) -> NaiveTime {
        if self.end >= 24 * 60 {
            return NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap_or(NaiveTime::MIN);
        }
        hm(self.end)
    }

    /// The period's length in minutes.
    pub fn minutes(self) -> i64 {
        i64::from(self.end - self.start)
    }

    /// Start as milliseconds after local midnight.
    pub(crate) fn start_ms(self) -> i64 {
        i64::from(self.start) * MINUTE_MS
    }

    /// End as milliseconds after local midnight.
    pub(crate) fn end_ms(self) -> i64 {
        i64::from(self.end) * MINUTE_MS
    }
}

impl fmt::Display for WorkPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, e) = (self.start, self.end);
        write!(f, "{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60)
    }
}

fn hm(minutes: u16) -> NaiveTime {
    NaiveTime::from_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)
        .unwrap_or(NaiveTime::MIN)
}

fn parse_hm(text: &str) -> Result<u16, String> {
    let bad = || format!("{text:?} is not a time like \"08:30\"");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// A month and day without a year (`"05-01"`), ordered within the year. 02-29 is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u8,
    day: u8,
}

/// Days before each month in a leap year: the index of a month-day among the 366.
const LEAP_CUMULATIVE: [u16; 12] = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];

impl MonthDay {
    /// January 1st.
    pub(crate) const JAN_1: MonthDay = MonthDay { month: 1, day: 1 };
    /// December 31st.
    pub(crate) const DEC_31: MonthDay = MonthDay { month: 12, day: 31 };

    /// Every month-day of a leap year, in order (366 values).
    pub(crate) fn all() -> impl Iterator<Item = MonthDay> {
        (1..=366u32)
            .filter_map(|ordinal| NaiveDate::from_yo_opt(2024, ordinal))
            .map(Self::of)
    }

    /// The month-day of `date`.
    pub fn of(date: NaiveDate) -> Self {
        // month() is 1..=12 and day() 1..=31: both fit in u8.
        Self {
            month: date.month() as u8,
            day: date.day() as u8,
        }
    }

    /// Parses `"05-01"` (two digits each; 02-29 allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a month-day like \"05-01\"");
        let (m, d) = text.split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (m, d): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        NaiveDate::from_ymd_opt(2024, m, d)
            .map(Self::of)
            .ok_or_else(bad)
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// The 0-based position among the 366 month-days of a leap year.
    pub(crate) fn leap_index(self) -> usize {
        let before = LEAP_CUMULATIVE.get(usize::from(self.month).saturating_sub(1));
        usize::from(before.copied().unwrap_or(0)) + usize::from(self.day).saturating_sub(1)
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// A seasonal schedule: the working periods of every working day from `from` to `to`
/// (inclusive; wraps over the year end when `from > to`, e.g. winter 10-01..04-30).
/// Invariant: at least one period; periods ordered and non-overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    name: String,
    from: MonthDay,
    to: MonthDay,
    periods: Vec<WorkPeriod>,
}

impl Schedule {
    /// A schedule, or an error naming the period index at fault (empty list, out of order or
    /// overlapping periods).
    pub fn new(
        name: impl Into<String>,
        from: MonthDay,
        to: MonthDay,
        periods: Vec<WorkPeriod>,
    ) -> Result<Self, (usize, String)> {
        if periods.is_empty() {
            return Err((0, "a schedule needs at least one period".into()));
        }
        for (i, pair) in periods.windows(2).enumerate() {
            if let [a, b] = pair
                && b.start < a.end
            {
                return Err((i + 1, format!("period {b} starts before {a} ends")));
            }
        }
        Ok(Self {
            name: name.into(),
            from,
            to,
            periods,
        })
    }

    /// The schedule's name ("夏季", "winter").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first month-day of the season.
    pub fn from(&self) -> MonthDay {
        self.from
    }

    /// The last month-day of the season (inclusive).
    pub fn to(&self) -> MonthDay {
        self.to
    }

    /// The periods of a working day in this season, in order.
    pub fn periods(&self) -> &[WorkPeriod] {
        &self.periods
    }

    /// Whether `day` falls in this season.
    pub fn covers(&self, day: MonthDay) -> bool {
        if self.from <= self.to {
            self.from <= day && day <= self.to
        } else {
            day >= self.from || day <= self.to
        }
    }
}
