//! The gate: every pushed document is checked before anything is merged (docs/protocol.md
//! "The gate"). The checks run on a fork of the server's document (or, for a case the server
//! has never seen, on a document built from the pushed chunks alone); the server's own document
//! is untouched until the caller writes the admitted candidate.
//!
//! In order, each failure naming its code:
//! 1. the bytes decode as Automerge chunks (`bad_message`);
//! 2. every change the server does not have yet was made by the caller's device actor
//!    (`forbidden_actor`);
//! 3. the changes apply and keep a valid v1 header of the same case (`bad_message`,
//!    `immutable_changed`);
//! 4. no path written once was touched: root fields, existing photo entries and the server's
//!    receipts (`immutable_changed`); existing event entries (`event_modified`), including
//!    concurrent writes that lose the conflict;
//! 5. every existing event is still there and equal (`event_modified`); no new entry is
//!    malformed (`bad_message`);
//! 6. each new event carries the caller's actor: user, device, role, department
//!    (`event_actor_mismatch`); the role may append its type (`role_not_allowed`); its HLC is
//!    not more than `MAX_CLOCK_AHEAD_MS` ahead of the server's clock (`hlc_in_future`);
//! 7. sizes: new events per push and events per case are bounded (`too_large`);
//! 8. the payload of each new event passes core's limits, and no report from a device waives
//!    field verification (only the server's intake channels may) (`invalid_payload`);
//! 9. a case has exactly one report (`second_report`);
//! 10. each new event is stamped after every event its author could see (its change's
//!     dependencies) and after its device's own earlier events (`hlc_backdated`);
//! 11. each new photo entry is referenced by a new event of the push (`photo_not_owned`);
//! 12. the merged document saves and loads back to the same heads (`bad_message`).
//!
//! Before all of that, the pushed bytes are decoded by core's [`Incoming`]: uncompressed change
//! chunks, or one whole document (a new case pushed as its `save()`, whose compressed columns
//! are inflated within `IncomingLimits::max_inflated_bytes` before Automerge loads it; its
//! changes are then checked like pushed ones), each change in Automerge's canonical encoding,
//! operation counts bounded, and every operation within the v1 layout (`bad_message`,
//! `too_large`, `invalid_payload`: no nested objects, lists, text or counters). Automerge runs
//! under `catch_unwind`. The gate is pure (no database): the push path runs it before it takes
//! the writer (docs/server.md "The write path").
//!
//! Scope (`out_of_scope`) is decided by the caller of the gate: before it for an existing case,
//! after it (on the candidate's report) for a new one.

use super::Caller;
use automerge::ChangeHash;
use gridcase_core::doc::{
    CaseDoc, Created, DocError, Incoming, IncomingError, IncomingLimits, PathChange, is_document,
};
use gridcase_core::model::{CaseId, Sha256, Timestamp};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{
    Event, EventKind, MAX_CLOCK_AHEAD_MS, check_clock, role_may_append, validate_kind,
};
use std::collections::{HashMap, HashSet};

/// Most new events in one push of one document.
pub const MAX_NEW_EVENTS: usize = 200;
/// Most events in one case.
pub const MAX_EVENTS_PER_CASE: usize = 2_000;

/// Why a document was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The reason code.
    pub code: ErrorCode,
    /// Detail for the message.
    pub detail: String,
}

fn reject(code: ErrorCode, detail: impl Into<String>) -> Rejection {
    Rejection {
        code,
        detail: detail.into(),
    }
}

/// What passed the gate.
#[derive(Debug)]
pub enum Admission {
    /// The server already has every pushed change (a replay, or an empty push).
    Nothing,
    /// A candidate document holding the server's document plus the pushed changes.
    Admitted {
        /// The candidate (merge it by storing it).
        candidate: Box<CaseDoc>,
        /// Heads of the server's document before (empty for a new case).
        before: Vec<ChangeHash>,
        /// The events the push added.
        new_events: Vec<Event>,
        /// Every event of the candidate, in fold order.
        events: Vec<Event>,
        /// Photos the push added to the case (their blobs must be the caller's own uploads).
        new_photos: Vec<Sha256>,
        /// Malformed event entries of the candidate (old ones kept as they were).
        problems: usize,
        /// The candidate saved (the round trip's bytes), for the store's snapshot of a new case.
        saved: Vec<u8>,
        /// What a whole document push inflated to (0 for change chunks).
        inflated: usize,
    },
}

fn doc_error(e: DocError) -> Rejection {
    match e {
        DocError::BadField { .. } | DocError::UnknownSchema { .. } => {
            reject(ErrorCode::ImmutableChanged, e.to_string())
        }
        _ => reject(ErrorCode::BadMessage, e.to_string()),
    }
}

