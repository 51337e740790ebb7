//! Issue 4: attacks are refused with the right code, and the device quarantines what the
//! server refused (keeping the refused edits for its user) while its other cases sync.

use gridcase_core::model::CaseId;
use gridcase_core::protocol::{ApiError, DocOutcome, DocPush, SyncRequest, SyncResponse};
use gridcase_core::workflow::EventKind;
use gridcase_tests::harness::{OTHER_TENANT, cell};
use gridcase_tests::{Device, Harness};
use reqwest::StatusCode;

async fn sync(device: &mut Device) -> gridcase_core::sync::RoundSummary {
    let rounds = device.client.sync_until_clean(5).await.expect("sync");
    rounds.last().expect("a round").clone()
}

fn cbor(request: &SyncRequest) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(request, &mut out).expect("cbor");
    out
}

/// `POST /v1/sync` with raw bytes; the status and the body.
async fn raw_sync(h: &Harness, token: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/sync", h.server.url()))
        .bearer_auth(token)
        .header("content-type", "application/cbor")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status();
    (status, response.bytes().await.expect("body").to_vec())
}

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<ApiError>(body)
        .expect("an {code, message} body")
        .code
}

fn bootstrap(case_id: CaseId) -> DocPush {
    DocPush {
        case_id,
        known: vec![],
        have: vec![],
        changes: vec![],
    }
}

