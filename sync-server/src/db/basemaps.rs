//! `basemaps`: each tenant's current basemap package (version, size, what it was built from).
//!
//! Invariant: at most one row per tenant; every query names the tenant.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;

/// A tenant's current package.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BasemapRow {
    /// Hex SHA-256 of the package file.
    pub version: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Hex SHA-256 of the layer files it was built from.
    pub source: String,
    /// Tiles in the package.
    pub tiles: u64,
    /// JSON `{layer: feature count}`.
    pub layers: String,
    /// When it was built (ms).
    pub built_at: i64,
    /// Build time (ms).
    pub build_ms: i64,
}

/// The tenant's current package.
pub fn get(conn: &Connection<'_>, tenant: &str) -> Result<Option<BasemapRow>> {
    Ok(conn
        .query_row(
            "SELECT version, bytes, source, tiles, layers, built_at, build_ms
             FROM basemaps WHERE tenant = ?1",
            params![tenant],
            |r| {
                Ok(BasemapRow {
                    version: r.get(0)?,
                    bytes: r.get::<_, i64>(1)? as u64,
                    source: r.get(2)?,
                    tiles: r.get::<_, i64>(3)? as u64,
                    layers: r.get(4)?,
                    built_at: r.get(5)?,
                    build_ms: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// Records (replaces) the tenant's current package.
pub fn set(conn: &Connection<'_>, tenant: &str, row: &BasemapRow) -> Result<()> {
    conn.execute(
        "INSERT INTO basemaps(tenant, version, bytes, source, tiles, layers, built_at, build_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(tenant) DO UPDATE SET version = excluded.version, bytes = excluded.bytes,
           source = excluded.source, tiles = excluded.tiles, layers = excluded.layers,
           built_at = excluded.built_at, build_ms = excluded.build_ms",
        params![
            tenant,
            row.version,
            row.bytes as i64,
            row.source,
            row.tiles as i64,
            row.layers,
            row.built_at,
            row.build_ms
        ],
    )?;
    Ok(())
}
