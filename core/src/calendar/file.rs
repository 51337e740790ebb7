//! The calendar file (TOML, format in `docs/calendar.md`) into a [`WorkCalendar`]. The file is
//! read as a spanned TOML tree (`toml::de::DeTable`) rather than through serde so that every
//! error names the file, the 1-based line of the offending value and its field path
//! (`schedule[1].periods[0]`, `years.2026.workdays[3]`). Unknown keys are errors, not ignored:
//! a misspelt `holiday` must not silently drop a year's holidays.

use super::WorkCalendar;
use super::{file_schedules, file_years};
use crate::error::DataFileError;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A spanned value of the file.
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// The only time zone accepted (see `docs/calendar.md`).
const TIMEZONE: &str = "Asia/Shanghai";
/// The file format version this build reads.
const VERSION: i64 = 1;

/// The file being read, to turn spans into lines in errors.
pub(super) struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// An error at the line of `span` (line 0 when `None`: the whole file).
    pub(super) fn error(
        &self,
        span: Option<Range<usize>>,
        field: &str,
        message: impl Into<String>,
    ) -> DataFileError {
        let line = span
            .and_then(|s| self.text.get(..s.start))
            .map_or(0, |before| before.matches('\n').count() + 1);
        DataFileError::new(self.file, line, field, message)
    }

    /// Refuses keys of `table` not in `allowed`.
    pub(super) fn known_keys(
        &self,
        table: &DeTable<'_>,
        allowed: &[&str],
        path: &str,
    ) -> Result<(), DataFileError> {
        match table
            .keys()
            .find(|k| !allowed.contains(&k.get_ref().as_ref()))
        {
            None => Ok(()),
            Some(key) => Err(self.error(
                Some(key.span()),
                &child(path, key.get_ref()),
                format!("unknown key; expected one of: {}", allowed.join(", ")),
            )),
        }
    }

    /// The value of `key`, or an error at `at` (the table's span; `None` for the root).
    pub(super) fn required<'v, 'i>(
        &self,
        table: &'v DeTable<'i>,
        at: Option<Range<usize>>,
        key: &str,
        path: &str,
    ) -> Result<&'v Value<'i>, DataFileError> {
        table
            .get(key)
            .ok_or_else(|| self.error(at, &child(path, key), "missing"))
    }

    fn expected(&self, value: &Value<'_>, field: &str, what: &str) -> DataFileError {
        let found = value.get_ref().type_str();
        self.error(
            Some(value.span()),
            field,
            format!("expected {what}, found {found}"),
        )
    }

    /// `value` as a string.
    pub(super) fn string<'v>(
        &self,
        value: &'v Value<'_>,
        field: &str,
    ) -> Result<&'v str, DataFileError> {
        value
            .get_ref()
            .as_str()
            .ok_or_else(|| self.expected(value, field, "a string"))
    }

    /// `value` as an integer.
    pub(super) fn integer(&self, value: &Value<'_>, field: &str) -> Result<i64, DataFileError> {
        let number = value.get_ref().as_integer();
        number
            .and_then(|n| i64::from_str_radix(n.as_str(), n.radix()).ok())
            .ok_or_else(|| self.expected(value, field, "an integer"))
    }

    /// `value` as an array.
    pub(super) fn array<'v, 'i>(
        &self,
        value: &'v Value<'i>,
        field: &str,
    ) -> Result<&'v [Value<'i>], DataFileError> {
        match value.get_ref() {
            DeValue::Array(items) => Ok(items),
            _ => Err(self.expected(value, field, "an array")),
        }
    }

    /// `value` as a table.
    pub(super) fn table<'v, 'i>(
        &self,
        value: &'v Value<'i>,
        field: &str,
    ) -> Result<&'v DeTable<'i>, DataFileError> {
        value
            .get_ref()
            .as_table()
            .ok_or_else(|| self.expected(value, field, "a table"))
    }
}

/// `path.key`, or `key` at the root.
pub(super) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Reads a calendar file; see [`WorkCalendar::parse_toml`].
pub(super) fn parse(file: &str, text: &str) -> Result<WorkCalendar, DataFileError> {
    let src = Source { file, text };
    let doc =
        DeTable::parse(text).map_err(|e| src.error(e.span(), "(toml syntax)", e.message()))?;
    let root = doc.get_ref();
    let keys = [
        "version", "name", "timezone", "weekdays", "schedule", "years",
    ];
    src.known_keys(root, &keys, "")?;
    let version = src.required(root, None, "version", "")?;
    if src.integer(version, "version")? != VERSION {
        let message = format!("unsupported version; this build reads version {VERSION}");
        return Err(src.error(Some(version.span()), "version", message));
    }
    calendar(&src, root, None, "")
}

/// The calendar described by `table` (the file's root, or a named calendar of a team
/// calendars file at `path`): name, time zone, weekdays, schedules and years. Errors name the
/// line; inside a team calendars file their field starts with `path`.
pub(super) fn calendar(
    src: &Source<'_>,
    table: &DeTable<'_>,
    at: Option<Range<usize>>,
    path: &str,
) -> Result<WorkCalendar, DataFileError> {
    let inner = |e: DataFileError| {
        if path.is_empty() || e.field.starts_with(path) {
            e
        } else {
            DataFileError {
                field: child(path, &e.field),
                ..e
            }
        }
    };
    let name_value = src.required(table, at.clone(), "name", path)?;
    let name = src.string(name_value, &child(path, "name"))?.trim();
    if name.is_empty() {
        return Err(src.error(
            Some(name_value.span()),
            &child(path, "name"),
            "must not be empty",
        ));
    }
    let zone = src.required(table, at.clone(), "timezone", path)?;
    if src.string(zone, &child(path, "timezone"))? != TIMEZONE {
        let message = format!("only \"{TIMEZONE}\" is supported (a fixed UTC+08:00)");
        return Err(src.error(Some(zone.span()), &child(path, "timezone"), message));
    }
    let weekdays =
        file_schedules::weekdays(src, src.required(table, at.clone(), "weekdays", path)?)
            .map_err(inner)?;
    let schedules = file_schedules::schedules(src, src.required(table, at, "schedule", path)?)
        .map_err(inner)?;
    let years = match table.get("years") {
        Some(value) => file_years::years(src, value).map_err(inner)?,
        None => file_years::Years::default(),
    };
    Ok(WorkCalendar {
        name: name.to_owned(),
        weekdays,
        season: schedules.1,
        schedules: schedules.0,
        holidays: years.holidays,
        workdays: years.workdays,
        years: years.years,
    })
}

/// Parses `text` as a spanned TOML tree, for the other readers of calendar files.
pub(super) fn source<'a>(file: &'a str, text: &'a str) -> Source<'a> {
    Source { file, text }
}

/// The file format version this build reads (shared with the team calendars file).
pub(super) const FORMAT_VERSION: i64 = VERSION;
