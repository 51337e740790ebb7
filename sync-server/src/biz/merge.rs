//! Committing a case after the gate (or after a scheduled job appended to it): the server's own
//! additions (receipts, the case number), the document's new chunk, the projection row, the
//! scope rows and the tenant's feed sequence, all on the caller's transaction.

use super::numbering;
use super::projection::{self, Projected};
use crate::db::{docs, tenants};
use crate::deployment::Deployment;
use crate::error::Result;
use automerge::ChangeHash;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{EventId, Hlc, HlcClock, Timestamp};
use gridcase_core::workflow::{Event, EventKind, fold};
use rand::Rng;
use rusqlite::Connection;

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
    conn: &Connection,
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

/// Stores the document (a new snapshot, or a chunk after `before`), projects it and gives it
/// the tenant's next feed position. Returns the projection with its seq.
pub fn store_case(
    conn: &Connection,
    dep: &Deployment,
    doc: &mut CaseDoc,
    before: Option<&[ChangeHash]>,
    now: Timestamp,
) -> Result<Projected> {
    let tenant = doc.tenant().to_string();
    match before {
        None => docs::insert(conn, &tenant, doc, now.ms())?,
        Some(heads) => docs::append(conn, doc, heads, now.ms())?,
    }
    let rules = dep.rules(&tenant)?;
    let mut projected = projection::project(&rules, doc, now)?;
    let seq = tenants::next_seq(conn, &tenant)?;
    projection::write(conn, &mut projected, seq)?;
    Ok(projected)
}
