//! Pushing and pulling cases: a new report reaches another device, replays change nothing,
//! filing gets a case number, racing dispatchers are accepted and flagged, and the projection
//! is committed with the merge.

use crate::support::*;
use gridcase_core::protocol::DocOutcome;
use gridcase_core::workflow::{EventKind, fold};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_case_reaches_another_device_and_replays_change_nothing() {
    let ts = TestServer::start().await;
    let mut inspector = ts.device("insp_a").await;
    let case = inspector.report(CELL_A);
    let push = inspector.push_of(case);
    let resp = inspector.sync(vec![push.clone()]).await.expect("sync");
    assert_eq!(outcome(&resp.docs[0]), "accepted");
    let seq = resp.docs[0].seq;
    assert!(seq > 0);

    // Replaying the same request merges nothing and answers the same heads and seq.
    let replay = inspector
        .sync_raw(&gridcase_core::protocol::SyncRequest { docs: vec![push] })
        .await
        .expect("replay");
    assert_eq!(outcome(&replay.docs[0]), "accepted");
    assert_eq!(replay.docs[0].heads, resp.docs[0].heads);
    assert_eq!(replay.docs[0].seq, seq, "no new feed position");

    // The intake operator sees it in the feed and bootstraps it.
    let mut intake = ts.device("intake").await;
    let (page, _) = intake.feed(0).await.expect("feed");
    let entry = page
        .entries
        .iter()
        .find(|e| e.case_id == case)
        .expect("in the feed");
    assert_eq!(entry.row.status, "reported");
    assert_eq!(entry.row.cell.as_deref(), Some(CELL_A));
    let pulled = intake.pull(case).await.expect("bootstrap");
    assert_eq!(outcome(&pulled.docs[0]), "accepted");
    let events = intake.docs[&case].events().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor.user, inspector.login.user_id);

    // The operator accepts; the inspector pulls the change.
    intake.append(case, EventKind::Accept);
    let push = intake.push_of(case);
    let r = intake.sync(vec![push]).await.expect("push accept");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    assert!(r.docs[0].seq > seq);
    let r = inspector.pull(case).await.expect("pull");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    let state = fold(&inspector.docs[&case].events().expect("events"));
    assert_eq!(state.status.as_str(), "awaiting_filing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filing_allocates_a_case_number_once() {
    let ts = TestServer::start().await;
    let mut inspector = ts.device("insp_a").await;
    let case = inspector.report(CELL_A);
    inspector.push(case).await.expect("push");
    let mut intake = ts.device("intake").await;
    intake.pull(case).await.expect("pull");
    intake.append(case, EventKind::Accept);
    intake.push(case).await.expect("accept");
    let mut shift = ts.device("shift").await;
    shift.pull(case).await.expect("pull");
    shift.append(
        case,
        EventKind::File {
            note: "符合立案条件".into(),
            condition: None,
        },
    );
    let r = shift.push(case).await.expect("file");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    // The reply carried the server's assign_number event back.
    let state = fold(&shift.docs[&case].events().expect("events"));
    let number = state.case_number.clone().expect("numbered");
    assert!(number.starts_with("620102-"), "{number}");
    assert!(number.ends_with("-00001"), "{number}");
    assert_eq!(state.status.as_str(), "awaiting_dispatch");
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    // A replay does not number again.
    let r = shift.pull(case).await.expect("pull");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    let events = shift.docs[&case].events().expect("events");
    let numbers = events
        .iter()
        .filter(|e| e.kind.type_name() == "assign_number")
        .count();
    assert_eq!(numbers, 1);
    let row = shift
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(row["row"]["case_number"], number.as_str());

    // A second case filed the same day gets the next number.
    let case2 = inspector.report(CELL_A);
    inspector.push(case2).await.expect("push");
    intake.pull(case2).await.expect("pull");
    intake.append(case2, EventKind::Accept);
    intake.push(case2).await.expect("accept");
    shift.pull(case2).await.expect("pull");
    shift.append(
        case2,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    );
    shift.push(case2).await.expect("file");
    let n2 = fold(&shift.docs[&case2].events().expect("events"))
        .case_number
        .expect("numbered");
    assert!(n2.ends_with("-00002"), "{n2}");
}

