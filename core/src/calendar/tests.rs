//! Hand-computed calendar tests: each states its arithmetic. The fixture is the 2026 calendar of
//! `data/calendar/2026.example.toml` cut down to the dates the tests use (so a correction to the
//! example data cannot silently change what these tests assert).

use super::WorkCalendar;
use crate::model::Timestamp;
use chrono::{NaiveDate, NaiveTime};

/// Summer 05-01..09-30: 08:30–12:00 + 15:00–18:30 (7 h). Winter 10-01..04-30: 08:30–12:00 +
/// 14:30–18:00 (7 h). 2026: 中秋 09-25..27 and 国庆 10-01..07 off; Sun 09-20 and Sat 10-10 on.
pub(super) const FIXTURE: &str = r#"
version = 1
name = "test 2026"
timezone = "Asia/Shanghai"
weekdays = [1, 2, 3, 4, 5]

[[schedule]]
name = "夏季"
from = "05-01"
to = "09-30"
periods = ["08:30-12:00", "15:00-18:30"]

[[schedule]]
name = "冬季"
from = "10-01"
to = "04-30"
periods = ["08:30-12:00", "14:30-18:00"]

[years.2026]
holidays = ["2026-09-25..2026-09-27", "2026-10-01..2026-10-07"]
workdays = ["2026-09-20", "2026-10-10"]
"#;

pub(super) fn fixture() -> WorkCalendar {
    WorkCalendar::parse_toml("fixture.toml", FIXTURE).expect("the fixture is valid")
}

/// Local Asia/Shanghai wall-clock time.
pub(super) fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    let date = NaiveDate::from_ymd_opt(y, mo, d).expect("valid date");
    Timestamp::from_shanghai(date.and_hms_opt(h, mi, 0).expect("valid time"))
}

const HOUR_MS: i64 = 3_600_000;

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

#[test]
fn across_a_lunch_break() {
    let cal = fixture();
    // Winter, Tue 2026-03-10 11:00 + 2 h: 11:00–12:00 is 1 h, the other 1 h runs 14:30–15:30.
    assert_eq!(
        cal.add_working_minutes(at(2026, 3, 10, 11, 0), 120),
        Some(at(2026, 3, 10, 15, 30))
    );
    // + 1 h ends exactly at the close of the morning period, and stays there (not 14:30).
    assert_eq!(
        cal.add_working_minutes(at(2026, 3, 10, 11, 0), 60),
        Some(at(2026, 3, 10, 12, 0))
    );
    // Summer, Wed 2026-06-10 11:00 + 2 h: 1 h to 12:00, then 15:00 + 1 h = 16:00.
    assert_eq!(
        cal.add_working_minutes(at(2026, 6, 10, 11, 0), 120),
        Some(at(2026, 6, 10, 16, 0))
    );
    // Working time 11:00 → 15:30 in winter: 1 h + 1 h; the lunch break 12:00–14:30 counts 0.
    let between = cal.working_ms_between(at(2026, 3, 10, 11, 0), at(2026, 3, 10, 15, 30));
    assert_eq!(between, 2 * HOUR_MS);
    assert_eq!(
        cal.working_ms_between(at(2026, 3, 10, 12, 0), at(2026, 3, 10, 14, 30)),
        0
    );
}

#[test]
fn across_a_weekend() {
    let cal = fixture();
    // Fri 2026-03-13 17:00 + 2 h: 17:00–18:00 is 1 h, Sat/Sun off, Mon 03-16 08:30 + 1 h = 09:30.
    assert_eq!(
        cal.add_working_minutes(at(2026, 3, 13, 17, 0), 120),
        Some(at(2026, 3, 16, 9, 30))
    );
    // Fri 17:00 → Mon 09:30 is the same 2 h of working time.
    let between = cal.working_ms_between(at(2026, 3, 13, 17, 0), at(2026, 3, 16, 9, 30));
    assert_eq!(between, 2 * HOUR_MS);
    // Fri 17:00 + 1 working day: position 3.5 h + 2.5 h = 6 h into Friday; next working day is
    // Mon 03-16, 6 h in = 14:30 + 2.5 h = 17:00.
    assert_eq!(
        cal.add_working_days(at(2026, 3, 13, 17, 0), 1),
        Some(at(2026, 3, 16, 17, 0))
    );
    // A case arriving Fri 19:00 starts at Mon 08:30, the opening of a day: 1 working day ends at
    // the close of Monday, 18:00.
    assert_eq!(
        cal.add_working_days(at(2026, 3, 13, 19, 0), 1),
        Some(at(2026, 3, 16, 18, 0))
    );
    // The same calendar without holiday data gives the same answer here.
    let plain = WorkCalendar::standard_weekdays();
    assert_eq!(
        plain.add_working_minutes(at(2026, 3, 13, 17, 0), 120),
        Some(at(2026, 3, 16, 9, 30))
    );
}

