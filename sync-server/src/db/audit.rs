//! `audit_log`: the append-only, hash-chained record of security and administrative events.
//!
//! Invariants: rows are only ever inserted (SQLite triggers refuse `UPDATE` and `DELETE`);
//! `seq` grows by one from 1; each row's `hash` is SHA-256(`prev_hash` || the canonical JSON
//! of the row without its hashes), and `prev_hash` is the previous row's `hash` (32 zero bytes
//! for the first). Appending happens inside the caller's write transaction, so the chain has
//! one writer at a time. Records never hold a password, token or secret.

use crate::db::sql::{Connection, OptionalExtension, Row, params};
use crate::error::{Result, ServerError};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One audit record as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    /// Position in the chain (1, 2, …).
    pub seq: i64,
    /// When (Unix ms, server clock).
    pub at: i64,
    /// The tenant concerned (none for deployment-wide events).
    pub tenant: Option<String>,
    /// Who acted: `user:<id>`, `cli`, `system`, or `login:<tenant>/<username>` for sign-ins.
    pub actor: String,
    /// The source address of the request (none for the CLI).
    pub source: Option<String>,
    /// The event type (`login`, `lockout`, `password_change`, … see biz::audit).
    pub event: String,
    /// Whether the action succeeded.
    pub success: bool,
    /// Details as a JSON object (never a secret).
    pub details: String,
    /// The previous record's hash (hex).
    #[serde(serialize_with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
    /// This record's hash (hex).
    #[serde(serialize_with = "hex_bytes")]
    pub hash: Vec<u8>,
}

fn hex_bytes<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// A record about to be appended.
#[derive(Clone, Debug)]
pub struct NewAudit<'a> {
    /// The tenant concerned.
    pub tenant: Option<&'a str>,
    /// Who acted.
    pub actor: &'a str,
    /// Source address.
    pub source: Option<&'a str>,
    /// Event type.
    pub event: &'a str,
    /// Success or failure.
    pub success: bool,
    /// Details (a JSON object).
    pub details: serde_json::Value,
}

/// The fields the hash covers, in a fixed order (serde keeps struct order).
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at: i64,
    tenant: Option<&'a str>,
    actor: &'a str,
    source: Option<&'a str>,
    event: &'a str,
    success: bool,
    details: &'a str,
}

/// The hash of a record: SHA-256(prev_hash || canonical JSON).
pub fn record_hash(row: &AuditRow) -> Vec<u8> {
    let canonical = Canonical {
        seq: row.seq,
        at: row.at,
        tenant: row.tenant.as_deref(),
        actor: &row.actor,
        source: row.source.as_deref(),
        event: &row.event,
        success: row.success,
        details: &row.details,
    };
    let json = serde_json::to_vec(&canonical).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(&row.prev_hash);
    h.update(&json);
    h.finalize().to_vec()
}

/// Appends a record after the last one; returns it.
pub fn append(conn: &Connection<'_>, entry: &NewAudit<'_>, now: i64) -> Result<AuditRow> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, vec![0u8; 32]),
    };
    let details = if entry.details.is_object() {
        entry.details.to_string()
    } else {
        return Err(ServerError::Internal(
            "audit details must be an object".into(),
        ));
    };
    let mut row = AuditRow {
        seq,
        at: now,
        tenant: entry.tenant.map(str::to_owned),
        actor: entry.actor.to_owned(),
        source: entry.source.map(str::to_owned),
        event: entry.event.to_owned(),
        success: entry.success,
        details,
        prev_hash,
        hash: Vec::new(),
    };
    row.hash = record_hash(&row);
    conn.execute(
        "INSERT INTO audit_log(seq, at, tenant, actor, source, event, success, details,
                               prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            row.seq,
            row.at,
            row.tenant,
            row.actor,
            row.source,
            row.event,
            row.success,
            row.details,
            row.prev_hash,
            row.hash
        ],
    )?;
    Ok(row)
}

const COLUMNS: &str = "seq, at, tenant, actor, source, event, success, details, prev_hash, hash";

fn row(r: &Row) -> crate::db::sql::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        tenant: r.get(2)?,
        actor: r.get(3)?,
        source: r.get(4)?,
        event: r.get(5)?,
        success: r.get(6)?,
        details: r.get(7)?,
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

/// Records in chain order, optionally of one tenant and from a time on.
pub fn list(
    conn: &Connection<'_>,
    tenant: Option<&str>,
    since: Option<i64>,
) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit_log
         WHERE (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) AND (CAST(?2 AS BIGINT) IS NULL OR at >= ?2) ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![tenant, since], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Walks the whole chain in order, calling `f` on each record until it returns `false`.
pub fn walk(conn: &Connection<'_>, mut f: impl FnMut(AuditRow) -> bool) -> Result<()> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"))?;
    let mut rows = stmt.query(())?;
    while let Some(r) = rows.next()? {
        if !f(row(r)?) {
            break;
        }
    }
    Ok(())
}
