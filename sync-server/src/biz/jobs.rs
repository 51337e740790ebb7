//! Scheduled jobs (DESIGN.md §4 "Scheduled jobs"), run by the tokio scheduler inside `serve`
//! and by `run-jobs --once` from cron:
//! - **lights**: every case with a running clock is re-projected at `now` with its tenant's
//!   calendar, policy and catalog; a changed light or deadline is written to the queue row (no
//!   feed change);
//! - **escalation**: a case whose running clock is red and that has no system escalation since
//!   that clock started gets one `escalate` event (level 1) written by the system actor, merged
//!   and projected like any change (it enters the feed);
//! - **compaction**: documents with many chunks are rewritten as one snapshot;
//! - **blob GC**: incomplete uploads older than a day and complete blobs no case references
//!   (older than a day, so an upload that precedes its document's sync survives) are deleted;
//! - **backup**: an online SQLite backup to `<data>/backups/<timestamp>.sqlite`.

use super::merge::{append_system_event, store_case};
use super::projection;
use crate::db::cases::CaseRow;
use crate::db::{blobs, cases, docs};
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
    /// Escalation events appended.
    pub escalated: usize,
    /// Documents compacted.
    pub compacted: usize,
    /// Blobs deleted.
    pub blobs_removed: usize,
    /// The backup written, if any.
    pub backup: Option<PathBuf>,
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

/// Recomputes lights and escalates cases whose running clock went red. Each case is projected
/// on a read connection; the writer is taken only for a case whose row or document changes.
pub fn lights_and_escalation(dep: &Deployment, now: Timestamp) -> Result<(usize, usize)> {
    let running = dep.db().read(|tx| cases::running(tx))?;
    let (mut changed, mut escalated) = (0, 0);
    for (tenant, case) in running {
        let case_id = CaseId::parse(&case).map_err(|e| ServerError::Internal(e.to_string()))?;
        let rules = dep.rules(&tenant)?;
        let action = dep.db().read(|tx| {
            let Some(row) = cases::get(tx, &tenant, case_id)? else {
                return Ok(LightAction::Nothing);
            };
            let doc = docs::load(tx, case_id)?;
            let p = projection::project(&rules, &doc, now)?;
            if needs_escalation(&p)
                && let Some(clock) = p.deadlines.current()
            {
                return Ok(LightAction::Escalate(format!(
                    "{}超期",
                    clock.clock.label_zh()
                )));
            }
            if row.light != p.row.light || row.deadline != p.row.deadline {
                return Ok(LightAction::SetLight(Box::new(p.row)));
            }
            Ok(LightAction::Nothing)
        })?;
        match action {
            LightAction::Nothing => {}
            LightAction::SetLight(row) => {
                dep.db().write(|tx| {
                    cases::set_light(tx, &case, &row.light, row.clock.as_deref(), row.deadline)
                })?;
                changed += 1;
            }
            LightAction::Escalate(reason) => {
                let done = dep.db().write(|tx| {
                    // Decide again inside the transaction: a sync, or another run of the jobs
                    // (cron beside `serve`), may have changed the case since.
                    let mut doc = docs::load(tx, case_id)?;
                    if !needs_escalation(&projection::project(&rules, &doc, now)?) {
                        return Ok(false);
                    }
                    let before = doc.heads();
                    let kind = EventKind::Escalate { level: 1, reason };
                    append_system_event(dep, &mut doc, kind, now)?;
                    store_case(tx, dep, &mut doc, Some(&before), now)?;
                    Ok(true)
                })?;
                if done {
                    tracing::info!(case = %case_id, "escalated");
                    changed += 1;
                    escalated += 1;
                }
            }
        }
    }
    Ok((changed, escalated))
}

/// Compacts documents with many chunks.
pub fn compact(dep: &Deployment) -> Result<usize> {
    let ids = dep
        .db()
        .read(|tx| docs::needing_compaction(tx, COMPACT_AFTER_CHUNKS, COMPACT_AFTER_BYTES))?;
    for id in &ids {
        dep.db().write(|tx| docs::compact(tx, *id))?;
    }
    Ok(ids.len())
}

/// Deletes stale incomplete uploads and unreferenced complete blobs.
pub fn blob_gc(dep: &Deployment, now: Timestamp) -> Result<usize> {
    let before = now.ms() - BLOB_GRACE_MS;
    let (stale, unreferenced, parts) = dep.db().read(|tx| {
        Ok((
            blobs::stale_incomplete(tx, before)?,
            blobs::unreferenced(tx, before)?,
            blobs::stale_parts(tx, before)?,
        ))
    })?;
    let mut removed = 0;
    for (tenant, sha, device) in &parts {
        super::blobs::remove_part(dep, tenant, sha, device)?;
        removed += 1;
    }
    for (tenant, sha) in stale.iter().chain(unreferenced.iter()) {
        super::blobs::remove(dep, tenant, sha)?;
        removed += 1;
    }
    Ok(removed)
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
    let src = rusqlite::Connection::open_with_flags(
        dep.db().path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
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

/// Runs every job once (`run-jobs --once`); `with_backup` adds the online backup.
pub fn run_all(dep: &Deployment, now: Timestamp, with_backup: bool) -> Result<JobReport> {
    let (lights_changed, escalated) = lights_and_escalation(dep, now)?;
    let compacted = compact(dep)?;
    let blobs_removed = blob_gc(dep, now)?;
    let backup = if with_backup {
        Some(backup(dep, now)?)
    } else {
        None
    };
    Ok(JobReport {
        lights_changed,
        escalated,
        compacted,
        blobs_removed,
        backup,
    })
}
