//! `core::doc`: a case to and from its Automerge document, including damaged and foreign input.

use crate::doc_support::*;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue};
use gridcase_core::doc::{CaseDoc, DocError};
use gridcase_core::model::{Role, Timestamp};
use gridcase_core::workflow::EventKind;

fn new_case() -> CaseDoc {
    CaseDoc::create(case_id(1), tenant(), actor_id(1), &report(1)).expect("create")
}

/// A saved case document edited with raw Automerge calls (what a foreign peer could write).
fn tampered(edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
    let mut raw = AutoCommit::load(&new_case().save()).expect("load raw");
    edit(&mut raw);
    raw.commit();
    raw.save()
}

fn events_obj(raw: &AutoCommit) -> automerge::ObjId {
    raw.get(ROOT, "events").expect("get").expect("events").1
}

#[test]
fn create_then_load_round_trips_events_photos_and_header() {
    let mut doc = new_case();
    for e in lifecycle(1) {
        doc.append(&e).expect("append");
    }
    let loaded = CaseDoc::load(&doc.save()).expect("load");
    let mut expected = vec![report(1)];
    expected.extend(lifecycle(1));
    assert_eq!(loaded.events().expect("events"), expected);
    assert_eq!(loaded.case_id(), case_id(1));
    assert_eq!(loaded.tenant(), tenant());
    let photos = loaded.photos().expect("photos");
    assert_eq!(photos.len(), 4, "2 before + after + check");
    assert!(
        photos
            .iter()
            .any(|p| p.event == event_id(1, 5) && p.size == 1_234_567)
    );
    let fixed = loaded.immutable_fields().expect("immutable");
    assert_eq!(fixed.report, report(1));
    assert_eq!(fixed.created_at, Timestamp(T0));
    assert_eq!(fixed.created_by, report(1).actor.user);
}

#[test]
fn only_a_report_creates_a_case() {
    let close = event(
        1,
        1,
        Role::ShiftLeader,
        EventKind::Close {
            note: String::new(),
        },
    );
    let err = CaseDoc::create(case_id(1), tenant(), actor_id(1), &close).expect_err("refused");
    assert_eq!(err.code(), "doc_not_a_report");
}

#[test]
fn truncated_garbage_and_empty_bytes_are_corrupt() {
    let bytes = new_case().save();
    for cut in [1, 8, bytes.len() / 2, bytes.len() - 1] {
        let err = CaseDoc::load(&bytes[..cut]).expect_err("truncated");
        assert!(
            matches!(err, DocError::Corrupt { .. }),
            "cut at {cut}: {err:?}"
        );
    }
    assert!(matches!(
        CaseDoc::load(b"not automerge at all"),
        Err(DocError::Corrupt { .. })
    ));
    assert!(matches!(CaseDoc::load(&[]), Err(DocError::Corrupt { .. })));
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    assert!(
        CaseDoc::load(&flipped).is_err(),
        "a flipped byte fails the checksum"
    );
}

#[test]
fn unknown_or_missing_schema_version_is_a_typed_error() {
    let v2 = tampered(|raw| {
        raw.put(ROOT, "schema_version", ScalarValue::Uint(2))
            .expect("put")
    });
    assert_eq!(
        CaseDoc::load(&v2).expect_err("v2"),
        DocError::UnknownSchema { found: Some(2) }
    );
    let none = tampered(|raw| raw.delete(ROOT, "schema_version").expect("delete"));
    assert_eq!(
        CaseDoc::load(&none).expect_err("none"),
        DocError::UnknownSchema { found: None }
    );
    let mut empty = AutoCommit::new();
    empty.put(ROOT, "hello", "world").expect("put");
    let err = CaseDoc::load(&empty.save()).expect_err("not a case");
    assert_eq!(err.code(), "doc_unknown_schema");
}

#[test]
fn wrong_field_types_name_the_field() {
    let bad_tenant = tampered(|raw| raw.put(ROOT, "tenant", 620102_i64).expect("put"));
    match CaseDoc::load(&bad_tenant) {
        Err(DocError::BadField { path, .. }) => assert_eq!(path, "tenant"),
        other => panic!("expected BadField(tenant), got {other:?}"),
    }
    let bad_events = tampered(|raw| raw.put(ROOT, "events", "none").expect("put"));
    match CaseDoc::load(&bad_events) {
        Err(DocError::BadField { path, .. }) => assert_eq!(path, "events"),
        other => panic!("expected BadField(events), got {other:?}"),
    }
}

#[test]
fn unknown_event_type_is_kept_as_unknown() {
    let id = event_id(1, 7);
    let bytes = with_unknown_event(&new_case().save(), id);
    let events = CaseDoc::load(&bytes)
        .expect("load")
        .events()
        .expect("events");
    assert_eq!(events.len(), 2);
    let unknown = events.iter().find(|e| e.id == id).expect("kept");
    assert_eq!(
        unknown.kind,
        EventKind::Unknown {
            type_name: "drone_patrol".into()
        }
    );
}

