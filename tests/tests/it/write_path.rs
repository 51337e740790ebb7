//! The write path with real device runtimes (issue 14 item 6): a device signed in to a server
//! that takes whole documents pushes a new case as one compressed document, small on the wire;
//! an older app's change list for the same kind of case converges to the same state; a centre
//! device reads both alike.

use gridcase_core::model::CaseId;
use gridcase_core::workflow::{EventKind, fold};
use gridcase_tests::harness::cell;
use gridcase_tests::{Device, Harness};

/// A report and nine comments, made offline.
fn ten_events(device: &mut Device, n: usize) -> CaseId {
    let id = device.report(&cell(n), &[]).expect("report");
    for k in 1..10 {
        device
            .append(
                id,
                EventKind::Comment {
                    text: format!("巡查记录 {k}：现场已设置警示"),
                },
            )
            .expect("comment");
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_case_goes_as_one_document_and_converges_with_an_older_apps_change_list() {
    let h = Harness::start(2).await.expect("harness");
    let mut new_app = h.device("tablet-new", "insp01").await.expect("login");
    let mut old_app = h.device("tablet-old", "insp02").await.expect("login");
    assert!(
        new_app.with_store(|s| s.whole_doc_push()).expect("meta"),
        "the server announced whole documents at hello"
    );
    old_app
        .with_store(|s| s.set_whole_doc_push(false))
        .expect("an older app");

    let mut sent = Vec::new();
    let mut cases = Vec::new();
    for (n, device) in [&mut new_app, &mut old_app].into_iter().enumerate() {
        let case = ten_events(device, n + 1);
        let before = device.client.counters();
        let summary = device.client.sync_once().await.expect("sync");
        assert!(summary.is_clean() && summary.accepted == 1, "{summary:?}");
        sent.push(device.client.counters().body_bytes_sent - before.body_bytes_sent);
        cases.push(case);
    }
    assert!(
        sent[0] <= 1_900,
        "a new 10-event case sent {} request body bytes as one document (goal ≤ 1,900)",
        sent[0]
    );
    assert!(
        sent[1] > sent[0] * 2,
        "the change list ({} B) is what the document replaces ({} B)",
        sent[1],
        sent[0]
    );

    // A centre device bootstraps both: the same events as their authors', folded alike.
    let mut shift = h.device("desk", "shift").await.expect("login");
    let rounds = shift.client.sync_until_clean(3).await.expect("bootstrap");
    assert!(rounds.last().is_some_and(|r| r.is_clean()), "{rounds:?}");
    for (case, author) in cases.iter().zip([&new_app, &old_app]) {
        let theirs = shift.events(*case).expect("held");
        assert_eq!(theirs, author.events(*case).expect("held"));
        assert_eq!(theirs.len(), 10);
        assert_eq!(fold(&theirs).status.as_str(), "reported");
        let row = h
            .server_case(&case.to_string())
            .expect("row")
            .expect("stored");
        assert_eq!(row.status, "reported");
    }
    // Both apps edit on top of what the server holds; the edits arrive as changes.
    for (case, device) in cases.iter().zip([&mut new_app, &mut old_app]) {
        device
            .append(
                *case,
                EventKind::Comment {
                    text: "复查".to_owned(),
                },
            )
            .expect("comment");
        let summary = device.client.sync_once().await.expect("sync");
        assert!(summary.is_clean() && summary.accepted == 1, "{summary:?}");
    }
    let rounds = shift.client.sync_until_clean(3).await.expect("pull");
    assert!(rounds.last().is_some_and(|r| r.is_clean()), "{rounds:?}");
    for case in &cases {
        assert_eq!(shift.events(*case).expect("held").len(), 11);
    }
}
