//! Time limits (时限) on the calendar: the deadline of a limit, and how much of a limit has been
//! used, in the limit's own unit, so a deadline module can compute "fraction of the limit used"
//! the same way for working minutes, hours, days and natural time.
//!
//! Working hours are 60 working minutes each. Natural units are plain elapsed time from the
//! start (a natural day is 24 hours: Asia/Shanghai has no daylight saving).

use super::WorkCalendar;
use super::walk::DAY_MS;
use crate::model::Timestamp;
use crate::model::{LimitUnit, TimeLimit};

const HOUR_MS: i64 = 60 * Timestamp::MINUTE_MS;

/// The length of one natural unit in milliseconds; `None` for working units.
fn natural_ms(unit: LimitUnit) -> Option<i64> {
    match unit {
        LimitUnit::NaturalMinutes => Some(Timestamp::MINUTE_MS),
        LimitUnit::NaturalHours => Some(HOUR_MS),
        LimitUnit::NaturalDays => Some(DAY_MS),
        LimitUnit::WorkingMinutes | LimitUnit::WorkingHours | LimitUnit::WorkingDays => None,
    }
}

impl WorkCalendar {
    /// The deadline of `limit` started at `start`: working units through
    /// [`Self::add_working_minutes`] (hours × 60) and [`Self::add_working_days`], natural units
    /// as plain elapsed time. `None` on overflow or past the search limits.
    pub fn add_limit(&self, start: Timestamp, limit: TimeLimit) -> Option<Timestamp> {
        let value = i64::from(limit.value);
        match limit.unit {
            LimitUnit::WorkingMinutes => self.add_working_minutes(start, value),
            LimitUnit::WorkingHours => self.add_working_minutes(start, value * 60),
            LimitUnit::WorkingDays => self.add_working_days(start, limit.value),
            LimitUnit::NaturalMinutes | LimitUnit::NaturalHours | LimitUnit::NaturalDays => {
                let unit_ms = natural_ms(limit.unit)?;
                start
                    .ms()
                    .checked_add(value.checked_mul(unit_ms)?)
                    .map(Timestamp)
            }
        }
    }

    /// How many `unit`s have elapsed from `from` to `to` (0 when `to <= from`): working minutes
    /// or hours of working time, working days by [`Self::working_days_between`], natural units
    /// of plain time. Fractional, so that `elapsed(unit, s, add_limit(s, n unit)) == n`.
    pub fn elapsed(&self, unit: LimitUnit, from: Timestamp, to: Timestamp) -> f64 {
        if to <= from {
            return 0.0;
        }
        let working = |per_unit: i64| self.working_ms_between(from, to) as f64 / per_unit as f64;
        match unit {
            LimitUnit::WorkingMinutes => working(Timestamp::MINUTE_MS),
            LimitUnit::WorkingHours => working(HOUR_MS),
            LimitUnit::WorkingDays => self.working_days_between(from, to),
            LimitUnit::NaturalMinutes | LimitUnit::NaturalHours | LimitUnit::NaturalDays => {
                let per_unit = natural_ms(unit).unwrap_or(DAY_MS) as f64;
                (to.ms() as f64 - from.ms() as f64) / per_unit
            }
        }
    }

    /// The share of `limit` used from `start` to `now`: 0.0 at the start, 1.0 at the deadline,
    /// above 1.0 when overdue. A zero limit is used up from the start and gives 1.0 (decide
    /// "overdue" by comparing `now` with [`Self::add_limit`], not by this ratio).
    pub fn elapsed_fraction(&self, start: Timestamp, now: Timestamp, limit: TimeLimit) -> f64 {
        if limit.value == 0 {
            return 1.0;
        }
        self.elapsed(limit.unit, start, now) / f64::from(limit.value)
    }
}
