//! `POST /v1/sync`: many documents in one round trip (docs/protocol.md "Sync").
//!
//! Each document is gated on its own, on a read connection, before the writer is taken: the
//! gate (decoding, checks, the candidate's round trip) is the expensive part, so one costly
//! push never holds the writer while other tenants wait. The admitted candidates are then
//! merged, numbered, projected and given a feed position, all in one writer transaction for the
//! whole request (one durable commit, group-commit style). A candidate whose document changed
//! between the two phases (another push to the same case landed meanwhile) is gated again
//! inside the writer. Each document runs inside a savepoint, so an internal failure on one
//! rolls back only that one; a gate rejection writes nothing at all. Requests that only pull run
//! on a read connection and never wait for the writer.
//!
//! The stored document comes from the deployment's document cache when its heads and the
//! fingerprint of its stored bytes equal those read in the same transaction (biz::doc_cache),
//! else from the database; the
//! committed candidate goes back into the cache. A case is folded once per request: the gate's
//! events, with the server's receipts written into them, are folded once and projected (a
//! second fold only when the server appends a case number). A new case may come as one whole
//! document (the `whole-doc` capability); what the whole documents of one request inflate to
//! is bounded by `max_sync_bytes` in all, so a request holds no more than a change push would.

use super::Caller;
use super::blobs;
use super::doc_cache::{Fingerprint, estimate, fingerprint};
use super::gate::{Admission, Rejection, gate_with};
use super::isolation;
use super::merge::{add_receipts_to, number_if_filed_folded, store_case_folded};
use super::projection::Folded;
use super::scope::may_create;
use crate::db::sql::Connection;
use crate::db::{cases, docs};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use automerge::ChangeHash;
use gridcase_core::doc::{CaseDoc, IncomingLimits};
use gridcase_core::model::{CaseId, EventId, Timestamp};
use gridcase_core::protocol::{
    DocOutcome, DocPush, DocResult, ErrorCode, Heads, SyncRequest, SyncResponse,
};
use gridcase_core::workflow::Event;
use std::cell::Cell;

fn wire_heads(heads: &[ChangeHash]) -> Heads {
    heads
        .iter()
        .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
        .collect()
}

fn parse_heads(heads: &Heads) -> Vec<ChangeHash> {
    heads
        .iter()
        .filter_map(|h| <[u8; 32]>::try_from(h.as_slice()).ok().map(ChangeHash))
        .collect()
}

/// Checks the request against the announced limits (`too_large` for the whole request).
pub fn check_limits(dep: &Deployment, req: &SyncRequest) -> Result<()> {
    let limits = &dep.config().limits;
    if req.docs.len() > limits.max_docs_per_sync as usize {
        return Err(ServerError::api(
            ErrorCode::TooLarge,
            format!(
                "{} 个案件，上限 {}",
                req.docs.len(),
                limits.max_docs_per_sync
            ),
        ));
    }
    if let Some(big) = req
        .docs
        .iter()
        .find(|d| d.changes.len() as u64 > limits.max_doc_bytes)
    {
        return Err(ServerError::api(
            ErrorCode::TooLarge,
            format!("案件 {} 的变更 {} 字节", big.case_id, big.changes.len()),
        ));
    }
    Ok(())
}

