//! The engine and the store side of sync on the simulated network.

use super::*;
use crate::sync::engine::{DocStatus, Progress};

fn devices(n: u8) -> Vec<SimDevice> {
    (1..=n)
        .map(|i| SimDevice::new(i, Role::Inspector, test_config()))
        .collect()
}

fn events(store: &DeviceStore, case_id: CaseId) -> Vec<Event> {
    let mut e = store
        .load_case(case_id)
        .expect("load")
        .events()
        .expect("events");
    e.sort_by_key(|e| e.id);
    e
}

fn sorted(mut e: Vec<Event>) -> Vec<Event> {
    e.sort_by_key(|e| e.id);
    e
}

#[test]
fn offline_reports_reach_the_server_exactly_once_through_lost_requests_and_answers() {
    let mut server = SimServer::new();
    let mut devs = devices(3);
    let mut photo_bytes = 0u64;
    let mut made = Vec::new();
    for d in &mut devs {
        for n in 0..20 {
            made.push(d.report(n, 2, 40_000));
            photo_bytes += 80_000;
        }
    }
    let mut faults = Faults::new(7, 200, 200, 100);
    for d in &mut devs {
        let rounds = d.sync_until_clean(&mut server, &mut faults, 30);
        assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
        assert!(
            rounds.iter().map(|r| r.retries).sum::<usize>() > 0,
            "faults struck"
        );
    }
    // Every device pulls the others' reports too.
    for d in &mut devs {
        let rounds = d.sync_until_clean(&mut server, &mut faults, 30);
        assert!(rounds.last().expect("a round").is_clean());
    }
    assert_eq!(server.case_ids().len(), 60);
    assert_eq!(
        server.merges, 60,
        "each report merged exactly once; replays merged nothing"
    );
    for case_id in &made {
        let on_server = sorted(server.events(*case_id));
        assert_eq!(on_server.len(), 1);
        for d in &devs {
            assert_eq!(events(&d.store, *case_id), on_server);
        }
    }
    for d in &devs {
        assert!(d.store.dirty_cases().expect("dirty").is_empty());
        assert!(d.store.pending_blobs(1000).expect("blobs").is_empty());
    }
    assert_eq!(server.complete.len(), 120);
    for (sha, bytes) in &server.blobs {
        assert_eq!(Sha256::digest(bytes), *sha);
    }
    let sent: u64 = devs.iter().map(|d| d.blob_bytes_sent).sum();
    assert!(
        sent as f64 <= 1.2 * photo_bytes as f64,
        "resumed: {sent} of {photo_bytes}"
    );
    assert!(sent > photo_bytes, "some uploads were cut and resumed");
}

#[test]
fn case_data_goes_before_media_and_an_idle_round_is_one_feed_request() {
    let mut server = SimServer::new();
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    for n in 0..3 {
        d.report(n, 2, 20_000);
    }
    let summary = d.sync(&mut server, &mut Faults::none());
    assert!(summary.is_clean());
    let first_blob = d.log.iter().position(|op| *op == "head").expect("uploads");
    let last_sync = d.log.iter().rposition(|op| *op == "sync").expect("syncs");
    assert!(last_sync < first_blob, "{:?}", d.log);
    assert_eq!(d.log.first(), Some(&"feed"));
    d.log.clear();
    let progress = d.engine.take_progress();
    assert!(matches!(progress.first(), Some(Progress::SyncStarted)));
    assert!(matches!(progress.last(), Some(Progress::Idle { .. })));
    assert!(
        progress
            .iter()
            .any(|p| matches!(p, Progress::BlobDone { .. }))
    );
    let summary = d.sync(&mut server, &mut Faults::none());
    assert!(summary.is_clean());
    assert_eq!(d.log, vec!["feed"], "an idle device costs one request");
}

