//! Properties of the calendar arithmetic over 2026 (holidays, make-up days, both seasons):
//! adding working time and measuring it agree, results are monotonic, and searches land on
//! working time.

use super::WorkCalendar;
use super::tests::{FIXTURE, at, fixture};
use crate::model::{LimitUnit, Timestamp};
use proptest::prelude::*;

/// Any instant of 2026 (local), to the millisecond.
fn instant() -> impl Strategy<Value = Timestamp> {
    let (start, end) = (at(2026, 1, 1, 0, 0).ms(), at(2027, 1, 1, 0, 0).ms());
    (start..end).prop_map(Timestamp)
}

proptest! {
    #[test]
    fn adding_then_measuring_gives_back_the_minutes(t in instant(), m in 0i64..20_000) {
        let cal = fixture();
        let end = cal.add_working_minutes(t, m);
        prop_assert!(end.is_some());
        let end = end.unwrap_or(t);
        prop_assert_eq!(cal.working_ms_between(t, end), m * Timestamp::MINUTE_MS);
        prop_assert!(end >= t);
    }

    #[test]
    fn adding_minutes_is_monotonic(a in instant(), b in instant(), m in 0i64..5_000, n in 0i64..5_000) {
        let cal = fixture();
        let (a, b) = (a.min(b), a.max(b));
        let (m, n) = (m.min(n), m.max(n));
        prop_assert!(cal.add_working_minutes(a, m) <= cal.add_working_minutes(b, m));
        prop_assert!(cal.add_working_minutes(a, m) <= cal.add_working_minutes(a, n));
    }

    #[test]
    fn working_time_is_additive(a in instant(), b in instant(), c in instant()) {
        let cal = fixture();
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        let whole = cal.working_ms_between(a, c);
        prop_assert_eq!(cal.working_ms_between(a, b) + cal.working_ms_between(b, c), whole);
        prop_assert!(whole <= c.ms() - a.ms());
    }

    #[test]
    fn next_working_instant_is_working_time(t in instant()) {
        let cal = fixture();
        let next = cal.next_working_instant(t);
        prop_assert!(next.is_some());
        let next = next.unwrap_or(t);
        prop_assert!(next >= t);
        // Nothing is skipped, and the instant itself is working time.
        prop_assert_eq!(cal.working_ms_between(t, next), 0);
        prop_assert_eq!(cal.working_ms_between(next, Timestamp(next.ms() + 1)), 1);
    }

    #[test]
    fn working_days_are_inverse_and_increasing(t in instant(), n in 0u32..40) {
        let cal = fixture();
        let end = cal.add_working_days(t, n);
        let after = cal.add_working_days(t, n + 1);
        prop_assert!(end.is_some() && after.is_some());
        let (end, after) = (end.unwrap_or(t), after.unwrap_or(t));
        prop_assert!(t <= end && end < after);
        prop_assert_eq!(cal.elapsed(LimitUnit::WorkingDays, t, end), f64::from(n));
        // Each working day after the first holds one day of working time (7 h in both seasons).
        if n > 0 {
            prop_assert_eq!(cal.working_ms_between(end, after), 7 * 3_600_000);
        }
    }

    #[test]
    fn a_damaged_file_is_refused_without_panicking(at in 0usize..1_000, cut in 0usize..8, with in "[ -~\n]{0,6}") {
        // Replace a few characters of the fixture somewhere with arbitrary ASCII.
        let mut text: Vec<char> = FIXTURE.chars().collect();
        let start = at % text.len();
        let end = (start + cut).min(text.len());
        text.splice(start..end, with.chars());
        let text: String = text.into_iter().collect();
        if let Err(err) = WorkCalendar::parse_toml("damaged.toml", &text) {
            prop_assert_eq!(err.file.as_str(), "damaged.toml");
            prop_assert!(err.line <= text.lines().count() + 1, "{}", err);
            prop_assert!(!err.field.is_empty());
        }
    }
}
