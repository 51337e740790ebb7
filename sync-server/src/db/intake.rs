//! The intake channels' tables (migration 2, docs/intake.md): Open311 api keys (SHA-256 only),
//! the video webhook's per-tenant HMAC secret, cameras, webhook nonces, the open report of each
//! camera and category, and the links from an external id (Open311 request, superior case) to
//! the case it became.
//!
//! Invariant: every query names the tenant; `intake_links` has one row per
//! (tenant, channel, external id), which is what makes imports idempotent.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;
use serde::Serialize;

/// Stores a new Open311 api key's hash.
pub fn add_key(
    conn: &Connection<'_>,
    tenant: &str,
    hash: &[u8],
    label: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO intake_keys(key_hash, tenant, label, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash, tenant, label, now],
    )?;
    Ok(())
}

/// The tenant of a valid (not revoked) api key hash.
pub fn key_tenant(conn: &Connection<'_>, hash: &[u8]) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT tenant FROM intake_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            [hash],
            |r| r.get(0),
        )
        .optional()?)
}

/// Revokes every key of a tenant with this label; returns how many.
pub fn revoke_keys(conn: &Connection<'_>, tenant: &str, label: &str, now: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE intake_keys SET revoked_at = ?3
         WHERE tenant = ?1 AND label = ?2 AND revoked_at IS NULL",
        params![tenant, label, now],
    )?)
}

/// Sets (or replaces) the tenant's webhook secret, given in its sealed form
/// ([`crate::secret_box::SecretBox::seal`]); the clear secret never reaches this table.
pub fn set_sealed_secret(
    conn: &Connection<'_>,
    tenant: &str,
    sealed: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO webhook_secrets(tenant, secret, created_at, sealed) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT(tenant) DO UPDATE SET secret = excluded.secret, sealed = 1,
                                           created_at = excluded.created_at",
        params![tenant, sealed, now],
    )?;
    Ok(())
}

/// The tenant's webhook secret as stored: (value, whether it is sealed).
pub fn secret(conn: &Connection<'_>, tenant: &str) -> Result<Option<(String, bool)>> {
    Ok(conn
        .query_row(
            "SELECT secret, sealed FROM webhook_secrets WHERE tenant = ?1",
            [tenant],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)),
        )
        .optional()?)
}

/// The secrets an older build stored in clear: (tenant, secret).
pub fn clear_secrets(conn: &Connection<'_>) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT tenant, secret FROM webhook_secrets WHERE sealed = 0")?;
    let rows = stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::db::sql::Result<_>>()?)
}

/// Replaces a clear secret by its sealed form, keeping its creation time.
pub fn replace_with_sealed(conn: &Connection<'_>, tenant: &str, sealed: &str) -> Result<()> {
    conn.execute(
        "UPDATE webhook_secrets SET secret = ?2, sealed = 1 WHERE tenant = ?1",
        params![tenant, sealed],
    )?;
    Ok(())
}

/// A registered camera.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Camera {
    /// Tenant.
    pub tenant: String,
    /// The analytics platform's camera id.
    pub code: String,
    /// Name.
    pub name: String,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Unit grid cell.
    pub cell: Option<String>,
    /// Address text.
    pub address: String,
}

/// Adds or updates a camera.
pub fn upsert_camera(conn: &Connection<'_>, c: &Camera, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO cameras(tenant, code, name, lon, lat, cell, address, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(tenant, code) DO UPDATE SET name = excluded.name, lon = excluded.lon,
           lat = excluded.lat, cell = excluded.cell, address = excluded.address",
        params![
            c.tenant, c.code, c.name, c.lon, c.lat, c.cell, c.address, now
        ],
    )?;
    Ok(())
}

fn camera_row(r: &crate::db::sql::Row) -> crate::db::sql::Result<Camera> {
    Ok(Camera {
        tenant: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        lon: r.get(3)?,
        lat: r.get(4)?,
        cell: r.get(5)?,
        address: r.get(6)?,
    })
}

/// One camera of a tenant.
pub fn camera(conn: &Connection<'_>, tenant: &str, code: &str) -> Result<Option<Camera>> {
    Ok(conn
        .query_row(
            "SELECT tenant, code, name, lon, lat, cell, address FROM cameras
             WHERE tenant = ?1 AND code = ?2",
            params![tenant, code],
            camera_row,
        )
        .optional()?)
}

/// The cameras of a tenant.
pub fn cameras(conn: &Connection<'_>, tenant: &str) -> Result<Vec<Camera>> {
    let mut stmt = conn.prepare(
        "SELECT tenant, code, name, lon, lat, cell, address FROM cameras
         WHERE tenant = ?1 ORDER BY code",
    )?;
    let rows = stmt.query_map([tenant], camera_row)?;
    Ok(rows.collect::<crate::db::sql::Result<_>>()?)
}

/// Records a nonce; `false` when it was seen before (a replay). Nonces older than
/// `forget_before` are deleted first (they are outside the timestamp window anyway).
pub fn use_nonce(
    conn: &Connection<'_>,
    tenant: &str,
    nonce: &str,
    now: i64,
    forget_before: i64,
) -> Result<bool> {
    conn.execute(
        "DELETE FROM webhook_nonces WHERE seen_at < ?1",
        [forget_before],
    )?;
    let inserted = conn.execute(
        "INSERT INTO webhook_nonces(tenant, nonce, seen_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![tenant, nonce, now],
    )?;
    Ok(inserted == 1)
}

