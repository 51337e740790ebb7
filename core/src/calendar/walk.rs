//! Walking working time forward from an instant: the next working instant, adding working
//! minutes, and the working time between two instants. Instants are split into a local day
//! number (days since 1970-01-01 in Asia/Shanghai) and milliseconds after local midnight; with
//! a fixed UTC+08:00 offset every local day is exactly 24 hours long.

use super::{HORIZON_DAYS, IDLE_LIMIT_DAYS, WorkCalendar, WorkPeriod};
use crate::model::Timestamp;
use chrono::NaiveDate;

/// Milliseconds in a day.
pub(super) const DAY_MS: i64 = 86_400_000;
/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_FROM_CE: i64 = 719_163;

/// The Asia/Shanghai offset in milliseconds (UTC+08:00, from `model::Timestamp`).
fn offset_ms() -> i64 {
    i64::from(Timestamp::shanghai().local_minus_utc()) * 1000
}

/// `t` as (local day number, milliseconds after local midnight).
pub(super) fn split(t: Timestamp) -> Option<(i64, i64)> {
    let local = t.ms().checked_add(offset_ms())?;
    Some((local.div_euclid(DAY_MS), local.rem_euclid(DAY_MS)))
}

/// The instant `ms` after local midnight of local day `day`.
pub(super) fn join(day: i64, ms: i64) -> Option<Timestamp> {
    let local = day.checked_mul(DAY_MS)?.checked_add(ms)?;
    local.checked_sub(offset_ms()).map(Timestamp)
}

/// The local date of day number `day`, `None` outside chrono's range.
pub(super) fn date_of(day: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(day.checked_add(EPOCH_FROM_CE)?).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// Working milliseconds of `periods` inside `[from, to)` (milliseconds after midnight).
pub(super) fn overlap(periods: &[WorkPeriod], from: i64, to: i64) -> i64 {
    periods
        .iter()
        .map(|p| (to.min(p.end_ms()) - from.max(p.start_ms())).max(0))
        .sum()
}

impl WorkCalendar {
    /// The working periods of local day `day`; `None` when the day is outside chrono's range.
    pub(super) fn day_periods(&self, day: i64) -> Option<&[WorkPeriod]> {
        date_of(day).map(|date| self.working_periods(date))
    }

    /// Visits local days `first..=last` in order until `visit` returns a result. Gives up
    /// (`None`) after [`IDLE_LIMIT_DAYS`] consecutive days without working time, past `last`,
    /// or at the end of chrono's range.
    pub(super) fn scan<R>(
        &self,
        first: i64,
        last: i64,
        mut visit: impl FnMut(i64, &[WorkPeriod]) -> Option<R>,
    ) -> Option<R> {
        let mut idle = 0;
        for day in first..=last {
            let periods = self.day_periods(day)?;
            if let Some(found) = visit(day, periods) {
                return Some(found);
            }
            idle = if periods.is_empty() { idle + 1 } else { 0 };
            if idle >= IDLE_LIMIT_DAYS {
                return None;
            }
        }
        None
    }

    /// The first instant at or after `t` that is working time: `t` itself when it lies inside a
    /// period, else the start of the next period. `None` when there is none within the search
    /// limits (see the module docs).
    pub fn next_working_instant(&self, t: Timestamp) -> Option<Timestamp> {
        let (first, mut from) = split(t)?;
        self.scan(first, first.checked_add(HORIZON_DAYS)?, |day, periods| {
            let found = periods.iter().find(|p| from < p.end_ms());
            let start = found.map(|p| from.max(p.start_ms()));
            from = 0;
            start.and_then(|ms| join(day, ms))
        })
    }

    /// The earliest instant by which `minutes` of working time have passed since `t`. Counting
    /// starts at [`Self::next_working_instant`] of `t`, so a case arriving out of hours starts at
    /// the next period. A result that lands on the end of a period stays there (11:00 + 60
    /// working minutes is 12:00, not 14:30). `minutes == 0` gives `t`; negative minutes or no
    /// result within the search limits give `None`.
    pub fn add_working_minutes(&self, t: Timestamp, minutes: i64) -> Option<Timestamp> {
        if minutes < 0 {
            return None;
        }
        let mut left = minutes.checked_mul(Timestamp::MINUTE_MS)?;
        if left == 0 {
            return Some(t);
        }
        let (first, mut from) = split(t)?;
        self.scan(first, first.checked_add(HORIZON_DAYS)?, |day, periods| {
            let mut found = None;
            for p in periods {
                let start = from.max(p.start_ms());
                let available = (p.end_ms() - start).max(0);
                if left <= available {
                    found = Some(start + left);
                    break;
                }
                left -= available;
            }
            from = 0;
            found.and_then(|ms| join(day, ms))
        })
    }

    /// Working milliseconds in `[a, b)`; 0 when `b <= a`. Counted over at most
    /// [`HORIZON_DAYS`] days from `a` (time beyond that is not counted).
    pub fn working_ms_between(&self, a: Timestamp, b: Timestamp) -> i64 {
        let (Some((first, from)), Some((last, to))) = (split(a), split(b)) else {
            return 0;
        };
        if b <= a {
            return 0;
        }
        let (last, to) = match first.checked_add(HORIZON_DAYS) {
            Some(limit) if limit < last => (limit, 0),
            _ => (last, to),
        };
        let mut total = 0;
        for day in first..=last {
            let Some(periods) = self.day_periods(day) else {
                break;
            };
            let lo = if day == first { from } else { 0 };
            let hi = if day == last { to } else { DAY_MS };
            total += overlap(periods, lo, hi);
        }
        total
    }
}
