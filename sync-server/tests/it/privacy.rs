//! Personal information and secrets at rest (docs/security/privacy.md): a citizen's name,
//! phone and e-mail never reach an inspector's or a department's device (pulled documents,
//! case detail) nor the public Open311 read; only the intake operator, the shift leader and
//! the admin get them, from `GET /v1/cases/{id}/contact`. The video webhook's secret is not in
//! the database file nor in a backup, and still verifies; a clear secret of an older build is
//! sealed at start.

use crate::support::*;
use crate::video::{SNAPSHOT, alert_body, send, signed};
use gridcase_core::model::{CaseId, SourceChannel};
use gridcase_core::workflow::EventKind;
use gridcase_server::biz::intake::{open311, video};
use serde_json::Value;

const NAME_FAMILY: &str = "欧阳";
const NAME_GIVEN: &str = "娜娜";
const PHONE: &str = "13912345678";
const EMAIL: &str = "nana.ouyang@example.cn";

/// Every citizen string an Open311 request carries.
fn secrets_of_the_citizen() -> [&'static str; 4] {
    [NAME_FAMILY, NAME_GIVEN, PHONE, EMAIL]
}

/// Fails if `hay` (raw bytes of a document, a JSON body) holds any of `needles`.
fn assert_absent(what: &str, hay: &[u8], needles: &[&str]) {
    for n in needles {
        assert!(
            !hay.windows(n.len()).any(|w| w == n.as_bytes()),
            "{what} contains {n:?}"
        );
    }
}

/// What a device holds of a case, as bytes: the document as saved and its events as JSON (the
/// document's columns may be compressed; the events are what the app reads).
fn held(dev: &mut Device, case: CaseId) -> (Vec<u8>, Vec<u8>) {
    let doc = dev.docs.get_mut(&case).expect("case held");
    let saved = doc.save();
    let events = serde_json::to_vec(&doc.events().expect("events")).expect("json");
    (saved, events)
}