/// Handles one sync request.
pub fn sync(dep: &Deployment, caller: &Caller, req: &SyncRequest) -> Result<SyncResponse> {
    check_limits(dep, req)?;
    let now = dep.now();
    if req.docs.iter().all(|d| d.changes.is_empty()) {
        // A case whose stored document does not read is answered `document_unreadable` for
        // itself only (and reported); the rest of the batch is served.
        let mut skipped = Vec::new();
        let budget = inflate_budget(dep);
        let docs = dep.db().read(|tx| {
            req.docs
                .iter()
                .map(|push| {
                    let r = process(tx, dep, caller, push, now, &budget);
                    let r = isolation::skip(r, &mut skipped)?;
                    Ok(r.unwrap_or_else(|| unreadable(push.case_id)))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        isolation::report(dep, "pull", &skipped);
        return Ok(SyncResponse { docs });
    }
    let budget = inflate_budget(dep);
    let gated = dep.db().read(|tx| {
        Ok(req
            .docs
            .iter()
            .map(|push| prepare(tx, dep, caller, push, now, &budget))
            .collect::<Vec<_>>())
    })?;
    let docs = dep.db().write(|tx| {
        let mut out = Vec::with_capacity(req.docs.len());
        for (push, gated) in req.docs.iter().zip(gated) {
            tx.execute_batch("SAVEPOINT doc")?;
            let result = match gated {
                Ok(Prepared::Done(result)) => Ok(result),
                Ok(Prepared::Admitted(admitted)) => {
                    commit(tx, dep, caller, push, *admitted, now, &budget)
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(result) => {
                    tx.execute_batch("RELEASE doc")?;
                    out.push(result);
                }
                // Out of space: the whole request fails as `storage_full` (nothing of it is
                // committed) so the device sends it again later instead of quarantining.
                Err(e) if e.code() == ErrorCode::StorageFull => return Err(e),
                Err(e) => {
                    tx.execute_batch("ROLLBACK TO doc; RELEASE doc")?;
                    tracing::error!(case = %push.case_id, error = %e, "sync of one document failed");
                    isolation::note(tx, &e, "push", now.ms());
                    let api = e.to_api();
                    out.push(DocResult {
                        case_id: push.case_id,
                        outcome: DocOutcome::Rejected {
                            code: api.code,
                            message: api.message,
                        },
                        heads: Vec::new(),
                        changes: Vec::new(),
                        seq: 0,
                    });
                }
            }
        }
        Ok(out)
    })?;
    Ok(SyncResponse { docs })
}

fn rejected(case_id: CaseId, r: &Rejection, doc: Option<&mut CaseDoc>, seq: u64) -> DocResult {
    let api = r.code.with(&r.detail);
    let (heads, changes) = match doc {
        Some(d) => (wire_heads(&d.heads()), d.save()),
        None => (Vec::new(), Vec::new()),
    };
    DocResult {
        case_id,
        outcome: DocOutcome::Rejected {
            code: api.code,
            message: api.message,
        },
        heads,
        changes,
        seq,
    }
}

/// The answer for a case whose stored document does not read.
fn unreadable(case_id: CaseId) -> DocResult {
    let r = Rejection {
        code: ErrorCode::DocumentUnreadable,
        detail: String::new(),
    };
    rejected(case_id, &r, None, 0)
}

fn out_of_scope(case_id: CaseId) -> DocResult {
    let r = Rejection {
        code: ErrorCode::OutOfScope,
        detail: String::new(),
    };
    rejected(case_id, &r, None, 0)
}

/// The changes the device lacks: everything after the heads of `have` the server knows; the
/// whole document when it knows none of them.
fn what_device_lacks(doc: &mut CaseDoc, have: &Heads) -> Vec<u8> {
    let known: Vec<ChangeHash> = parse_heads(have)
        .into_iter()
        .filter(|h| doc.has_change(h))
        .collect();
    if known.is_empty() {
        doc.save()
    } else {
        doc.save_after(&known)
    }
}

fn accepted(case_id: CaseId, doc: &mut CaseDoc, have: &Heads, seq: i64) -> DocResult {
    DocResult {
        case_id,
        outcome: DocOutcome::Accepted,
        heads: wire_heads(&doc.heads()),
        changes: what_device_lacks(doc, have),
        seq: seq.max(0) as u64,
    }
}

/// A document gated on a read connection, waiting for the writer.
struct Admitted {
    /// The stored document's heads the gate ran against (`None`: a new case).
    base: Option<Vec<ChangeHash>>,
    /// Bytes of the stored document the gate ran against (0: a new case).
    base_bytes: i64,
    candidate: CaseDoc,
    before: Vec<ChangeHash>,
    new_events: Vec<Event>,
    events: Vec<Event>,
    problems: usize,
    /// The candidate's `save()` from the gate's round trip.
    saved: Vec<u8>,
}

/// What the whole documents of one request may still inflate to.
type Budget = Cell<u64>;

fn inflate_budget(dep: &Deployment) -> Budget {
    Cell::new(dep.config().limits.max_sync_bytes)
}

/// The gate's limits under this deployment's: a whole document inflates to at most
/// `max_doc_bytes`, like the changes of one document.
fn gate_limits(dep: &Deployment) -> IncomingLimits {
    IncomingLimits {
        max_inflated_bytes: usize::try_from(dep.config().limits.max_doc_bytes)
            .unwrap_or(usize::MAX),
        ..IncomingLimits::default()
    }
}

/// The fingerprint of a case's stored bytes as they are in this transaction.
fn stored_fingerprint(conn: &Connection<'_>, case_id: CaseId) -> Result<Fingerprint> {
    let bytes = docs::stored_bytes(conn, case_id)?.unwrap_or_default();
    Ok(fingerprint(&bytes))
}

/// The stored document of an existing case: from the cache when its heads and stored bytes are
/// the ones read in this transaction, else loaded. Returns it with that fingerprint.
fn stored_doc(
    conn: &Connection<'_>,
    dep: &Deployment,
    tenant: &str,
    case_id: CaseId,
    info: &docs::DocInfo,
) -> Result<(CaseDoc, Fingerprint)> {
    let stored = stored_fingerprint(conn, case_id)?;
    match dep.doc_cache().take(tenant, case_id, &info.heads, &stored) {
        Some(doc) => Ok((doc, stored)),
        None => Ok((docs::load(conn, case_id)?, stored)),
    }
}

/// Gives a document the request only read back to the cache.
fn keep(
    dep: &Deployment,
    tenant: &str,
    case_id: CaseId,
    info: &docs::DocInfo,
    stored: Fingerprint,
    doc: CaseDoc,
) {
    let size = estimate(usize::try_from(info.total_bytes).unwrap_or(usize::MAX));
    dep.doc_cache()
        .put(tenant, case_id, &info.heads, stored, doc, size);
}

/// The outcome of the read phase for one document.
enum Prepared {
    /// Answered without writing (rejections, scope, replays, pulls).
    Done(DocResult),
    /// Admitted by the gate; to be committed by the writer.
    Admitted(Box<Admitted>),
}

/// One document of a request, on the writer (the fallback when the document changed since the
/// read phase).
fn process(
    conn: &Connection<'_>,
    dep: &Deployment,
    caller: &Caller,
    push: &DocPush,
    now: Timestamp,
    budget: &Budget,
) -> Result<DocResult> {
    match prepare(conn, dep, caller, push, now, budget)? {
        Prepared::Done(result) => Ok(result),
        Prepared::Admitted(admitted) => commit(conn, dep, caller, push, *admitted, now, budget),
    }
}

/// The read phase of one document: scope, the stored document, the gate.
fn prepare(
    conn: &Connection<'_>,
    dep: &Deployment,
    caller: &Caller,
    push: &DocPush,
    now: Timestamp,
    budget: &Budget,
) -> Result<Prepared> {
    let case_id = push.case_id;
    let tenant = caller.tenant_code();
    let tenant_key = tenant.to_string();
    let info = docs::info(conn, case_id)?;
    let mut fp: Fingerprint = [0; 32];
    let mut existing = match &info {
        Some(i) if i.tenant != tenant => return Ok(Prepared::Done(out_of_scope(case_id))),
        Some(i) => {
            let row = cases::get(conn, &tenant, case_id)?;
            let principals = caller.principals();
            let visible = match &principals {
                None => true,
                Some(p) => cases::in_scope(conn, case_id, p)?,
            };
            if !visible || row.is_none() {
                return Ok(Prepared::Done(out_of_scope(case_id)));
            }
            let (doc, stored) = stored_doc(conn, dep, &tenant_key, case_id, i)?;
            fp = stored;
            Some((doc, row.map_or(0, |r| r.seq)))
        }
        None if push.changes.is_empty() => return Ok(Prepared::Done(out_of_scope(case_id))),
        None => None,
    };
    // A document only read here goes back to the cache.
    let give_back = |existing: Option<(CaseDoc, i64)>| {
        if let (Some((doc, _)), Some(i)) = (existing, &info) {
            keep(dep, &tenant_key, case_id, i, fp, doc);
        }
    };
    if push.changes.is_empty() {
        let (doc, seq) = existing
            .as_mut()
            .ok_or_else(|| ServerError::Internal("no doc".into()))?;
        let result = accepted(case_id, doc, &push.have, *seq);
        give_back(existing);
        return Ok(Prepared::Done(result));
    }
    let admission = gate_with(
        caller,
        case_id,
        existing.as_mut().map(|(d, _)| d),
        &push.changes,
        now,
        gate_limits(dep),
    );
    let (candidate, before, new_events, events, new_photos, problems, saved, inflated) =
        match admission {
            Err(r) => {
                let seq = existing.as_ref().map_or(0, |(_, s)| *s as u64);
                return Ok(Prepared::Done(rejected(
                    case_id,
                    &r,
                    existing.as_mut().map(|(d, _)| d),
                    seq,
                )));
            }
            Ok(Admission::Nothing) => {
                let result = match existing.as_mut() {
                    Some((doc, seq)) => accepted(case_id, doc, &push.have, *seq),
                    // Changes for an unknown case that create nothing (missing dependencies).
                    None => out_of_scope(case_id),
                };
                give_back(existing);
                return Ok(Prepared::Done(result));
            }
            Ok(Admission::Admitted {
                candidate,
                before,
                new_events,
                events,
                new_photos,
                problems,
                saved,
                inflated,
            }) => (
                *candidate, before, new_events, events, new_photos, problems, saved, inflated,
            ),
        };
    let inflated = inflated as u64;
    let over_budget = (inflated > budget.get()).then(|| Rejection {
        code: ErrorCode::TooLarge,
        detail: format!(
            "本次请求的文档解压后合计超过 {} 字节",
            dep.config().limits.max_sync_bytes
        ),
    });
    let checked = match over_budget {
        Some(r) => Some(r),
        None => match blobs::check_photo_owner(conn, caller, &new_photos)? {
            Some(r) => Some(r),
            None => match super::recorded_limits::check(conn, &tenant, &events, &new_events)? {
                Some(r) => Some(r),
                None => sub_dispatch_check(dep, &tenant, &events, &new_events)?,
            },
        },
    };
    if let Some(r) = checked {
        let seq = existing.as_ref().map_or(0, |(_, s)| *s as u64);
        return Ok(Prepared::Done(rejected(
            case_id,
            &r,
            existing.as_mut().map(|(d, _)| d),
            seq,
        )));
    }
    budget.set(budget.get() - inflated);
    Ok(Prepared::Admitted(Box::new(Admitted {
        base_bytes: info.as_ref().map_or(0, |i| i.total_bytes),
        base: info.map(|i| i.heads),
        candidate,
        before,
        new_events,
        events,
        problems,
        saved,
    })))
}

/// The reference-data check of new 下派 events (biz::units); the tenant's rules are read only
/// when the push has one.
fn sub_dispatch_check(
    dep: &Deployment,
    tenant: &str,
    events: &[Event],
    new_events: &[Event],
) -> Result<Option<Rejection>> {
    if !new_events.iter().any(|e| {
        matches!(
            e.kind,
            gridcase_core::workflow::EventKind::SubDispatch { .. }
        )
    }) {
        return Ok(None);
    }
    let rules = dep.rules(tenant)?;
    Ok(super::units::check(&rules, events, new_events))
}

/// The write phase of one admitted document: its scope as a new case, the server's additions,
/// storage. Gates again if the stored document moved since the read phase. The case is folded
/// once here (twice when the server numbers it).
fn commit(
    conn: &Connection<'_>,
    dep: &Deployment,
    caller: &Caller,
    push: &DocPush,
    admitted: Admitted,
    now: Timestamp,
    budget: &Budget,
) -> Result<DocResult> {
    let case_id = push.case_id;
    let current = docs::info(conn, case_id)?.map(|i| i.heads);
    if current != admitted.base {
        return process(conn, dep, caller, push, now, budget);
    }
    let Admitted {
        base,
        base_bytes,
        mut candidate,
        before,
        new_events,
        mut events,
        problems,
        saved,
    } = admitted;
    let existing = base.is_some();
    let heads_gated = candidate.heads();
    let new_ids: Vec<EventId> = new_events.iter().map(|e| e.id).collect();
    candidate.set_actor(dep.identity().actor.clone());
    add_receipts_to(&mut candidate, &mut events, &new_ids, now)?;
    let mut folded = Folded::new(events, problems);
    if !existing && (candidate.tenant() != caller.tenant || !may_create(caller, &folded.state)) {
        return Ok(out_of_scope(case_id));
    }
    if let Some(number) = number_if_filed_folded(conn, dep, &mut candidate, &mut folded, now)? {
        tracing::info!(case = %case_id, number = %number, "case number allocated");
    }
    let before_ref = existing.then_some(before.as_slice());
    // The gate's save is the snapshot when the server added nothing since.
    let unchanged = candidate.heads() == heads_gated;
    let snapshot = (!existing && unchanged).then_some(saved.as_slice());
    let projected =
        store_case_folded(conn, dep, &mut candidate, before_ref, folded, snapshot, now)?;
    let result = accepted(case_id, &mut candidate, &push.have, projected.row.seq);
    let stored = if existing {
        base_bytes as usize + 512 * new_ids.len().max(1)
    } else {
        saved.len()
    };
    let heads = candidate.heads();
    let tenant = candidate.tenant().to_string();
    // A new case stored from the gate's bytes is exactly those bytes; otherwise read them.
    let fp = match snapshot {
        Some(bytes) => fingerprint(bytes),
        None => stored_fingerprint(conn, case_id)?,
    };
    dep.doc_cache()
        .put(&tenant, case_id, &heads, fp, candidate, estimate(stored));
    Ok(result)
}
