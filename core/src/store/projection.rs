//! The `cases` projection: one row per case for list views, recomputed from the case's events on
//! every write by a [`ProjectionFn`], and the queries over it.
//!
//! Invariant: a row is a pure function of the case's events (plus the store's own sync state),
//! so it can always be rebuilt ([`DeviceStore::reproject`]); it is never edited by hand. Entries
//! the document cannot decode are counted in `conflict_count`, never hidden.

use super::{DeviceStore, StoreError};
use crate::doc::CaseDoc;
use crate::model::{CaseId, Timestamp, Urgency};
use crate::workflow::{Event, ReportPayload, fold};
use rusqlite::{Connection, Row, params};

/// Where a case stands with the server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyncState {
    /// The server has never acknowledged this case.
    Local,
    /// Local changes are waiting to be synced.
    Pending,
    /// The server has everything this device has.
    Synced,
}

/// A case as a list view shows it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProjectionRow {
    /// The case.
    pub case_id: CaseId,
    /// Workflow status, stable `snake_case` text (the fold's `Status::as_str`).
    pub status: String,
    /// Status shown to users (the fold's `Status::label_zh`).
    pub status_label: String,
    /// Category as `component:<code>` or `matter:<code>`.
    pub category: Option<String>,
    /// Unit grid cell code.
    pub cell: Option<String>,
    /// Responsible department id.
    pub department: Option<String>,
    /// `urgent` or `normal`.
    pub urgency: Option<String>,
    /// Address text of the report.
    pub address: Option<String>,
    /// The first 60 characters of the description.
    pub excerpt: Option<String>,
    /// The server's case number (案卷号), once assigned.
    pub case_number: Option<String>,
    /// Events flagged as conflicts, plus entries the document could not decode.
    pub conflict_count: u32,
    /// Time of the latest event.
    pub updated_at: Timestamp,
    /// Time of the report (the store takes it from the document).
    pub created_at: Timestamp,
    /// Filled by the store when reading; a projection function returns `SyncState::Local`.
    pub sync_state: SyncState,
}

/// Computes a case's row from its events (sorted by (HLC, actor, id)).
pub type ProjectionFn = fn(CaseId, &[Event]) -> ProjectionRow;

/// What [`DeviceStore::list_cases`] returns; every set field must match.
#[derive(Clone, Default, Debug)]
pub struct CaseFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only cases dispatched to this department id.
    pub department: Option<String>,
    /// Only cases with local changes not yet synced.
    pub dirty_only: bool,
}

const EXCERPT_CHARS: usize = 60;

/// The default projection: the workflow fold ([`crate::workflow::fold`]) mapped to a row.
/// `conflict_count` counts the fold's flagged conflicts (the store adds the entries the document
/// could not decode).
pub fn fold_projection(case_id: CaseId, events: &[Event]) -> ProjectionRow {
    let state = fold(events);
    let report = state.report.as_ref();
    ProjectionRow {
        case_id,
        status: state.status.as_str().to_owned(),
        status_label: state.status.label_zh().to_owned(),
        category: report.map(category_text),
        cell: state.cell().map(|c| c.to_string()),
        department: state.department.map(|d| d.to_string()),
        urgency: report.map(|r| urgency_text(r.urgency).to_owned()),
        address: report.map(|r| r.address.clone()),
        excerpt: report.map(|r| r.description.chars().take(EXCERPT_CHARS).collect()),
        case_number: state.case_number.clone(),
        conflict_count: u32::try_from(state.conflicts.len()).unwrap_or(u32::MAX),
        updated_at: state.updated_at.unwrap_or_default(),
        created_at: state.reported_at.unwrap_or_default(),
        sync_state: SyncState::Local,
    }
}

fn category_text(r: &ReportPayload) -> String {
    let kind = serde_json::to_value(r.category.kind).ok();
    let kind = kind.as_ref().and_then(|v| v.as_str()).unwrap_or("unknown");
    format!("{kind}:{}", r.category.code)
}

