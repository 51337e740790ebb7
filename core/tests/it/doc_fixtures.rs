//! Golden v1 case documents (core/tests/fixtures/case_v1_*.automerge): committed bytes that
//! every later build must still load, with the same content. Regenerate only for a new schema
//! version, never to make a failing test pass:
//! `cargo test -p gridcase-core --test it -- --ignored write_golden_fixtures`.

use crate::doc_support::*;
use gridcase_core::doc::{CaseDoc, SCHEMA_VERSION};
use gridcase_core::model::Timestamp;
use gridcase_core::workflow::EventKind;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(name: &str) -> CaseDoc {
    let bytes = std::fs::read(fixture(name)).expect("fixture file is committed");
    CaseDoc::load(&bytes).expect("a v1 fixture still loads")
}

fn lifecycle_doc() -> CaseDoc {
    let mut doc = CaseDoc::create(case_id(2), tenant(), actor_id(2), &report(2)).expect("create");
    for e in lifecycle(2) {
        doc.append(&e).expect("append");
    }
    doc.set_receipt(event_id(2, 0), Timestamp(T0 + 3_000))
        .expect("receipt");
    doc
}

#[test]
#[ignore = "writes the golden fixtures; run by hand for a new schema version only"]
fn write_golden_fixtures() {
    assert_eq!(
        SCHEMA_VERSION, 1,
        "fixtures of a new version get new file names"
    );
    let mut new = CaseDoc::create(case_id(1), tenant(), actor_id(1), &report(1)).expect("create");
    let unknown = {
        let mut doc =
            CaseDoc::create(case_id(3), tenant(), actor_id(3), &report(3)).expect("create");
        with_unknown_event(&doc.save(), event_id(3, 7))
    };
    std::fs::create_dir_all(fixture("")).expect("mkdir");
    std::fs::write(fixture("case_v1_new_report.automerge"), new.save()).expect("write");
    std::fs::write(
        fixture("case_v1_lifecycle.automerge"),
        lifecycle_doc().save(),
    )
    .expect("write");
    std::fs::write(fixture("case_v1_unknown_event.automerge"), unknown).expect("write");
}

#[test]
fn v1_new_report_loads_with_its_report() {
    let doc = load("case_v1_new_report.automerge");
    assert_eq!(doc.case_id(), case_id(1));
    assert_eq!(doc.tenant(), tenant());
    assert_eq!(doc.events().expect("events"), vec![report(1)]);
    let photos = doc.photos().expect("photos");
    assert_eq!(photos.len(), 2);
    assert!(photos.iter().all(|p| p.event == event_id(1, 0)));
    let fixed = doc.immutable_fields().expect("immutable");
    assert_eq!((fixed.schema_version, fixed.created_at), (1, Timestamp(T0)));
}

#[test]
fn v1_lifecycle_loads_every_event_and_the_receipt() {
    let doc = load("case_v1_lifecycle.automerge");
    let events = doc.events().expect("events");
    let mut expected = vec![report(2)];
    expected[0].received_at = Some(Timestamp(T0 + 3_000));
    expected.extend(lifecycle(2));
    assert_eq!(events, expected);
    assert_eq!(doc.photos().expect("photos").len(), 4);
}

#[test]
fn v1_lifecycle_is_still_byte_identical_when_rebuilt() {
    // Not a compatibility requirement, a tripwire: if this fails, the writer changed (new
    // layout, new automerge encoding). Check the loading tests still pass, then decide.
    let bytes = std::fs::read(fixture("case_v1_lifecycle.automerge")).expect("fixture");
    assert_eq!(lifecycle_doc().save(), bytes);
}

#[test]
fn v1_unknown_event_type_is_kept() {
    let doc = load("case_v1_unknown_event.automerge");
    let events = doc.events().expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].id, event_id(3, 7));
    assert_eq!(
        events[1].kind,
        EventKind::Unknown {
            type_name: "drone_patrol".into()
        }
    );
}

#[test]
fn v1_lifecycle_folds_to_a_closed_case_without_conflicts() {
    let state = gridcase_core::workflow::fold(
        &load("case_v1_lifecycle.automerge")
            .events()
            .expect("events"),
    );
    assert_eq!(state.status, gridcase_core::workflow::Status::Closed);
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    assert_eq!(state.case_number.as_deref(), Some("620102-20261127-00042"));
    assert_eq!(state.department, Some(department()));
}

#[test]
fn v1_unknown_event_type_folds_to_a_flagged_conflict() {
    let state = gridcase_core::workflow::fold(
        &load("case_v1_unknown_event.automerge")
            .events()
            .expect("events"),
    );
    assert_eq!(state.conflicts.len(), 1);
    assert_eq!(
        state.conflicts[0].reason,
        gridcase_core::workflow::ConflictReason::UnknownEventType
    );
    assert_eq!(state.status, gridcase_core::workflow::Status::Reported);
}
