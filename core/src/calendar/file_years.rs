//! The `[years.N]` tables of a calendar file: public holidays (`holidays`) and make-up working
//! days (`workdays`, 调休上班) of year N. Entries are `"2026-10-01"`, inclusive ranges
//! `"2026-10-01..2026-10-07"`, or TOML local dates. Every date must fall in year N, appear once
//! in its list, and not be both a holiday and a make-up day.

use super::file::{Source, Value, child};
use crate::error::DataFileError;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

/// Holidays and make-up days of all years in a file.
#[derive(Default)]
pub(super) struct Years {
    pub(super) holidays: BTreeSet<NaiveDate>,
    pub(super) workdays: BTreeSet<NaiveDate>,
    pub(super) years: BTreeSet<i32>,
}

/// Reads the `years` table.
pub(super) fn years(src: &Source<'_>, value: &Value<'_>) -> Result<Years, DataFileError> {
    let mut out = Years::default();
    for (key, entry) in src.table(value, "years")? {
        let path = child("years", key.get_ref());
        let year = key
            .get_ref()
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .ok_or_else(|| src.error(Some(key.span()), &path, "must be a year such as 2026"))?;
        let table = src.table(entry, &path)?;
        src.known_keys(table, &["holidays", "workdays"], &path)?;
        let holidays = match table.get("holidays") {
            Some(list) => dates(src, list, &child(&path, "holidays"), year, &BTreeSet::new())?,
            None => BTreeSet::new(),
        };
        let workdays = match table.get("workdays") {
            Some(list) => dates(src, list, &child(&path, "workdays"), year, &holidays)?,
            None => BTreeSet::new(),
        };
        out.holidays.extend(holidays);
        out.workdays.extend(workdays);
        out.years.insert(year);
    }
    Ok(out)
}

/// The dates of one list, each in `year`, none listed twice, none in `exclusive`.
fn dates(
    src: &Source<'_>,
    value: &Value<'_>,
    path: &str,
    year: i32,
    exclusive: &BTreeSet<NaiveDate>,
) -> Result<BTreeSet<NaiveDate>, DataFileError> {
    let mut out = BTreeSet::new();
    for (i, item) in src.array(value, path)?.iter().enumerate() {
        let field = format!("{path}[{i}]");
        let fail = |message: String| src.error(Some(item.span()), &field, message);
        let (first, last) = entry(item).map_err(fail)?;
        for date in first.iter_days().take_while(|d| *d <= last) {
            if date.year() != year {
                return Err(fail(format!("{date} is not in {year}")));
            }
            if exclusive.contains(&date) {
                return Err(fail(format!("{date} is also listed as a holiday")));
            }
            if !out.insert(date) {
                return Err(fail(format!("{date} is listed twice")));
            }
        }
    }
    Ok(out)
}

/// One entry as an inclusive range of dates.
fn entry(item: &Value<'_>) -> Result<(NaiveDate, NaiveDate), String> {
    let expected = "expected a date \"2026-10-01\" or a range \"2026-10-01..2026-10-07\"";
    if let Some(datetime) = item.get_ref().as_datetime() {
        let date = match (datetime.date, datetime.time, datetime.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            }
            _ => None,
        };
        return date
            .map(|d| (d, d))
            .ok_or_else(|| format!("{expected}, not a date-time"));
    }
    let text = item
        .get_ref()
        .as_str()
        .ok_or_else(|| format!("{expected}, found {}", item.get_ref().type_str()))?;
    let (first, last) = text.split_once("..").unwrap_or((text, text));
    let (first, last) = (date(first.trim(), expected)?, date(last.trim(), expected)?);
    if last < first {
        return Err(format!("range {text:?} ends before it starts"));
    }
    Ok((first, last))
}

fn date(text: &str, expected: &str) -> Result<NaiveDate, String> {
    let well_formed = text.len() == 10 && text.as_bytes().get(4) == Some(&b'-');
    well_formed
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| format!("{text:?}: {expected}"))
}
