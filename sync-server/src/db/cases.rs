//! `cases`, `case_scope` and `blob_refs`: the central case queue (one projection row per case),
//! who besides the centre may see each case, and the photos each case references.
//!
//! Invariant: rows are only written by the business layer's projection, in the transaction of
//! the merge that changed the case (or by the lights job); every query names the tenant, and
//! scope-filtered queries take the caller's principals (`None` = the whole tenant).

use super::decode_heads;
use crate::db::sql::{Connection, OptionalExtension, Row, params};
use crate::error::{Result, ServerError};
use automerge::ChangeHash;
use gridcase_core::model::CaseId;
use serde::Serialize;

/// One row of the case queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct CaseRow {
    /// The case.
    pub case_id: String,
    /// Tenant.
    pub tenant: String,
    /// Feed position.
    pub seq: i64,
    /// `Status::as_str`.
    pub status: String,
    /// `Stage` (snake_case).
    pub stage: String,
    /// `component:<code>` / `matter:<code>`.
    pub category: Option<String>,
    /// Grid cell.
    pub cell: Option<String>,
    /// Responsible department id.
    pub department: Option<String>,
    /// `urgent` / `normal`.
    pub urgency: String,
    /// `green` / `yellow` / `red` / `none`.
    pub light: String,
    /// The running clock.
    pub clock: Option<String>,
    /// Its deadline (Unix ms).
    pub deadline: Option<i64>,
    /// 案卷号.
    pub case_number: Option<String>,
    /// Reporter's user id.
    pub reporter: Option<String>,
    /// Address text.
    pub address: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Flagged conflicts.
    pub conflicts: i64,
    /// Highest escalation level.
    pub escalation: i64,
    /// Photos not (completely) uploaded yet.
    pub blobs_missing: i64,
    /// Reported at (Unix ms).
    pub created_at: i64,
    /// Last change (Unix ms).
    pub updated_at: i64,
}

const COLUMNS: &str = "c.case_id, c.tenant, c.seq, c.status, c.stage, c.category, c.cell, \
    c.department, c.urgency, c.light, c.clock, c.deadline, c.case_number, c.reporter, c.address, \
    c.description, c.conflicts, c.escalation, c.blobs_missing, c.created_at, c.updated_at";

fn row(r: &Row) -> crate::db::sql::Result<CaseRow> {
    Ok(CaseRow {
        case_id: r.get(0)?,
        tenant: r.get(1)?,
        seq: r.get(2)?,
        status: r.get(3)?,
        stage: r.get(4)?,
        category: r.get(5)?,
        cell: r.get(6)?,
        department: r.get(7)?,
        urgency: r.get(8)?,
        light: r.get(9)?,
        clock: r.get(10)?,
        deadline: r.get(11)?,
        case_number: r.get(12)?,
        reporter: r.get(13)?,
        address: r.get(14)?,
        description: r.get(15)?,
        conflicts: r.get(16)?,
        escalation: r.get(17)?,
        blobs_missing: r.get(18)?,
        created_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

/// Writes (inserts or replaces) a case's row.
pub fn upsert(conn: &Connection<'_>, c: &CaseRow) -> Result<()> {
    conn.execute(
        "INSERT INTO cases(case_id, tenant, seq, status, stage, category, cell, department,
                           urgency, light, clock, deadline, case_number, reporter, address,
                           description, conflicts, escalation, blobs_missing, created_at,
                           updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)
         ON CONFLICT(case_id) DO UPDATE SET
           seq = excluded.seq, status = excluded.status, stage = excluded.stage,
           category = excluded.category, cell = excluded.cell, department = excluded.department,
           urgency = excluded.urgency, light = excluded.light, clock = excluded.clock,
           deadline = excluded.deadline, case_number = excluded.case_number,
           reporter = excluded.reporter, address = excluded.address,
           description = excluded.description, conflicts = excluded.conflicts,
           escalation = excluded.escalation, blobs_missing = excluded.blobs_missing,
           created_at = excluded.created_at, updated_at = excluded.updated_at",
        params![
            c.case_id,
            c.tenant,
            c.seq,
            c.status,
            c.stage,
            c.category,
            c.cell,
            c.department,
            c.urgency,
            c.light,
            c.clock,
            c.deadline,
            c.case_number,
            c.reporter,
            c.address,
            c.description,
            c.conflicts,
            c.escalation,
            c.blobs_missing,
            c.created_at,
            c.updated_at
        ],
    )?;
    Ok(())
}

/// Updates only the light, clock and deadline (the lights job; no feed change).
pub fn set_light(
    conn: &Connection<'_>,
    case_id: &str,
    light: &str,
    clock: Option<&str>,
    deadline: Option<i64>,
) -> Result<()> {
    conn.execute(
        "UPDATE cases SET light = ?2, clock = ?3, deadline = ?4 WHERE case_id = ?1",
        params![case_id, light, clock, deadline],
    )?;
    Ok(())
}

/// A case's row in the tenant.
pub fn get(conn: &Connection<'_>, tenant: &str, case_id: CaseId) -> Result<Option<CaseRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM cases c WHERE c.case_id = ?1 AND c.tenant = ?2"),
            params![case_id.to_string(), tenant],
            row,
        )
        .optional()?)
}

