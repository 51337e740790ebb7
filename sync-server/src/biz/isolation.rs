//! A bad document never stops anything else (docs/security/isolation.md).
//!
//! Every reader of stored case documents meets damage as [`ServerError::Unreadable`] (from
//! [`crate::db::docs::load`], [`read_events`], [`photos`]); readers of many cases (pull
//! batches, evaluation, Open311 lists, duplicate search, scheduled jobs) skip such a case and
//! carry on, readers of one case answer `document_unreadable`, and every meeting is recorded in
//! `bad_documents` for the administrator (`gridcase-server bad-docs list`). A scheduled job
//! runs each tenant on its own: a tenant's failure is logged, recorded in `job_failures`, and
//! the other tenants still run.
//!
//! Invariant: recording never fails the operation that met the damage (a failed record is
//! logged); [`report`] and [`report_job_failure`] take the writer, so they are called only
//! outside a transaction, and [`note`] only inside the writer's own.

use crate::db::bad_docs;
use crate::db::docs::panic_text;
use crate::db::sql::Connection;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError, Unreadable};
use gridcase_core::doc::{CaseDoc, EventsRead, PhotoEntry};

fn unreadable_of(
    doc: &CaseDoc,
    stage: &'static str,
    detail: impl std::fmt::Display,
) -> ServerError {
    Unreadable::error(doc.tenant().to_string(), doc.case_id(), stage, detail)
}

/// The document's events read leniently (per-event problems stay in `problems`); a document
/// whose events cannot be read at all (including a panic inside the reader) is
/// [`Unreadable`] at stage `events`.
pub fn read_events(doc: &CaseDoc) -> Result<EventsRead> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.read_events())) {
        Ok(Ok(read)) => Ok(read),
        Ok(Err(e)) => Err(unreadable_of(doc, "events", e)),
        Err(panic) => Err(unreadable_of(
            doc,
            "events",
            format!("the reader panicked: {}", panic_text(&panic)),
        )),
    }
}

/// The document's photo entries; a photos map that cannot be read is [`Unreadable`] at stage
/// `photos`.
pub fn photos(doc: &CaseDoc) -> Result<Vec<PhotoEntry>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.photos())) {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(e)) => Err(unreadable_of(doc, "photos", e)),
        Err(panic) => Err(unreadable_of(
            doc,
            "photos",
            format!("the reader panicked: {}", panic_text(&panic)),
        )),
    }
}

/// Splits a per-case result: `Ok(Some)` for a readable case, `Ok(None)` for an unreadable one
/// (pushed onto `skipped`), `Err` for any other failure.
pub fn skip<T>(r: Result<T>, skipped: &mut Vec<Unreadable>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ServerError::Unreadable(u)) => {
            skipped.push(*u);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Logs and records unreadable documents met by `seen_in` (takes the writer: call it outside
/// any transaction). Never fails: a failed record is logged.
pub fn report(dep: &Deployment, seen_in: &str, skipped: &[Unreadable]) {
    if skipped.is_empty() {
        return;
    }
    for u in skipped {
        tracing::warn!(seen_in, tenant = %u.tenant, case = %u.case_id, stage = u.stage,
            error = %u.detail, "unreadable case document skipped");
    }
    let now = dep.now().ms();
    if let Err(e) = dep.db().write(|tx| {
        skipped
            .iter()
            .try_for_each(|u| bad_docs::record(tx, u, seen_in, now))
    }) {
        tracing::error!(seen_in, error = %e, "could not record unreadable documents");
    }
}

/// Passes `r` through; an unreadable document in it is reported first (see [`report`]).
pub fn reported<T>(dep: &Deployment, seen_in: &str, r: Result<T>) -> Result<T> {
    if let Err(ServerError::Unreadable(u)) = &r {
        report(dep, seen_in, std::slice::from_ref(u.as_ref()));
    }
    r
}

/// Records an unreadable document on the caller's own write transaction (for code already
/// holding the writer). Does nothing for other errors; never fails.
pub fn note(conn: &Connection<'_>, e: &ServerError, seen_in: &str, now: i64) {
    if let Some(u) = e.unreadable() {
        tracing::warn!(seen_in, tenant = %u.tenant, case = %u.case_id, stage = u.stage,
            error = %u.detail, "unreadable case document");
        if let Err(e) = bad_docs::record(conn, u, seen_in, now) {
            tracing::error!(seen_in, error = %e, "could not record an unreadable document");
        }
    }
}

/// Logs and records a failed run of `job` for `tenant` (`""`: the whole deployment). Takes the
/// writer; never fails.
pub fn report_job_failure(dep: &Deployment, job: &str, tenant: &str, error: &str) {
    tracing::error!(job, tenant, error, "scheduled job failed");
    let now = dep.now().ms();
    if let Err(e) = dep
        .db()
        .write(|tx| bad_docs::record_job_failure(tx, job, tenant, error, now))
    {
        tracing::error!(job, tenant, error = %e, "could not record the job failure");
    }
}
