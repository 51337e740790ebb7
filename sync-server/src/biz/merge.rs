//! Committing a case after the gate (or after a scheduled job appended to it): the server's own
//! additions (receipts, the case number), the document's new chunk, the projection row, the
//! scope rows and the tenant's feed sequence, all on the caller's transaction.

use super::numbering;
use super::projection::{self, Folded, Projected};
use crate::db::sql::Connection;
use crate::db::{docs, tenants};
use crate::deployment::Deployment;
use crate::error::Result;
use automerge::ChangeHash;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{EventId, Hlc, HlcClock, Timestamp};
use gridcase_core::workflow::{Event, EventKind, fold};
use rand::Rng;

/// Receipts are written for events whose HLC is further than this from the server's clock.
pub const RECEIPT_SKEW_MS: i64 = 60_000;

/// Writes the server's receipt time for each new event whose HLC is more than a minute away
/// from `now` (docs/protocol.md "What the server adds").
pub fn add_receipts(doc: &mut CaseDoc, new_events: &[Event], now: Timestamp) -> Result<()> {
    for ev in new_events {
        if (now.ms() - ev.hlc.ms).abs() > RECEIPT_SKEW_MS {
            doc.set_receipt(ev.id, now)?;
        }
    }
    Ok(())
}

/// [`add_receipts`] for the events of `new` among `events` (the document's events, in fold
/// order), updating their `received_at` as a fresh read of the document would give it, so the
/// caller folds them without reading the document again.
pub fn add_receipts_to(
    doc: &mut CaseDoc,
    events: &mut [Event],
    new: &[EventId],
    now: Timestamp,
) -> Result<()> {
    for ev in events.iter_mut().filter(|e| new.contains(&e.id)) {
        if (now.ms() - ev.hlc.ms).abs() > RECEIPT_SKEW_MS && doc.set_receipt(ev.id, now)? {
            ev.received_at = Some(now);
        }
    }
    Ok(())
}

/// Appends an event as the server's system account, stamped after every event in the case.
pub fn append_system_event(
    dep: &Deployment,
    doc: &mut CaseDoc,
    kind: EventKind,
    now: Timestamp,
) -> Result<Event> {
    let events = super::isolation::read_events(doc)?.events;
    let event = system_event(dep, events.iter().map(|e| e.hlc).max(), kind, now);
    doc.set_actor(dep.identity().actor.clone());
    doc.append(&event)?;
    Ok(event)
}

/// A new event by the server's system account at `now`, its HLC stamped after `after` (the
/// latest stamp of the case it joins; `None` for a new case).
pub fn system_event(
    dep: &Deployment,
    after: Option<Hlc>,
    kind: EventKind,
    now: Timestamp,
) -> Event {
    let id = dep.identity();
    let mut clock = HlcClock::new(Hlc::node_of(&id.device), None);
    if let Some(last) = after {
        clock.observe(last, now.ms());
    }
    let mut random = [0u8; 10];
    rand::rng().fill(&mut random);
    Event {
        id: EventId::from_parts(now.ms().max(0) as u64, random),
        hlc: clock.tick(now.ms()),
        actor: gridcase_core::model::Actor {
            user: id.user,
            device: id.device,
            role: gridcase_core::model::Role::System,
            org: None,
        },
        received_at: None,
        kind,
    }
}

/// Allocates and appends the case number if the fold of `events` (the document's) shows the
/// case filed without one.
pub fn number_if_filed(
    conn: &Connection<'_>,
    dep: &Deployment,
    doc: &mut CaseDoc,
    events: &[Event],
    now: Timestamp,
) -> Result<Option<String>> {
    let state = fold(events);
    if state.filed_at.is_none() || state.case_number.is_some() {
        return Ok(None);
    }
    let number = numbering::allocate(conn, &doc.tenant().to_string(), now)?;
    append_system_event(
        dep,
        doc,
        EventKind::AssignNumber {
            number: number.clone(),
        },
        now,
    )?;
    Ok(Some(number))
}

/// [`number_if_filed`] on a case already folded: allocates and appends the number when
/// `folded` shows the case filed without one, and then adds the new event to `folded` and
/// folds again (the only second fold of a request).
pub fn number_if_filed_folded(
    conn: &Connection<'_>,
    dep: &Deployment,
    doc: &mut CaseDoc,
    folded: &mut Folded,
    now: Timestamp,
) -> Result<Option<String>> {
    if folded.state.filed_at.is_none() || folded.state.case_number.is_some() {
        return Ok(None);
    }
    let number = numbering::allocate(conn, &doc.tenant().to_string(), now)?;
    let after = folded.events.iter().map(|e| e.hlc).max();
    let event = system_event(
        dep,
        after,
        EventKind::AssignNumber {
            number: number.clone(),
        },
        now,
    );
    doc.set_actor(dep.identity().actor.clone());
    doc.append(&event)?;
    folded.events.push(event);
    *folded = Folded::new(std::mem::take(&mut folded.events), folded.problems);
    Ok(Some(number))
}

/// Stores the document (a new snapshot, or a chunk after `before`), projects it and gives it
/// the tenant's next feed position. Returns the projection with its seq.
pub fn store_case(
    conn: &Connection<'_>,
    dep: &Deployment,
    doc: &mut CaseDoc,
    before: Option<&[ChangeHash]>,
    now: Timestamp,
) -> Result<Projected> {
    let read = super::isolation::read_events(doc)?;
    let folded = Folded::new(read.events, read.problems.len());
    store_case_folded(conn, dep, doc, before, folded, None, now)
}

/// [`store_case`] for a case whose events the caller read and folded (`folded`, current), and,
/// for a new case, optionally its `save()` made since its last change (`snapshot`, stored as
/// is instead of saving again).
pub fn store_case_folded(
    conn: &Connection<'_>,
    dep: &Deployment,
    doc: &mut CaseDoc,
    before: Option<&[ChangeHash]>,
    folded: Folded,
    snapshot: Option<&[u8]>,
    now: Timestamp,
) -> Result<Projected> {
    let tenant = doc.tenant().to_string();
    match (before, snapshot) {
        (None, Some(bytes)) => docs::insert_saved(conn, &tenant, doc, bytes, now.ms())?,
        (None, None) => docs::insert(conn, &tenant, doc, now.ms())?,
        (Some(heads), _) => docs::append(conn, doc, heads, now.ms())?,
    }
    let rules = dep.rules(&tenant)?;
    let mut projected = projection::project_folded(&rules, doc, folded, now)?;
    let seq = tenants::next_seq(conn, &tenant)?;
    projection::write(conn, &mut projected, seq)?;
    Ok(projected)
}
