//! Survey tables (专项普查, issue 16): `survey_tasks` (the task as its wire JSON) and
//! `survey_marks` (the inspectors' marks by the device's id of the mark).
//!
//! Invariants: every query names the tenant; tasks and marks are never updated (a retry is
//! compared with the stored row by biz::survey).

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;

/// A stored task: its JSON.
pub fn task(conn: &Connection<'_>, tenant: &str, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT task FROM survey_tasks WHERE tenant = ?1 AND id = ?2",
            params![tenant, id],
            |r| r.get(0),
        )
        .optional()?)
}

/// A new task row.
pub struct NewTask<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Wire JSON.
    pub task: &'a str,
    /// Start, ms.
    pub starts_at: i64,
    /// Due, ms.
    pub due_at: i64,
    /// Creator (user id).
    pub created_by: &'a str,
    /// Server time, ms.
    pub now: i64,
}

/// Stores a task.
pub fn insert_task(conn: &Connection<'_>, t: &NewTask<'_>) -> Result<()> {
    conn.execute(
        "INSERT INTO survey_tasks(tenant, id, title, task, starts_at, due_at, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![t.tenant, t.id, t.title, t.task, t.starts_at, t.due_at, t.created_by, t.now],
    )?;
    Ok(())
}

/// Every task of the tenant (JSON), newest start first.
pub fn tasks(conn: &Connection<'_>, tenant: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT task FROM survey_tasks WHERE tenant = ?1 ORDER BY starts_at DESC, id",
    )?;
    let rows = stmt.query_map([tenant], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// A stored mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkRow {
    /// The device's id.
    pub id: String,
    /// The survey.
    pub survey: String,
    /// The inspector.
    pub inspector: String,
    /// `SurveyMarkWire` as JSON.
    pub mark: String,
}

/// The mark stored under `id`, if any.
pub fn mark(conn: &Connection<'_>, tenant: &str, id: &str) -> Result<Option<MarkRow>> {
    Ok(conn
        .query_row(
            "SELECT id, survey, inspector, mark FROM survey_marks WHERE tenant = ?1 AND id = ?2",
            params![tenant, id],
            |r| {
                Ok(MarkRow {
                    id: r.get(0)?,
                    survey: r.get(1)?,
                    inspector: r.get(2)?,
                    mark: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Stores a mark.
pub fn insert_mark(
    conn: &Connection<'_>,
    tenant: &str,
    m: &MarkRow,
    case_id: Option<&str>,
    at: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO survey_marks(tenant, id, survey, inspector, mark, case_id, at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            tenant,
            m.id,
            m.survey,
            m.inspector,
            m.mark,
            case_id,
            at,
            now
        ],
    )?;
    Ok(())
}

/// Every mark of a survey.
pub fn marks(conn: &Connection<'_>, tenant: &str, survey: &str) -> Result<Vec<MarkRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, survey, inspector, mark FROM survey_marks
         WHERE tenant = ?1 AND survey = ?2 ORDER BY at, id",
    )?;
    let rows = stmt.query_map(params![tenant, survey], |r| {
        Ok(MarkRow {
            id: r.get(0)?,
            survey: r.get(1)?,
            inspector: r.get(2)?,
            mark: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The tenant a stored case document belongs to, if the server holds it.
pub fn case_tenant(conn: &Connection<'_>, case_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT tenant FROM docs WHERE case_id = ?1",
            [case_id],
            |r| r.get(0),
        )
        .optional()?)
}
