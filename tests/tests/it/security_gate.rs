//! Issue 11, the gate: an attacker holding a signed-in tablet pushes crafted documents to the
//! real server on loopback. Each test is one finding of the issue, failing on e3ac49e: deep
//! nesting (the server stays up), a non-canonical change (refused; the case stays loadable),
//! a second and a backdated report (refused) while an honest late offline event is still
//! accepted, a decompression bomb (refused without inflating; another tenant's push goes
//! through), photo-hash reuse and blob squatting, an over-long description (the limit named).

use automerge::ActorId;
use gridcase_core::codes::CountyCode;
use gridcase_core::doc::{CaseDoc, Incoming, IncomingError, IncomingLimits};
use gridcase_core::model::{CaseId, EventId, PhotoRef, PhotoRole, Sha256};
use gridcase_core::protocol::{DocOutcome, DocPush, SyncRequest, SyncResponse};
use gridcase_core::workflow::{EventKind, ReportPayload};
use gridcase_tests::harness::{OTHER_TENANT, cell};
use gridcase_tests::photos::photo;
use gridcase_tests::{Device, Harness, TENANT, crafted};
use reqwest::StatusCode;

async fn sync(device: &mut Device) -> gridcase_core::sync::RoundSummary {
    let rounds = device.client.sync_until_clean(5).await.expect("sync");
    rounds.last().expect("a round").clone()
}

/// `POST /v1/sync` of one document's raw changes as `device`; the document's outcome code.
async fn push_raw(h: &Harness, device: &Device, case_id: CaseId, changes: Vec<u8>) -> String {
    push_raw_answer(h, device, case_id, changes).await.0
}

/// [`push_raw`], with the refusal's message (`("accepted", "")` when accepted).
async fn push_raw_answer(
    h: &Harness,
    device: &Device,
    case_id: CaseId,
    changes: Vec<u8>,
) -> (String, String) {
    let request = SyncRequest {
        docs: vec![DocPush {
            case_id,
            known: vec![],
            have: vec![],
            changes,
        }],
    };
    let mut body = Vec::new();
    ciborium::into_writer(&request, &mut body).expect("cbor");
    let response = reqwest::Client::new()
        .post(format!("{}/v1/sync", h.server.url()))
        .bearer_auth(&device.client.session().token)
        .header("content-type", "application/cbor")
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK, "a per-document answer");
    let bytes = response.bytes().await.expect("body");
    let response: SyncResponse = ciborium::from_reader(bytes.as_ref()).expect("cbor");
    match &response.docs[0].outcome {
        DocOutcome::Accepted => ("accepted".to_owned(), String::new()),
        DocOutcome::Rejected { code, message } => {
            eprintln!("{code}: {message}");
            (code.clone(), message.clone())
        }
    }
}

/// A new case document by `device` (not stored on the device), and its changes.
fn new_case(device: &mut Device, description: &str) -> (CaseId, CaseDoc, Vec<u8>) {
    let mut payload = report_payload(device, &cell(1));
    payload.description = description.to_owned();
    new_case_with(device, payload)
}

fn new_case_with(device: &mut Device, payload: ReportPayload) -> (CaseId, CaseDoc, Vec<u8>) {
    let event = device.event(EventKind::Report(payload));
    let case_id = CaseId::from_parts(event.id.unix_ms(), [9; 10]);
    let tenant = CountyCode::parse(TENANT).expect("tenant");
    let mut doc =
        CaseDoc::create(case_id, tenant, device.actor_id().expect("actor"), &event).expect("doc");
    let changes = doc.save_after(&[]);
    (case_id, doc, changes)
}

fn report_payload(device: &mut Device, cell_code: &str) -> ReportPayload {
    let case = device.report(cell_code, &[]).expect("report");
    let events = device.events(case).expect("events");
    let EventKind::Report(payload) = events[0].kind.clone() else {
        panic!("a report")
    };
    payload
}