#[test]
fn a_peer_edit_arrives_through_the_feed() {
    let mut server = SimServer::new();
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    let case_id = d.report(1, 0, 0);
    assert!(d.sync(&mut server, &mut Faults::none()).is_clean());
    let mut peer = SimDevice::new(9, Role::Inspector, test_config());
    peer.now = Timestamp(d.now.0 + 60_000);
    let event = peer.event(
        1,
        EventKind::Comment {
            text: "已到现场".into(),
        },
    );
    server.append(case_id, peer.actor_id.clone(), &event);
    d.log.clear();
    let summary = d.sync(&mut server, &mut Faults::none());
    assert_eq!((summary.feed_changed, summary.accepted), (1, 1));
    assert_eq!(d.log, vec!["feed", "sync"]);
    assert!(events(&d.store, case_id).contains(&event));
    assert_eq!(
        d.store.server_heads(case_id).expect("heads"),
        Some(server.heads(case_id))
    );
    assert!(d.store.dirty_cases().expect("dirty").is_empty());
    assert!(d.store.last_hlc().expect("hlc").expect("an hlc") >= event.hlc);
}

#[test]
fn a_refused_case_is_quarantined_and_rebuilt_while_the_others_sync() {
    let mut server = SimServer::new();
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    let (a, b) = (d.report(1, 0, 0), d.report(2, 0, 0));
    assert!(d.sync(&mut server, &mut Faults::none()).is_clean());
    let refused = d.comment(a, 3, "越权");
    let kept = d.comment(b, 4, "正常");
    let fresh = d.report(5, 0, 0);
    server.refuse.insert(a, "role_not_allowed".into());
    server.refuse.insert(fresh, "out_of_scope".into());
    d.engine.take_progress();
    let summary = d.sync(&mut server, &mut Faults::none());
    assert_eq!(summary.accepted, 1);
    let mut rejected = summary.rejected.clone();
    rejected.sort();
    let mut expected = vec![
        (a, "role_not_allowed".to_owned()),
        (fresh, "out_of_scope".to_owned()),
    ];
    expected.sort();
    assert_eq!(rejected, expected);
    // The refused case is rebuilt from the server; the refused edit is kept for the user.
    assert_eq!(events(&d.store, a), sorted(server.events(a)));
    assert!(!events(&d.store, a).contains(&refused));
    let q = d.store.quarantines(Some(a), false).expect("quarantines");
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].code, "role_not_allowed");
    assert_eq!(q[0].edits.len(), 1);
    assert_eq!(q[0].edits[0].event, refused);
    // A new case the server has no copy of is dropped, its report kept.
    assert!(!d.store.has_case(fresh).expect("has"));
    let q = d
        .store
        .quarantines(Some(fresh), false)
        .expect("quarantines");
    assert_eq!(q[0].edits.len(), 1);
    // The other case synced in the same request.
    assert!(sorted(server.events(b)).contains(&kept));
    assert!(d.store.dirty_cases().expect("dirty").is_empty());
    let progress = d.engine.take_progress();
    assert_eq!(
        progress
            .iter()
            .filter(|p| matches!(p, Progress::Quarantined { .. }))
            .count(),
        2
    );
    // Nothing is sent again.
    d.log.clear();
    assert!(d.sync(&mut server, &mut Faults::none()).is_clean());
    assert_eq!(
        d.log,
        vec!["feed"],
        "the feed's echo of case b matches the heads held"
    );
}

#[test]
fn an_undecodable_document_fails_alone() {
    let mut server = SimServer::new();
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    let ids: Vec<CaseId> = (0..4).map(|n| d.report(n, 0, 0)).collect();
    let raw = rusqlite::Connection::open(d.dir.path().join("device.sqlite")).expect("raw");
    raw.execute(
        "UPDATE docs SET snapshot = x'856f4a83deadbeef' WHERE case_id = ?1",
        [ids[1].to_string()],
    )
    .expect("corrupt");
    let summary = d.sync(&mut server, &mut Faults::none());
    assert_eq!(summary.accepted, 3);
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(summary.failed[0].0, ids[1]);
    assert_eq!(server.case_ids().len(), 3);
}