fn urgency_text(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Urgent => "urgent",
        Urgency::Normal => "normal",
    }
}

/// Recomputes and upserts the row of `doc`'s case.
pub(crate) fn write_row(
    conn: &Connection,
    doc: &CaseDoc,
    project: ProjectionFn,
) -> Result<(), StoreError> {
    let read = doc.read_events()?;
    let mut row = project(doc.case_id(), &read.events);
    let problems = u32::try_from(read.problems.len()).unwrap_or(u32::MAX);
    row.conflict_count = row.conflict_count.saturating_add(problems);
    row.created_at = doc.created_at();
    conn.execute(
        "INSERT OR REPLACE INTO cases (case_id, status, status_label, category, cell, department, \
         urgency, address, excerpt, case_number, conflict_count, updated_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            doc.case_id().to_string(),
            row.status,
            row.status_label,
            row.category,
            row.cell,
            row.department,
            row.urgency,
            row.address,
            row.excerpt,
            row.case_number,
            row.conflict_count,
            row.updated_at.ms(),
            row.created_at.ms(),
        ],
    )?;
    Ok(())
}

const SELECT_ROWS: &str = "SELECT c.case_id, c.status, c.status_label, c.category, c.cell, \
    c.department, c.urgency, c.address, c.excerpt, c.case_number, c.conflict_count, \
    c.updated_at, c.created_at, \
    CASE WHEN d.server_heads IS NULL THEN 0 WHEN d.dirty = 1 THEN 1 ELSE 2 END \
    FROM cases c JOIN docs d ON d.case_id = c.case_id";

fn read_row(r: &Row<'_>) -> rusqlite::Result<Result<ProjectionRow, StoreError>> {
    let id: String = r.get(0)?;
    let sync_state = match r.get::<_, i64>(13)? {
        0 => SyncState::Local,
        1 => SyncState::Pending,
        _ => SyncState::Synced,
    };
    let Ok(case_id) = CaseId::parse(&id) else {
        return Ok(Err(StoreError::corrupt("cases.case_id", id)));
    };
    Ok(Ok(ProjectionRow {
        case_id,
        status: r.get(1)?,
        status_label: r.get(2)?,
        category: r.get(3)?,
        cell: r.get(4)?,
        department: r.get(5)?,
        urgency: r.get(6)?,
        address: r.get(7)?,
        excerpt: r.get(8)?,
        case_number: r.get(9)?,
        conflict_count: r.get(10)?,
        updated_at: Timestamp(r.get(11)?),
        created_at: Timestamp(r.get(12)?),
        sync_state,
    }))
}

impl DeviceStore {
    /// Rows matching `filter`, most recently updated first.
    pub fn list_cases(
        &self,
        filter: &CaseFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ProjectionRow>, StoreError> {
        let mut sql = format!("{SELECT_ROWS} WHERE 1 = 1");
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::new();
        if let Some(status) = &filter.status {
            args.push(status);
            sql += &format!(" AND c.status = ?{}", args.len());
        }
        if let Some(department) = &filter.department {
            args.push(department);
            sql += &format!(" AND c.department = ?{}", args.len());
        }
        if filter.dirty_only {
            sql += " AND d.dirty = 1";
        }
        sql += &format!(" ORDER BY c.updated_at DESC, c.case_id LIMIT {limit} OFFSET {offset}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args.as_slice(), read_row)?;
        rows.map(|r| r?).collect()
    }

    /// One case's row.
    pub fn case_row(&self, case_id: CaseId) -> Result<ProjectionRow, StoreError> {
        let sql = format!("{SELECT_ROWS} WHERE c.case_id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query_map([case_id.to_string()], read_row)?;
        match rows.next() {
            Some(row) => row?,
            None => Err(StoreError::NotFound {
                what: "case",
                key: case_id.to_string(),
            }),
        }
    }
}
