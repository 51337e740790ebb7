//! The write path (issue 14 item 6): a new case pushed as one whole compressed document, the
//! same gate for it as for change lists (hostile documents refused with their codes, never
//! stopping the others), and the document cache staying correct when another server process
//! writes the same database, and per tenant.

use crate::support::*;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc};
use gridcase_core::model::CaseId;
use gridcase_core::protocol::{DocPush, SyncRequest};
use gridcase_core::workflow::EventKind;
use gridcase_server::Config;

/// A new case of ten events on `dev`: the report and nine comments, made offline.
fn ten_event_case(dev: &mut Device, cell: &str) -> CaseId {
    let case = dev.report(cell);
    for n in 0..9 {
        dev.append(
            case,
            EventKind::Comment {
                text: format!("现场复核记录 {n}：井盖已设置警示"),
            },
        );
    }
    case
}

/// The push of a case the server never saw, as one whole document (`save()`).
fn whole_push(dev: &mut Device, case: CaseId) -> DocPush {
    let doc = dev.docs.get_mut(&case).expect("held");
    DocPush {
        case_id: case,
        known: Vec::new(),
        have: wire(&doc.heads()),
        changes: doc.save(),
    }
}

fn code(r: &gridcase_core::protocol::DocResult) -> String {
    outcome(r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ten_event_case_goes_as_one_small_document_and_converges_with_the_change_list() {
    let ts = TestServer::start().await;
    let mut insp = ts.device("insp_a").await;
    let whole_case = ten_event_case(&mut insp, CELL_A);
    let list_case = ten_event_case(&mut insp, CELL_A);
    let whole = whole_push(&mut insp, whole_case);
    let list = insp.push_of(list_case);
    let replay_as_list = insp.push_of(whole_case);
    assert!(
        whole.changes.len() <= 1_900,
        "a new 10-event case is {} bytes as one document (goal ≤ 1,900)",
        whole.changes.len()
    );
    assert!(
        list.changes.len() > whole.changes.len(),
        "the change list ({} B) is what the document replaces ({} B)",
        list.changes.len(),
        whole.changes.len()
    );
    let r = insp.sync(vec![whole.clone(), list]).await.expect("sync");
    assert_eq!(code(&r.docs[0]), "accepted");
    assert_eq!(code(&r.docs[1]), "accepted");
    let heads = unwire(&r.docs[0].heads);
    assert_eq!(heads, insp.docs.get_mut(&whole_case).expect("held").heads());
    assert!(r.docs[0].changes.is_empty(), "the device lacks nothing");
    // The server stored the pushed bytes as they came: its own save of the document gave them
    // back, so the gate's round trip did not need a second load.
    let id = whole_case.to_string();
    let stored: Vec<u8> = ts
        .sql(|c| {
            Ok(c.query_row(
                "SELECT snapshot FROM docs WHERE case_id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )?)
        })
        .expect("stored");
    assert_eq!(stored, whole.changes);

    // The same case again, as its change list and whole: nothing new, same heads and seq.
    for again in [replay_as_list, whole] {
        let replay = insp
            .sync_raw(&SyncRequest { docs: vec![again] })
            .await
            .expect("replay");
        assert_eq!(code(&replay.docs[0]), "accepted");
        assert_eq!(replay.docs[0].heads, r.docs[0].heads);
        assert_eq!(replay.docs[0].seq, r.docs[0].seq);
    }

    // Another device reads both cases the same way.
    let mut intake = ts.device("intake").await;
    for (case, pushed) in [(whole_case, &r.docs[0]), (list_case, &r.docs[1])] {
        let pulled = intake.pull(case).await.expect("bootstrap");
        assert_eq!(pulled.docs[0].heads, pushed.heads);
        let theirs = intake.docs[&case].events().expect("events");
        let ours = insp.docs[&case].events().expect("events");
        assert_eq!(theirs, ours);
        let detail = intake
            .get_json(&format!("/v1/cases/{case}"))
            .await
            .expect("detail");
        assert_eq!(detail["row"]["status"], "reported");
        assert_eq!(detail["events"].as_array().map(Vec::len), Some(10));
    }
    // Later edits go as changes on top of the document.
    insp.append(
        whole_case,
        EventKind::Comment {
            text: "补充".into(),
        },
    );
    let r = insp.push(whole_case).await.expect("edit");
    assert_eq!(code(&r.docs[0]), "accepted");
}

/// A document whose one string column inflates to `len` bytes, by `actor`.
fn bomb(actor: automerge::ActorId, len: usize) -> Vec<u8> {
    let mut doc = AutoCommit::new().with_actor(actor);
    doc.put(automerge::ROOT, "x", "x".repeat(len)).expect("put");
    doc.commit();
    doc.save()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_whole_documents_are_refused_with_their_codes_and_never_stop_the_others() {
    let ts = TestServer::start().await;
    let mut insp = ts.device("insp_a").await;
    let push = |dev: &mut Device, f: &dyn Fn(&mut Vec<u8>, &mut AutoCommit)| {
        let case = ten_event_case(dev, CELL_A);
        let mut p = whole_push(dev, case);
        let mut am = AutoCommit::load(&p.changes).expect("load");
        f(&mut p.changes, &mut am);
        p
    };
    let actor = insp.actor_id();
    // 1. A decompression bomb: 1.5 KB that would inflate to 1 MB.
    let mut p_bomb = push(&mut insp, &|_, _| {});
    p_bomb.changes = bomb(actor.clone(), 1 << 20);
    assert!(p_bomb.changes.len() < 4_000, "{}", p_bomb.changes.len());
    // 2. Truncated, 3. two documents, 4. garbage after a valid document header.
    let p_cut = push(&mut insp, &|b, _| b.truncate(b.len() - 7));
    let p_two = push(&mut insp, &|b, _| {
        let copy = b.clone();
        b.extend(copy);
    });
    let p_flip = push(&mut insp, &|b, _| {
        let n = b.len() / 2;
        b[n] ^= 0x5a;
    });
    // 5. The document of another case under this case's id.
    let other = ten_event_case(&mut insp, CELL_A);
    let mut p_other = push(&mut insp, &|_, _| {});
    p_other.changes = whole_push(&mut insp, other).changes;
    // 6. Changes by another actor than the device's.
    let p_actor = push(&mut insp, &|b, am| {
        am.set_actor(automerge::ActorId::random());
        am.put(automerge::ROOT, "extra", 1).expect("put");
        am.commit();
        *b = am.save();
    });
    // 7. A text object nested in an event entry (outside the v1 layout).
    let p_shape = push(&mut insp, &|b, am| {
        am.set_actor(actor.clone());
        let (_, events) = am
            .get(automerge::ROOT, "events")
            .expect("get")
            .expect("events");
        let key = am.keys(&events).next().expect("an event");
        let (_, entry) = am.get(&events, key.as_str()).expect("get").expect("entry");
        am.put_object(&entry, "note", ObjType::Text).expect("text");
        am.commit();
        *b = am.save();
    });
    // 8. An honest one.
    let good_case = ten_event_case(&mut insp, CELL_A);
    let p_good = whole_push(&mut insp, good_case);
    let pushes = vec![
        p_bomb, p_cut, p_two, p_flip, p_other, p_actor, p_shape, p_good,
    ];
    let r = insp
        .sync_raw(&SyncRequest { docs: pushes })
        .await
        .expect("sync");
    let codes: Vec<String> = r.docs.iter().map(code).collect();
    assert_eq!(
        codes,
        [
            "too_large",
            "bad_message",
            "bad_message",
            "bad_message",
            "bad_message",
            "forbidden_actor",
            "invalid_payload",
            "accepted",
        ]
    );
    // Nothing of the refused ones was stored; the honest one was.
    let ids = insp.feed_ids().await;
    assert_eq!(ids, vec![good_case]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_document_cannot_rewrite_an_existing_case() {
    let ts = TestServer::start().await;
    let mut insp = ts.device("insp_a").await;
    let case = ten_event_case(&mut insp, CELL_A);
    let p = whole_push(&mut insp, case);
    assert_eq!(
        code(&insp.sync(vec![p]).await.expect("sync").docs[0]),
        "accepted"
    );
    // The same case, whole again, with an existing event's payload rewritten.
    let doc = insp.docs.get_mut(&case).expect("held");
    let mut am = AutoCommit::load(&doc.save()).expect("load");
    am.set_actor(insp.actor_id());
    let (_, events) = am
        .get(automerge::ROOT, "events")
        .expect("get")
        .expect("events");
    let key = am.keys(&events).next().expect("an event");
    let (_, entry) = am.get(&events, key.as_str()).expect("get").expect("entry");
    am.put(&entry, "payload", "{}").expect("put");
    am.commit();
    let push = DocPush {
        case_id: case,
        known: Vec::new(),
        have: Vec::new(),
        changes: am.save(),
    };
    let r = insp
        .sync_raw(&SyncRequest { docs: vec![push] })
        .await
        .expect("sync");
    assert_eq!(code(&r.docs[0]), "event_modified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_whole_documents_of_one_request_inflate_to_is_bounded() {
    let ts = TestServer::start_with(|c: &mut Config| c.limits.max_sync_bytes = 64 * 1024).await;
    let mut insp = ts.device("insp_a").await;
    let mut pushes = Vec::new();
    for _ in 0..3 {
        let case = insp.report(CELL_A);
        for _ in 0..9 {
            // 1,800 characters of one letter: about 2 KB each inflated, a few bytes deflated.
            insp.append(
                case,
                EventKind::Comment {
                    text: "井".repeat(600) + &"a".repeat(1_200),
                },
            );
        }
        pushes.push(whole_push(&mut insp, case));
    }
    let sizes: Vec<usize> = pushes.iter().map(|p| p.changes.len()).collect();
    assert!(sizes.iter().all(|s| *s < 8_000), "{sizes:?}");
    let r = insp
        .sync_raw(&SyncRequest { docs: pushes })
        .await
        .expect("sync");
    let codes: Vec<String> = r.docs.iter().map(code).collect();
    assert_eq!(codes[0], "accepted");
    assert!(
        codes.contains(&"too_large".to_owned()),
        "the request's budget ran out: {codes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_by_another_server_process_on_the_same_database_is_never_hidden_by_the_cache() {
    let ts = TestServer::start().await;
    let mut insp = ts.device("insp_a").await;
    let case = ten_event_case(&mut insp, CELL_A);
    let p = whole_push(&mut insp, case);
    assert_eq!(
        code(&insp.sync(vec![p]).await.expect("sync").docs[0]),
        "accepted"
    );
    // A comment merged by the first server: its document is now in that server's cache.
    insp.append(case, EventKind::Comment { text: "一".into() });
    assert_eq!(
        code(&insp.push(case).await.expect("push").docs[0]),
        "accepted"
    );
    let stats = ts.server.deployment().doc_cache().stats();
    assert!(stats.entries >= 1 && stats.hits >= 1, "{stats:?}");

    // A second server process on the same database: the intake operator accepts the case there.
    let mut config = ts.same_data_config();
    config.listen = "127.0.0.1:0".parse().expect("addr");
    let second = gridcase_server::spawn(config).await.expect("second server");
    let mut intake = Device::login(&second.url(), TENANT, "intake", "install-intake-2")
        .await
        .expect("login");
    intake.pull(case).await.expect("pull");
    intake.append(case, EventKind::Accept);
    assert_eq!(
        code(&intake.push(case).await.expect("accept").docs[0]),
        "accepted"
    );

    // The inspector's next edit, merged by the first server, sits on top of the accept.
    insp.append(case, EventKind::Comment { text: "二".into() });
    let r = insp.push(case).await.expect("push");
    assert_eq!(code(&r.docs[0]), "accepted");
    let events = insp.docs[&case].events().expect("events");
    assert!(
        events.iter().any(|e| e.kind == EventKind::Accept),
        "the accept came back"
    );
    assert_eq!(events.len(), 13);
    let detail = insp
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["status"], "awaiting_filing");
    assert_eq!(detail["events"].as_array().map(Vec::len), Some(13));
    // And the second server sees the first one's write in turn.
    let r = intake.pull(case).await.expect("pull");
    assert_eq!(code(&r.docs[0]), "accepted");
    assert_eq!(intake.docs[&case].events().expect("events").len(), 13);
    second.shutdown().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_case_is_never_served_to_another_tenant() {
    let ts = TestServer::start().await;
    let mut insp = ts.device("insp_a").await;
    let case = ten_event_case(&mut insp, CELL_A);
    let p = whole_push(&mut insp, case);
    let r = insp.sync(vec![p.clone()]).await.expect("sync");
    assert_eq!(code(&r.docs[0]), "accepted");
    let mut other = ts.device("insp_x").await;
    // A pull, a bootstrap and a whole document under the same case id from another tenant.
    let pull = DocPush {
        case_id: case,
        known: r.docs[0].heads.clone(),
        have: r.docs[0].heads.clone(),
        changes: Vec::new(),
    };
    let bootstrap = DocPush {
        case_id: case,
        known: Vec::new(),
        have: Vec::new(),
        changes: Vec::new(),
    };
    let theirs = ten_event_case(&mut other, CELL_OTHER);
    let mut claim = whole_push(&mut other, theirs);
    claim.case_id = case;
    let r = other
        .sync_raw(&SyncRequest {
            docs: vec![pull, bootstrap, claim],
        })
        .await
        .expect("sync");
    for d in &r.docs {
        assert_eq!(code(d), "out_of_scope");
        assert!(d.heads.is_empty() && d.changes.is_empty());
    }
    // The owner still reads it from the cache, unchanged.
    let r = insp.pull(case).await.expect("pull");
    assert_eq!(code(&r.docs[0]), "accepted");
    assert_eq!(insp.docs[&case].events().expect("events").len(), 10);
}
