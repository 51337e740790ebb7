//! Hand-computed tests of time limits on the calendar (deadlines, elapsed fractions) and of
//! the edges: zero and negative amounts, instants at the ends of time, a calendar without any
//! working day.

use super::WorkCalendar;
use super::tests::{at, fixture};
use crate::model::{LimitUnit, TimeLimit, Timestamp};

#[test]
fn limits_and_fractions() {
    let cal = fixture();
    let start = at(2026, 3, 10, 10, 0); // Tue, winter.
    let limit = |value, unit| TimeLimit::new(value, unit);
    // 4 working hours: 10:00–12:00 (2 h) + 14:30–16:30 (2 h).
    let four_hours = limit(4, LimitUnit::WorkingHours);
    assert_eq!(
        cal.add_limit(start, four_hours),
        Some(at(2026, 3, 10, 16, 30))
    );
    assert_eq!(
        cal.add_limit(start, limit(90, LimitUnit::WorkingMinutes)),
        Some(at(2026, 3, 10, 11, 30))
    );
    assert_eq!(
        cal.add_limit(start, limit(1, LimitUnit::WorkingDays)),
        Some(at(2026, 3, 11, 10, 0))
    );
    // Natural units ignore the calendar: 10:00 + 3 h = 13:00 (lunch), + 2 days = Thu 10:00.
    assert_eq!(
        cal.add_limit(start, limit(3, LimitUnit::NaturalHours)),
        Some(at(2026, 3, 10, 13, 0))
    );
    assert_eq!(
        cal.add_limit(start, limit(2, LimitUnit::NaturalDays)),
        Some(at(2026, 3, 12, 10, 0))
    );
    assert_eq!(
        cal.add_limit(start, limit(45, LimitUnit::NaturalMinutes)),
        Some(at(2026, 3, 10, 10, 45))
    );
    // At 14:30 only 2 of the 4 working hours are used (the lunch break does not count): 0.5.
    assert_eq!(
        cal.elapsed_fraction(start, at(2026, 3, 10, 14, 30), four_hours),
        0.5
    );
    // 2 natural hours: at 11:00, half used; at 13:00, 1.5.
    let two_natural = limit(2, LimitUnit::NaturalHours);
    assert_eq!(
        cal.elapsed_fraction(start, at(2026, 3, 10, 11, 0), two_natural),
        0.5
    );
    assert_eq!(
        cal.elapsed_fraction(start, at(2026, 3, 10, 13, 0), two_natural),
        1.5
    );
    // 2 working days from Tue 10:00: marks Wed 10:00 and Thu 10:00. At Wed 17:00 one day and
    // 4.5 h (10:00–12:00, 14:30–17:00) of the 7 h to Thu 10:00 have passed: (1 + 4.5/7) / 2.
    let two_days = limit(2, LimitUnit::WorkingDays);
    let used = cal.elapsed_fraction(start, at(2026, 3, 11, 17, 0), two_days);
    assert!((used - (1.0 + 4.5 / 7.0) / 2.0).abs() < 1e-9, "{used}");
    assert_eq!(cal.elapsed_fraction(start, start, two_days), 0.0);
    assert_eq!(
        cal.elapsed_fraction(start, at(2026, 3, 12, 10, 0), two_days),
        1.0
    );
    assert_eq!(
        cal.elapsed_fraction(start, start, limit(0, LimitUnit::WorkingHours)),
        1.0
    );
}

#[test]
fn edge_cases_return_none_or_zero() {
    let cal = fixture();
    let t = at(2026, 3, 10, 10, 0);
    assert_eq!(cal.add_working_minutes(t, 0), Some(t));
    assert_eq!(cal.add_working_minutes(t, -1), None);
    assert_eq!(cal.add_working_days(t, 0), Some(t));
    assert_eq!(cal.working_ms_between(t, t), 0);
    assert_eq!(cal.working_ms_between(t, at(2026, 3, 9, 10, 0)), 0);
    assert_eq!(cal.add_working_minutes(Timestamp(i64::MAX), 1), None);
    assert_eq!(cal.next_working_instant(Timestamp(i64::MIN)), None);
    assert_eq!(
        cal.add_limit(t, TimeLimit::new(u32::MAX, LimitUnit::WorkingDays)),
        None
    );
    // A calendar with no working day at all: every search gives up instead of looping.
    let idle = WorkCalendar {
        weekdays: [false; 7],
        ..WorkCalendar::standard_weekdays()
    };
    assert_eq!(idle.next_working_instant(t), None);
    assert_eq!(idle.add_working_minutes(t, 1), None);
    assert_eq!(idle.add_working_days(t, 1), None);
    assert_eq!(idle.working_ms_between(t, at(2027, 3, 10, 10, 0)), 0);
    assert_eq!(idle.working_days_between(t, at(2027, 3, 10, 10, 0)), 0.0);
}
