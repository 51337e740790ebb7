//! The week and season parts of a calendar file: `weekdays` and the `[[schedule]]` tables,
//! which together must give every month-day of the year (02-29 included) exactly one schedule.

use super::file::{Source, Value, child};
use super::{Coverage, MonthDay, Schedule, WorkPeriod, season_table};
use crate::error::DataFileError;

/// `weekdays = [1, 2, 3, 4, 5]`: ISO numbers (1 = Monday … 7 = Sunday), at least one, no repeats.
pub(super) fn weekdays(src: &Source<'_>, value: &Value<'_>) -> Result<[bool; 7], DataFileError> {
    let items = src.array(value, "weekdays")?;
    if items.is_empty() {
        return Err(src.error(Some(value.span()), "weekdays", "needs at least one weekday"));
    }
    let mut days = [false; 7];
    for (i, item) in items.iter().enumerate() {
        let field = format!("weekdays[{i}]");
        let n = src.integer(item, &field)?;
        let slot = usize::try_from(n.saturating_sub(1))
            .ok()
            .and_then(|d| days.get_mut(d));
        match slot {
            Some(slot) if !*slot => *slot = true,
            Some(_) => return Err(src.error(Some(item.span()), &field, "listed twice")),
            None => {
                let message = "must be 1 (Monday) to 7 (Sunday)";
                return Err(src.error(Some(item.span()), &field, message));
            }
        }
    }
    Ok(days)
}

/// The `[[schedule]]` tables and the season table they make (each month-day exactly once).
pub(super) fn schedules(
    src: &Source<'_>,
    value: &Value<'_>,
) -> Result<(Vec<Schedule>, Vec<usize>), DataFileError> {
    let items = src.array(value, "schedule")?;
    let mut schedules = Vec::with_capacity(items.len());
    let mut from_spans = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("schedule[{i}]");
        let table = src.table(item, &path)?;
        src.known_keys(table, &["name", "from", "to", "periods"], &path)?;
        let at = Some(item.span());
        let name = src.string(
            src.required(table, at.clone(), "name", &path)?,
            &child(&path, "name"),
        )?;
        let from_value = src.required(table, at.clone(), "from", &path)?;
        let from = month_day(src, from_value, &child(&path, "from"))?;
        let to = month_day(
            src,
            src.required(table, at.clone(), "to", &path)?,
            &child(&path, "to"),
        )?;
        let periods_value = src.required(table, at, "periods", &path)?;
        let periods = periods(src, periods_value, &child(&path, "periods"))?;
        let count = periods.len();
        schedules.push(
            Schedule::new(name, from, to, periods).map_err(|(index, message)| {
                let items = src.array(periods_value, &path).unwrap_or_default();
                match items.get(index).filter(|_| index < count) {
                    Some(item) => src.error(
                        Some(item.span()),
                        &format!("{path}.periods[{index}]"),
                        message,
                    ),
                    None => src.error(
                        Some(periods_value.span()),
                        &format!("{path}.periods"),
                        message,
                    ),
                }
            })?,
        );
        from_spans.push(from_value.span());
    }
    let season = season_table(&schedules).map_err(|coverage| match coverage {
        Coverage::Gap(day) => {
            let message = format!("no schedule covers {day}; every day of the year needs one");
            src.error(Some(value.span()), "schedule", message)
        }
        Coverage::Overlap { first, second, day } => {
            let message = format!("covers {day}, which schedule[{first}] covers too");
            let field = format!("schedule[{second}].from");
            src.error(from_spans.get(second).cloned(), &field, message)
        }
    })?;
    Ok((schedules, season))
}

fn month_day(src: &Source<'_>, value: &Value<'_>, field: &str) -> Result<MonthDay, DataFileError> {
    MonthDay::parse(src.string(value, field)?).map_err(|m| src.error(Some(value.span()), field, m))
}

fn periods(
    src: &Source<'_>,
    value: &Value<'_>,
    field: &str,
) -> Result<Vec<WorkPeriod>, DataFileError> {
    let items = src.array(value, field)?;
    let mut periods = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let text = src.string(item, &field)?;
        periods.push(WorkPeriod::parse(text).map_err(|m| src.error(Some(item.span()), &field, m))?);
    }
    Ok(periods)
}
