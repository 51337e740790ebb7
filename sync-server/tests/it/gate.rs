//! Each gate rejection, with its code; a rejected document never affects the others.

use crate::support::*;
use automerge::ActorId;
use gridcase_core::codes::CountyCode;
use gridcase_core::doc::CaseDoc;
use gridcase_core::protocol::{DocPush, SyncRequest};
use gridcase_core::workflow::EventKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_violations_are_rejected_with_their_codes() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let mut x = ts.device("insp_x").await;
    let theirs = x.report(CELL_OTHER);
    x.push(theirs).await.expect("push");

    // Another tenant's case id: pushing to it is out_of_scope.
    let forged = new_case_id();
    let ev = a.event(EventKind::Report(report_payload(CELL_A)));
    let tenant = CountyCode::parse(TENANT).expect("tenant");
    let doc = CaseDoc::create(theirs, tenant, a.actor_id(), &ev).expect("doc");
    a.docs.insert(theirs, doc);
    let r = a.push(theirs).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "out_of_scope");
    assert!(
        r.docs[0].changes.is_empty(),
        "nothing of the other tenant's case leaves"
    );

    // An inspector appending a `file` event: role_not_allowed; the good document beside it is
    // accepted in the same request.
    let mine = a.report(CELL_A);
    a.push(mine).await.expect("push");
    a.append(
        mine,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    );
    let good = a.report(CELL_A);
    let r = {
        let p = vec![a.push_of(mine), a.push_of(good)];
        a.sync(p)
    }
    .await
    .expect("sync");
    assert_eq!(outcome(&r.docs[0]), "role_not_allowed");
    assert!(
        !r.docs[0].changes.is_empty(),
        "the server's document comes back to rebuild from"
    );
    assert_eq!(
        outcome(&r.docs[1]),
        "accepted",
        "one bad document never blocks the others"
    );

    // A change whose actor belongs to another device: forbidden_actor.
    let case = new_case_id();
    let ev = a.event(EventKind::Report(report_payload(CELL_A)));
    let doc = CaseDoc::create(case, tenant, ActorId::from([7u8; 16]), &ev).expect("doc");
    a.docs.insert(case, doc);
    let r = a.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "forbidden_actor");

    // An event claiming another user: event_actor_mismatch.
    let case = new_case_id();
    let mut ev = a.event(EventKind::Report(report_payload(CELL_A)));
    ev.actor.user = x.login.user_id;
    let doc = CaseDoc::create(case, tenant, a.actor_id(), &ev).expect("doc");
    a.docs.insert(case, doc);
    let r = a.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "event_actor_mismatch");

    // An HLC far in the future: hlc_in_future.
    let case = new_case_id();
    let mut ev = a.event(EventKind::Report(report_payload(CELL_A)));
    ev.hlc.ms += 3_600_000;
    let doc = CaseDoc::create(case, tenant, a.actor_id(), &ev).expect("doc");
    a.docs.insert(case, doc);
    let r = a.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "hlc_in_future");

    // Garbage bytes as a document's changes: bad_message.
    let r = a
        .sync_raw(&SyncRequest {
            docs: vec![DocPush {
                case_id: forged,
                known: vec![],
                have: vec![],
                changes: b"definitely not automerge".to_vec(),
            }],
        })
        .await
        .expect("sync");
    assert_eq!(outcome(&r.docs[0]), "bad_message");

    // A case in another tenant's county code, created by this tenant's device: out_of_scope.
    let case = new_case_id();
    let ev = a.event(EventKind::Report(report_payload(CELL_A)));
    let other = CountyCode::parse(OTHER_TENANT).expect("county");
    let doc = CaseDoc::create(case, other, a.actor_id(), &ev).expect("doc");
    a.docs.insert(case, doc);
    let r = a.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "out_of_scope");

    // A new case with a root field outside the v1 layout: immutable_changed.
    let case = new_case_id();
    let ev = a.event(EventKind::Report(report_payload(CELL_A)));
    let mut doc = CaseDoc::create(case, tenant, a.actor_id(), &ev).expect("doc");
    let mut raw = automerge::AutoCommit::load(&doc.save()).expect("load");
    raw.set_actor(a.actor_id());
    automerge::transaction::Transactable::put(&mut raw, automerge::ROOT, "status", "closed")
        .expect("put");
    let push = DocPush {
        case_id: case,
        known: vec![],
        have: wire(&raw.get_heads()),
        changes: raw.save_after(&[]),
    };
    let r = a.sync(vec![push]).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "immutable_changed");

    // Nothing rejected reached the feed.
    let leader = ts.device("leader").await;
    let mut ids = leader.feed_ids().await;
    ids.sort();
    let mut expected = vec![mine, good];
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modifying_an_existing_event_or_a_header_field_is_rejected() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    // Write into the existing report entry with raw Automerge, as a tampering client would.
    let saved = a.docs.get_mut(&case).expect("doc").save();
    let mut raw = automerge::AutoCommit::load(&saved).expect("load");
    raw.set_actor(a.actor_id());
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let (_, events) = raw
        .get(automerge::ROOT, "events")
        .expect("get")
        .expect("events");
    let key = raw.keys(&events).next().expect("report entry");
    let (_, entry) = raw.get(&events, key.as_str()).expect("get").expect("entry");
    raw.put(&entry, "type", "close").expect("put");
    raw.commit();
    let known = a.server_heads[&case].clone();
    let push = DocPush {
        case_id: case,
        known: wire(&known),
        have: wire(&raw.get_heads()),
        changes: raw.save_after(&known),
    };
    let r = a.sync(vec![push]).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "event_modified");

    let mut raw = automerge::AutoCommit::load(&saved).expect("load");
    raw.set_actor(a.actor_id());
    raw.put(automerge::ROOT, "created_by", "someone-else")
        .expect("put");
    raw.commit();
    let push = DocPush {
        case_id: case,
        known: wire(&known),
        have: wire(&raw.get_heads()),
        changes: raw.save_after(&known),
    };
    let r = a.sync(vec![push]).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "immutable_changed");

    let mut raw = automerge::AutoCommit::load(&saved).expect("load");
    raw.set_actor(a.actor_id());
    raw.put(automerge::ROOT, "status", "closed").expect("put");
    raw.commit();
    let push = DocPush {
        case_id: case,
        known: wire(&known),
        have: wire(&raw.get_heads()),
        changes: raw.save_after(&known),
    };
    let r = a.sync(vec![push]).await.expect("sync");
    assert_eq!(
        outcome(&r.docs[0]),
        "immutable_changed",
        "no new mutable root fields"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_requests_and_bad_bodies_are_refused_whole() {
    let ts = TestServer::start().await;
    let a = ts.device("insp_a").await;
    let docs = (0..=gridcase_core::protocol::Limits::default().max_docs_per_sync)
        .map(|_| DocPush {
            case_id: new_case_id(),
            known: vec![],
            have: vec![],
            changes: vec![],
        })
        .collect();
    let err = a
        .sync_raw(&SyncRequest { docs })
        .await
        .expect_err("too many documents");
    assert_eq!((err.status, err.error.code.as_str()), (413, "too_large"));
    let big = DocPush {
        case_id: new_case_id(),
        known: vec![],
        have: vec![],
        changes: vec![0u8; 300 * 1024],
    };
    let err = a
        .sync_raw(&SyncRequest { docs: vec![big] })
        .await
        .expect_err("too big a document");
    assert_eq!(err.error.code, "too_large");
    let err = a
        .sync_bytes(vec![0u8; 4 * 1024 * 1024 + 16])
        .await
        .expect_err("too big a body");
    assert_eq!((err.status, err.error.code.as_str()), (413, "too_large"));
    let err = a
        .sync_bytes(b"\xff\x00garbage".to_vec())
        .await
        .expect_err("not CBOR");
    assert_eq!((err.status, err.error.code.as_str()), (400, "bad_message"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_type_the_server_does_not_know_is_refused() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    let saved = a.docs.get_mut(&case).expect("doc").save();
    let mut raw = automerge::AutoCommit::load(&saved).expect("load");
    raw.set_actor(a.actor_id());
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let (_, events) = raw
        .get(automerge::ROOT, "events")
        .expect("get")
        .expect("events");
    let ev = a.event(EventKind::Comment {
        text: String::new(),
    });
    let entry = raw
        .put_object(&events, ev.id.to_string(), automerge::ObjType::Map)
        .expect("entry");
    raw.put(&entry, "hlc_ms", ev.hlc.ms).expect("put");
    raw.put(&entry, "hlc_counter", 0_u64).expect("put");
    raw.put(&entry, "hlc_node", format!("{:016x}", ev.hlc.node))
        .expect("put");
    raw.put(&entry, "user", ev.actor.user.to_string())
        .expect("put");
    raw.put(&entry, "device", ev.actor.device.to_string())
        .expect("put");
    raw.put(&entry, "role", "inspector").expect("put");
    raw.put(&entry, "type", "drone_patrol").expect("put");
    raw.put(&entry, "payload", r#"{"type":"drone_patrol"}"#)
        .expect("put");
    raw.commit();
    let known = a.server_heads[&case].clone();
    let push = DocPush {
        case_id: case,
        known: wire(&known),
        have: wire(&raw.get_heads()),
        changes: raw.save_after(&known),
    };
    let r = a.sync(vec![push]).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "role_not_allowed");
}

/// Issue 15 item 1: supervision events pass the gate's role table and payload limits — an
/// inspector's 督办 is refused, a leader's 督办 with a blank reason or both a department and a
/// role as addressee is refused, and the leader's valid 督办 and 批示 are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalations_and_instructions_at_the_gate() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    let escalate = |reason: &str, both: bool| EventKind::Escalate {
        level: 1,
        reason: reason.into(),
        department: both.then(|| gridcase_core::model::DepartmentId::from_parts(1, [9; 10])),
        role: both.then_some(gridcase_core::model::Role::Dispatcher),
        reply_by: None,
    };
    a.append(case, escalate("请尽快处置", false));
    let r = a.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "role_not_allowed");

    let mut leader = ts.device("leader").await;
    leader.pull(case).await.expect("pull");
    for bad in [escalate("  ", false), escalate("请尽快处置", true)] {
        let mut l = ts.device("leader").await;
        l.pull(case).await.expect("pull");
        l.append(case, bad);
        let r = l.push(case).await.expect("sync");
        assert_eq!(outcome(&r.docs[0]), "invalid_payload");
    }
    leader.append(case, escalate("请尽快处置", false));
    leader.append(
        case,
        EventKind::Instruct {
            text: "请今日处置完毕".into(),
            department: None,
            role: None,
        },
    );
    let r = leader.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "accepted");
}
