//! The device's clock against the server's (docs/security/clock.md): the learned offset, the
//! stamps of new events, and re-stamping the events the server has not accepted.
//!
//! A tablet's clock may be hours off. Every server answer is a [`ClockSample`]; the store keeps
//! the smoothed [`ClockOffset`] in its meta, so it survives restarts and offline periods, and
//! [`DeviceStore::stamp`] mints every new event's HLC from `local clock + offset`.
//!
//! Events made before the offset was known (or before the tablet's clock was changed) carry
//! the old error. When the offset moves by more than [`CLOCK_JUMP_MS`], the same transaction that
//! stores it **re-stamps** every event the server has not accepted yet: each such event's HLC
//! moves by the change of offset (so the act time becomes the true one) but never past the
//! corrected now, and stays after every event the server has of that case. The case is rebuilt
//! as the server's document (the one at the heads the server acknowledged) plus the re-stamped
//! events, appended in their old order; a case the server never saw is rebuilt whole. Events
//! the server accepted are never touched (they are immutable), and the case ids, event ids,
//! payloads and photos stay as they were.
//!
//! Invariants:
//! - every re-stamp, with the case rebuild and the lowered HLC, is one transaction;
//! - after a re-stamp, the stored HLC is the latest stamp left in the store, so the next local
//!   stamp sorts after every stored event and is never in the server's future;
//! - a re-stamp only ever concerns events of dirty cases that are not in the document at the
//!   server's heads;
//! - a refusal for `hlc_in_future` leads to at most one re-stamp of an unchanged case: if the
//!   re-stamp changes nothing, the refusal stands and the case is quarantined.

use super::cases::read_doc;
use super::{DeviceStore, ProjectionFn, StoreError, decode_heads, encode_heads, meta, outbox};
use crate::doc::CaseDoc;
use crate::model::{CLOCK_JUMP_MS, CaseId, ClockOffset, ClockSample, EventId, Hlc, HlcClock};
use crate::workflow::{Event, EventKind};
use automerge::{ActorId, ChangeHash};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::HashSet;

/// What a re-stamp did.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Restamped {
    /// The cases rebuilt with new stamps.
    pub cases: Vec<CaseId>,
    /// How many events got a new stamp.
    pub events: usize,
}

/// A case split at the heads the server acknowledged.
struct Split {
    /// The document as the server has it (`None`: the server never acknowledged the case).
    base: Option<CaseDoc>,
    /// The device's events the server lacks, in HLC order.
    unacked: Vec<Event>,
    /// The whole local document.
    local: CaseDoc,
}

/// The document at `heads` (a fork of `doc`'s history).
fn fork_at(doc: &mut CaseDoc, heads: &[ChangeHash]) -> Result<CaseDoc, StoreError> {
    let bytes = doc.save();
    let mut whole =
        automerge::AutoCommit::load(&bytes).map_err(|e| StoreError::corrupt("docs", e))?;
    let mut forked = whole
        .fork_at(heads)
        .map_err(|e| StoreError::corrupt("docs.server_heads", e))?;
    Ok(CaseDoc::load(&forked.save())?)
}

fn server_heads_in(
    conn: &Connection,
    case_id: CaseId,
) -> Result<Option<Vec<ChangeHash>>, StoreError> {
    let bytes: Option<Option<Vec<u8>>> = conn
        .query_row(
            "SELECT server_heads FROM docs WHERE case_id = ?1",
            [case_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    bytes.flatten().map(|b| decode_heads(&b)).transpose()
}

fn split(conn: &Connection, case_id: CaseId) -> Result<Split, StoreError> {
    let (mut local, _) = read_doc(conn, case_id)?;
    let base = match server_heads_in(conn, case_id)? {
        Some(heads) if !heads.is_empty() => Some(fork_at(&mut local, &heads)?),
        _ => None,
    };
    let theirs: HashSet<EventId> = match &base {
        Some(b) => b.events()?.iter().map(|e| e.id).collect(),
        None => HashSet::new(),
    };
    let mut unacked: Vec<Event> = local
        .events()?
        .into_iter()
        .filter(|e| !theirs.contains(&e.id))
        .collect();
    unacked.sort_by_key(|e| (e.hlc, e.id));
    Ok(Split {
        base,
        unacked,
        local,
    })
}

/// The latest stamp of a document's events.
fn latest_of(doc: &CaseDoc) -> Result<Option<Hlc>, StoreError> {
    Ok(doc.events()?.iter().map(|e| e.hlc).max())
}

/// New stamps for `events` (in order): each moved by `shift` but not past `ceiling`, after
/// `floor` and after each other.
fn restamp(events: &[Event], floor: Option<Hlc>, shift: i64, ceiling: i64) -> Vec<Event> {
    let node = events.first().map_or(0, |e| e.hlc.node);
    let mut clock = HlcClock::new(node, floor);
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.hlc = clock.tick(e.hlc.ms.saturating_add(shift).min(ceiling));
            e
        })
        .collect()
}

