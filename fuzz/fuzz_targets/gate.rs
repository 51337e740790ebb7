//! The server's gate (`gridcase_server::biz::gate::gate`) over arbitrary pushed changes,
//! against the real golden documents, for a caller that is a real participant of the case
//! (the actor of one of its events, on the device actor that wrote the document).
//!
//! Input: byte 0 picks the fixture (`% 3`), bit 2 a new case (`existing = None`) instead of the
//! server's copy, bits 3–4 the mode; byte 1 the event whose actor the caller is (`0xFF`: a
//! stranger's Automerge actor, the `forbidden_actor` path). Modes:
//! - 0: the rest of the input is the pushed bytes as they are;
//! - 1: the same with every chunk's checksum rewritten, so mutations reach the decoders;
//! - 2, 3: structured: the rest is a list of edits made by the caller's actor on a copy of the
//!   fixture (real `CaseDoc::append`s of events, raw Automerge puts, deletes and new objects on
//!   any path of the document), pushed as `save_after(the fixture's heads)`, as a device (or an
//!   attacker with the device's key) would.
//!
//! Oracles: the gate never panics; what it admits is a document the server can store: its
//! `save()` loads again, with the events the gate reported.
#![no_main]

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{EventId, Hlc};
use gridcase_core::workflow::{Event, EventKind};
use gridcase_fuzz::{Input, NOW, caller, doc_actor, fix_checksums, fixture};
use gridcase_server::biz::Caller;
use gridcase_server::biz::gate::{Admission, gate};
use libfuzzer_sys::fuzz_target;

const KEYS: [&str; 22] = [
    "schema_version",
    "case_id",
    "tenant",
    "created_at",
    "created_by",
    "report_event",
    "events",
    "photos",
    "receipts",
    "hlc_ms",
    "hlc_counter",
    "hlc_node",
    "user",
    "device",
    "role",
    "org",
    "type",
    "payload",
    "size",
    "taken_at",
    "event",
    "",
];

/// Every map object of the document, root first (events, photos, receipts and their entries).
fn maps(doc: &AutoCommit) -> Vec<ObjId> {
    let mut out = vec![ROOT];
    let mut i = 0;
    while i < out.len() && out.len() < 64 {
        let obj = out[i].clone();
        for key in doc.keys(&obj).collect::<Vec<_>>() {
            if let Ok(Some((automerge::Value::Object(ObjType::Map), id))) = doc.get(&obj, &key) {
                out.push(id);
            }
        }
        i += 1;
    }
    out
}

/// A key: one of the layout's, one already in `obj`, or text from the input.
fn key(input: &mut Input<'_>, doc: &AutoCommit, obj: &ObjId) -> String {
    let pick = input.byte();
    match pick % 3 {
        0 => KEYS[usize::from(pick / 3) % KEYS.len()].to_owned(),
        1 => {
            let keys: Vec<String> = doc.keys(obj).collect();
            match keys.len() {
                0 => String::new(),
                n => keys[usize::from(pick / 3) % n].clone(),
            }
        }
        _ => String::from_utf8_lossy(input.bytes(48)).into_owned(),
    }
}

/// One raw edit on the document; errors (a key that is not there) are part of the game.
fn raw_edit(input: &mut Input<'_>, doc: &mut AutoCommit) {
    let objs = maps(doc);
    let obj = objs[usize::from(input.byte()) % objs.len()].clone();
    let k = key(input, doc, &obj);
    let _ = match input.byte() % 9 {
        0 => doc.put(
            &obj,
            &k,
            String::from_utf8_lossy(input.bytes(64)).into_owned(),
        ),
        1 => doc.put(&obj, &k, input.u64() as i64),
        2 => doc.put(&obj, &k, input.u64()),
        3 => doc.delete(&obj, &k),
        4 => doc.put_object(&obj, &k, ObjType::Map).map(|_| ()),
        5 => doc.put_object(&obj, &k, ObjType::List).map(|_| ()),
        6 => doc.put_object(&obj, &k, ObjType::Text).map(|_| ()),
        7 => doc.put(
            &obj,
            &k,
            automerge::ScalarValue::counter(input.u64() as i64),
        ),
        _ => {
            doc.commit();
            Ok(())
        }
    };
}

