//! Scheduled jobs (DESIGN.md §4 "Scheduled jobs"), run by the tokio scheduler inside `serve`
//! and by `run-jobs --once` from cron:
//! - **lights**: every case whose light is due to change (the time-ordered index of next light
//!   changes, db::case_index, kept by every projection write) is re-projected at `now` with its
//!   tenant's calendar, policy and catalog; a changed light or deadline is written to the queue
//!   row (no feed change); a tenant whose index does not cover its running cases under its
//!   current rules gets one full pass that fills it;
//! - **escalation**: a case whose running clock is red and that has no system escalation since
//!   that clock started gets one `escalate` event (level 1) written by the system actor, merged
//!   and projected like any change (it enters the feed);
//! - **compaction**: documents with many chunks are rewritten as one snapshot;
//! - **blob GC**: incomplete uploads older than a day and complete blobs no case references
//!   (older than a day, so an upload that precedes its document's sync survives) are deleted;
//! - **backup**: an online SQLite backup to `<data>/backups/<timestamp>.sqlite`.
//!
//! Isolation (docs/security/isolation.md): a case whose stored document does not read is
//! skipped and recorded in `bad_documents`; each tenant's run is its own, so a tenant whose run
//! fails is logged and recorded in `job_failures` while the other tenants and jobs still run.

use super::isolation;
use super::merge::{append_system_event, store_case};
use super::projection;
use super::rules::TenantRules;
use crate::db::cases::CaseRow;
use crate::db::{blobs, case_index, cases, docs};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::deadline::Light;
use gridcase_core::model::{CaseId, Role, Timestamp};
use gridcase_core::workflow::EventKind;
use std::path::PathBuf;
use std::time::Duration;

/// The compaction job rewrites documents with more chunks than this (merges already keep them
/// at most at [`docs::MAX_CHUNKS`]; the job catches documents written under other limits) …
pub const COMPACT_AFTER_CHUNKS: i64 = docs::MAX_CHUNKS;
/// … or this many bytes of chunks.
pub const COMPACT_AFTER_BYTES: i64 = docs::MAX_CHUNK_BYTES;
/// Blobs are kept at least this long before GC may delete them.
pub const BLOB_GRACE_MS: i64 = 24 * 3_600_000;

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobReport {
    /// Queue rows whose light or deadline changed.
    pub lights_changed: usize,
    /// Cases the lights pass read and measured.
    pub lights_touched: usize,
    /// Escalation events appended.
    pub escalated: usize,
    /// Documents compacted.
    pub compacted: usize,
    /// Blobs deleted.
    pub blobs_removed: usize,
    /// The backup written, if any.
    pub backup: Option<PathBuf>,
    /// Cases skipped because their stored document does not read (recorded in
    /// `bad_documents`).
    pub unreadable: Vec<String>,
    /// Runs that failed for one tenant (`""`: the whole job), recorded in `job_failures`; the
    /// other tenants and jobs ran.
    pub failures: Vec<RunFailure>,
}

/// One failed run of a job.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunFailure {
    /// The job: `lights`, `compaction`, `blob_gc`, `backup`.
    pub job: String,
    /// The tenant, `""` for the whole job.
    pub tenant: String,
    /// What went wrong.
    pub error: String,
}

/// What the lights pass (or another per-tenant job) did, with what it skipped or failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Queue rows changed (lights) or documents compacted or blobs removed.
    pub changed: usize,
    /// Escalation events appended.
    pub escalated: usize,
    /// Cases the lights pass read and measured (those due, or every running case on a full
    /// pass).
    pub touched: usize,
    /// Cases skipped (unreadable documents).
    pub unreadable: Vec<String>,
    /// Tenants whose run failed.
    pub failures: Vec<RunFailure>,
}

impl Tally {
    /// Records an unreadable case (and reports it) or a tenant's failed run (logged and
    /// reported); `Ok` passes through.
    fn absorb<T>(&mut self, dep: &Deployment, job: &str, tenant: &str, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(ServerError::Unreadable(u)) => {
                isolation::report(dep, job, std::slice::from_ref(u.as_ref()));
                self.unreadable.push(u.case_id.to_string());
                None
            }
            Err(e) => {
                let error = e.to_string();
                isolation::report_job_failure(dep, job, tenant, &error);
                self.failures.push(RunFailure {
                    job: job.to_owned(),
                    tenant: tenant.to_owned(),
                    error,
                });
                None
            }
        }
    }
}

/// What the lights pass decided for one case.
enum LightAction {
    Nothing,
    SetLight(Box<CaseRow>),
    Escalate(String),
}

/// Whether the running clock is red with no system escalation since it started.
fn needs_escalation(p: &projection::Projected) -> bool {
    p.deadlines
        .current()
        .filter(|c| c.light == Light::Red)
        .is_some_and(|clock| {
            !p.state
                .escalations
                .iter()
                .any(|e| e.by.role == Role::System && e.at >= clock.started_at)
        })
}