fn is_report(e: &Event) -> bool {
    matches!(e.kind, EventKind::Report(_) | EventKind::SelfHandle { .. })
}

/// The case as `base` (or a new document from the report among `events`) plus `events`,
/// written over the stored case: dirty, the acknowledged heads kept.
fn rebuild(
    conn: &Connection,
    project: ProjectionFn,
    case_id: CaseId,
    tenant: crate::codes::CountyCode,
    actor: ActorId,
    base: Option<CaseDoc>,
    events: &[Event],
) -> Result<(), StoreError> {
    let mut doc =
        match base {
            Some(mut doc) => {
                doc.set_actor(actor);
                for e in events {
                    doc.append(e)?;
                }
                doc
            }
            None => {
                let report = events.iter().find(|e| is_report(e)).ok_or_else(|| {
                    StoreError::InvalidInput {
                        what: "case",
                        reason: format!(
                            "案件 {case_id} 服务器上没有，待重新提交的修改中也没有上报事件"
                        ),
                    }
                })?;
                let mut doc = CaseDoc::create(case_id, tenant, actor, report)?;
                doc.set_author(report.actor.device);
                for e in events.iter().filter(|e| e.id != report.id) {
                    doc.append(e)?;
                }
                doc
            }
        };
    let key = case_id.to_string();
    let heads = encode_heads(&doc.heads());
    conn.execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&key])?;
    conn.execute("DELETE FROM sync_state WHERE case_id = ?1", [&key])?;
    conn.execute(
        "INSERT INTO docs (case_id, snapshot, snapshot_heads, local_heads, server_heads, dirty) \
         VALUES (?1, ?2, ?3, ?3, NULL, 1) ON CONFLICT (case_id) DO UPDATE SET \
         snapshot = excluded.snapshot, snapshot_heads = excluded.snapshot_heads, \
         local_heads = excluded.local_heads, dirty = 1, chunk_count = 0, chunk_bytes = 0",
        params![key, doc.save(), heads],
    )?;
    for e in events {
        outbox::enqueue_refs(conn, case_id, e)?;
    }
    super::projection::write_row(conn, &doc, project)
}

/// Re-stamps one case's unacknowledged events (moved by `shift`, at most `ceiling`); returns
/// how many stamps changed (0: nothing was written).
fn restamp_case_in(
    conn: &Connection,
    project: ProjectionFn,
    actor: &ActorId,
    case_id: CaseId,
    shift: i64,
    ceiling: i64,
) -> Result<usize, StoreError> {
    let s = split(conn, case_id)?;
    if s.unacked.is_empty() {
        return Ok(0);
    }
    let floor = match &s.base {
        Some(b) => latest_of(b)?,
        None => None,
    };
    let fresh = restamp(&s.unacked, floor, shift, ceiling);
    let changed = fresh
        .iter()
        .zip(&s.unacked)
        .filter(|(a, b)| a.hlc != b.hlc)
        .count();
    if changed > 0 {
        rebuild(
            conn,
            project,
            case_id,
            s.local.tenant(),
            actor.clone(),
            s.base,
            &fresh,
        )?;
    }
    Ok(changed)
}

