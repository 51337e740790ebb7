//! `meta`: key → value settings of the deployment, including the server's own identity (the
//! Automerge actor and the system account it writes receipts, case numbers and escalations as).

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::{Result, ServerError};
use automerge::ActorId;
use gridcase_core::model::{DeviceId, UserId};

/// Reads a value.
pub fn get(conn: &Connection<'_>, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Writes a value.
pub fn set(conn: &Connection<'_>, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The server's identity, created once per deployment and kept for its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerIdentity {
    /// The Automerge actor of every change the server writes.
    pub actor: ActorId,
    /// The system account (`Role::System`) its events are written as.
    pub user: UserId,
    /// The server's device id in its events.
    pub device: DeviceId,
}

fn id_bytes(now_ms: u64) -> [u8; 10] {
    let mut r = [0u8; 10];
    rand::Rng::fill(&mut rand::rng(), &mut r);
    let _ = now_ms;
    r
}

/// Reads the identity, creating it on first use.
pub fn server_identity(conn: &Connection<'_>, now_ms: i64) -> Result<ServerIdentity> {
    let actor = match get(conn, "server_actor")? {
        Some(bytes) => ActorId::from(bytes),
        None => {
            let mut a = [0u8; 16];
            rand::Rng::fill(&mut rand::rng(), &mut a);
            set(conn, "server_actor", &a)?;
            ActorId::from(a)
        }
    };
    let user = match get(conn, "system_user")? {
        Some(b) => parse_id(&b, UserId::parse)?,
        None => {
            let id = UserId::from_parts(now_ms as u64, id_bytes(now_ms as u64));
            set(conn, "system_user", id.to_string().as_bytes())?;
            id
        }
    };
    let device = match get(conn, "system_device")? {
        Some(b) => parse_id(&b, DeviceId::parse)?,
        None => {
            let id = DeviceId::from_parts(now_ms as u64, id_bytes(now_ms as u64));
            set(conn, "system_device", id.to_string().as_bytes())?;
            id
        }
    };
    Ok(ServerIdentity {
        actor,
        user,
        device,
    })
}

fn parse_id<T, E: std::fmt::Display>(bytes: &[u8], parse: fn(&str) -> Result<T, E>) -> Result<T> {
    let text = std::str::from_utf8(bytes).map_err(|e| ServerError::Internal(e.to_string()))?;
    parse(text).map_err(|e| ServerError::Internal(format!("meta: {e}")))
}