async fn open311_request(ts: &TestServer) -> CaseId {
    let dep = ts.server.deployment().clone();
    let key = tokio::task::spawn_blocking(move || open311::issue_key(&dep, TENANT, "门户"))
        .await
        .expect("join")
        .expect("key");
    let resp = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", ts.url()))
        .form(&[
            ("api_key", key.as_str()),
            ("jurisdiction_id", TENANT),
            ("service_code", "matter-06010"),
            ("lat", "36.0611"),
            ("long", "103.8343"),
            ("address_string", "城关区张掖路 88 号"),
            ("first_name", NAME_GIVEN),
            ("last_name", NAME_FAMILY),
            ("phone", PHONE),
            ("email", EMAIL),
            ("description", "路边垃圾堆放"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.expect("json");
    CaseId::parse(v[0]["service_request_id"].as_str().expect("id")).expect("case id")
}

/// Status and error code of an authenticated request.
async fn call(
    dev: &Device,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = dev
        .client
        .request(method, format!("{}{path}", dev.base))
        .bearer_auth(&dev.login.token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open311_contact_reaches_only_the_citizen_facing_roles() {
    let ts = TestServer::start().await;
    let case = open311_request(&ts).await;

    // The workflow takes the case to an inspector (verification) and a department (dispatch).
    let mut intake = ts.device("intake").await;
    let mut insp = ts.device("insp_a").await;
    intake.pull(case).await.expect("pull");
    intake.append(
        case,
        EventKind::RequestVerification {
            assignee: insp.login.user_id,
        },
    );
    intake.push(case).await.expect("assign");
    let r = insp.pull(case).await.expect("pull");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    assert_absent(
        "the inspector's pull",
        &r.docs[0].changes,
        &secrets_of_the_citizen(),
    );
    insp.append(
        case,
        EventKind::Verify {
            confirmed: true,
            photos: vec![],
            location: None,
            category: None,
            note: String::new(),
            cell: None,
        },
    );
    insp.push(case).await.expect("verify");
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
    let mut disp = ts.device("disp1").await;
    disp.pull(case).await.expect("pull");
    disp.append(
        case,
        EventKind::Dispatch {
            department: ts.departments["water"],
            limit: None,
            basis: None,
        },
    );
    disp.push(case).await.expect("dispatch");
    let mut water = ts.device("dept_water").await;
    let r = water.pull(case).await.expect("pull");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    assert_absent(
        "the department's pull",
        &r.docs[0].changes,
        &secrets_of_the_citizen(),
    );

    // Neither device holds the contact, in the document or its events; nor does any device.
    for (who, dev) in [
        ("inspector", &mut insp),
        ("department", &mut water),
        ("intake", &mut intake),
    ] {
        let (saved, events) = held(dev, case);
        assert_absent(
            &format!("the {who}'s document"),
            &saved,
            &secrets_of_the_citizen(),
        );
        assert_absent(
            &format!("the {who}'s events"),
            &events,
            &secrets_of_the_citizen(),
        );
    }
    // Nor the case detail of either.
    for dev in [&insp, &water] {
        let (status, detail) = call(
            dev,
            reqwest::Method::GET,
            &format!("/v1/cases/{case}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["row"]["status"], "in_progress", "{detail}");
        assert_absent(
            "case detail",
            detail.to_string().as_bytes(),
            &secrets_of_the_citizen(),
        );
    }

    // The citizen-facing roles get it from the contact API; the others get contact_forbidden.
    let path = format!("/v1/cases/{case}/contact");
    for dev in [&intake, &shift] {
        let (status, c) = call(dev, reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{c}");
        assert_eq!(c["contacts"][0]["channel"], "open311");
        assert_eq!(
            c["contacts"][0]["name"],
            format!("{NAME_FAMILY}{NAME_GIVEN}")
        );
        assert_eq!(c["contacts"][0]["phone"], PHONE);
        assert_eq!(c["contacts"][0]["email"], EMAIL);
    }
    let leader = ts.device("leader").await;
    for dev in [&insp, &water, &disp, &leader] {
        let (status, body) = call(dev, reqwest::Method::GET, &path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("contact_forbidden"))
        );
        assert_absent(
            "a refusal",
            body.to_string().as_bytes(),
            &secrets_of_the_citizen(),
        );
    }
    // Another tenant's inspector, and an unknown case, learn nothing either.
    let other = ts.device("insp_x").await;
    let (status, _) = call(&other, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &intake,
        reqwest::Method::GET,
        &format!("/v1/cases/{}/contact", new_case_id()),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // The public Open311 read shows none of it, in JSON or XML.
    for fmt in ["json", "xml"] {
        let body = reqwest::get(format!(
            "{}/open311/v2/requests/{case}.{fmt}?jurisdiction_id={TENANT}",
            ts.url()
        ))
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
        assert!(body.contains(&case.to_string()), "{body}");
        assert_absent(
            "the public Open311 read",
            body.as_bytes(),
            &secrets_of_the_citizen(),
        );
    }
}

/// A hotline case as the app writes it: the report without the caller, then the caller with
/// `PUT /v1/cases/{id}/contact` once the case is on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hotline_caller_is_sent_apart_from_the_case_and_shown_to_the_shift_leader() {
    let ts = TestServer::start().await;
    let mut intake = ts.device("intake").await;
    let case = new_case_id();
    let mut payload = report_payload(CELL_A);
    payload.source = SourceChannel::PublicHotline;
    let ev = intake.event(EventKind::Report(payload));
    let doc = gridcase_core::doc::CaseDoc::create(
        case,
        gridcase_core::codes::CountyCode::parse(TENANT).expect("tenant"),
        intake.actor_id(),
        &ev,
    )
    .expect("create");
    intake.docs.insert(case, doc);
    let path = format!("/v1/cases/{case}/contact");
    let caller =
        serde_json::json!({"name": "王先生", "phone": "0931-8123456", "wantsCallback": true});

    // Before the case reached the server: not_found (the app keeps it queued).
    let (status, body) = call(&intake, reqwest::Method::PUT, &path, Some(caller.clone())).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    intake.push(case).await.expect("push");
    let (status, body) = call(&intake, reqwest::Method::PUT, &path, Some(caller.clone())).await;
    assert_eq!(status, 200, "{body}");
    // Idempotent.
    let (status, _) = call(&intake, reqwest::Method::PUT, &path, Some(caller.clone())).await;
    assert_eq!(status, 200);

    let shift = ts.device("shift").await;
    let (status, c) = call(&shift, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["contacts"][0]["phone"], "0931-8123456");
    assert_eq!(c["contacts"][0]["name"], "王先生");
    assert_eq!(c["contacts"][0]["wantsCallback"], true);
    assert_eq!(c["contacts"][0]["channel"], "hotline");

    // The inspector of the cell sees the case, never the caller; nor may it write one.
    let mut insp = ts.device("insp_a").await;
    let r = insp.pull(case).await.expect("pull");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    let (saved, events) = held(&mut insp, case);
    assert_absent(
        "the inspector's document",
        &saved,
        &["0931-8123456", "王先生"],
    );
    assert_absent(
        "the inspector's events",
        &events,
        &["0931-8123456", "王先生"],
    );
    let (status, body) = call(&insp, reqwest::Method::PUT, &path, Some(caller.clone())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("contact_forbidden"))
    );

    // Bad input is refused with a clear code; nothing given at all too.
    for bad in [
        serde_json::json!({"phone": "call-me"}),
        serde_json::json!({"email": "not-an-address"}),
        serde_json::json!({"name": "x".repeat(51)}),
        serde_json::json!({"name": "a\u{7}b"}),
        serde_json::json!({}),
        serde_json::json!({"name": "王", "extra": 1}),
    ] {
        let (status, body) = call(&intake, reqwest::Method::PUT, &path, Some(bad.clone())).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("bad_request")),
            "{bad}"
        );
    }

    // An Open311 contact is not overwritten through the hotline path.
    let o = open311_request(&ts).await;
    let (status, body) = call(
        &intake,
        reqwest::Method::PUT,
        &format!("/v1/cases/{o}/contact"),
        Some(caller),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
}

/// A document written by an older app still carries the caller in its report: the server
/// strips it from every case detail it builds for other roles, and shows it to the citizen-
/// facing roles as `legacy`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_text_in_an_older_document_is_kept_out_of_other_roles_case_detail() {
    let ts = TestServer::start().await;
    let mut intake = ts.device("intake").await;
    let mut insp = ts.device("insp_a").await;
    let case = new_case_id();
    let mut payload = report_payload(CELL_A);
    payload.source = SourceChannel::PublicHotline;
    payload.reporter = Some("李四 0931-7654321".into());
    let ev = intake.event(EventKind::Report(payload));
    let doc = gridcase_core::doc::CaseDoc::create(
        case,
        gridcase_core::codes::CountyCode::parse(TENANT).expect("tenant"),
        intake.actor_id(),
        &ev,
    )
    .expect("create");
    intake.docs.insert(case, doc);
    intake.push(case).await.expect("push");
    intake.append(
        case,
        EventKind::RequestVerification {
            assignee: insp.login.user_id,
        },
    );
    intake.push(case).await.expect("assign");
    insp.pull(case).await.expect("pull");
    let (status, detail) = call(
        &insp,
        reqwest::Method::GET,
        &format!("/v1/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_absent(
        "case detail",
        detail.to_string().as_bytes(),
        &["0931-7654321", "李四"],
    );
    let (status, c) = call(
        &intake,
        reqwest::Method::GET,
        &format!("/v1/cases/{case}/contact"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["legacy"][0], "李四 0931-7654321");
    let (status, detail) = call(
        &intake,
        reqwest::Method::GET,
        &format!("/v1/cases/{case}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(detail["state"]["report"]["reporter"], "李四 0931-7654321");
}

fn file_holds(path: &std::path::Path, needle: &str) -> bool {
    match std::fs::read(path) {
        Ok(bytes) => bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
        Err(_) => false,
    }
}

/// Whether a webhook secret row holds `needle` in clear (either engine).
fn stored_in_clear(ts: &TestServer, needle: &str) -> bool {
    let secrets: Vec<String> = ts
        .sql(|c| Ok(c.query_all("SELECT secret FROM webhook_secrets", (), |r| r.get(0))?))
        .expect("secrets");
    secrets.iter().any(|s| s.contains(needle))
}

/// The database file and its WAL.
fn db_files(ts: &TestServer) -> Vec<std::path::PathBuf> {
    let db = ts.db_path();
    let mut out = vec![db.clone()];
    for suffix in ["-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        out.push(p.into());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_secret_is_neither_in_the_database_nor_in_a_backup_and_still_verifies() {
    let ts = TestServer::start().await;
    let secret = crate::video::setup(&ts).await;
    for f in db_files(&ts) {
        assert!(!file_holds(&f, &secret), "{} holds the secret", f.display());
    }
    assert!(!stored_in_clear(&ts, &secret), "a row holds the secret");
    if ts.on_postgres() {
        // PostgreSQL has no backup file here (its own tools back it up, docs/deployment.md)
        // and no database file to read: the rows are what is checked.
        return;
    }
    let dep = ts.server.deployment().clone();
    let backup = tokio::task::spawn_blocking(move || {
        gridcase_server::biz::jobs::backup(&dep, timestamp_now())
    })
    .await
    .expect("join")
    .expect("backup");
    assert!(std::fs::metadata(&backup).expect("backup file").len() > 0);
    assert!(!file_holds(&backup, &secret), "the backup holds the secret");
    // The key lives outside the database, readable by the server's user only.
    let key = ts.dir.path().join("data/keys/secrets.key");
    assert_eq!(std::fs::read(&key).expect("key").len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The webhook still verifies with it (and refuses another secret).
    let client = reqwest::Client::new();
    let call = signed(&secret, alert_body("CAM-001", "p1", SNAPSHOT), 1);
    let (status, body) = send(&client, &ts.url(), &call).await;
    assert_eq!(status, 200, "{body}");
    let call = signed("another-secret", alert_body("CAM-001", "p2", SNAPSHOT), 2);
    let (status, body) = send(&client, &ts.url(), &call).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_signature"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clear_secret_of_an_older_build_is_sealed_at_start() {
    let ts = TestServer::start().await;
    crate::video::setup(&ts).await;
    let config = ts.server.deployment().config().clone();
    let clear = "clear-secret-of-an-older-build-0123456789";
    if ts.on_postgres() {
        // What an older build stored, written while the server runs (there is no file to
        // edit); a second process starting on the same database seals it.
        ts.sql(|c| {
            Ok(c.execute(
                "UPDATE webhook_secrets SET secret = ?1, sealed = 0 WHERE tenant = ?2",
                gridcase_server::db::sql::params![clear, TENANT],
            )?)
        })
        .expect("update");
        assert!(stored_in_clear(&ts, clear));
        let mut second = config.clone();
        second.listen = "127.0.0.1:0".parse().expect("addr");
        let other = gridcase_server::spawn(second).await.expect("second start");
        assert!(!stored_in_clear(&ts, clear), "sealed at start");
        other.shutdown().await.expect("shutdown");
        ts.server.shutdown().await.expect("shutdown");
        return;
    }
    let TestServer { server, dir, .. } = ts;
    server.shutdown().await.expect("shutdown");
    // What an older build stored: the secret in clear.
    {
        let conn = rusqlite::Connection::open(dir.path().join("data/gridcase.sqlite")).expect("db");
        conn.execute(
            "UPDATE webhook_secrets SET secret = ?1, sealed = 0 WHERE tenant = ?2",
            rusqlite::params![clear, TENANT],
        )
        .expect("update");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", (), |_| Ok(()))
            .expect("checkpoint");
    }
    assert!(file_holds(&dir.path().join("data/gridcase.sqlite"), clear));

    let server = gridcase_server::spawn(config).await.expect("restart");
    let db = dir.path().join("data/gridcase.sqlite");
    for f in [db.clone(), db.with_extension("sqlite-wal")] {
        assert!(
            !file_holds(&f, clear),
            "{} still holds the clear secret",
            f.display()
        );
    }
    let client = reqwest::Client::new();
    let call = signed(clear, alert_body("CAM-001", "m1", SNAPSHOT), 1);
    let (status, body) = send(&client, &server.url(), &call).await;
    assert_eq!(status, 200, "{body}");
    let dep = server.deployment().clone();
    let sealed = tokio::task::spawn_blocking(move || video::seal_clear_secrets(&dep))
        .await
        .expect("join")
        .expect("seal");
    assert_eq!(sealed, 0, "sealed once");
    server.shutdown().await.expect("shutdown");
}