/// Recomputes lights and escalates cases whose running clock went red, touching only the cases
/// whose light is due to change (the time-ordered `next_light_at` of db::case_index). A tenant
/// whose index does not cover its running cases under its current rules (first run after the
/// upgrade, or rules re-imported since: biz::case_index::rules_fingerprint) gets one full pass
/// over its running cases, which fills the index. Each case is projected on a read connection;
/// the writer is taken only for a case whose row, document or index entry changes. Each tenant
/// runs on its own: a case whose document does not read is skipped and reported, a tenant whose
/// run fails (its rules do not load, …) is logged and reported, and the other tenants still
/// run. Fails only when the tenants cannot be listed at all.
pub fn lights_and_escalation(dep: &Deployment, now: Timestamp) -> Result<Tally> {
    let tenants = dep.db().read(crate::db::tenants::list)?;
    let mut tally = Tally::default();
    for t in &tenants {
        let tenant = t.code.as_str();
        let run = dep
            .db()
            .read(|tx| {
                let fp = super::case_index::rules_fingerprint(tx, tenant)?;
                let covered = case_index::lights_rules(tx, tenant)?.as_deref() == Some(&fp);
                let cases = if covered {
                    case_index::due_lights(tx, tenant, now.ms())?
                } else {
                    case_index::running_in(tx, tenant)?
                };
                Ok((fp, covered, cases))
            })
            .and_then(|(fp, covered, cases)| {
                tenant_lights(dep, tenant, &cases, now, &mut tally)?;
                if !covered {
                    dep.db()
                        .write(|tx| case_index::set_lights_rules(tx, tenant, &fp))?;
                }
                Ok(())
            });
        tally.absorb(dep, "lights", tenant, run);
    }
    Ok(tally)
}

/// The lights pass of one tenant over `cases`; an unreadable case is skipped into `tally`.
fn tenant_lights(
    dep: &Deployment,
    tenant: &str,
    cases: &[String],
    now: Timestamp,
    tally: &mut Tally,
) -> Result<()> {
    let rules = dep.rules(tenant)?;
    // Next light changes of cases whose row does not change, written 1,000 per transaction.
    let mut pending: Vec<(&str, Option<i64>)> = Vec::new();
    let flush = |pending: &mut Vec<(&str, Option<i64>)>| {
        let r = dep.db().write(|tx| {
            for (case, next) in pending.iter() {
                case_index::set_next_light(tx, case, *next)?;
            }
            Ok(())
        });
        pending.clear();
        r
    };
    for case in cases {
        if pending.len() >= 1000 {
            flush(&mut pending)?;
        }
        let case_id = CaseId::parse(case).map_err(|e| ServerError::Internal(e.to_string()))?;
        let mut skipped = Vec::new();
        tally.touched += 1;
        let action = isolation::skip(
            light_action(dep, &rules, tenant, case_id, now),
            &mut skipped,
        )?;
        let done = match action {
            None => None,
            Some((LightAction::Nothing, next)) => {
                pending.push((case.as_str(), next));
                None
            }
            Some((LightAction::SetLight(row), next)) => {
                dep.db().write(|tx| {
                    cases::set_light(tx, case, &row.light, row.clock.as_deref(), row.deadline)?;
                    case_index::set_next_light(tx, case, next)
                })?;
                Some(false)
            }
            Some((LightAction::Escalate(reason), _)) => {
                // The escalation's own projection write sets the next light change.
                let written =
                    isolation::skip(escalate(dep, &rules, case_id, reason, now), &mut skipped)?;
                written.filter(|w| *w).map(|_| true)
            }
        };
        isolation::report(dep, "lights", &skipped);
        tally
            .unreadable
            .extend(skipped.iter().map(|u| u.case_id.to_string()));
        match done {
            Some(true) => {
                tracing::info!(case = %case_id, "escalated");
                tally.changed += 1;
                tally.escalated += 1;
            }
            Some(false) => tally.changed += 1,
            None => {}
        }
    }
    flush(&mut pending)
}

/// What the lights pass does for one case (on a read connection).
/// With the action, when the case's light next changes after it.
fn light_action(
    dep: &Deployment,
    rules: &TenantRules,
    tenant: &str,
    case_id: CaseId,
    now: Timestamp,
) -> Result<(LightAction, Option<i64>)> {
    dep.db().read(|tx| {
        let Some(row) = cases::get(tx, tenant, case_id)? else {
            return Ok((LightAction::Nothing, None));
        };
        let doc = docs::load(tx, case_id)?;
        let p = projection::project(rules, &doc, now)?;
        let next = p.index.next_light_at;
        if needs_escalation(&p)
            && let Some(clock) = p.deadlines.current()
        {
            return Ok((
                LightAction::Escalate(format!("{}超期", clock.clock.label_zh())),
                next,
            ));
        }
        if row.light != p.row.light || row.deadline != p.row.deadline {
            return Ok((LightAction::SetLight(Box::new(p.row)), next));
        }
        Ok((LightAction::Nothing, next))
    })
}