#[test]
fn a_batch_refused_as_too_large_is_split_until_it_fits() {
    let mut server = SimServer::new();
    server.max_docs = 3;
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    for n in 0..10 {
        d.report(n, 0, 0);
    }
    let summary = d.sync(&mut server, &mut Faults::none());
    assert!(summary.is_clean(), "{summary:?}");
    assert_eq!(summary.accepted, 10);
    assert_eq!(server.case_ids().len(), 10);
}

#[test]
fn a_request_over_the_byte_limit_defers_the_rest_to_the_next_request() {
    let mut server = SimServer::new();
    let mut config = test_config();
    config.limits.max_sync_bytes = 2 * 1024;
    let mut d = SimDevice::new(1, Role::Inspector, config);
    for n in 0..8 {
        d.report(n, 0, 0);
    }
    let summary = d.sync(&mut server, &mut Faults::none());
    assert!(summary.is_clean(), "{summary:?}");
    assert_eq!(summary.accepted, 8);
    assert!(summary.sync_requests > 2, "{summary:?}");
}

#[test]
fn the_same_seed_replays_the_same_run() {
    let run = || {
        let mut server = SimServer::new();
        let mut d = SimDevice::new(1, Role::Inspector, test_config());
        for n in 0..5 {
            d.report(n, 1, 30_000);
        }
        d.sync_until_clean(&mut server, &mut Faults::new(3, 300, 300, 300), 50);
        (d.log, d.waited, d.blob_bytes_sent)
    };
    assert_eq!(run(), run());
}

#[test]
fn doc_status_of_a_rejection_carries_the_code() {
    let mut server = SimServer::new();
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    let a = d.report(1, 0, 0);
    server.refuse.insert(a, "forbidden_actor".into());
    let prepared = local::prepare_sync(
        &d.store,
        &[crate::sync::DocPlan {
            case_id: a,
            kind: crate::sync::PlanKind::Push,
        }],
        &Limits::default(),
    );
    let response = server.sync(&prepared.request).expect("answer");
    let reports = local::apply_sync(&mut d.store, &prepared.request, response, d.now);
    assert_eq!(
        reports[0].status,
        DocStatus::Rejected {
            code: "forbidden_actor".into(),
            message: "forbidden_actor".into()
        }
    );
}

#[test]
fn a_new_case_goes_whole_only_to_a_server_that_takes_it_and_later_edits_as_changes() {
    let mut server = SimServer::new();
    let mut d = SimDevice::new(1, Role::Inspector, test_config());
    let a = d.report(1, 0, 0);
    let plan = [crate::sync::DocPlan {
        case_id: a,
        kind: crate::sync::PlanKind::Push,
    }];
    let changes = |d: &SimDevice| {
        local::prepare_sync(&d.store, &plan, &Limits::default())
            .request
            .docs[0]
            .changes
            .clone()
    };
    assert!(
        !d.store.whole_doc_push().expect("meta"),
        "off until a hello"
    );
    assert!(!crate::doc::is_document(&changes(&d)), "change chunks");
    d.store.set_whole_doc_push(true).expect("meta");
    let whole = changes(&d);
    assert!(crate::doc::is_document(&whole), "one document");
    assert_eq!(
        CaseDoc::load(&whole).expect("loads").heads(),
        d.store.load_case(a).expect("case").heads()
    );
    // Accepted: the case is known to the server; its next edit goes as changes.
    let prepared = local::prepare_sync(&d.store, &plan, &Limits::default());
    let response = server.sync(&prepared.request).expect("answer");
    let reports = local::apply_sync(&mut d.store, &prepared.request, response, d.now);
    assert_eq!(reports[0].status, DocStatus::Accepted);
    assert!(changes(&d).is_empty(), "nothing left to send");
}