/// Gates `changes` pushed by `caller` for `case_id` against the server's document `existing`,
/// under the default operation limits.
pub fn gate(
    caller: &Caller,
    case_id: CaseId,
    existing: Option<&mut CaseDoc>,
    changes: &[u8],
    now: Timestamp,
) -> Result<Admission, Rejection> {
    gate_with(
        caller,
        case_id,
        existing,
        changes,
        now,
        IncomingLimits::default(),
    )
}

/// [`gate`] with explicit operation limits. Automerge is run under `catch_unwind`: a crafted
/// change that makes it panic is refused as `bad_message`, and the server's document (only
/// read here) is untouched.
pub fn gate_with(
    caller: &Caller,
    case_id: CaseId,
    existing: Option<&mut CaseDoc>,
    changes: &[u8],
    now: Timestamp,
    limits: IncomingLimits,
) -> Result<Admission, Rejection> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gate_inner(caller, case_id, existing, changes, now, limits)
    }))
    .unwrap_or_else(|_| {
        Err(reject(
            ErrorCode::BadMessage,
            "the changes could not be processed",
        ))
    })
}

fn incoming_error(e: IncomingError) -> Rejection {
    let code = match &e {
        IncomingError::TooLarge(_) => ErrorCode::TooLarge,
        IncomingError::Shape { .. } => ErrorCode::InvalidPayload,
        IncomingError::Corrupt(_) | IncomingError::NotCanonical { .. } => ErrorCode::BadMessage,
    };
    reject(code, e.to_string())
}

fn gate_inner(
    caller: &Caller,
    case_id: CaseId,
    existing: Option<&mut CaseDoc>,
    changes: &[u8],
    now: Timestamp,
    limits: IncomingLimits,
) -> Result<Admission, Rejection> {
    let (mut incoming, inflated) = if is_document(changes) {
        Incoming::decode_document(changes, limits).map_err(incoming_error)?
    } else {
        (
            Incoming::decode(changes, limits).map_err(incoming_error)?,
            0,
        )
    };
    let whole = incoming.is_document();
    let (mut candidate, before, before_events, before_problems, photos_before, created) =
        match existing {
            Some(doc) => {
                incoming.retain(|h| !doc.has_change(h));
                if incoming.is_empty() {
                    return Ok(Admission::Nothing);
                }
                check_actors(caller, incoming.changes().map(|(_, a)| a))?;
                let created = incoming.check_shape(Some(doc)).map_err(incoming_error)?;
                let before = doc.heads();
                let read = doc.read_events().map_err(doc_error)?;
                let problems: HashSet<String> = read.problems.iter().map(problem_key).collect();
                let photos: HashSet<String> = doc
                    .photos()
                    .map_err(doc_error)?
                    .into_iter()
                    .map(|p| p.sha256.to_hex())
                    .collect();
                let mut candidate = doc.fork();
                candidate.apply_incoming(incoming).map_err(doc_error)?;
                (candidate, before, read.events, problems, photos, created)
            }
            None => {
                if incoming.is_empty() {
                    return Ok(Admission::Nothing);
                }
                check_actors(caller, incoming.changes().map(|(_, a)| a))?;
                let created = incoming.check_shape(None).map_err(incoming_error)?;
                let candidate = CaseDoc::from_incoming(incoming).map_err(doc_error)?;
                (
                    candidate,
                    Vec::new(),
                    Vec::new(),
                    HashSet::new(),
                    HashSet::new(),
                    created,
                )
            }
        };
    if candidate.case_id() != case_id {
        return Err(reject(
            ErrorCode::BadMessage,
            "the document is of another case",
        ));
    }
    let after_heads = candidate.heads();
    if after_heads == before {
        // Changes whose dependencies the server lacks are held back by Automerge; nothing new.
        return Ok(Admission::Nothing);
    }
    let before_ids: HashMap<String, &Event> = before_events
        .iter()
        .map(|e| (e.id.to_string(), e))
        .collect();
    if before.is_empty() {
        check_new_document_paths(&mut candidate)?;
    } else {
        check_paths(
            &mut candidate,
            &before,
            &before_ids,
            &before_problems,
            &photos_before,
        )?;
    }
    let after = candidate.read_events().map_err(doc_error)?;
    for problem in &after.problems {
        let key = problem_key(problem);
        if before_ids.contains_key(&key) {
            return Err(reject(ErrorCode::EventModified, problem.to_string()));
        }
        if !before_problems.contains(&key) {
            return Err(reject(ErrorCode::BadMessage, problem.to_string()));
        }
    }
    let after_by_id: HashMap<String, &Event> =
        after.events.iter().map(|e| (e.id.to_string(), e)).collect();
    for (id, old) in &before_ids {
        match after_by_id.get(id) {
            None => {
                return Err(reject(
                    ErrorCode::EventModified,
                    format!("event {id} removed"),
                ));
            }
            Some(new) if new.received_at != old.received_at => {
                return Err(reject(
                    ErrorCode::ImmutableChanged,
                    format!("receipt of {id}"),
                ));
            }
            Some(new) if *new != *old => {
                return Err(reject(ErrorCode::EventModified, format!("event {id}")));
            }
            Some(_) => {}
        }
    }
    let new_events: Vec<Event> = after
        .events
        .iter()
        .filter(|e| !before_ids.contains_key(&e.id.to_string()))
        .cloned()
        .collect();
    if before.is_empty() {
        let header = candidate.immutable_fields().map_err(doc_error)?;
        if header.created_by != caller.user {
            return Err(reject(ErrorCode::EventActorMismatch, "created_by"));
        }
    }
    check_new_events(caller, &new_events, now)?;
    if new_events.len() > MAX_NEW_EVENTS || after.events.len() > MAX_EVENTS_PER_CASE {
        return Err(reject(
            ErrorCode::TooLarge,
            format!(
                "{} new events, {} in the case",
                new_events.len(),
                after.events.len()
            ),
        ));
    }
    check_one_report(&after.events)?;
    check_precedence(&candidate, &created, &after_by_id, &before_events)?;
    let new_photos = check_new_photos(&mut candidate, &created, &new_events)?;
    // A new case pushed whole is the pushed document itself, untouched by the gate.
    let loaded_from = (whole && before.is_empty()).then_some(changes);
    let saved = candidate.round_trip(loaded_from).map_err(|e| {
        reject(
            ErrorCode::BadMessage,
            format!("the merged document does not load back: {e}"),
        )
    })?;
    Ok(Admission::Admitted {
        candidate: Box::new(candidate),
        before,
        new_events,
        events: after.events,
        new_photos,
        problems: after.problems.len(),
        saved,
        inflated,
    })
}