/// Replaces a case's scope principals.
pub fn set_scope(conn: &Connection<'_>, case_id: CaseId, principals: &[String]) -> Result<()> {
    let key = case_id.to_string();
    conn.execute("DELETE FROM case_scope WHERE case_id = ?1", [&key])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO case_scope(principal, case_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for p in principals {
        stmt.execute(params![p, key])?;
    }
    Ok(())
}

/// Whether any of `principals` may see the case.
pub fn in_scope(conn: &Connection<'_>, case_id: CaseId, principals: &[String]) -> Result<bool> {
    let json =
        serde_json::to_string(principals).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM case_scope
                            WHERE case_id = ?1 AND principal IN ({}))",
            conn.json_text_list(2)
        ),
        params![case_id.to_string(), json],
        |r| r.get(0),
    )?)
}

/// Replaces the photos a case references.
pub fn set_blob_refs(
    conn: &Connection<'_>,
    tenant: &str,
    case_id: CaseId,
    shas: &[String],
) -> Result<()> {
    let key = case_id.to_string();
    conn.execute("DELETE FROM blob_refs WHERE case_id = ?1", [&key])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO blob_refs(tenant, sha256, case_id) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for sha in shas {
        stmt.execute(params![tenant, sha, key])?;
    }
    Ok(())
}

/// Recounts `blobs_missing` of every case referencing a blob (after it completed).
pub fn recount_blobs_missing(conn: &Connection<'_>, tenant: &str, sha256: &str) -> Result<()> {
    conn.execute(
        "UPDATE cases SET blobs_missing = (
            SELECT count(*) FROM blob_refs r
            LEFT JOIN blobs b ON b.tenant = r.tenant AND b.sha256 = r.sha256 AND b.complete = 1
            WHERE r.case_id = cases.case_id AND b.sha256 IS NULL)
         WHERE case_id IN (SELECT case_id FROM blob_refs WHERE tenant = ?1 AND sha256 = ?2)",
        params![tenant, sha256],
    )?;
    Ok(())
}

/// Whether a blob is referenced by a case in the caller's scope (`None` = the whole tenant).
pub fn blob_in_scope(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    principals: Option<&[String]>,
) -> Result<bool> {
    let json = principals
        .map(|p| serde_json::to_string(p).map_err(|e| ServerError::Internal(e.to_string())))
        .transpose()?;
    Ok(conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant = ?1 AND r.sha256 = ?2 AND
                (CAST(?3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM case_scope s
                    WHERE s.case_id = r.case_id AND s.principal IN ({}))))",
            conn.json_text_list(3)
        ),
        params![tenant, sha256, json],
        |r| r.get(0),
    )?)
}

