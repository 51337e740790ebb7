//! `tenants`, `tenant_files`, `cells` and `case_numbers`: the counties of the deployment, their
//! data files, grid cells, feed sequence and daily case number counters.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::{Result, ServerError};

/// A tenant (county).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TenantRow {
    /// 6-digit county code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Last feed sequence given.
    pub seq: i64,
}

/// Creates a tenant; refuses a code already present.
pub fn create(conn: &Connection<'_>, code: &str, name: &str, now: i64) -> Result<()> {
    let n = conn.execute(
        "INSERT INTO tenants(code, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![code, name, now],
    )?;
    if n == 0 {
        return Err(ServerError::bad_request(format!("租户 {code} 已存在")));
    }
    Ok(())
}

/// A tenant by code.
pub fn get(conn: &Connection<'_>, code: &str) -> Result<Option<TenantRow>> {
    Ok(conn
        .query_row(
            "SELECT code, name, seq FROM tenants WHERE code = ?1",
            [code],
            |r| {
                Ok(TenantRow {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    seq: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Every tenant, by code.
pub fn list(conn: &Connection<'_>) -> Result<Vec<TenantRow>> {
    let mut stmt = conn.prepare("SELECT code, name, seq FROM tenants ORDER BY code")?;
    let rows = stmt.query_map((), |r| {
        Ok(TenantRow {
            code: r.get(0)?,
            name: r.get(1)?,
            seq: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Gives the next feed sequence number of the tenant (and marks the tenant's feed changed, which
/// [`super::Db::write`] announces to long-polling requests once the transaction commits).
pub fn next_seq(conn: &Connection<'_>, tenant: &str) -> Result<i64> {
    let seq = conn.query_row(
        "UPDATE tenants SET seq = seq + 1 WHERE code = ?1 RETURNING seq",
        [tenant],
        |r| r.get(0),
    )?;
    super::feed_changed(tenant);
    Ok(seq)
}

/// The last feed sequence number given.
pub fn current_seq(conn: &Connection<'_>, tenant: &str) -> Result<i64> {
    Ok(conn
        .query_row("SELECT seq FROM tenants WHERE code = ?1", [tenant], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

/// Gives the next case number of the day (`day` = yyyymmdd).
pub fn next_case_number(conn: &Connection<'_>, tenant: &str, day: &str) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO case_numbers(tenant, day, last) VALUES (?1, ?2, 1)
         ON CONFLICT(tenant, day) DO UPDATE SET last = case_numbers.last + 1
         RETURNING last",
        params![tenant, day],
        |r| r.get(0),
    )?)
}

/// A stored data file of the tenant: `(name, text)`.
pub fn file(conn: &Connection<'_>, tenant: &str, kind: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT name, text FROM tenant_files WHERE tenant = ?1 AND kind = ?2",
            params![tenant, kind],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Stores (replaces) a data file of the tenant.
pub fn set_file(
    conn: &Connection<'_>,
    tenant: &str,
    kind: &str,
    name: &str,
    text: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO tenant_files(tenant, kind, name, text, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(tenant, kind) DO UPDATE
         SET name = excluded.name, text = excluded.text, updated_at = excluded.updated_at",
        params![tenant, kind, name, text, now],
    )?;
    Ok(())
}

/// Adds (or renames) a grid cell of the tenant.
pub fn upsert_cell(conn: &Connection<'_>, tenant: &str, code: &str, name: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO cells(tenant, code, name) VALUES (?1, ?2, ?3)
         ON CONFLICT(tenant, code) DO UPDATE SET name = excluded.name",
        params![tenant, code, name],
    )?;
    Ok(())
}

/// Number of cells of the tenant.
pub fn cell_count(conn: &Connection<'_>, tenant: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM cells WHERE tenant = ?1",
        [tenant],
        |r| r.get(0),
    )?)
}

/// The tenant's grid cells: `(code, name)` (the import writes "street community" as the name).
pub fn cells(conn: &Connection<'_>, tenant: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT code, name FROM cells WHERE tenant = ?1 ORDER BY code")?;
    let rows = stmt.query_map([tenant], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