/// A case has exactly one report (`report` or `self_handle`): a second one, however it is
/// stamped, would take the first one's place in the fold.
fn check_one_report(events: &[Event]) -> Result<(), Rejection> {
    let reports: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Report(_) | EventKind::SelfHandle { .. }))
        .collect();
    if reports.len() > 1 {
        return Err(reject(
            ErrorCode::SecondReport,
            format!("{} 个上报事件", reports.len()),
        ));
    }
    Ok(())
}

/// Event time cannot be forged into precedence: each new event is stamped after every event
/// its author could see when making it (the events in the document at its change's
/// dependencies) and after its device's own earlier events in this case. An honest HLC always
/// is; an offline event made before its author saw others' newer events is still accepted.
fn check_precedence(
    candidate: &CaseDoc,
    created: &Created,
    after_by_id: &HashMap<String, &Event>,
    before_events: &[Event],
) -> Result<(), Rejection> {
    for entry in &created.events {
        let Some(ev) = after_by_id.get(&entry.key) else {
            continue;
        };
        let seen = candidate
            .event_keys_at(&entry.deps)
            .into_iter()
            .filter_map(|k| after_by_id.get(&k).map(|e| e.hlc))
            .max();
        if let Some(latest) = seen
            && ev.hlc <= latest
        {
            return Err(reject(
                ErrorCode::HlcBackdated,
                format!(
                    "事件 {} 的时间 {} 不晚于它所依据的记录 {}",
                    ev.id, ev.hlc.ms, latest.ms
                ),
            ));
        }
        let own = before_events
            .iter()
            .filter(|e| e.actor.device == ev.actor.device)
            .map(|e| e.hlc)
            .max();
        if let Some(latest) = own
            && ev.hlc <= latest
        {
            return Err(reject(
                ErrorCode::HlcBackdated,
                format!(
                    "事件 {} 的时间 {} 不晚于本设备此前的记录 {}",
                    ev.id, ev.hlc.ms, latest.ms
                ),
            ));
        }
    }
    Ok(())
}

/// A photo entry comes with a new event of the same push that references it; returns the new
/// photos' hashes (the caller checks who uploaded them).
fn check_new_photos(
    candidate: &mut CaseDoc,
    created: &Created,
    new_events: &[Event],
) -> Result<Vec<Sha256>, Rejection> {
    if created.photos.is_empty() {
        return Ok(Vec::new());
    }
    let photos = candidate.photos().map_err(doc_error)?;
    let mut out = Vec::new();
    for entry in &created.photos {
        let Some(photo) = photos.iter().find(|p| p.sha256.to_hex() == entry.key) else {
            continue;
        };
        let referenced = new_events.iter().any(|e| {
            e.id == photo.event && e.kind.photos().iter().any(|p| p.sha256 == photo.sha256)
        });
        if !referenced {
            return Err(reject(
                ErrorCode::PhotoNotOwned,
                format!("照片 {} 没有本次上传的事件引用它", photo.sha256.to_hex()),
            ));
        }
        out.push(photo.sha256);
    }
    Ok(out)
}

