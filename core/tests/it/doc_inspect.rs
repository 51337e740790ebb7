//! The gate helpers of `doc`: listing the actors of pushed chunks, building a document from
//! chunks strictly, and the paths a set of changes touched.

use crate::doc_support::*;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use gridcase_core::doc::{CaseDoc, DocError, PathChange, change_actors};
use gridcase_core::model::Role;
use gridcase_core::workflow::EventKind;

fn created(case: u8) -> CaseDoc {
    CaseDoc::create(case_id(case), tenant(), actor_id(1), &report(case)).expect("create")
}

#[test]
fn change_actors_lists_every_change_of_documents_and_chunks() {
    let mut doc = created(1);
    let saved = doc.save();
    let listed = change_actors(&saved).expect("decodes");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].actor, actor_id(1));
    assert!(doc.has_change(&listed[0].hash));

    let before = doc.heads();
    doc.set_actor(actor_id(2));
    doc.append(&comment(1, 1)).expect("append");
    let chunk = doc.save_after(&before);
    let listed = change_actors(&chunk).expect("decodes");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].actor, actor_id(2));
    let mut both = saved.clone();
    both.extend(&chunk);
    assert_eq!(change_actors(&both).expect("decodes").len(), 2);

    assert!(matches!(
        change_actors(b"garbage"),
        Err(DocError::Corrupt { .. })
    ));
    assert!(matches!(
        change_actors(&chunk[..chunk.len() - 3]),
        Err(DocError::Corrupt { .. })
    ));
}

#[test]
fn from_changes_builds_a_case_strictly() {
    let mut doc = created(2);
    let before = doc.heads();
    doc.append(&comment(2, 1)).expect("append");
    let mut bytes = doc.save_after(&[]);
    let mut built = CaseDoc::from_changes(&bytes).expect("builds from change chunks");
    assert_eq!(built.case_id(), case_id(2));
    assert_eq!(built.heads(), doc.heads());
    let from_save = CaseDoc::from_changes(&doc.save()).expect("builds from a save");
    assert_eq!(from_save.events().expect("events").len(), 2);
    // Only the comment, without the creation: no header.
    let tail = doc.save_after(&before);
    assert!(CaseDoc::from_changes(&tail).is_err());
    bytes.truncate(bytes.len() - 1);
    assert!(matches!(
        CaseDoc::from_changes(&bytes),
        Err(DocError::Corrupt { .. })
    ));
    let plain = AutoCommit::new().save();
    assert!(
        CaseDoc::from_changes(&plain).is_err(),
        "a document without a case header"
    );
}

#[test]
fn changed_paths_show_appends_and_tampering() {
    let mut doc = created(3);
    let before = doc.heads();
    let mut appended = doc.fork();
    appended.set_actor(actor_id(2));
    let ev = event(3, 1, Role::IntakeOperator, EventKind::Accept);
    appended.append(&ev).expect("append");
    let paths = appended.changed_paths(&before);
    assert!(!paths.is_empty());
    let id = ev.id.to_string();
    assert!(
        paths
            .iter()
            .all(|p| p.keys.first().map(String::as_str) == Some("events")
                && p.keys.get(1) == Some(&id)),
        "{paths:?}"
    );

    // A tampering client overwrites a field of the existing report entry.
    let mut raw = AutoCommit::load(&doc.save()).expect("load");
    raw.set_actor(actor_id(9));
    let (_, events) = raw.get(ROOT, "events").expect("get").expect("events");
    let key = report(3).id.to_string();
    let (_, entry) = raw.get(&events, key.as_str()).expect("get").expect("entry");
    raw.put(&entry, "type", "close").expect("put");
    raw.commit();
    let mut tampered = doc.fork();
    tampered
        .load_incremental(&raw.save_after(&before))
        .expect("applies");
    let paths = tampered.changed_paths(&before);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert_eq!(
        paths[0].keys,
        vec!["events".to_owned(), key, "type".to_owned()]
    );
    assert_eq!(paths[0].change, PathChange::Put);
}
