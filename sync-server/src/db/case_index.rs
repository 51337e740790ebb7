//! The per-case index (table `case_index`) and its per-tenant state (`case_index_state`).
//!
//! Each row holds what evaluation and the lights pass need to decide whether to read a case at
//! all: the act-time span of its events, whether the fold of all its events is terminal, a
//! revision bumped at every projection write (so an in-memory cache keyed by it is invalidated
//! by any change), and the instant its running light next changes.
//!
//! Invariant: the row is written in the same transaction as the case's queue row
//! (biz::projection::write), so it never lags the stored document written through the server.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::{Result, ServerError};
use gridcase_core::model::CaseId;

/// The index facts of one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Earliest act time of its events (ms), `None` when it has none.
    pub first_act: Option<i64>,
    /// Latest act time of its events (ms).
    pub last_act: Option<i64>,
    /// The fold of all its events is terminal (closed, rejected, voided, merged).
    pub terminal: bool,
    /// When its running light next changes (ms), `None` when it has no running light.
    pub next_light_at: Option<i64>,
}

/// A case that may count in a period, with its revision and span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The case.
    pub case_id: CaseId,
    /// Its revision.
    pub rev: i64,
    /// Latest act time.
    pub last_act: i64,
    /// Terminal fold.
    pub terminal: bool,
}

/// Writes (or replaces) a case's row and bumps its revision.
pub fn upsert(conn: &Connection<'_>, tenant: &str, case_id: &str, e: &Entry) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_index(case_id, tenant, rev, first_act, last_act, terminal, next_light_at)
         VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)
         ON CONFLICT(case_id) DO UPDATE SET tenant = excluded.tenant, rev = case_index.rev + 1,
             first_act = excluded.first_act, last_act = excluded.last_act,
             terminal = excluded.terminal, next_light_at = excluded.next_light_at",
    )?
    .execute(params![
        case_id,
        tenant,
        e.first_act,
        e.last_act,
        e.terminal,
        e.next_light_at
    ])?;
    Ok(())
}

/// Sets when a case's light next changes (the lights pass, after measuring it).
pub fn set_next_light(conn: &Connection<'_>, case_id: &str, at: Option<i64>) -> Result<()> {
    conn.prepare_cached("UPDATE case_index SET next_light_at = ?2 WHERE case_id = ?1")?
        .execute(params![case_id, at])?;
    Ok(())
}

/// The cases of the tenant that can count in `[from, to)`: some event acted before `to`, and
/// either not terminal or some event acted at or after `from`. Ordered by case id (the order of
/// the full fold).
pub fn candidates(
    conn: &Connection<'_>,
    tenant: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT case_id, rev, last_act, terminal FROM case_index
         WHERE tenant = ?1 AND first_act < ?3 AND (terminal = 0 OR last_act >= ?2)
         ORDER BY case_id",
    )?;
    let rows = stmt.query_map(params![tenant, from, to], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (id, rev, last_act, terminal) = row?;
        let case_id = CaseId::parse(&id)
            .map_err(|e| ServerError::Internal(format!("case_index/{id}: {e}")))?;
        Ok(Candidate {
            case_id,
            rev,
            last_act,
            terminal,
        })
    })
    .collect()
}

/// The tenant's cases whose light is due to change at or before `now`, earliest first.
pub fn due_lights(conn: &Connection<'_>, tenant: &str, now: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT case_id FROM case_index
         WHERE tenant = ?1 AND next_light_at IS NOT NULL AND next_light_at <= ?2
         ORDER BY next_light_at, case_id",
    )?;
    let rows = stmt.query_map(params![tenant, now], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tenant's documents that have no index row yet (stored before the index existed).
pub fn unindexed(conn: &Connection<'_>, tenant: &str) -> Result<Vec<CaseId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.case_id FROM docs d
         WHERE d.tenant = ?1 AND NOT EXISTS (SELECT 1 FROM case_index i WHERE i.case_id = d.case_id)
         ORDER BY d.case_id",
    )?;
    let ids = stmt.query_map([tenant], |r| r.get::<_, String>(0))?;
    ids.map(|id| {
        let id = id?;
        CaseId::parse(&id).map_err(|e| ServerError::Internal(format!("docs/{id}: {e}")))
    })
    .collect()
}

/// Whether every document of the tenant has its index row.
pub fn spans_built(conn: &Connection<'_>, tenant: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT spans_built FROM case_index_state WHERE tenant = ?1")?
        .query_row([tenant], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// Records that every document of the tenant has its index row.
pub fn set_spans_built(conn: &Connection<'_>, tenant: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO case_index_state(tenant, spans_built) VALUES (?1, 1)
         ON CONFLICT(tenant) DO UPDATE SET spans_built = 1",
        [tenant],
    )?;
    Ok(())
}

/// The rules fingerprint the tenant's `next_light_at` values were computed with, if they cover
/// every running case.
pub fn lights_rules(conn: &Connection<'_>, tenant: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT lights_rules FROM case_index_state WHERE tenant = ?1")?
        .query_row([tenant], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Records that the tenant's `next_light_at` values cover every running case under `rules`.
pub fn set_lights_rules(conn: &Connection<'_>, tenant: &str, rules: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO case_index_state(tenant, lights_rules) VALUES (?1, ?2)
         ON CONFLICT(tenant) DO UPDATE SET lights_rules = excluded.lights_rules",
        params![tenant, rules],
    )?;
    Ok(())
}

/// The running cases of one tenant (as [`super::cases::running`]).
pub fn running_in(conn: &Connection<'_>, tenant: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT case_id FROM cases
         WHERE tenant = ?1
           AND status NOT IN ('closed', 'rejected', 'voided', 'merged', 'parked', 'draft')
         ORDER BY case_id",
    )?;
    let rows = stmt.query_map([tenant], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
