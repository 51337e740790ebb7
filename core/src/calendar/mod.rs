//! The tenant work calendar (工作日历) in Asia/Shanghai: which days are working days and which
//! hours of them are working time, and the arithmetic that time limits need on top of that.
//!
//! A [`WorkCalendar`] holds the working weekdays, seasonal schedules (夏季 / 冬季 作息, each a
//! month-day range with its working periods, e.g. 08:30–12:00 and 14:30–18:00) and, per year,
//! public holidays (节假日) and make-up working days (调休上班). A day is a working day when it
//! is a make-up day, or a working weekday that is not a holiday; its periods are those of the
//! schedule whose season contains it. Calendars come from a TOML file ([`WorkCalendar::parse_toml`],
//! format in `docs/calendar.md`) or [`WorkCalendar::standard_weekdays`].
//!
//! Operations: [`WorkCalendar::next_working_instant`], [`WorkCalendar::add_working_minutes`],
//! [`WorkCalendar::add_working_days`], [`WorkCalendar::working_ms_between`],
//! [`WorkCalendar::working_days_between`], and for a [`TimeLimit`](crate::model::TimeLimit) of
//! any unit [`WorkCalendar::add_limit`], [`WorkCalendar::elapsed`] and
//! [`WorkCalendar::elapsed_fraction`]. Counting always starts at the next working instant, so a
//! case arriving out of hours is not charged for the night. N working days keep the working-time
//! position of the start on the N-th working day after it (see `add_working_days`).
//!
//! Invariants:
//! - Pure: no I/O, no clock. Every instant is a [`Timestamp`](crate::model::Timestamp) passed
//!   in; China is a fixed UTC+08:00, so local days are exact 24-hour days.
//! - Every month-day of the year (02-29 included) belongs to exactly one schedule, and every
//!   schedule has at least one period; periods are ordered, non-overlapping, within one day.
//! - Periods are half-open `[start, end)`: 12:00 is not working time in 08:30–12:00.
//! - Searches never loop without bound: a search gives up (`None`) after
//!   [`IDLE_LIMIT_DAYS`] days without working time or [`HORIZON_DAYS`] days in all, and nothing
//!   panics on any input.
//! - Years without a `[years.N]` entry have no holidays or make-up days: only the weekly pattern
//!   applies. Callers can check [`WorkCalendar::covers_year`] and warn.

mod days;
mod file;
mod file_schedules;
mod file_teams;
mod file_years;
mod measure;
mod period;
mod walk;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_file;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
mod tests_prop;

pub use file_teams::{TeamFile, parse_team_file};
pub use period::{MonthDay, Schedule, WorkPeriod};

use crate::error::DataFileError;
use chrono::{Datelike, NaiveDate, NaiveTime};
use std::collections::BTreeSet;

/// A search for working time gives up after this many consecutive days without any (10 years).
pub const IDLE_LIMIT_DAYS: i64 = 3_660;

/// No search looks further than this many days past its start (100 years); elapsed working time
/// is counted over at most this span.
pub const HORIZON_DAYS: i64 = 36_525;

/// A tenant's work calendar. See the module docs for the rules and invariants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkCalendar {
    name: String,
    /// Working weekdays, indexed by days from Monday (0 = Monday … 6 = Sunday).
    weekdays: [bool; 7],
    schedules: Vec<Schedule>,
    /// For each of the 366 month-days (leap-year order), the index of its schedule.
    season: Vec<usize>,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

/// Why a set of schedules does not cover the year exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coverage {
    /// No schedule covers this month-day.
    Gap(MonthDay),
    /// Schedules `first` and `second` both cover this month-day.
    Overlap {
        first: usize,
        second: usize,
        day: MonthDay,
    },
}

/// For each month-day, the one schedule covering it.
pub(crate) fn season_table(schedules: &[Schedule]) -> Result<Vec<usize>, Coverage> {
    let mut table = Vec::with_capacity(366);
    for day in MonthDay::all() {
        let mut covering = schedules.iter().enumerate().filter(|(_, s)| s.covers(day));
        match (covering.next(), covering.next()) {
            (Some((i, _)), None) => table.push(i),
            (Some((first, _)), Some((second, _))) => {
                return Err(Coverage::Overlap { first, second, day });
            }
            (None, _) => return Err(Coverage::Gap(day)),
        }
    }
    Ok(table)
}

impl WorkCalendar {
    /// Monday to Friday, 08:30–12:00 and 14:30–18:00 all year, no holidays: a plain calendar
    /// for tests and for tenants that have not loaded their own.
    pub fn standard_weekdays() -> Self {
        let periods = [(8 * 60 + 30, 12 * 60), (14 * 60 + 30, 18 * 60)]
            .into_iter()
            .filter_map(|(s, e)| WorkPeriod::from_minutes(s, e))
            .collect();
        let schedules = Schedule::new("全年", MonthDay::JAN_1, MonthDay::DEC_31, periods)
            .into_iter()
            .collect();
        Self {
            name: "standard".into(),
            weekdays: [true, true, true, true, true, false, false],
            season: vec![0; 366],
            schedules,
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
            years: BTreeSet::new(),
        }
    }

    /// Reads a calendar file (TOML, format in `docs/calendar.md`). `file_name` is only used in
    /// errors, which name the file, the 1-based line and the field path (`schedule[1].periods[0]`).
    pub fn parse_toml(file_name: &str, text: &str) -> Result<WorkCalendar, DataFileError> {
        file::parse(file_name, text)
    }

    /// The calendar's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The seasonal schedules, in file order.
    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// Whether the calendar lists holidays and make-up days for `year` (a `[years.N]` entry).
    pub fn covers_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years with holiday data, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `date` is a working day: a make-up working day, or a working weekday that is not
    /// a public holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        let weekday = date.weekday().num_days_from_monday() as usize;
        !self.holidays.contains(&date) && self.weekdays.get(weekday).copied().unwrap_or(false)
    }

    /// The schedule in force on `date` (by season, whether or not it is a working day).
    pub fn schedule_on(&self, date: NaiveDate) -> Option<&Schedule> {
        let index = self.season.get(MonthDay::of(date).leap_index())?;
        self.schedules.get(*index)
    }

    /// The working periods of `date` as local `(start, end)` times; empty on non-working days.
    pub fn periods_on(&self, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
        self.working_periods(date)
            .iter()
            .map(|p| (p.start(), p.end()))
            .collect()
    }

    /// The working periods of `date`, empty on non-working days.
    pub(crate) fn working_periods(&self, date: NaiveDate) -> &[WorkPeriod] {
        match self.schedule_on(date) {
            Some(schedule) if self.is_working_day(date) => schedule.periods(),
            _ => &[],
        }
    }
}