#[test]
fn across_the_national_day_holiday_with_make_up_days() {
    let cal = fixture();
    let start = at(2026, 9, 30, 17, 0); // Wed, summer: 08:30–12:00, 15:00–18:30.
    // + 2 h: 17:00–18:30 is 1.5 h; 10-01..07 off; Thu 10-08 (winter) 08:30 + 0.5 h = 09:00.
    assert_eq!(
        cal.add_working_minutes(start, 120),
        Some(at(2026, 10, 8, 9, 0))
    );
    // Position on 09-30: 3.5 h (morning) + 2 h (15:00–17:00) = 5.5 h. Working days after it:
    // Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 make-up day (3), Sun 10-11 off, Mon 10-12 (4).
    // 5.5 h into a winter day = 14:30 + 2 h = 16:30 (the wall clock moves from 17:00).
    assert_eq!(
        cal.add_working_days(start, 1),
        Some(at(2026, 10, 8, 16, 30))
    );
    assert_eq!(
        cal.add_working_days(start, 2),
        Some(at(2026, 10, 9, 16, 30))
    );
    assert_eq!(
        cal.add_working_days(start, 3),
        Some(at(2026, 10, 10, 16, 30))
    );
    assert_eq!(
        cal.add_working_days(start, 4),
        Some(at(2026, 10, 12, 16, 30))
    );
    // Working time 09-30 17:00 → 10-09 12:00: 1.5 h + 0 (holiday) + 7 h (10-08) + 3.5 h = 12 h.
    assert_eq!(
        cal.working_ms_between(start, at(2026, 10, 9, 12, 0)),
        12 * HOUR_MS
    );
    // Whole days 09-30 → 10-10 (exclusive): 7 h + 7 × 0 + 7 h + 7 h = 21 h.
    let days = cal.working_ms_between(at(2026, 9, 30, 0, 0), at(2026, 10, 10, 0, 0));
    assert_eq!(days, 21 * HOUR_MS);
    // Make-up days are working days with their season's periods; the holiday is not.
    assert!(cal.is_working_day(NaiveDate::from_ymd_opt(2026, 9, 20).expect("date"))); // Sunday
    assert!(cal.is_working_day(NaiveDate::from_ymd_opt(2026, 10, 10).expect("date"))); // Saturday
    assert!(!cal.is_working_day(NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"))); // Thursday
    let sept_20 = NaiveDate::from_ymd_opt(2026, 9, 20).expect("date");
    assert_eq!(
        cal.periods_on(sept_20),
        vec![(hm(8, 30), hm(12, 0)), (hm(15, 0), hm(18, 30))]
    );
    // Elapsed working days to 10-08 09:00: no whole day; 2 h of the 7 h to the first mark.
    let elapsed = cal.working_days_between(start, at(2026, 10, 8, 9, 0));
    assert!((elapsed - 2.0 / 7.0).abs() < 1e-9, "{elapsed}");
    assert_eq!(
        cal.working_days_between(start, at(2026, 10, 10, 16, 30)),
        3.0
    );
}

#[test]
fn across_a_summer_winter_switch() {
    let cal = fixture();
    // The fixture has no 2027 data, so only the weekly pattern applies (Thu 09-30, Fri 10-01).
    assert!(cal.covers_year(2026) && !cal.covers_year(2027));
    let (sep_30, oct_1) = (
        NaiveDate::from_ymd_opt(2027, 9, 30),
        NaiveDate::from_ymd_opt(2027, 10, 1),
    );
    let (sep_30, oct_1) = (sep_30.expect("date"), oct_1.expect("date"));
    assert_eq!(
        cal.periods_on(sep_30),
        vec![(hm(8, 30), hm(12, 0)), (hm(15, 0), hm(18, 30))]
    );
    assert_eq!(
        cal.periods_on(oct_1),
        vec![(hm(8, 30), hm(12, 0)), (hm(14, 30), hm(18, 0))]
    );
    // 11:00 + 2 h: summer 1 h + 15:00–16:00; winter 1 h + 14:30–15:30.
    assert_eq!(
        cal.add_working_minutes(at(2027, 9, 30, 11, 0), 120),
        Some(at(2027, 9, 30, 16, 0))
    );
    assert_eq!(
        cal.add_working_minutes(at(2027, 10, 1, 11, 0), 120),
        Some(at(2027, 10, 1, 15, 30))
    );
    // Thu 09-30 18:00 + 2 h crosses the switch: 18:00–18:30 (0.5 h), Fri 08:30 + 1.5 h = 10:00.
    assert_eq!(
        cal.add_working_minutes(at(2027, 9, 30, 18, 0), 120),
        Some(at(2027, 10, 1, 10, 0))
    );
    // Thu 16:00 + 1 working day: position 3.5 h + 1 h = 4.5 h; on Fri 14:30 + 1 h = 15:30.
    assert_eq!(
        cal.add_working_days(at(2027, 9, 30, 16, 0), 1),
        Some(at(2027, 10, 1, 15, 30))
    );
    // Working time Thu 16:00 → Fri 15:30: 2.5 h + 3.5 h + 1 h = 7 h, one full day either side.
    let between = cal.working_ms_between(at(2027, 9, 30, 16, 0), at(2027, 10, 1, 15, 30));
    assert_eq!(between, 7 * HOUR_MS);
}

#[test]
fn next_working_instant() {
    let cal = fixture();
    // Sat 10-03 is inside the National Day break: the next working time is Thu 10-08 08:30.
    assert_eq!(
        cal.next_working_instant(at(2026, 10, 3, 10, 0)),
        Some(at(2026, 10, 8, 8, 30))
    );
    // Inside a period: itself. At a period's end (exclusive): the next period.
    assert_eq!(
        cal.next_working_instant(at(2026, 3, 10, 9, 15)),
        Some(at(2026, 3, 10, 9, 15))
    );
    assert_eq!(
        cal.next_working_instant(at(2026, 3, 10, 12, 0)),
        Some(at(2026, 3, 10, 14, 30))
    );
    assert_eq!(
        cal.next_working_instant(at(2026, 3, 13, 18, 0)),
        Some(at(2026, 3, 16, 8, 30))
    );
    // Sat 09-19 evening: the next day is the Sunday make-up day 09-20, summer 08:30.
    assert_eq!(
        cal.next_working_instant(at(2026, 9, 19, 20, 0)),
        Some(at(2026, 9, 20, 8, 30))
    );
}