#[test]
fn large_events_travel_as_compressed_chunks() {
    let mut doc = new_case();
    let mut replica = CaseDoc::load(&doc.save()).expect("load");
    let persisted = doc.heads();
    let long = "长".repeat(20_000);
    doc.append(&event(
        1,
        1,
        Role::Inspector,
        EventKind::Comment { text: long.clone() },
    ))
    .expect("append");
    let mut raw = AutoCommit::load(&doc.save()).expect("raw");
    let mut changes = raw.get_changes(&persisted);
    let compressed = changes[0].bytes().into_owned();
    assert!(
        compressed.len() < long.len() / 10,
        "compressed: {} bytes",
        compressed.len()
    );
    let mut damaged = compressed.clone();
    damaged[20] ^= 0x55;
    assert!(
        replica.load_incremental(&damaged).is_err(),
        "damage is detected"
    );
    replica
        .load_incremental(&compressed)
        .expect("apply a compressed change chunk");
    assert_eq!(replica.events().expect("events").len(), 2);
}

#[test]
fn malformed_entry_is_an_error_naming_the_event() {
    let id = event_id(1, 8);
    let bytes = tampered(|raw| {
        let events = events_obj(raw);
        let entry = raw
            .put_object(&events, id.to_string(), ObjType::Map)
            .expect("entry");
        raw.put(&entry, "type", "close").expect("put");
    });
    let doc = CaseDoc::load(&bytes).expect("header is fine");
    match doc.events() {
        Err(DocError::BadEvent { event_id, reason }) => {
            assert_eq!(event_id, id.to_string());
            assert!(reason.contains("hlc_ms"), "{reason}");
        }
        other => panic!("expected BadEvent, got {other:?}"),
    }
    let lenient = doc.read_events().expect("lenient");
    assert_eq!((lenient.events.len(), lenient.problems.len()), (1, 1));
}

#[test]
fn append_refuses_a_duplicate_id_and_leaves_the_doc_unchanged() {
    let mut doc = new_case();
    let heads = doc.heads();
    let err = doc.append(&report(1)).expect_err("duplicate");
    assert_eq!(
        err,
        DocError::DuplicateEvent {
            event_id: event_id(1, 0)
        }
    );
    assert_eq!(doc.heads(), heads);
}

#[test]
fn merging_two_replicas_yields_the_union_of_events() {
    let mut a = new_case();
    let mut b = CaseDoc::load(&a.save()).expect("load");
    b.set_actor(actor_id(2));
    let steps = lifecycle(1);
    a.append(&steps[0]).expect("a");
    b.append(&steps[1]).expect("b");
    b.append(&steps[2]).expect("b");
    a.merge(&mut b).expect("merge");
    b.merge(&mut a).expect("merge back");
    let ids: Vec<_> = a.events().expect("events").iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        vec![
            event_id(1, 0),
            event_id(1, 1),
            event_id(1, 2),
            event_id(1, 3)
        ]
    );
    assert_eq!(a.events().expect("a"), b.events().expect("b"));
    assert_eq!(a.heads(), b.heads());
}

#[test]
fn merging_another_case_is_refused() {
    let mut a = new_case();
    let mut other = CaseDoc::create(case_id(2), tenant(), actor_id(2), &report(2)).expect("create");
    assert_eq!(
        a.merge(&mut other).expect_err("refused").code(),
        "doc_case_mismatch"
    );
}

#[test]
fn save_after_chunks_load_incrementally_and_strictly() {
    let mut doc = new_case();
    let mut replica = CaseDoc::load(&doc.save()).expect("load");
    let persisted = doc.heads();
    for e in lifecycle(1) {
        doc.append(&e).expect("append");
    }
    let chunk = doc.save_after(&persisted);
    assert!(!chunk.is_empty() && chunk.len() < doc.save().len() * 2);
    let heads = replica.heads();
    let err = replica
        .load_incremental(&chunk[..chunk.len() - 3])
        .expect_err("truncated");
    assert!(matches!(err, DocError::Corrupt { .. }), "{err:?}");
    assert_eq!(replica.heads(), heads, "nothing applied");
    replica.load_incremental(&chunk).expect("apply");
    assert_eq!(
        replica.events().expect("events"),
        doc.events().expect("events")
    );
    replica
        .load_incremental(&doc.save())
        .expect("a whole document merges too");
    assert_eq!(replica.heads(), doc.heads());
}

#[test]
fn receipts_are_idempotent_and_read_back() {
    let mut doc = new_case();
    let at = Timestamp(T0 + 500);
    assert_eq!(doc.set_receipt(event_id(1, 0), at), Ok(true));
    assert_eq!(
        doc.set_receipt(event_id(1, 0), Timestamp(T0 + 900)),
        Ok(false)
    );
    assert_eq!(doc.events().expect("events")[0].received_at, Some(at));
    let missing = doc
        .set_receipt(event_id(1, 9), at)
        .expect_err("no such event");
    assert_eq!(missing.code(), "doc_no_such_event");
}

#[test]
fn fork_gets_its_own_actor_and_author_keeps_the_actor() {
    let mut doc = new_case();
    let mut fork = doc.fork();
    assert_ne!(fork.actor(), doc.actor());
    fork.set_actor(actor_id(3));
    fork.set_author(actor(Role::Inspector, 3).device);
    assert_eq!(fork.actor(), &actor_id(3));
    fork.append(&lifecycle(1)[0]).expect("append");
    assert!(fork.events().expect("events").len() == 2 && doc.events().expect("events").len() == 1);
}
