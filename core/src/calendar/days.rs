//! Working days (工作日) as a unit: adding N working days to an instant and measuring elapsed
//! working days, both from the same sequence of day marks so that one inverts the other.
//!
//! The rule. Counting starts at `s`, the next working instant of `t`, whose working-time
//! position `p` is the working time on its day before `s`.
//! - `p > 0` (the clock starts during the working day): N working days end at the instant with
//!   the same position `p` on the N-th working day after `s`'s day (Wednesday 10:00 + 1 working
//!   day = Thursday 10:00; across a summer/winter switch the position, not the wall clock, is
//!   kept). If that day has less than `p` of working time, its last period's end.
//! - `p == 0` (the clock starts at the opening of a working day, e.g. a case arriving at night):
//!   N working days end at the close of the N-th working day, counting `s`'s own day
//!   (Friday 19:00 + 1 working day = Monday 18:00).

use super::walk::{join, overlap, split};
use super::{HORIZON_DAYS, WorkCalendar, WorkPeriod};
use crate::model::Timestamp;

/// The instants at which 1, 2, 3 … working days have passed since a start.
struct DayMarks<'c> {
    calendar: &'c WorkCalendar,
    /// The working-time position kept from day to day; 0 means "at the close of each day".
    position: i64,
    /// The next local day to look at.
    next_day: i64,
    /// No mark lies after this local day.
    last_day: i64,
}

impl Iterator for DayMarks<'_> {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        if self.next_day > self.last_day {
            return None;
        }
        let position = self.position;
        let (day, ms) = self
            .calendar
            .scan(self.next_day, self.last_day, |day, periods| {
                mark_in(periods, position).map(|ms| (day, ms))
            })?;
        self.next_day = day + 1;
        join(day, ms)
    }
}

/// Where a day's mark falls (milliseconds after midnight), `None` on a day without periods.
fn mark_in(periods: &[WorkPeriod], position: i64) -> Option<i64> {
    let close = periods.last()?.end_ms();
    if position == 0 {
        return Some(close);
    }
    let mut before = 0;
    for p in periods {
        let length = p.end_ms() - p.start_ms();
        if position < before + length {
            return Some(p.start_ms() + position - before);
        }
        before += length;
    }
    Some(close)
}

impl WorkCalendar {
    /// The day marks of a start `t`; `None` when there is no working time to start from.
    fn day_marks(&self, t: Timestamp) -> Option<DayMarks<'_>> {
        let start = self.next_working_instant(t)?;
        let (day, ms) = split(start)?;
        let position = overlap(self.day_periods(day)?, 0, ms);
        let next_day = if position == 0 {
            day
        } else {
            day.checked_add(1)?
        };
        let last_day = day.checked_add(HORIZON_DAYS)?;
        Some(DayMarks {
            calendar: self,
            position,
            next_day,
            last_day,
        })
    }

    /// `t` plus `days` working days, by the rule in the module docs: counting starts at the
    /// next working instant, and lands on the same working-time position of the N-th working
    /// day after (or, when counting starts at the opening of a day, at the close of the N-th
    /// working day counting that one). `days == 0` gives `t`; `None` past the search limits.
    pub fn add_working_days(&self, t: Timestamp, days: u32) -> Option<Timestamp> {
        let n = usize::try_from(days).ok()?.checked_sub(1);
        match n {
            None => Some(t),
            Some(n) => self.day_marks(t)?.nth(n),
        }
    }

    /// Working days elapsed from `a` to `b`, with the fraction of the current one: `k + f`
    /// where `k` whole days have passed (`add_working_days(a, k) <= b`) and `f` is the share
    /// of the working time from that mark to the next one that has passed by `b`. Exact
    /// inverse of [`Self::add_working_days`]: `working_days_between(a, add_working_days(a, n))
    /// == n`. 0 when `b <= a`.
    pub fn working_days_between(&self, a: Timestamp, b: Timestamp) -> f64 {
        if b <= a {
            return 0.0;
        }
        let Some(marks) = self.day_marks(a) else {
            return 0.0;
        };
        let (mut whole, mut previous) = (0u32, a);
        for mark in marks {
            if mark > b {
                let done = self.working_ms_between(previous, b) as f64;
                let span = self.working_ms_between(previous, mark) as f64;
                let fraction = if span > 0.0 { done / span } else { 0.0 };
                return f64::from(whole) + fraction;
            }
            whole = whole.saturating_add(1);
            previous = mark;
        }
        f64::from(whole)
    }
}