/// Appends the escalation; `false` when a sync or another run got there first.
fn escalate(
    dep: &Deployment,
    rules: &TenantRules,
    case_id: CaseId,
    reason: String,
    now: Timestamp,
) -> Result<bool> {
    dep.db().write(|tx| {
        // Decide again inside the transaction: a sync, or another run of the jobs (cron beside
        // `serve`), may have changed the case since.
        let mut doc = docs::load(tx, case_id)?;
        if !needs_escalation(&projection::project(rules, &doc, now)?) {
            return Ok(false);
        }
        let before = doc.heads();
        let kind = EventKind::Escalate {
            level: 1,
            reason,
            department: None,
            role: None,
            reply_by: None,
        };
        append_system_event(dep, &mut doc, kind, now)?;
        store_case(tx, dep, &mut doc, Some(&before), now)?;
        Ok(true)
    })
}

/// Compacts documents with many chunks; a document that does not load is skipped and reported,
/// one that fails otherwise is reported for its tenant, and the others are compacted.
pub fn compact(dep: &Deployment) -> Result<Tally> {
    let ids = dep
        .db()
        .read(|tx| docs::needing_compaction(tx, COMPACT_AFTER_CHUNKS, COMPACT_AFTER_BYTES))?;
    let mut tally = Tally::default();
    for (tenant, id) in &ids {
        let r = dep.db().write(|tx| docs::compact(tx, *id));
        if tally.absorb(dep, "compaction", tenant, r).is_some() {
            tally.changed += 1;
        }
    }
    Ok(tally)
}

/// Deletes stale incomplete uploads and unreferenced complete blobs (the blobs of an unreadable
/// case stay referenced by its last projection, so they are kept).
pub fn blob_gc(dep: &Deployment, now: Timestamp) -> Result<Tally> {
    let before = now.ms() - BLOB_GRACE_MS;
    let (stale, unreferenced, parts) = dep.db().read(|tx| {
        Ok((
            blobs::stale_incomplete(tx, before)?,
            blobs::unreferenced(tx, before)?,
            blobs::stale_parts(tx, before)?,
        ))
    })?;
    let mut tally = Tally::default();
    for (tenant, sha, device) in &parts {
        let r = super::blobs::remove_part(dep, tenant, sha, device);
        if tally.absorb(dep, "blob_gc", tenant, r).is_some() {
            tally.changed += 1;
        }
    }
    for (tenant, sha) in stale.iter().chain(unreferenced.iter()) {
        // One blob that cannot be removed is reported for its tenant; the others still go.
        let r = super::blobs::remove(dep, tenant, sha);
        if tally.absorb(dep, "blob_gc", tenant, r).is_some() {
            tally.changed += 1;
        }
    }
    Ok(tally)
}

/// Writes an online backup of the database to `<data>/backups/<timestamp>.sqlite` and keeps
/// the newest `backups_kept`.
pub fn backup(dep: &Deployment, now: Timestamp) -> Result<PathBuf> {
    let dir = dep.backups_dir();
    std::fs::create_dir_all(&dir)?;
    let stamp = now
        .to_shanghai()
        .map(|t| t.format("%Y%m%dT%H%M%S%.3f").to_string())
        .unwrap_or_else(|| now.ms().to_string());
    let target = dir.join(format!("{stamp}.sqlite"));
    let Some(path) = dep.db().sqlite_path() else {
        return Err(crate::error::ServerError::Config(
            "PostgreSQL 部署的备份由数据库的运维负责（pg_dump 或基础备份，见 docs/deployment.md）"
                .into(),
        ));
    };
    let src =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut dst = rusqlite::Connection::open(&target)?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    drop(dst);
    prune_backups(&dir, dep.config().jobs.backups_kept)?;
    tracing::info!(path = %target.display(), "backup written");
    Ok(target)
}

fn prune_backups(dir: &std::path::Path, keep: usize) -> Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sqlite"))
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep.max(1));
    for old in files.into_iter().take(excess) {
        std::fs::remove_file(old)?;
    }
    Ok(())
}

/// Runs every job once (`run-jobs --once`); `with_backup` adds the online backup. A job that
/// fails as a whole is logged, reported and listed in `failures`; the next jobs still run.
pub fn run_all(dep: &Deployment, now: Timestamp, with_backup: bool) -> Result<JobReport> {
    let mut report = JobReport::default();
    let mut whole = Tally::default();
    let merge = |report: &mut JobReport, t: Tally| {
        report.unreadable.extend(t.unreadable);
        report.failures.extend(t.failures);
        t.changed
    };
    if let Some(t) = whole.absorb(dep, "lights", "", lights_and_escalation(dep, now)) {
        report.escalated = t.escalated;
        report.lights_touched = t.touched;
        report.lights_changed = merge(&mut report, t);
    }
    if let Some(t) = whole.absorb(dep, "compaction", "", compact(dep)) {
        report.compacted = merge(&mut report, t);
    }
    if let Some(t) = whole.absorb(dep, "blob_gc", "", blob_gc(dep, now)) {
        report.blobs_removed = merge(&mut report, t);
    }
    // PostgreSQL is backed up by its operator (docs/deployment.md): no file backup there.
    if with_backup && dep.db().sqlite_path().is_some() {
        report.backup = whole.absorb(dep, "backup", "", backup(dep, now));
    }
    merge(&mut report, whole);
    Ok(report)
}
