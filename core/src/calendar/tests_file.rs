//! Calendar files: the shipped example loads, and each kind of bad file is refused with the
//! file, the 1-based line and the field path of the offending value.

use super::WorkCalendar;
use super::tests::{FIXTURE, at};
use chrono::NaiveDate;

const EXAMPLE: &str = include_str!("../../data/calendar/2026.example.toml");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[test]
fn the_2026_example_loads() {
    let cal = WorkCalendar::parse_toml("2026.example.toml", EXAMPLE).expect("example is valid");
    assert!(cal.covers_year(2026));
    assert_eq!(cal.schedules().len(), 2);
    let working = [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10), (10, 8)];
    let off = [
        (1, 1),
        (2, 15),
        (2, 23),
        (4, 6),
        (5, 5),
        (6, 19),
        (9, 25),
        (10, 1),
        (10, 7),
    ];
    for (m, d) in working {
        assert!(
            cal.is_working_day(date(2026, m, d)),
            "2026-{m:02}-{d:02} should be working"
        );
    }
    for (m, d) in off {
        assert!(
            !cal.is_working_day(date(2026, m, d)),
            "2026-{m:02}-{d:02} should be off"
        );
    }
    // Same arithmetic as the fixture around National Day.
    let fixture = WorkCalendar::parse_toml("fixture.toml", FIXTURE).expect("fixture is valid");
    let start = at(2026, 9, 30, 17, 0);
    assert_eq!(
        cal.add_working_days(start, 3),
        fixture.add_working_days(start, 3)
    );
}

/// Line numbers of the fixture (it starts with a newline, so `version` is on line 2):
/// 2 version, 3 name, 4 timezone, 5 weekdays, 7 [[schedule]], 9 from, 11 periods,
/// 13 [[schedule]], 15 from, 16 to, 17 periods, 19 [years.2026], 20 holidays, 21 workdays.
#[rustfmt::skip]
const BAD: &[(&str, &str, usize, &str, &str)] = &[
    // (what is replaced, by what, expected line, field, part of the message)
    ("name = \"test 2026\"", "name = \"test", 3, "(toml syntax)", ""),
    ("version = 1", "version = 2", 2, "version", "unsupported version"),
    ("version = 1", "version = \"1\"", 2, "version", "expected an integer"),
    ("name = \"test 2026\"", "", 0, "name", "missing"),
    ("name = \"test 2026\"", "name = \"  \"", 3, "name", "empty"),
    ("\"Asia/Shanghai\"", "\"Asia/Urumqi\"", 4, "timezone", "only \"Asia/Shanghai\""),
    ("[1, 2, 3, 4, 5]", "[1, 8]", 5, "weekdays[1]", "1 (Monday) to 7"),
    ("[1, 2, 3, 4, 5]", "[1, 1]", 5, "weekdays[1]", "listed twice"),
    ("[1, 2, 3, 4, 5]", "[\n  1,\n  0,\n]", 7, "weekdays[1]", "1 (Monday) to 7"),
    ("[1, 2, 3, 4, 5]", "[-9223372036854775808]", 5, "weekdays[0]", "1 (Monday) to 7"),
    ("[1, 2, 3, 4, 5]", "[]", 5, "weekdays", "at least one"),
    ("[1, 2, 3, 4, 5]", "\"Mon-Fri\"", 5, "weekdays", "expected an array"),
    ("timezone", "holiday = []\ntimezone", 4, "holiday", "unknown key"),
    ("\"15:00-18:30\"", "\"11:00-18:30\"", 11, "schedule[0].periods[1]", "starts before"),
    ("\"15:00-18:30\"", "\"18:30-15:00\"", 11, "schedule[0].periods[1]", "must end after"),
    ("[\"08:30-12:00\", \"15:00-18:30\"]", "[\"8h30-12:00\"]", 11, "schedule[0].periods[0]", "not a time"),
    ("[\"08:30-12:00\", \"15:00-18:30\"]", "[]", 11, "schedule[0].periods", "at least one"),
    ("[\"08:30-12:00\", \"15:00-18:30\"]", "[1]", 11, "schedule[0].periods[0]", "expected a string"),
    ("from = \"05-01\"", "from = \"13-01\"", 9, "schedule[0].from", "month-day"),
    ("to = \"09-30\"", "to = \"09-29\"", 7, "schedule", "no schedule covers 09-30"),
    ("from = \"10-01\"", "from = \"09-30\"", 15, "schedule[1].from", "09-30"),
    ("to = \"04-30\"", "", 13, "schedule[1].to", "missing"),
    ("periods = [\"08:30-12:00\", \"15:00", "perods = [\"08:30-12:00\", \"15:00", 11, "schedule[0].perods", "unknown key"),
    ("\"2026-09-25..2026-09-27\"", "\"2027-09-25\"", 20, "years.2026.holidays[0]", "not in 2026"),
    ("\"2026-09-25..2026-09-27\"", "\"2026-09-27..2026-09-25\"", 20, "years.2026.holidays[0]", "ends before"),
    ("\"2026-09-25..2026-09-27\"", "\"2026-10-03\"", 20, "years.2026.holidays[1]", "listed twice"),
    ("\"2026-09-25..2026-09-27\"", "\"2026-9-25\"", 20, "years.2026.holidays[0]", "expected a date"),
    ("\"2026-09-25..2026-09-27\"", "2026-09-25T08:00:00", 20, "years.2026.holidays[0]", "date-time"),
    ("[\"2026-09-20\"", "[\"2026-10-02\"", 21, "years.2026.workdays[0]", "also listed as a holiday"),
    ("[years.2026]", "[years.20x6]", 19, "years.20x6", "must be a year"),
    ("workdays = [", "workday = [", 21, "years.2026.workday", "unknown key"),
];