/// The latest event stamp in the store (every case).
fn latest_in_store(conn: &Connection) -> Result<Option<Hlc>, StoreError> {
    let ids: Vec<String> = conn
        .prepare("SELECT case_id FROM docs")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut latest = None;
    for id in ids {
        let case_id = CaseId::parse(&id).map_err(|e| StoreError::corrupt("docs.case_id", e))?;
        let (doc, _) = read_doc(conn, case_id)?;
        latest = latest.max(latest_of(&doc)?);
    }
    Ok(latest)
}

/// Re-stamps every dirty case (see [`restamp_case_in`]) and, if anything changed, sets the
/// stored HLC to the latest stamp left in the store.
fn correct_in(
    conn: &Connection,
    project: ProjectionFn,
    shift: i64,
    ceiling: i64,
) -> Result<Restamped, StoreError> {
    let Some(actor) = meta::actor_id_in(conn)? else {
        // Not enrolled: nothing was ever stamped for a server.
        return Ok(Restamped::default());
    };
    let dirty: Vec<String> = conn
        .prepare("SELECT case_id FROM docs WHERE dirty = 1 ORDER BY case_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Restamped::default();
    for id in dirty {
        let case_id = CaseId::parse(&id).map_err(|e| StoreError::corrupt("docs.case_id", e))?;
        let n = restamp_case_in(conn, project, &actor, case_id, shift, ceiling)?;
        if n > 0 {
            out.cases.push(case_id);
            out.events += n;
        }
    }
    if out.events > 0 {
        match latest_in_store(conn)? {
            Some(latest) => meta::set_last_hlc(conn, latest)?,
            None => conn
                .execute("DELETE FROM meta WHERE key = 'last_hlc'", [])
                .map(|_| ())?,
        }
    }
    Ok(out)
}

impl DeviceStore {
    /// The learned offset of this device's clock against the server's (`None` before the
    /// first answer).
    pub fn clock_offset(&self) -> Result<Option<ClockOffset>, StoreError> {
        meta::clock_offset_in(&self.conn)
    }

    /// The server's time for a reading of this device's clock (the reading itself while no
    /// offset is known).
    pub fn corrected_now(&self, local_ms: i64) -> Result<i64, StoreError> {
        Ok(self
            .clock_offset()?
            .map_or(local_ms, |o| o.corrected(local_ms)))
    }

    /// A stamp for a new local event at this device's clock reading `local_ms`: from the
    /// corrected time, strictly after every stamp issued or stored. Persisted before it is
    /// returned.
    pub fn stamp(&mut self, node: u64, local_ms: i64) -> Result<Hlc, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let wall = meta::clock_offset_in(&tx)?.map_or(local_ms, |o| o.corrected(local_ms));
        let mut clock = HlcClock::new(node, meta::last_hlc_in(&tx)?);
        let hlc = clock.tick(wall);
        meta::set_last_hlc(&tx, hlc)?;
        tx.commit()?;
        Ok(hlc)
    }

    /// Learns from one server answer: folds `sample` into the stored offset and, when the
    /// offset moved by more than [`CLOCK_JUMP_MS`], re-stamps every event the server has not
    /// accepted by that change (one transaction). A sample that is no clock reading changes
    /// nothing.
    pub fn learn_clock(&mut self, sample: &ClockSample) -> Result<Restamped, StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous = meta::clock_offset_in(&tx)?;
        let Some(next) = ClockOffset::update(previous, sample) else {
            return Ok(Restamped::default());
        };
        meta::set_clock_offset(&tx, next)?;
        let shift = next
            .offset_ms
            .saturating_sub(previous.map_or(0, |p| p.offset_ms));
        let out = if shift.saturating_abs() > CLOCK_JUMP_MS {
            correct_in(&tx, project, shift, next.corrected(sample.received_ms))?
        } else {
            Restamped::default()
        };
        tx.commit()?;
        Ok(out)
    }

    /// After the server refused a push of `case_id` (sent with heads `sent`) as `hlc_in_future`:
    /// whether to send the case again. Yes when the case changed since (a clock correction
    /// re-stamped it), or when re-stamping every unaccepted event to at most the corrected
    /// now (`local_ms` on this device's clock) changed a stamp; no when nothing changed (the
    /// refusal stands: quarantine it).
    pub fn restamp_refused(
        &mut self,
        case_id: CaseId,
        sent: &[ChangeHash],
        local_ms: i64,
    ) -> Result<bool, StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (_, stored) = read_doc(&tx, case_id)?;
        let mut sent = sent.to_vec();
        sent.sort();
        let mut now_heads = stored.local_heads.clone();
        now_heads.sort();
        if now_heads != sent {
            return Ok(true);
        }
        let ceiling = meta::clock_offset_in(&tx)?.map_or(local_ms, |o| o.corrected(local_ms));
        let out = correct_in(&tx, project, 0, ceiling)?;
        tx.commit()?;
        Ok(out.cases.contains(&case_id))
    }

    /// Sends a quarantined edit again: the refused events are appended (with their photos) to
    /// the case as the device has it now, or rebuild it whole when the device no longer has
    /// it, re-stamped only where needed (after every event of the case, never past the
    /// corrected now `local_ms`). The quarantine is marked dismissed; the case is dirty, so
    /// the next sync round sends it. One transaction. Returns the case.
    pub fn resend_quarantine(&mut self, id: i64, local_ms: i64) -> Result<CaseId, StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, Vec<u8>)> = tx
            .query_row(
                "SELECT case_id, local_doc FROM quarantines WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (case, local_doc) = row.ok_or_else(|| StoreError::NotFound {
            what: "quarantine",
            key: id.to_string(),
        })?;
        let case_id =
            CaseId::parse(&case).map_err(|e| StoreError::corrupt("quarantines.case_id", e))?;
        let actor = meta::actor_id_in(&tx)?.ok_or(StoreError::NoActor)?;
        let mut refused: Vec<Event> = {
            let mut stmt =
                tx.prepare("SELECT event FROM rejected_edits WHERE quarantine_id = ?1")?;
            let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for json in rows {
                out.push(
                    serde_json::from_str::<Event>(&json?)
                        .map_err(|e| StoreError::corrupt("rejected_edits.event", e))?,
                );
            }
            out
        };
        let exists: bool = tx
            .query_row("SELECT 1 FROM docs WHERE case_id = ?1", [&case], |_| Ok(()))
            .optional()?
            .is_some();
        let (base, tenant) = if exists {
            let (doc, _) = read_doc(&tx, case_id)?;
            let tenant = doc.tenant();
            (Some(doc), tenant)
        } else {
            let doc = CaseDoc::load(&local_doc)?;
            (None, doc.tenant())
        };
        if let Some(b) = &base {
            refused.retain(|e| !b.contains_event(e.id));
        }
        if refused.is_empty() {
            return Err(StoreError::InvalidInput {
                what: "quarantine",
                reason: "被退回的修改已全部在案件中，无需重新提交".to_owned(),
            });
        }
        refused.sort_by_key(|e| (e.hlc, e.id));
        let floor = match &base {
            Some(b) => latest_of(b)?,
            None => None,
        };
        let ceiling = meta::clock_offset_in(&tx)?.map_or(local_ms, |o| o.corrected(local_ms));
        let fresh = restamp(&refused, floor, 0, ceiling);
        let latest = fresh.iter().map(|e| e.hlc).max();
        rebuild(&tx, project, case_id, tenant, actor, base, &fresh)?;
        // The photos go again too: failed attempts of the refused round are forgotten.
        for e in &fresh {
            for p in e.kind.photos() {
                tx.execute(
                    "UPDATE blobs SET attempts = 0 WHERE sha256 = ?1 AND state <> 'uploaded'",
                    [p.sha256.to_hex()],
                )?;
            }
        }
        if let Some(latest) = latest {
            meta::observe_hlc(&tx, latest)?;
        }
        tx.execute("UPDATE quarantines SET dismissed = 1 WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(case_id)
    }
}
