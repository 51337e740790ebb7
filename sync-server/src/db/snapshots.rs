//! `evaluation_snapshots` and `evaluation_snapshot_tables`: published evaluation periods
//! (docs/evaluation.md "发布与冻结"). One header row per tenant, period and version, and one row
//! per table (cell … dispatcher) holding the table's JSON as published.
//!
//! Invariants: rows are only ever inserted (SQLite triggers refuse `UPDATE` and `DELETE`); a
//! period's versions are 1, 2, … and its current version is the highest; a version above 1
//! carries a non-empty reason (a `CHECK`); every query names the tenant. Versions are given
//! inside the single writer's transaction ([`next_version`] then [`insert`]), so two
//! publications of one period never get the same number.

use crate::db::sql::{Connection, OptionalExtension, Row, params};
use crate::error::Result;
use serde::Serialize;

/// The header of one published version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotRow {
    /// Period start (Unix ms, inclusive).
    pub from: i64,
    /// Period end (Unix ms, exclusive).
    pub to: i64,
    /// 1, 2, …
    pub version: i64,
    /// When it was stored (Unix ms, server clock).
    pub published_at: i64,
    /// The publisher's user id.
    pub published_by: String,
    /// The publisher's display name at the time.
    pub published_by_name: String,
    /// The publisher's role (wire name).
    pub published_by_role: String,
    /// Why it was (re)published; required from version 2 on.
    pub reason: Option<String>,
    /// Cases folded.
    pub case_count: i64,
    /// Hex SHA-256 over the rule files in force (biz::evaluation_publish).
    pub rules_fingerprint: String,
    /// Hex SHA-256 over the stored tables.
    pub figures_sha256: String,
}

/// A version about to be stored.
#[derive(Clone, Debug)]
pub struct NewSnapshot<'a> {
    /// The header (its `version` from [`next_version`]).
    pub header: &'a SnapshotRow,
    /// The rules in force, as JSON.
    pub rules: &'a str,
    /// `(level, table JSON)` for every table.
    pub tables: &'a [(String, String)],
}

const HEADER: &str = "period_from, period_to, version, published_at, published_by, publisher_name,
     publisher_role, reason, case_count, rules_fingerprint, figures_sha256";

fn header(r: &Row) -> crate::db::sql::Result<SnapshotRow> {
    Ok(SnapshotRow {
        from: r.get(0)?,
        to: r.get(1)?,
        version: r.get(2)?,
        published_at: r.get(3)?,
        published_by: r.get(4)?,
        published_by_name: r.get(5)?,
        published_by_role: r.get(6)?,
        reason: r.get(7)?,
        case_count: r.get(8)?,
        rules_fingerprint: r.get(9)?,
        figures_sha256: r.get(10)?,
    })
}

/// The highest version of a period, if it was published.
pub fn latest_version(
    conn: &Connection<'_>,
    tenant: &str,
    from: i64,
    to: i64,
) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT max(version) FROM evaluation_snapshots
         WHERE tenant = ?1 AND period_from = ?2 AND period_to = ?3",
        params![tenant, from, to],
        |r| r.get(0),
    )?)
}

/// The version the next publication of a period gets.
pub fn next_version(conn: &Connection<'_>, tenant: &str, from: i64, to: i64) -> Result<i64> {
    Ok(latest_version(conn, tenant, from, to)?.unwrap_or(0) + 1)
}

/// Stores one version: its header and every table, in the caller's write transaction.
pub fn insert(conn: &Connection<'_>, tenant: &str, s: &NewSnapshot<'_>) -> Result<()> {
    let h = s.header;
    conn.execute(
        &format!(
            "INSERT INTO evaluation_snapshots(tenant, {HEADER}, rules)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            tenant,
            h.from,
            h.to,
            h.version,
            h.published_at,
            h.published_by,
            h.published_by_name,
            h.published_by_role,
            h.reason,
            h.case_count,
            h.rules_fingerprint,
            h.figures_sha256,
            s.rules
        ],
    )?;
    let mut stmt = conn.prepare(
        "INSERT INTO evaluation_snapshot_tables(tenant, period_from, period_to, version, level,
                                                report)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (level, report) in s.tables {
        stmt.execute(params![tenant, h.from, h.to, h.version, level, report])?;
    }
    Ok(())
}

/// The header of one version.
pub fn get(
    conn: &Connection<'_>,
    tenant: &str,
    from: i64,
    to: i64,
    version: i64,
) -> Result<Option<SnapshotRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {HEADER} FROM evaluation_snapshots
                 WHERE tenant = ?1 AND period_from = ?2 AND period_to = ?3 AND version = ?4"
            ),
            params![tenant, from, to, version],
            header,
        )
        .optional()?)
}

/// The stored JSON of one table of one version.
pub fn table(
    conn: &Connection<'_>,
    tenant: &str,
    from: i64,
    to: i64,
    version: i64,
    level: &str,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT report FROM evaluation_snapshot_tables
             WHERE tenant = ?1 AND period_from = ?2 AND period_to = ?3 AND version = ?4
               AND level = ?5",
            params![tenant, from, to, version, level],
            |r| r.get(0),
        )
        .optional()?)
}

/// The stored rules JSON of one version.
pub fn rules(
    conn: &Connection<'_>,
    tenant: &str,
    from: i64,
    to: i64,
    version: i64,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT rules FROM evaluation_snapshots
             WHERE tenant = ?1 AND period_from = ?2 AND period_to = ?3 AND version = ?4",
            params![tenant, from, to, version],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every version of the tenant: latest period first, versions in order.
pub fn list(conn: &Connection<'_>, tenant: &str) -> Result<Vec<SnapshotRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {HEADER} FROM evaluation_snapshots WHERE tenant = ?1
         ORDER BY period_from DESC, period_to DESC, version"
    ))?;
    let rows = stmt.query_map([tenant], header)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tenant's data files as stored in `tenant_files` (db::tenants), by kind: `(kind, name,
/// text)`. Read here for the rules fingerprint of a publication, which covers every kind.
pub fn tenant_files(conn: &Connection<'_>, tenant: &str) -> Result<Vec<(String, String, String)>> {
    let mut stmt =
        conn.prepare("SELECT kind, name, text FROM tenant_files WHERE tenant = ?1 ORDER BY kind")?;
    let rows = stmt.query_map([tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