/// A well-formed event by the caller: a copy of an existing event's kind, or a comment.
fn event(input: &mut Input<'_>, who: &Caller, kinds: &[EventKind]) -> Event {
    let pick = input.byte();
    let kind = match kinds.len() {
        n if n > 0 && pick < 200 => kinds[usize::from(pick) % n].clone(),
        _ => EventKind::Comment {
            text: String::from_utf8_lossy(input.bytes(64)).into_owned(),
        },
    };
    // Up to 2 days back, or up to ~36 min ahead of the server's clock.
    let offset = (input.u64() % 175_000_000) as i64;
    let ms = NOW.0 - 172_800_000 + offset;
    let mut random = [0u8; 10];
    for b in &mut random {
        *b = input.byte();
    }
    Event {
        id: EventId::from_parts(ms.max(0) as u64, random),
        hlc: Hlc {
            ms,
            counter: u32::from(input.byte()),
            node: Hlc::node_of(&who.device),
        },
        actor: who.actor(),
        received_at: None,
        kind,
    }
}

/// The structured push: the caller's edits on a copy of `base`, as change bytes.
fn structured(input: &mut Input<'_>, base: &mut CaseDoc, who: &Caller, whole: bool) -> Vec<u8> {
    let kinds: Vec<EventKind> = base
        .events()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    let heads = base.heads();
    let mut copy = base.fork();
    copy.set_actor(who.actor_id.clone());
    let mut raw_ops = Vec::new();
    let mut n = 0;
    while !input.is_empty() && n < 16 {
        n += 1;
        if input.byte() % 4 == 0 {
            let e = event(input, who, &kinds);
            let _ = copy.append(&e);
        } else {
            raw_ops.push(input.bytes(96));
        }
    }
    let Ok(mut raw) = AutoCommit::load(&copy.save()) else {
        return Vec::new();
    };
    raw.set_actor(who.actor_id.clone());
    for op in raw_ops {
        raw_edit(&mut Input::new(op), &mut raw);
    }
    raw.commit();
    if whole {
        raw.save()
    } else {
        raw.save_after(&heads)
    }
}

/// `GRIDCASE_FUZZ_DEBUG=1`: print each outcome (to check what the seeds reach).
fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("GRIDCASE_FUZZ_DEBUG").is_some())
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let (b0, b1) = (input.byte(), input.byte());
    let mut server_doc = fixture(usize::from(b0 & 3));
    let events = server_doc.events().unwrap_or_default();
    let Some(first) = events.first() else {
        return;
    };
    let actor = &events
        .get(usize::from(b1) % events.len())
        .unwrap_or(first)
        .actor;
    let actor_id = if b1 == 0xFF {
        automerge::ActorId::from([0xAB; 16])
    } else {
        doc_actor(&mut server_doc)
    };
    let who = caller(&server_doc, actor, actor_id);
    let new_case = b0 & 4 != 0;
    let changes = match (b0 >> 3) & 3 {
        0 => input.rest().to_vec(),
        1 => {
            let mut bytes = input.rest().to_vec();
            fix_checksums(&mut bytes);
            bytes
        }
        _ => structured(&mut input, &mut server_doc, &who, new_case),
    };
    let case_id = server_doc.case_id();
    let existing = (!new_case).then_some(&mut server_doc);
    let outcome = gate(&who, case_id, existing, &changes, NOW);
    if debug() {
        match &outcome {
            Ok(Admission::Admitted { new_events, .. }) => {
                eprintln!("admitted, {} new events", new_events.len());
            }
            other => eprintln!("{:?}", other.as_ref().map(|_| "nothing")),
        }
    }
    if let Ok(Admission::Admitted {
        mut candidate,
        events,
        ..
    }) = outcome
    {
        let saved = candidate.save();
        let stored = CaseDoc::load(&saved).expect("an admitted document loads from its save()");
        assert_eq!(stored.case_id(), case_id);
        let reloaded = stored
            .read_events()
            .expect("an admitted document's events read back");
        assert_eq!(
            reloaded.events.len(),
            events.len(),
            "the gate's events are the stored ones"
        );
    }
});
