//! The team calendars file (TOML, format in `docs/calendar.md`): several named calendars of a
//! tenant (e.g. the centre's 24×7 shifts, the departments' 工作日, a street's hours), which
//! stage clock counts on which, and which department's handling counts on which.
//!
//! Invariants: every named calendar is a complete calendar (the same keys as a calendar file
//! but `version`); every name a stage or department refers to exists; stage names and
//! department codes are checked by the caller's lists; errors name the file, the line and the
//! field path (`calendars.中心.schedule[0].periods[0]`, `departments.HW01`).

use super::WorkCalendar;
use super::file::{FORMAT_VERSION, Source, calendar, child, source};
use crate::error::DataFileError;
use std::collections::BTreeMap;
use toml::de::DeTable;

/// A team calendars file as read: the named calendars and the two assignments (by name).
#[derive(Clone, Debug, Default)]
pub struct TeamFile {
    /// Named calendars.
    pub calendars: BTreeMap<String, WorkCalendar>,
    /// Stage name (`accept`, …, `handling`) → calendar name.
    pub stages: BTreeMap<String, String>,
    /// Department code → calendar name.
    pub departments: BTreeMap<String, String>,
}

/// Reads a team calendars file. `stages` lists the stage names accepted; `known_department`
/// says whether a department code exists in the tenant.
pub fn parse_team_file(
    file: &str,
    text: &str,
    stages: &[&str],
    known_department: &dyn Fn(&str) -> bool,
) -> Result<TeamFile, DataFileError> {
    let src = source(file, text);
    let doc =
        DeTable::parse(text).map_err(|e| src.error(e.span(), "(toml syntax)", e.message()))?;
    let root = doc.get_ref();
    src.known_keys(root, &["version", "calendars", "stages", "departments"], "")?;
    let version = src.required(root, None, "version", "")?;
    if src.integer(version, "version")? != FORMAT_VERSION {
        let message = format!("unsupported version; this build reads version {FORMAT_VERSION}");
        return Err(src.error(Some(version.span()), "version", message));
    }
    let mut out = TeamFile::default();
    let list = src.required(root, None, "calendars", "")?;
    for (key, value) in src.table(list, "calendars")? {
        let path = child("calendars", key.get_ref());
        let table = src.table(value, &path)?;
        let keys = ["name", "timezone", "weekdays", "schedule", "years"];
        src.known_keys(table, &keys, &path)?;
        let cal = calendar(&src, table, Some(value.span()), &path)?;
        out.calendars.insert(key.get_ref().to_string(), cal);
    }
    if out.calendars.is_empty() {
        return Err(src.error(
            Some(list.span()),
            "calendars",
            "needs at least one calendar",
        ));
    }
    out.stages = assignments(&src, root, "stages", &out, &|s| stages.contains(&s))?;
    out.departments = assignments(&src, root, "departments", &out, known_department)?;
    Ok(out)
}

/// `[stages]` or `[departments]`: key → calendar name, keys checked by `known`.
fn assignments(
    src: &Source<'_>,
    root: &DeTable<'_>,
    section: &str,
    file: &TeamFile,
    known: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, String>, DataFileError> {
    let mut out = BTreeMap::new();
    let Some(value) = root.get(section) else {
        return Ok(out);
    };
    for (key, name) in src.table(value, section)? {
        let field = child(section, key.get_ref());
        if !known(key.get_ref()) {
            let what = if section == "stages" {
                "unknown stage; expected accept, verify, file, dispatch, handling, check_dispatch, check, close or review"
            } else {
                "unknown department code"
            };
            return Err(src.error(Some(key.span()), &field, what));
        }
        let target = src.string(name, &field)?;
        if !file.calendars.contains_key(target) {
            let message = format!("no calendar named {target:?} in [calendars]");
            return Err(src.error(Some(name.span()), &field, message));
        }
        out.insert(key.get_ref().to_string(), target.to_owned());
    }
    Ok(out)
}