/// Whether `nonce` was already used by a webhook call of `tenant` (a read-only look before the
/// body is read; [`use_nonce`] decides atomically).
pub fn nonce_used(conn: &Connection<'_>, tenant: &str, nonce: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM webhook_nonces WHERE tenant = ?1 AND nonce = ?2",
            params![tenant, nonce],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The open report of a camera and category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlertGroup {
    /// The case.
    pub case_id: String,
    /// First alert (ms).
    pub first_at: i64,
    /// Last alert (ms).
    pub last_at: i64,
    /// Alerts merged into the case so far (the first included).
    pub count: i64,
}

/// The current alert group of a camera and category.
pub fn alert_group(
    conn: &Connection<'_>,
    tenant: &str,
    camera: &str,
    category: &str,
) -> Result<Option<AlertGroup>> {
    Ok(conn
        .query_row(
            "SELECT case_id, first_at, last_at, count FROM video_alerts
             WHERE tenant = ?1 AND camera = ?2 AND category = ?3",
            params![tenant, camera, category],
            |r| {
                Ok(AlertGroup {
                    case_id: r.get(0)?,
                    first_at: r.get(1)?,
                    last_at: r.get(2)?,
                    count: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Starts a new group (replacing an expired one).
pub fn start_group(
    conn: &Connection<'_>,
    tenant: &str,
    camera: &str,
    category: &str,
    case_id: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO video_alerts(tenant, camera, category, case_id, first_at, last_at, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)
         ON CONFLICT(tenant, camera, category) DO UPDATE SET case_id = excluded.case_id,
           first_at = excluded.first_at, last_at = excluded.last_at, count = 1",
        params![tenant, camera, category, case_id, now],
    )?;
    Ok(())
}

/// Adds one alert to the current group.
pub fn bump_group(
    conn: &Connection<'_>,
    tenant: &str,
    camera: &str,
    category: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE video_alerts SET count = count + 1, last_at = CASE WHEN last_at > ?4 THEN last_at ELSE ?4 END
         WHERE tenant = ?1 AND camera = ?2 AND category = ?3",
        params![tenant, camera, category, now],
    )?;
    Ok(())
}

/// The case an external id became.
pub fn link(
    conn: &Connection<'_>,
    tenant: &str,
    channel: &str,
    external_id: &str,
) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT case_id FROM intake_links WHERE tenant = ?1 AND channel = ?2 AND external_id = ?3",
            params![tenant, channel, external_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records the case an external id became.
pub fn add_link(
    conn: &Connection<'_>,
    tenant: &str,
    channel: &str,
    external_id: &str,
    case_id: &str,
    media_url: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO intake_links(tenant, channel, external_id, case_id, media_url, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![tenant, channel, external_id, case_id, media_url, now],
    )?;
    Ok(())
}

/// One linked case: its external id and media URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The external id.
    pub external_id: String,
    /// The case.
    pub case_id: String,
    /// A media URL given with it (Open311).
    pub media_url: Option<String>,
}

/// The links of a channel for a tenant, newest first, at most `limit`, created in
/// `[from, to]` (ms).
pub fn links(
    conn: &Connection<'_>,
    tenant: &str,
    channel: &str,
    from: i64,
    to: i64,
    limit: usize,
) -> Result<Vec<Link>> {
    let mut stmt = conn.prepare(
        "SELECT external_id, case_id, media_url FROM intake_links
         WHERE tenant = ?1 AND channel = ?2 AND created_at BETWEEN ?3 AND ?4
         ORDER BY created_at DESC, external_id LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![tenant, channel, from, to, limit as i64], |r| {
        Ok(Link {
            external_id: r.get(0)?,
            case_id: r.get(1)?,
            media_url: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<crate::db::sql::Result<_>>()?)
}

/// One link by external id.
pub fn link_row(
    conn: &Connection<'_>,
    tenant: &str,
    channel: &str,
    external_id: &str,
) -> Result<Option<Link>> {
    Ok(conn
        .query_row(
            "SELECT external_id, case_id, media_url FROM intake_links
             WHERE tenant = ?1 AND channel = ?2 AND external_id = ?3",
            params![tenant, channel, external_id],
            |r| {
                Ok(Link {
                    external_id: r.get(0)?,
                    case_id: r.get(1)?,
                    media_url: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// The tenant's open (not terminal) cases reported in `[from, to]` (ms), for duplicate
/// detection.
pub fn open_cases_between(
    conn: &Connection<'_>,
    tenant: &str,
    from: i64,
    to: i64,
) -> Result<Vec<gridcase_core::model::CaseId>> {
    let mut stmt = conn.prepare(
        "SELECT case_id FROM cases WHERE tenant = ?1 AND created_at BETWEEN ?2 AND ?3
           AND status NOT IN ('closed', 'rejected', 'voided', 'merged')
         ORDER BY created_at",
    )?;
    let ids = stmt
        .query_map(params![tenant, from, to], |r| r.get::<_, String>(0))?
        .collect::<crate::db::sql::Result<Vec<_>>>()?;
    ids.iter()
        .map(|s| {
            gridcase_core::model::CaseId::parse(s)
                .map_err(|e| crate::error::ServerError::Internal(e.to_string()))
        })
        .collect()
}
