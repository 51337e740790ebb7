//! `bad_documents` and `job_failures`: what the administrator sees of stored case documents
//! that fail to load or read, and of scheduled-job runs that failed for one tenant
//! (docs/security/isolation.md).
//!
//! Invariants: one row per case (`bad_documents`) and per (job, tenant) (`job_failures`); a
//! repeat only moves `last_seen`, bumps `count` and replaces the error text, which is cut to
//! [`MAX_ERROR_CHARS`]; so the tables never grow with repeats. Rows leave only by an
//! administrator's `forget` / `clear`.

use crate::db::sql::{Connection, params};
use crate::error::{Result, Unreadable};
use serde::Serialize;

/// Error texts are cut to this many characters.
pub const MAX_ERROR_CHARS: usize = 1000;

fn cut(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}

/// One unreadable case document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BadDocument {
    /// Tenant code.
    pub tenant: String,
    /// Case id.
    pub case_id: String,
    /// Where it failed: `load`, `header`, `heads`, `events`, `photos`.
    pub stage: String,
    /// The operation that last met it (`pull`, `push`, `case_detail`, `evaluation`, …).
    pub seen_in: String,
    /// The last error.
    pub error: String,
    /// First seen (Unix ms).
    pub first_seen: i64,
    /// Last seen (Unix ms).
    pub last_seen: i64,
    /// How many times it was met.
    pub count: i64,
}

/// One failing (job, tenant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JobFailure {
    /// The job.
    pub job: String,
    /// Tenant code (`""` for a deployment-wide run).
    pub tenant: String,
    /// The last error.
    pub error: String,
    /// First seen (Unix ms).
    pub first_seen: i64,
    /// Last seen (Unix ms).
    pub last_seen: i64,
    /// How many runs failed.
    pub count: i64,
}

/// Records (upserts) an unreadable document met by `seen_in` at `now` (Unix ms).
pub fn record(conn: &Connection<'_>, u: &Unreadable, seen_in: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO bad_documents(tenant, case_id, stage, seen_in, error, first_seen,
                                   last_seen, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1)
         ON CONFLICT(tenant, case_id) DO UPDATE SET
            stage = excluded.stage, seen_in = excluded.seen_in, error = excluded.error,
            last_seen = CASE WHEN bad_documents.last_seen > excluded.last_seen
                        THEN bad_documents.last_seen ELSE excluded.last_seen END,
            count = bad_documents.count + 1",
        params![
            u.tenant,
            u.case_id.to_string(),
            u.stage,
            seen_in,
            cut(&u.detail),
            now
        ],
    )?;
    Ok(())
}

/// The unreadable documents, of one tenant or all, by tenant and case.
pub fn list(conn: &Connection<'_>, tenant: Option<&str>) -> Result<Vec<BadDocument>> {
    let mut stmt = conn.prepare(
        "SELECT tenant, case_id, stage, seen_in, error, first_seen, last_seen, count
         FROM bad_documents WHERE CAST(?1 AS TEXT) IS NULL OR tenant = ?1 ORDER BY tenant, case_id",
    )?;
    let rows = stmt.query_map([tenant], |r| {
        Ok(BadDocument {
            tenant: r.get(0)?,
            case_id: r.get(1)?,
            stage: r.get(2)?,
            seen_in: r.get(3)?,
            error: r.get(4)?,
            first_seen: r.get(5)?,
            last_seen: r.get(6)?,
            count: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Forgets one case (repaired); returns whether it was listed.
pub fn forget(conn: &Connection<'_>, case_id: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM bad_documents WHERE case_id = ?1", [case_id])? > 0)
}

/// Forgets every listed document and job failure, of one tenant or all; returns the rows
/// removed.
pub fn clear(conn: &Connection<'_>, tenant: Option<&str>) -> Result<usize> {
    let docs = conn.execute(
        "DELETE FROM bad_documents WHERE CAST(?1 AS TEXT) IS NULL OR tenant = ?1",
        [tenant],
    )?;
    let jobs = conn.execute(
        "DELETE FROM job_failures WHERE CAST(?1 AS TEXT) IS NULL OR tenant = ?1",
        [tenant],
    )?;
    Ok(docs + jobs)
}

/// Records (upserts) a failed run of `job` for `tenant` at `now` (Unix ms).
pub fn record_job_failure(
    conn: &Connection<'_>,
    job: &str,
    tenant: &str,
    error: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO job_failures(job, tenant, error, first_seen, last_seen, count)
         VALUES (?1, ?2, ?3, ?4, ?4, 1)
         ON CONFLICT(job, tenant) DO UPDATE SET
            error = excluded.error,
            last_seen = CASE WHEN job_failures.last_seen > excluded.last_seen
                        THEN job_failures.last_seen ELSE excluded.last_seen END,
            count = job_failures.count + 1",
        params![job, tenant, cut(error), now],
    )?;
    Ok(())
}

/// The failing jobs, of one tenant or all.
pub fn job_failures(conn: &Connection<'_>, tenant: Option<&str>) -> Result<Vec<JobFailure>> {
    let mut stmt = conn.prepare(
        "SELECT job, tenant, error, first_seen, last_seen, count
         FROM job_failures WHERE CAST(?1 AS TEXT) IS NULL OR tenant = ?1 ORDER BY tenant, job",
    )?;
    let rows = stmt.query_map([tenant], |r| {
        Ok(JobFailure {
            job: r.get(0)?,
            tenant: r.get(1)?,
            error: r.get(2)?,
            first_seen: r.get(3)?,
            last_seen: r.get(4)?,
            count: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
