//! Calendars per team (issue 12, C4): a tenant's named calendars and which one each stage clock
//! and each department's handling clock counts on — the centre on 24×7 shifts, departments on
//! 工作日, a street on its own hours — read from the team calendars file
//! ([`crate::calendar::parse_team_file`], format in `docs/calendar.md`).
//!
//! Invariants: a clock with no assignment counts on the tenant's calendar (the `calendar`
//! file), so a tenant without a team calendars file behaves as before; the handling clock of a
//! dispatch counts on the department's calendar, else the `handling` stage's, else the
//! tenant's; natural-time limits ignore every calendar (they stay natural).

use super::Clock;
use crate::calendar::{WorkCalendar, parse_team_file};
use crate::error::DataFileError;
use crate::model::DepartmentId;
use std::collections::{BTreeMap, HashMap};

/// A tenant's team calendars and their assignments.
#[derive(Clone, Debug, Default)]
pub struct TeamCalendars {
    calendars: BTreeMap<String, WorkCalendar>,
    stages: HashMap<Clock, String>,
    departments: HashMap<DepartmentId, String>,
}

impl TeamCalendars {
    /// Reads a team calendars file. `department` resolves a department code of the tenant
    /// (an unknown code is an error naming its line).
    pub fn parse_toml(
        file: &str,
        text: &str,
        department: &dyn Fn(&str) -> Option<DepartmentId>,
    ) -> Result<Self, DataFileError> {
        let names: Vec<&str> = ALL_CLOCKS.iter().map(|c| c.as_str()).collect();
        let read = parse_team_file(file, text, &names, &|code| department(code).is_some())?;
        let stages = read
            .stages
            .into_iter()
            .filter_map(|(stage, cal)| {
                let clock = ALL_CLOCKS.into_iter().find(|c| c.as_str() == stage)?;
                Some((clock, cal))
            })
            .collect();
        let departments = read
            .departments
            .into_iter()
            .filter_map(|(code, cal)| Some((department(&code)?, cal)))
            .collect();
        Ok(TeamCalendars {
            calendars: read.calendars,
            stages,
            departments,
        })
    }

    /// The calendar `clock` counts on, when one is assigned: for the handling clock, the
    /// department's first, then the `handling` stage's.
    pub fn for_clock(
        &self,
        clock: Clock,
        department: Option<DepartmentId>,
    ) -> Option<&WorkCalendar> {
        let by_department = match (clock, department) {
            (Clock::Handling, Some(d)) => self.departments.get(&d),
            _ => None,
        };
        by_department
            .or_else(|| self.stages.get(&clock))
            .and_then(|name| self.calendars.get(name))
    }

    /// The named calendars.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.calendars.keys().map(String::as_str)
    }
}

/// Every clock, stages and handling.
const ALL_CLOCKS: [Clock; 10] = [
    Clock::Accept,
    Clock::Verify,
    Clock::File,
    Clock::Dispatch,
    Clock::Handling,
    Clock::CheckDispatch,
    Clock::Check,
    Clock::Close,
    Clock::Review,
    Clock::Callback,
];
