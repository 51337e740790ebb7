//! The `standards_versions` table: every imported version of a tenant's standards table. Rows
//! are only inserted (triggers refuse updates and deletes); the current version is the
//! highest. Every query names the tenant.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::{Result, ServerError};
use gridcase_core::catalog::{StandardsRelease, StandardsTable};

/// One version without its table (for listings).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VersionInfo {
    /// The version number.
    pub version: u32,
    /// SHA-256 (hex) of the imported file.
    pub sha256: String,
    /// The imported file's name.
    pub file: String,
    /// `csv` or `xlsx`.
    pub form: String,
    /// Who imported it.
    pub imported_by: String,
    /// When (Unix ms).
    pub imported_at: i64,
}

/// A new version to store.
pub struct NewVersion<'a> {
    /// The tenant.
    pub tenant: &'a str,
    /// SHA-256 (hex) of the file.
    pub sha256: &'a str,
    /// The file's name.
    pub file: &'a str,
    /// `csv` or `xlsx`.
    pub form: &'a str,
    /// Who imports it.
    pub imported_by: &'a str,
    /// The parsed table.
    pub table: &'a StandardsTable,
}

/// Stores `new` as the tenant's next version; returns its number.
pub fn insert(conn: &Connection<'_>, new: &NewVersion<'_>, now: i64) -> Result<u32> {
    let last: Option<u32> = conn.query_row(
        "SELECT MAX(version) FROM standards_versions WHERE tenant = ?1",
        params![new.tenant],
        |r| r.get(0),
    )?;
    let version = last.unwrap_or(0) + 1;
    let json =
        serde_json::to_string(new.table).map_err(|e| ServerError::Internal(e.to_string()))?;
    conn.execute(
        "INSERT INTO standards_versions(tenant, version, sha256, file_name, form, imported_by,
             imported_at, table_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            new.tenant,
            version,
            new.sha256,
            new.file,
            new.form,
            new.imported_by,
            now,
            json
        ],
    )?;
    Ok(version)
}

fn info(r: &crate::db::sql::Row) -> crate::db::sql::Result<VersionInfo> {
    Ok(VersionInfo {
        version: r.get(0)?,
        sha256: r.get(1)?,
        file: r.get(2)?,
        form: r.get(3)?,
        imported_by: r.get(4)?,
        imported_at: r.get(5)?,
    })
}

const COLUMNS: &str = "version, sha256, file_name, form, imported_by, imported_at";

/// The tenant's versions, newest first.
pub fn list(conn: &Connection<'_>, tenant: &str) -> Result<Vec<VersionInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM standards_versions WHERE tenant = ?1 ORDER BY version DESC"
    ))?;
    let rows = stmt.query_map(params![tenant], info)?;
    Ok(rows.collect::<crate::db::sql::Result<_>>()?)
}

/// One version of the tenant with its table (`None` for `version`: the current one).
pub fn get(
    conn: &Connection<'_>,
    tenant: &str,
    version: Option<u32>,
) -> Result<Option<StandardsRelease>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS}, table_json FROM standards_versions
                 WHERE tenant = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR version = ?2)
                 ORDER BY version DESC LIMIT 1"
            ),
            params![tenant, version],
            |r| Ok((info(r)?, r.get::<_, String>(6)?)),
        )
        .optional()?;
    let Some((info, json)) = row else {
        return Ok(None);
    };
    let table: StandardsTable = serde_json::from_str(&json).map_err(|e| {
        ServerError::Internal(format!(
            "standards version {} of {tenant} is unreadable: {e}",
            info.version
        ))
    })?;
    Ok(Some(StandardsRelease {
        version: info.version,
        sha256: info.sha256,
        file: info.file,
        imported_by: info.imported_by,
        imported_at: info.imported_at,
        table,
    }))
}