fn problem_key(problem: &DocError) -> String {
    match problem {
        DocError::BadEvent { event_id, .. } => event_id.clone(),
        other => other.to_string(),
    }
}

fn check_actors<'a>(
    caller: &Caller,
    actors: impl Iterator<Item = &'a automerge::ActorId>,
) -> Result<(), Rejection> {
    for actor in actors {
        if *actor != caller.actor_id {
            return Err(reject(
                ErrorCode::ForbiddenActor,
                format!("actor {actor} is not this device's"),
            ));
        }
    }
    Ok(())
}

/// Step 4: what the changes touched.
fn check_paths(
    candidate: &mut CaseDoc,
    before: &[ChangeHash],
    before_ids: &HashMap<String, &Event>,
    before_problems: &HashSet<String>,
    photos_before: &HashSet<String>,
) -> Result<(), Rejection> {
    for path in candidate.changed_paths(before) {
        let keys: Vec<&str> = path.keys.iter().map(String::as_str).collect();
        let shown = keys.join("/");
        match keys.as_slice() {
            ["events", id, ..] => {
                let existing = before_ids.contains_key(*id) || before_problems.contains(*id);
                if existing || path.change == PathChange::Delete {
                    return Err(reject(ErrorCode::EventModified, shown));
                }
            }
            ["photos", sha, ..] => {
                if photos_before.contains(*sha) || path.change == PathChange::Delete {
                    return Err(reject(ErrorCode::ImmutableChanged, shown));
                }
            }
            _ => return Err(reject(ErrorCode::ImmutableChanged, shown)),
        }
    }
    Ok(())
}

/// Step 4 for a case the server has never seen: only the v1 layout's root fields, and no
/// receipts (the server writes those).
fn check_new_document_paths(candidate: &mut CaseDoc) -> Result<(), Rejection> {
    const HEADER: [&str; 6] = [
        "schema_version",
        "case_id",
        "tenant",
        "created_at",
        "created_by",
        "report_event",
    ];
    for path in candidate.changed_paths(&[]) {
        let keys: Vec<&str> = path.keys.iter().map(String::as_str).collect();
        let allowed = match keys.as_slice() {
            [key] => HEADER.contains(key) || ["events", "photos", "receipts"].contains(key),
            ["events", ..] | ["photos", ..] => true,
            _ => false,
        };
        if !allowed || path.change == PathChange::Delete {
            return Err(reject(ErrorCode::ImmutableChanged, keys.join("/")));
        }
    }
    Ok(())
}

/// Step 6: who wrote each new event, whether the role may, and when.
fn check_new_events(caller: &Caller, events: &[Event], now: Timestamp) -> Result<(), Rejection> {
    let me = caller.actor();
    for ev in events {
        if ev.received_at.is_some() {
            return Err(reject(
                ErrorCode::ImmutableChanged,
                format!("receipt of {} written by a device", ev.id),
            ));
        }
        if ev.actor != me {
            return Err(reject(
                ErrorCode::EventActorMismatch,
                format!("event {}", ev.id),
            ));
        }
        if !role_may_append(caller.role, &ev.kind) {
            return Err(reject(
                ErrorCode::RoleNotAllowed,
                format!(
                    "{} 不能追加 {}",
                    caller.role.label_zh(),
                    ev.kind.type_name()
                ),
            ));
        }
        if let Err(e) = validate_kind(&ev.kind) {
            return Err(reject(
                ErrorCode::InvalidPayload,
                format!("事件 {}：{e}", ev.id),
            ));
        }
        // Only the server's intake channels may waive field verification (tenant setting).
        let waived = match &ev.kind {
            EventKind::Report(r) => r.verification_waived.is_some(),
            EventKind::SelfHandle { report, .. } => report.verification_waived.is_some(),
            _ => false,
        };
        if waived {
            return Err(reject(
                ErrorCode::InvalidPayload,
                format!(
                    "事件 {}：verification_waived 只能由服务器的受理渠道设置",
                    ev.id
                ),
            ));
        }
        if let Err(e) = check_clock(ev, now, MAX_CLOCK_AHEAD_MS) {
            return Err(reject(ErrorCode::HlcInFuture, e.to_string()));
        }
    }
    Ok(())
}
