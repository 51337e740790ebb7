//! `devices`: enrolled installs of the app, each with the Automerge actor id the server issued
//! and the SHA-256 of its current bearer token (never the token itself).
//!
//! Invariant: only [`readmit`] (an administrator's act) lifts a revocation; a new sign-in
//! replaces the token but leaves `revoked_at` as it is.

use crate::db::sql::{Connection, OptionalExtension, Row, params};
use crate::error::Result;
use gridcase_core::model::{DeviceId, UserId};

/// An enrolled device.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRow {
    /// Id.
    pub id: DeviceId,
    /// Tenant.
    pub tenant: String,
    /// The user it is enrolled for.
    pub user: UserId,
    /// The app's install id.
    pub install_id: String,
    /// Human name.
    pub name: String,
    /// The Automerge actor id (16 bytes).
    #[serde(serialize_with = "hex_bytes")]
    pub actor_id: Vec<u8>,
    /// Last authenticated request (Unix ms).
    pub last_seen: Option<i64>,
    /// When its token was revoked.
    pub revoked_at: Option<i64>,
    /// When its current token was issued (its sign-in).
    pub token_issued_at: Option<i64>,
}

fn hex_bytes<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

fn bad(e: impl std::fmt::Display) -> crate::db::sql::SqlError {
    crate::db::sql::SqlError::Type {
        column: 0,
        detail: e.to_string(),
    }
}

const COLUMNS: &str =
    "id, tenant, user_id, install_id, name, actor_id, last_seen, revoked_at, token_issued_at";

fn row(r: &Row) -> crate::db::sql::Result<DeviceRow> {
    let id: String = r.get(0)?;
    let user: String = r.get(2)?;
    Ok(DeviceRow {
        id: DeviceId::parse(&id).map_err(bad)?,
        tenant: r.get(1)?,
        user: UserId::parse(&user).map_err(bad)?,
        install_id: r.get(3)?,
        name: r.get(4)?,
        actor_id: r.get(5)?,
        last_seen: r.get(6)?,
        revoked_at: r.get(7)?,
        token_issued_at: r.get(8)?,
    })
}

/// The device of this user and install, if enrolled.
pub fn by_install(
    conn: &Connection<'_>,
    tenant: &str,
    user: UserId,
    install_id: &str,
) -> Result<Option<DeviceRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM devices WHERE tenant = ?1 AND user_id = ?2 AND install_id = ?3"
            ),
            params![tenant, user.to_string(), install_id],
            row,
        )
        .optional()?)
}

/// The device holding this token hash.
pub fn by_token_hash(conn: &Connection<'_>, hash: &[u8]) -> Result<Option<DeviceRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM devices WHERE token_hash = ?1"),
            [hash],
            row,
        )
        .optional()?)
}

/// A device by id.
pub fn get(conn: &Connection<'_>, id: DeviceId) -> Result<Option<DeviceRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM devices WHERE id = ?1"),
            [id.to_string()],
            row,
        )
        .optional()?)
}

/// Enrols a device with its actor id and first token hash.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &Connection<'_>,
    id: DeviceId,
    tenant: &str,
    user: UserId,
    install_id: &str,
    name: &str,
    actor_id: &[u8],
    token_hash: &[u8],
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO devices(id, tenant, user_id, install_id, name, actor_id, token_hash,
                             created_at, last_seen, token_issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)",
        params![
            id.to_string(),
            tenant,
            user.to_string(),
            install_id,
            name,
            actor_id,
            token_hash,
            now
        ],
    )?;
    Ok(())
}

/// Replaces the token of a device (a new login from the same install); a revocation stays.
pub fn replace_token(
    conn: &Connection<'_>,
    id: DeviceId,
    name: &str,
    token_hash: &[u8],
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE devices SET token_hash = ?2, name = ?3, last_seen = ?4, token_issued_at = ?4
         WHERE id = ?1",
        params![id.to_string(), token_hash, name, now],
    )?;
    Ok(())
}

/// Revokes a device's token: it keeps its hash, so its requests answer `token_revoked`.
pub fn revoke(conn: &Connection<'_>, id: DeviceId, now: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id.to_string(), now],
    )?;
    Ok(n > 0)
}

/// Lifts a revocation (an administrator re-admits the device); its old token stays dead: the
/// token hash is cleared, so the device signs in again.
pub fn readmit(conn: &Connection<'_>, id: DeviceId) -> Result<bool> {
    let n = conn.execute(
        "UPDATE devices SET revoked_at = NULL, token_hash = NULL
         WHERE id = ?1 AND revoked_at IS NOT NULL",
        [id.to_string()],
    )?;
    Ok(n > 0)
}

/// Records the last authenticated request (at most once a minute per device).
pub fn touch(conn: &Connection<'_>, id: DeviceId, now: i64) -> Result<()> {
    conn.execute(
        // The cast: PostgreSQL types a parameter where it first meets it, and the WHERE clause
        // comes first (`?2 - 60000` alone would make it a 4-byte integer).
        "UPDATE devices SET last_seen = ?2 WHERE id = ?1 AND (last_seen IS NULL OR last_seen < CAST(?2 AS BIGINT) - 60000)",
        params![id.to_string(), now],
    )?;
    Ok(())
}

/// The devices of a tenant.
pub fn list(conn: &Connection<'_>, tenant: &str) -> Result<Vec<DeviceRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM devices WHERE tenant = ?1 ORDER BY created_at"
    ))?;
    let rows = stmt.query_map([tenant], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