/// Files a case reported in cell A up to awaiting dispatch; returns the shift leader's device.
pub async fn filed_case(ts: &TestServer) -> gridcase_core::model::CaseId {
    let mut inspector = ts.device("insp_a").await;
    let case = inspector.report(CELL_A);
    inspector.push(case).await.expect("push");
    let mut intake = ts.device("intake").await;
    intake.pull(case).await.expect("pull");
    intake.append(case, EventKind::Accept);
    intake.push(case).await.expect("accept");
    let mut shift = ts.device("shift").await;
    shift.pull(case).await.expect("pull");
    shift.append(
        case,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    );
    shift.push(case).await.expect("file");
    case
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_racing_are_accepted_and_flagged() {
    let ts = TestServer::start().await;
    let case = filed_case(&ts).await;
    let mut d1 = ts.device("disp1").await;
    let mut d2 = ts.device("disp2").await;
    d1.pull(case).await.expect("pull");
    d2.pull(case).await.expect("pull");
    // Both dispatch offline, to different departments.
    d1.append(
        case,
        EventKind::Dispatch {
            department: ts.departments["water"],
            limit: None,
            basis: None,
        },
    );
    d2.append(
        case,
        EventKind::Dispatch {
            department: ts.departments["city"],
            limit: None,
            basis: None,
        },
    );
    let r1 = d1.push(case).await.expect("push 1");
    let r2 = d2.push(case).await.expect("push 2");
    assert_eq!(outcome(&r1.docs[0]), "accepted");
    assert_eq!(
        outcome(&r2.docs[0]),
        "accepted",
        "a business conflict is not a security violation"
    );
    let detail = d1
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["conflicts"], 1);
    assert_eq!(detail["row"]["status"], "in_progress");
    assert_eq!(
        detail["state"]["conflicts"].as_array().map(Vec::len),
        Some(1)
    );
    // Both departments were dispatched to by someone: the winner's sees it.
    let winner = detail["row"]["department"]
        .as_str()
        .expect("department")
        .to_owned();
    let (water, city) = (
        ts.departments["water"].to_string(),
        ts.departments["city"].to_string(),
    );
    assert!(winner == water || winner == city);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projection_is_committed_with_the_merge() {
    let ts = TestServer::start().await;
    let mut inspector = ts.device("insp_a").await;
    let case = inspector.report(CELL_A);
    let r = inspector.push(case).await.expect("push");
    let heads = r.docs[0].heads.clone();
    let seq = r.docs[0].seq;
    let config = ts.same_data_config();
    ts.server.shutdown().await.expect("shutdown");
    // Reopened by another process's view: what was committed, on either engine.
    let id = case.to_string();
    type Stored = ((String, i64, String), Vec<u8>, i64, Vec<String>);
    let ((status, row_seq, cell), stored, tenant_seq, scope): Stored =
        tokio::task::spawn_blocking(move || {
            let dep = gridcase_server::Deployment::open(config).expect("reopen");
            dep.db().read(|conn| {
                let row = conn.query_row(
                    "SELECT status, seq, cell FROM cases WHERE case_id = ?1",
                    [id.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                let stored = conn.query_row(
                    "SELECT heads FROM docs WHERE case_id = ?1",
                    [id.as_str()],
                    |r| r.get(0),
                )?;
                let tenant_seq =
                    conn.query_row("SELECT seq FROM tenants WHERE code = ?1", [TENANT], |r| {
                        r.get(0)
                    })?;
                let scope = conn
                    .prepare(
                        "SELECT principal FROM case_scope WHERE case_id = ?1 ORDER BY principal",
                    )?
                    .query_map([id.as_str()], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                Ok((row, stored, tenant_seq, scope))
            })
        })
        .await
        .expect("join")
        .expect("rows");
    assert_eq!(
        (status.as_str(), row_seq as u64, cell.as_str()),
        ("reported", seq, CELL_A)
    );
    let mut wire_heads: Vec<Vec<u8>> = heads.iter().map(|h| h.to_vec()).collect();
    wire_heads.sort();
    assert_eq!(stored, wire_heads.concat());
    assert_eq!(tenant_seq as u64, seq);
    assert!(scope.contains(&format!("cell:{CELL_A}")), "{scope:?}");
    assert!(
        scope.contains(&format!("user:{}", inspector.login.user_id)),
        "{scope:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_filters_and_searches() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let mut b = ts.device("insp_b").await;
    let ca = a.report(CELL_A);
    let cb = b.report(CELL_B);
    a.push(ca).await.expect("push");
    b.push(cb).await.expect("push");
    let leader = ts.device("leader").await;
    let all = leader.get_json("/v1/cases").await.expect("queue");
    assert_eq!(all["total"], 2);
    let by_cell = leader
        .get_json(&format!("/v1/cases?cell={CELL_B}"))
        .await
        .expect("queue");
    assert_eq!(by_cell["total"], 1);
    assert_eq!(by_cell["rows"][0]["case_id"], cb.to_string());
    let text = leader
        .get_json("/v1/cases?q=%E4%BA%95%E7%9B%96")
        .await
        .expect("search 井盖");
    assert_eq!(text["total"], 2);
    let none = leader.get_json("/v1/cases?q=%25").await.expect("search %");
    assert_eq!(none["total"], 0, "LIKE wildcards are escaped");
    let status = leader
        .get_json("/v1/cases?status=closed")
        .await
        .expect("queue");
    assert_eq!(status["total"], 0);
    let refused = a
        .get_json("/v1/cases")
        .await
        .expect_err("inspectors have no queue");
    assert_eq!(refused.error.code, "forbidden");
    let other = a
        .get_json(&format!("/v1/cases/{cb}"))
        .await
        .expect_err("outside scope");
    assert_eq!(other.error.code, "not_found");
    let _ = DocOutcome::Accepted;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_are_written_only_for_events_that_waited() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    // Made "offline" ten minutes ago.
    let late = new_case_id();
    let mut ev = a.event(EventKind::Report(report_payload(CELL_A)));
    ev.hlc.ms -= 10 * 60_000;
    let tenant = gridcase_core::codes::CountyCode::parse(TENANT).expect("tenant");
    let doc = gridcase_core::doc::CaseDoc::create(late, tenant, a.actor_id(), &ev).expect("doc");
    a.docs.insert(late, doc);
    let on_time = a.report(CELL_A);
    let pushes = vec![a.push_of(late), a.push_of(on_time)];
    let r = a.sync(pushes).await.expect("push");
    assert!(r.docs.iter().all(|d| outcome(d) == "accepted"));
    let late_events = a.docs[&late].events().expect("events");
    let receipt = late_events[0]
        .received_at
        .expect("a receipt for the late report");
    assert!(receipt.ms() - late_events[0].hlc.ms >= 10 * 60_000 - 1_000);
    let on_time_events = a.docs[&on_time].events().expect("events");
    assert_eq!(
        on_time_events[0].received_at, None,
        "no receipt when received in time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_devices_get_distinct_feed_positions() {
    let ts = TestServer::start().await;
    let mut tasks = Vec::new();
    for n in 0..6 {
        let mut dev = Device::login(&ts.url(), TENANT, "insp_a", &format!("parallel-{n}"))
            .await
            .expect("login");
        tasks.push(tokio::spawn(async move {
            let cases: Vec<_> = (0..8).map(|_| dev.report(CELL_A)).collect();
            for chunk in cases.chunks(3) {
                let pushes = chunk.iter().map(|c| dev.push_of(*c)).collect();
                let r = dev.sync(pushes).await.expect("sync");
                assert!(r.docs.iter().all(|d| outcome(d) == "accepted"));
            }
            cases
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let leader = ts.device("leader").await;
    let (page, _) = leader.feed(0).await.expect("feed");
    assert_eq!(page.entries.len(), all.len());
    let mut seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
    seqs.dedup();
    assert_eq!(
        seqs.len(),
        all.len(),
        "every case has its own feed position"
    );
    assert_eq!(page.cursor, all.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_merges_keep_the_stored_document_short() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    for n in 0..20 {
        a.append(
            case,
            EventKind::Comment {
                text: format!("备注 {n}"),
            },
        );
        let r = a.push(case).await.expect("push");
        assert_eq!(outcome(&r.docs[0]), "accepted");
    }
    let dep = ts.server.deployment().clone();
    let id = case.to_string();
    let chunks: i64 = tokio::task::spawn_blocking(move || {
        dep.db().read(|tx| {
            Ok(tx.query_row(
                "SELECT chunk_count FROM docs WHERE case_id = ?1",
                [&id],
                |r| r.get(0),
            )?)
        })
    })
    .await
    .expect("join")
    .expect("read");
    assert!(chunks <= 16, "{chunks} chunks");
    let mut leader = ts.device("leader").await;
    leader.pull(case).await.expect("bootstrap");
    assert_eq!(leader.docs[&case].events().expect("events").len(), 21);
}