/// One feed entry as stored.
pub struct FeedItem {
    /// The row.
    pub row: CaseRow,
    /// The document's heads.
    pub heads: Vec<ChangeHash>,
}

/// The cases a tenant holds (every status).
pub fn count_in(conn: &Connection<'_>, tenant: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM cases WHERE tenant = ?1",
        [tenant],
        |r| r.get(0),
    )?)
}

/// Cases of the tenant in scope with `seq > cursor`, in seq order, at most `limit`.
pub fn feed(
    conn: &Connection<'_>,
    tenant: &str,
    cursor: i64,
    limit: i64,
    principals: Option<&[String]>,
) -> Result<Vec<FeedItem>> {
    let json = principals
        .map(|p| serde_json::to_string(p).map_err(|e| ServerError::Internal(e.to_string())))
        .transpose()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, d.heads FROM cases c JOIN docs d ON d.case_id = c.case_id
         WHERE c.tenant = ?1 AND c.seq > ?2 AND
           (CAST(?3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM case_scope s
                WHERE s.case_id = c.case_id AND s.principal IN ({})))
         ORDER BY c.seq LIMIT ?4",
        conn.json_text_list(3)
    ))?;
    let rows = stmt.query_map(params![tenant, cursor, json, limit], |r| {
        Ok((row(r)?, r.get::<_, Vec<u8>>(21)?))
    })?;
    rows.map(|r| {
        let (row, heads) = r?;
        Ok(FeedItem {
            row,
            heads: decode_heads(&heads)?,
        })
    })
    .collect()
}

/// Filters of the desktop queue; every set field must match.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct QueueFilter {
    /// Status.
    pub status: Option<String>,
    /// Stage.
    pub stage: Option<String>,
    /// Department id.
    pub department: Option<String>,
    /// Grid cell.
    pub cell: Option<String>,
    /// Light.
    pub light: Option<String>,
    /// Text in the description or address.
    pub q: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// A page of the queue with the total number of matching rows.
#[derive(Clone, Debug, Serialize)]
pub struct QueuePage {
    /// Matching rows in all pages.
    pub total: i64,
    /// This page, most recently changed first.
    pub rows: Vec<CaseRow>,
}

fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The tenant's queue with filters and paging.
pub fn queue(conn: &Connection<'_>, tenant: &str, f: &QueueFilter) -> Result<QueuePage> {
    let q =
        f.q.as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(like_pattern);
    let filter = "c.tenant = ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.status = ?2) AND (CAST(?3 AS TEXT) IS NULL OR c.stage = ?3)
        AND (CAST(?4 AS TEXT) IS NULL OR c.department = ?4) AND (CAST(?5 AS TEXT) IS NULL OR c.cell = ?5)
        AND (CAST(?6 AS TEXT) IS NULL OR c.light = ?6)
        AND (CAST(?7 AS TEXT) IS NULL OR c.description LIKE ?7 ESCAPE '\\' OR c.address LIKE ?7 ESCAPE '\\')";
    let limit = f.limit.unwrap_or(50).clamp(1, 500);
    let offset = f.offset.unwrap_or(0).max(0);
    let args = params![tenant, f.status, f.stage, f.department, f.cell, f.light, q];
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM cases c WHERE {filter}"),
        args,
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM cases c WHERE {filter}
         ORDER BY c.updated_at DESC, c.case_id LIMIT {limit} OFFSET {offset}"
    ))?;
    let rows = stmt.query_map(args, row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(QueuePage { total, rows })
}

/// Cases of every tenant whose status runs a clock: `(tenant, case_id)`.
pub fn running(conn: &Connection<'_>) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT tenant, case_id FROM cases
         WHERE status NOT IN ('closed', 'rejected', 'voided', 'merged', 'parked', 'draft')
         ORDER BY tenant, case_id",
    )?;
    let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