fn new_case_id(n: u8) -> CaseId {
    CaseId::from_parts(1_795_744_800_000, [n; 10])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_case_id_is_out_of_scope() {
    let h = Harness::start(1).await.expect("harness");
    let mut outsider = h
        .device_at("tablet-x", "insp_x", OTHER_TENANT, &h.proxy.url())
        .await
        .expect("login");
    let theirs = outsider
        .report(&format!("{OTHER_TENANT}001001001"), &[])
        .expect("report");
    assert_eq!(sync(&mut outsider).await.accepted, 1);

    let mut attacker = h.device("tablet-01", "insp01").await.expect("login");
    // Asking for it: refused, and nothing of it comes back.
    let token = attacker.client.session().token.clone();
    let (status, body) = raw_sync(
        &h,
        &token,
        cbor(&SyncRequest {
            docs: vec![bootstrap(theirs)],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response: SyncResponse = ciborium::from_reader(body.as_slice()).expect("cbor");
    let result = &response.docs[0];
    assert!(
        matches!(&result.outcome, DocOutcome::Rejected { code, .. } if code == "out_of_scope"),
        "{result:?}"
    );
    assert!(
        result.changes.is_empty() && result.heads.is_empty(),
        "nothing leaks"
    );
    // Writing a document under its id: refused; the device quarantines its copy.
    let mine = attacker.report(&cell(1), &[]).expect("report");
    attacker
        .report_forged(&cell(1), &[], Some(theirs), None)
        .expect("forged");
    let summary = sync(&mut attacker).await;
    assert_eq!(summary.rejected, vec![(theirs, "out_of_scope".to_owned())]);
    assert_eq!(summary.accepted, 1, "the device's other case synced");
    assert!(!attacker.with_store(|s| s.has_case(theirs)).expect("has"));
    let q = attacker
        .with_store(|s| s.quarantines(Some(theirs), false))
        .expect("q");
    assert_eq!(
        (q.len(), q[0].edits.len()),
        (1, 1),
        "the refused report is kept for the user"
    );
    assert!(attacker.with_store(|s| s.has_case(mine)).expect("has"));
    // The other tenant's case is untouched.
    assert_eq!(sync(&mut outsider).await.feed_changed, 0);
    assert_eq!(outsider.events(theirs).expect("events").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_filing_is_role_not_allowed_and_quarantined() {
    let h = Harness::start(1).await.expect("harness");
    let mut inspector = h.device("tablet-01", "insp01").await.expect("login");
    let case_id = inspector.report(&cell(1), &[]).expect("report");
    assert!(sync(&mut inspector).await.is_clean());
    let filing = inspector
        .append(
            case_id,
            EventKind::File {
                note: "越权立案".into(),
                condition: None,
            },
        )
        .expect("append");
    let other = inspector.report(&cell(1), &[]).expect("report");
    let summary = sync(&mut inspector).await;
    assert_eq!(
        summary.rejected,
        vec![(case_id, "role_not_allowed".to_owned())]
    );
    assert_eq!(
        summary.accepted, 1,
        "one bad document does not block the other"
    );
    let events = inspector.events(case_id).expect("events");
    assert!(!events.contains(&filing), "rebuilt from the server's copy");
    assert_eq!(events.len(), 1);
    let q = inspector
        .with_store(|s| s.quarantines(None, false))
        .expect("quarantines");
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].case_id, q[0].code.as_str()),
        (case_id, "role_not_allowed")
    );
    assert_eq!(
        q[0].edits[0].event, filing,
        "the refused edit stays visible"
    );
    assert!(
        inspector
            .with_store(|s| s.dirty_cases())
            .expect("dirty")
            .is_empty()
    );
    assert!(inspector.with_store(|s| s.has_case(other)).expect("has"));
    assert!(
        sync(&mut inspector).await.is_clean(),
        "nothing is sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_by_another_devices_actor_is_forbidden_actor() {
    let h = Harness::start(2).await.expect("harness");
    let victim = h.device("tablet-02", "insp02").await.expect("login");
    let stolen = victim.actor_id().expect("actor");
    let mut attacker = h.device("tablet-01", "insp01").await.expect("login");
    let forged = attacker
        .report_forged(&cell(1), &[], None, Some(stolen))
        .expect("forged");
    let summary = sync(&mut attacker).await;
    assert_eq!(
        summary.rejected,
        vec![(forged, "forbidden_actor".to_owned())]
    );
    let q = attacker
        .with_store(|s| s.quarantines(Some(forged), false))
        .expect("q");
    assert_eq!(q[0].code, "forbidden_actor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_ids_with_path_characters_are_invalid_ids() {
    let h = Harness::start(1).await.expect("harness");
    let device = h.device("tablet-01", "insp01").await.expect("login");
    let token = &device.client.session().token;
    let http = reqwest::Client::new();
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        &format!("{}%2F..", "a".repeat(61)),
        "%2Fetc%2Fpasswd",
    ] {
        let url = format!("{}/v1/blobs/{id}", h.server.url());
        let put = http
            .put(&url)
            .bearer_auth(token)
            .header("upload-offset", "0")
            .header("upload-length", "4")
            .body(b"evil".to_vec())
            .send()
            .await
            .expect("put");
        assert_eq!(put.status(), StatusCode::BAD_REQUEST, "{id}");
        assert_eq!(
            error_code(&put.bytes().await.expect("body")),
            "invalid_id",
            "{id}"
        );
        let get = http.get(&url).bearer_auth(token).send().await.expect("get");
        assert_eq!(get.status(), StatusCode::BAD_REQUEST, "{id}");
        assert_eq!(error_code(&get.bytes().await.expect("body")), "invalid_id");
        let head = http
            .head(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("head");
        assert_eq!(head.status(), StatusCode::BAD_REQUEST, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_batches_and_garbage_are_refused_with_their_codes() {
    let h = Harness::start(1).await.expect("harness");
    let device = h.device("tablet-01", "insp01").await.expect("login");
    let token = device.client.session().token.clone();
    // One document over the limit.
    let over = gridcase_core::protocol::Limits::default().max_docs_per_sync as u16 + 1;
    let docs = (0..over)
        .map(|n| {
            bootstrap(CaseId::from_parts(
                1_795_744_800_000 + u64::from(n),
                [7; 10],
            ))
        })
        .collect();
    let (status, body) = raw_sync(&h, &token, cbor(&SyncRequest { docs })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "too_large");
    // Over 4 MiB of bytes.
    let huge = DocPush {
        changes: vec![0x42; 5 * 1024 * 1024],
        ..bootstrap(new_case_id(8))
    };
    let (status, body) = raw_sync(&h, &token, cbor(&SyncRequest { docs: vec![huge] })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "too_large");
    // Garbage instead of a CBOR message.
    let garbage: Vec<u8> = gridcase_tests::photos::photo(99, 4096);
    let (status, body) = raw_sync(&h, &token, garbage.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_message");
    // Garbage as one document's changes: that document is refused, its neighbour is not.
    let bad = DocPush {
        changes: garbage,
        ..bootstrap(new_case_id(9))
    };
    let good = bootstrap(new_case_id(10));
    let (status, body) = raw_sync(
        &h,
        &token,
        cbor(&SyncRequest {
            docs: vec![bad, good],
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response: SyncResponse = ciborium::from_reader(body.as_slice()).expect("cbor");
    assert!(
        matches!(&response.docs[0].outcome, DocOutcome::Rejected { code, .. } if code == "bad_message"),
        "{:?}",
        response.docs[0]
    );
    assert_eq!(response.docs.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_sync_with_token_revoked() {
    let h = Harness::start(1).await.expect("harness");
    let mut device = h.device("tablet-01", "insp01").await.expect("login");
    device.report(&cell(1), &[]).expect("report");
    let dep = h.deployment().clone();
    let id = device.client.session().device_id.to_string();
    tokio::task::spawn_blocking(move || gridcase_server::biz::admin::revoke(&dep, &id))
        .await
        .expect("task")
        .expect("revoke");
    let err = device
        .client
        .sync_until_clean(5)
        .await
        .expect_err("stopped");
    assert_eq!(err.code(), "token_revoked");
    let summary = device.client.sync_once().await.expect("a round");
    let interrupted = summary.interrupted.expect("interrupted");
    assert_eq!(
        (interrupted.code.as_str(), interrupted.retry_at),
        ("token_revoked", None)
    );
    assert_eq!(
        device.with_store(|s| s.dirty_cases()).expect("dirty").len(),
        1,
        "kept for later"
    );
}