async fn server_alive(h: &Harness) {
    let r = reqwest::get(format!("{}/v1/health", h.server.url()))
        .await
        .expect("the server still answers");
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_is_refused_and_the_server_stays_up() {
    let h = Harness::start(1).await.expect("harness");
    let mut attacker = h.device("tablet-01", "insp01").await.expect("login");
    let actor = attacker.actor_id().expect("actor");

    // In a new case: the report plus an entry nested 3,000 levels deep.
    let (case_id, mut doc, _) = new_case(&mut attacker, "井盖破损");
    let nested = crafted::nested_entry(
        &doc.save(),
        actor.clone(),
        &EventId::from_parts(1, [1; 10]).to_string(),
        3_000,
    )
    .expect("craft");
    let mut changes = doc.save_after(&[]);
    changes.extend(nested);
    assert_eq!(
        push_raw(&h, &attacker, case_id, changes).await,
        "invalid_payload"
    );
    server_alive(&h).await;

    // In an existing case: accepted first, then the nested entry on top.
    let mine = attacker.report(&cell(1), &[]).expect("report");
    assert_eq!(sync(&mut attacker).await.accepted, 2);
    let saved = attacker
        .with_store(|s| s.load_case(mine))
        .expect("load")
        .save();
    let nested = crafted::nested_entry(
        &saved,
        actor,
        &EventId::from_parts(2, [2; 10]).to_string(),
        3_000,
    )
    .expect("craft");
    assert_eq!(
        push_raw(&h, &attacker, mine, nested).await,
        "invalid_payload"
    );
    server_alive(&h).await;
    // The case is intact and readable.
    let row = h.server_case(&mine.to_string()).expect("case");
    assert!(row.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_canonical_change_is_refused_and_the_case_stays_loadable() {
    let h = Harness::start(1).await.expect("harness");
    let mut attacker = h.device("tablet-01", "insp01").await.expect("login");

    // Automerge itself accepts the re-encoded change: only the gate's canonical check stops it.
    let (case_id, _, changes) = new_case(&mut attacker, "井盖破损");
    let forged = crafted::with_unused_actor(&changes).expect("craft");
    assert!(
        automerge::Change::try_from(forged.as_slice()).is_ok(),
        "a change Automerge decodes"
    );
    match Incoming::decode(&forged, IncomingLimits::default()) {
        Err(IncomingError::NotCanonical { .. }) => {}
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a non-canonical change passed"),
    }
    assert_eq!(
        push_raw(&h, &attacker, case_id, forged).await,
        "bad_message"
    );

    // On an existing case: the server's copy still loads, the tenant's jobs still run.
    let mine = attacker.report(&cell(1), &[]).expect("report");
    assert!(sync(&mut attacker).await.is_clean());
    attacker
        .append(
            mine,
            EventKind::Comment {
                text: "补充说明".into(),
            },
        )
        .expect("append");
    let all = attacker
        .with_store(|s| s.load_case(mine))
        .expect("load")
        .save_after(&[]);
    let (_, last) = crafted::split_last(&all).expect("split");
    let forged = crafted::with_unused_actor(last).expect("craft");
    assert_eq!(
        push_raw(&h, &attacker, mine, forged.clone()).await,
        "bad_message"
    );
    let dep = h.deployment().clone();
    let mut loaded = dep
        .db()
        .read(|tx| gridcase_server::db::docs::load(tx, mine))
        .expect("the stored case loads");
    assert_eq!(loaded.case_id(), mine);
    // The same bytes in a sync answer, applied by a device (`load_incremental`): refused with
    // an error, never a panic inside Automerge (found by the case_doc fuzz target); the honest
    // change applies.
    let mut copy = loaded.fork();
    let err = copy.load_incremental(&forged).expect_err("non-canonical");
    assert!(err.to_string().contains("canonical"), "{err}");
    let mut copy = loaded.fork();
    copy.load_incremental(last)
        .expect("the honest change applies");
    gridcase_server::biz::jobs::lights_and_escalation(&dep, dep.now())
        .expect("the lights job runs");
    // The honest edit still goes through afterwards.
    assert!(sync(&mut attacker).await.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_or_backdated_report_is_refused_but_a_late_offline_event_is_not() {
    let h = Harness::start(2).await.expect("harness");
    let mut reporter = h.device("tablet-01", "insp01").await.expect("login");
    let case_id = reporter.report(&cell(1), &[]).expect("report");
    assert!(sync(&mut reporter).await.is_clean());
    let original = reporter.events(case_id).expect("events")[0].clone();

    // The intake operator sees the whole tenant; it writes a second report stamped an hour
    // before the first, so the fold would take it as the case's report.
    let mut intake = h.device("desk-intake", "intake").await.expect("login");
    sync(&mut intake).await;
    let EventKind::Report(mut payload) = original.kind.clone() else {
        panic!("report")
    };
    payload.description = "被篡改的描述".into();
    let mut hijack = intake.event(EventKind::Report(payload));
    hijack.hlc.ms = original.hlc.ms - 3_600_000;
    intake
        .with_store(|s| s.append_event(case_id, &hijack))
        .expect("append");
    let summary = sync(&mut intake).await;
    assert_eq!(
        summary.rejected,
        vec![(case_id, "second_report".to_owned())]
    );

    // A comment backdated before the report it was made on: hlc_backdated.
    let mut shift = h.device("desk-shift", "shift").await.expect("login");
    sync(&mut shift).await;
    let mut backdated = shift.event(EventKind::Comment {
        text: "倒填时间".into(),
    });
    backdated.hlc.ms = original.hlc.ms - 60_000;
    shift
        .with_store(|s| s.append_event(case_id, &backdated))
        .expect("append");
    let summary = sync(&mut shift).await;
    assert_eq!(
        summary.rejected,
        vec![(case_id, "hlc_backdated".to_owned())]
    );

    // An honest late event: the reporter comments offline; meanwhile the shift leader (who has
    // synced again and rebuilt from the server) comments later and syncs first. The reporter's
    // comment is older than the leader's but was made without seeing it: accepted.
    sync(&mut shift).await;
    reporter
        .append(
            case_id,
            EventKind::Comment {
                text: "离线补充".into(),
            },
        )
        .expect("append");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    shift
        .append(
            case_id,
            EventKind::Comment {
                text: "已阅".into(),
            },
        )
        .expect("append");
    assert!(sync(&mut shift).await.is_clean());
    let summary = sync(&mut reporter).await;
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    let row = h
        .server_case(&case_id.to_string())
        .expect("case")
        .expect("row");
    assert!(
        row.description.unwrap_or_default().contains("井盖"),
        "the report is the first one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_change_is_refused_without_inflating_and_others_go_on() {
    let h = Harness::start(1).await.expect("harness");
    let mut attacker = h.device("tablet-01", "insp01").await.expect("login");
    let mine = attacker.report(&cell(1), &[]).expect("report");
    assert!(sync(&mut attacker).await.is_clean());
    let saved = attacker
        .with_store(|s| s.load_case(mine))
        .expect("load")
        .save();
    let bomb = crafted::compressed_big_change(
        &saved,
        attacker.actor_id().expect("actor"),
        &EventId::from_parts(3, [3; 10]).to_string(),
        64 * 1024 * 1024,
    )
    .expect("craft");
    assert!(bomb.len() < 200_000, "{} bytes on the wire", bomb.len());

    // Another tenant's inspector pushes at the same time; its push completes.
    let mut other = h
        .device_at("tablet-x", "insp_x", OTHER_TENANT, &h.proxy.url())
        .await
        .expect("login");
    other
        .report(&format!("{OTHER_TENANT}001001001"), &[])
        .expect("report");
    let (bombs, others) = tokio::join!(
        async {
            let mut answers = Vec::new();
            for _ in 0..5 {
                answers.push(push_raw_answer(&h, &attacker, mine, bomb.clone()).await);
            }
            answers
        },
        sync(&mut other)
    );
    // Refused for being compressed, i.e. before anything was inflated (a refusal after
    // inflating, e.g. for the event's shape, would name something else).
    assert!(
        bombs
            .iter()
            .all(|(code, message)| code == "bad_message" && message.contains("compressed")),
        "{bombs:?}"
    );
    assert_eq!(others.accepted, 1);
    server_alive(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_hash_of_another_device_cannot_be_claimed_or_probed() {
    let h = Harness::start(2).await.expect("harness");
    let mut owner = h.device("tablet-01", "insp01").await.expect("login");
    let bytes = photo(11, 40_000);
    let sha = Sha256::digest(&bytes);
    owner
        .report(&cell(1), std::slice::from_ref(&bytes))
        .expect("report");
    assert!(sync(&mut owner).await.is_clean());

    // Another inspector, other cell, names the photo's hash in a new report of its own.
    let mut thief = h.device("tablet-02", "insp02").await.expect("login");
    let mut payload = report_payload(&mut thief, &cell(2));
    payload.photos = vec![PhotoRef {
        sha256: sha,
        role: PhotoRole::Before,
        taken_at: None,
        location: None,
        size: bytes.len() as u64,
    }];
    let (case_id, _, changes) = new_case_with(&mut thief, payload);
    assert_eq!(
        push_raw(&h, &thief, case_id, changes).await,
        "photo_not_owned"
    );
    // Nor can it fetch or even probe the blob.
    let client = reqwest::Client::new();
    let url = format!("{}/v1/blobs/{sha}", h.server.url());
    for request in [client.get(&url), client.head(&url)] {
        let r = request
            .bearer_auth(&thief.client.session().token)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let r = client
        .get(&url)
        .bearer_auth(&owner.client.session().token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_device_cannot_squat_an_upload() {
    let h = Harness::start(1).await.expect("harness");
    let mut owner = h.device("tablet-01", "insp01").await.expect("login");
    let bytes = photo(12, 60_000);
    let sha = Sha256::digest(&bytes);
    let case_id = owner
        .report(&cell(1), std::slice::from_ref(&bytes))
        .expect("report");
    // The case reaches the server (data first) without its photo.
    let changes = owner
        .with_store(|s| s.load_case(case_id))
        .expect("load")
        .save_after(&[]);
    assert_eq!(push_raw(&h, &owner, case_id, changes).await, "accepted");

    // The intake operator sees the case and starts an upload of its photo with a wrong length.
    let intake = h.device("desk-intake", "intake").await.expect("login");
    let r = reqwest::Client::new()
        .put(format!("{}/v1/blobs/{sha}", h.server.url()))
        .bearer_auth(&intake.client.session().token)
        .header("upload-offset", "0")
        .header("upload-length", (bytes.len() + 1000).to_string())
        .body(bytes[..1000].to_vec())
        .send()
        .await
        .expect("send");
    assert!(r.status().is_success(), "{}", r.status());

    // The owner's upload is its own and completes.
    let summary = sync(&mut owner).await;
    assert!(summary.is_clean(), "{summary:?}");
    let r = reqwest::Client::new()
        .get(format!("{}/v1/blobs/{sha}", h.server.url()))
        .bearer_auth(&owner.client.session().token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_description_is_refused_with_the_limit() {
    let h = Harness::start(1).await.expect("harness");
    let mut attacker = h.device("tablet-01", "insp01").await.expect("login");
    let (case_id, _, changes) = new_case(&mut attacker, &"a".repeat(60_000));
    let (code, message) = push_raw_answer(&h, &attacker, case_id, changes).await;
    assert_eq!(
        code, "invalid_payload",
        "a 60,000-character description: {message}"
    );
    assert!(message.contains("4000"), "{message}");
    assert!(message.contains("description"), "{message}");
}

#[test]
fn unused_actor_changes_are_valid_automerge_but_not_canonical() {
    let mut doc = automerge::AutoCommit::new().with_actor(ActorId::from([1u8; 16]));
    automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "k", "v").expect("put");
    doc.commit();
    let honest = doc.save_after(&[]);
    assert!(Incoming::decode(&honest, IncomingLimits::default()).is_ok());
    let forged = crafted::with_unused_actor(&honest).expect("craft");
    let change = automerge::Change::try_from(forged.as_slice()).expect("automerge accepts it");
    assert_ne!(
        change.hash(),
        automerge::Change::try_from(honest.as_slice())
            .expect("ok")
            .hash()
    );
    assert!(matches!(
        Incoming::decode(&forged, IncomingLimits::default()),
        Err(IncomingError::NotCanonical { .. })
    ));
}