#[test]
fn bad_files_name_file_line_and_field() {
    for &(from, to, line, field, message) in BAD {
        assert!(
            FIXTURE.contains(from),
            "case {to:?}: {from:?} is not in the fixture"
        );
        let text = FIXTURE.replacen(from, to, 1);
        let err = match WorkCalendar::parse_toml("tenant.toml", &text) {
            Ok(_) => panic!("case {to:?} was accepted"),
            Err(err) => err,
        };
        assert_eq!(err.file, "tenant.toml", "case {to:?}");
        assert_eq!(
            (err.line, err.field.as_str()),
            (line, field),
            "case {to:?}: {err}"
        );
        assert!(err.message.contains(message), "case {to:?}: {err}");
        assert_eq!(err.code(), "bad_data_file");
    }
}

#[test]
fn toml_dates_and_duplicate_keys() {
    // Native TOML local dates are accepted like strings.
    let text = FIXTURE.replacen("[\"2026-09-20\"", "[2026-09-20", 1);
    let cal = WorkCalendar::parse_toml("tenant.toml", &text).expect("valid");
    assert!(cal.is_working_day(date(2026, 9, 20)));
    // A duplicate key is a TOML error, on the line of the second one.
    let text = FIXTURE.replacen("version = 1", "version = 1\nversion = 1", 1);
    let err = WorkCalendar::parse_toml("tenant.toml", &text).expect_err("refused");
    assert_eq!(
        (err.line, err.field.as_str()),
        (3, "(toml syntax)"),
        "{err}"
    );
}

#[test]
fn a_period_may_end_at_midnight_and_a_24_hour_day_counts_whole() {
    // Issue 12, C4: a centre on 24×7 shifts is `00:00-24:00`; before, 24:00 was refused and
    // 23:59 lost a minute a day.
    let text = "version = 1\nname = \"24×7\"\ntimezone = \"Asia/Shanghai\"\nweekdays = [1, 2, 3, 4, 5, 6, 7]\n\n[[schedule]]\nname = \"全年\"\nfrom = \"01-01\"\nto = \"12-31\"\nperiods = [\"00:00-24:00\"]\n";
    let cal = WorkCalendar::parse_toml("shifts.toml", text).expect("24:00 is a valid end");
    let at = |d: u32, h: u32, m: u32| {
        crate::model::Timestamp::from_shanghai(
            chrono::NaiveDate::from_ymd_opt(2026, 3, d)
                .and_then(|x| x.and_hms_opt(h, m, 0))
                .expect("valid"),
        )
    };
    // Sat 23:50 + 20 working minutes = Sun 00:10; a whole day is 24 working hours.
    assert_eq!(
        cal.add_working_minutes(at(7, 23, 50), 20),
        Some(at(8, 0, 10))
    );
    assert_eq!(cal.working_ms_between(at(7, 0, 0), at(8, 0, 0)), 86_400_000);
    assert_eq!(
        cal.add_limit(
            at(7, 22, 0),
            crate::model::TimeLimit::new(2, crate::model::LimitUnit::WorkingDays)
        ),
        Some(at(9, 22, 0))
    );
    // 24:00 only as an end, and nothing past it.
    for bad in ["24:00-24:00", "08:00-24:01", "08:00-25:00"] {
        let t = text.replace("00:00-24:00", bad);
        assert!(
            WorkCalendar::parse_toml("shifts.toml", &t).is_err(),
            "{bad}"
        );
    }
}
