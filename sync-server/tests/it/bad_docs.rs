//! A bad document never stops anything else (docs/security/isolation.md): stored documents are
//! damaged directly in the real database (the SQLite file, or PostgreSQL under
//! `GRIDCASE_TEST_BACKEND=postgres`: a garbled snapshot, a garbage chunk), then pulls,
//! case detail, evaluation and its exports, Open311 reads and the scheduled jobs serve every
//! other case, the damaged ones answer `document_unreadable`, and the administrator's CLI lists
//! them with their error. A tenant whose job run fails does not stop the other tenant's.

use crate::support::*;
use gridcase_core::model::CaseId;
use gridcase_core::workflow::{EventKind, fold};
use gridcase_server::biz::intake::open311;
use gridcase_server::biz::jobs;
use gridcase_server::db::sql::params;
use serde_json::Value;

/// Replaces the case's snapshot by bytes that are not a document (its start kept, the rest
/// garbled), as a torn write or a non-canonical encoding would leave it.
fn garble_snapshot(ts: &TestServer, case: CaseId) {
    let id = case.to_string();
    let n = ts
        .sql(|conn| {
            let snapshot: Vec<u8> = conn.query_row(
                "SELECT snapshot FROM docs WHERE case_id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )?;
            let mut damaged = snapshot[..12].to_vec();
            damaged.extend(snapshot[12..].iter().map(|b| b ^ 0x5a));
            Ok(conn.execute(
                "UPDATE docs SET snapshot = ?2 WHERE case_id = ?1",
                params![id, damaged],
            )?)
        })
        .expect("update");
    assert_eq!(n, 1);
}

/// Appends a garbage change chunk to the case's stored document.
fn append_garbage_chunk(ts: &TestServer, case: CaseId) {
    let id = case.to_string();
    let garbage = b"\x85\x6f\x4a\x83 not an automerge chunk at all".to_vec();
    ts.sql(|conn| {
        conn.execute(
            "INSERT INTO doc_chunks(case_id, n, bytes)
             VALUES (?1, (SELECT chunk_count + 1 FROM docs WHERE case_id = ?1), ?2)",
            params![id, garbage],
        )?;
        conn.execute(
            "UPDATE docs SET chunk_count = chunk_count + 1, chunk_bytes = chunk_bytes + ?2
             WHERE case_id = ?1",
            params![id, garbage.len() as i64],
        )?;
        Ok(())
    })
    .expect("chunk");
}

async fn open311_post(ts: &TestServer, key: &str, lat: &str) -> String {
    let form = [
        ("api_key", key),
        ("jurisdiction_id", TENANT),
        ("service_code", "matter-06010"),
        ("lat", lat),
        ("long", "103.8343"),
        ("address_string", "城关区张掖路 88 号"),
        ("description", "路边垃圾堆放"),
    ];
    let resp = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", ts.url()))
        .form(&form)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = resp.json().await.expect("json");
    v[0]["service_request_id"].as_str().expect("id").to_owned()
}

async fn open311_get(ts: &TestServer, path: &str) -> (u16, String) {
    let resp = reqwest::get(format!("{}{path}", ts.url()))
        .await
        .expect("send");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

async fn get_status(dev: &Device, path: &str) -> u16 {
    dev.client
        .get(format!("{}{path}", dev.base))
        .bearer_auth(&dev.login.token)
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

fn figure(report: &Value, key: &str) -> f64 {
    report["rows"][0]["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .and_then(|f| f["value"].as_f64())
        .unwrap_or_else(|| panic!("no {key}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_case_is_skipped_and_reported_while_everything_else_is_served() {
    // The clock moves days ahead; the devices' tokens must outlive that idle time.
    let ts = TestServer::start_with(|c| {
        c.auth.field_idle_timeout_mins = 30 * 24 * 60;
        c.auth.desktop_idle_timeout_mins = 30 * 24 * 60;
    })
    .await;
    let mut a = ts.device("insp_a").await;
    let good1 = a.report(CELL_A);
    let bad = a.report(CELL_A);
    let good2 = a.report(CELL_A);
    for c in [good1, bad, good2] {
        let r = a.push(c).await.expect("push");
        assert_eq!(outcome(&r.docs[0]), "accepted");
    }
    let mut x = ts.device("insp_x").await;
    let other = x.report(CELL_OTHER);
    x.push(other).await.expect("push");
    let dep = ts.server.deployment().clone();
    let key = tokio::task::spawn_blocking(move || open311::issue_key(&dep, TENANT, "门户"))
        .await
        .expect("join")
        .expect("key");
    let good311 = open311_post(&ts, &key, "36.0611").await;
    let bad311 = open311_post(&ts, &key, "36.0612").await;
    let bad311_case = CaseId::parse(&bad311).expect("an Open311 id is the case id");

    garble_snapshot(&ts, bad);
    append_garbage_chunk(&ts, bad311_case);

    // A pull batch with the damaged case: the others are served, the damaged one flagged.
    let batch = vec![a.pull_of(good1), a.pull_of(bad), a.pull_of(good2)];
    let resp = a.sync(batch).await.expect("the batch is answered");
    let codes: Vec<String> = resp.docs.iter().map(outcome).collect();
    assert_eq!(codes, ["accepted", "document_unreadable", "accepted"]);
    match &resp.docs[1].outcome {
        gridcase_core::protocol::DocOutcome::Rejected { message, .. } => {
            assert!(
                message.starts_with("案件数据损坏，已报告管理员"),
                "{message}"
            )
        }
        o => panic!("{o:?}"),
    }
    // A push batch too: an edit of the damaged case is refused with the code, the other merged.
    a.append(
        bad,
        EventKind::Comment {
            text: "补充说明".into(),
        },
    );
    a.append(
        good1,
        EventKind::Comment {
            text: "补充说明".into(),
        },
    );
    let batch = vec![a.push_of(bad), a.push_of(good1)];
    let resp = a.sync(batch).await.expect("the push batch is answered");
    let codes: Vec<String> = resp.docs.iter().map(outcome).collect();
    assert_eq!(codes, ["document_unreadable", "accepted"]);

    // Case detail: the code for the damaged case, the others as before.
    let leader = ts.device("leader").await;
    let err = leader
        .get_json(&format!("/v1/cases/{bad}"))
        .await
        .expect_err("the damaged case is not served");
    assert_eq!(err.status, 500);
    assert_eq!(err.error.code, "document_unreadable");
    assert!(err.error.message.starts_with("案件数据损坏，已报告管理员"));
    let detail = leader
        .get_json(&format!("/v1/cases/{good2}"))
        .await
        .expect("a good case's detail");
    assert_eq!(detail["row"]["case_id"], good2.to_string());

    // Evaluation and its exports count the good cases: good1, good2 and the good request.
    let now = now_ms();
    let p = format!("from={}&to={}", now - 86_400_000, now + 86_400_000);
    let tenant = leader
        .get_json(&format!("/v1/evaluation?{p}&level=region&region=tenant"))
        .await
        .expect("the tenant's evaluation");
    assert_eq!(figure(&tenant, "reported"), 3.0);
    let mut skipped: Vec<String> = tenant["unreadable_cases"]
        .as_array()
        .expect("the skipped cases are named")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    skipped.sort();
    let mut want = vec![bad.to_string(), bad311.clone()];
    want.sort();
    assert_eq!(skipped, want);
    for export in ["export.csv", "export.xlsx"] {
        let path = format!("/v1/evaluation/{export}?{p}&level=region&region=tenant");
        assert_eq!(get_status(&leader, &path).await, 200, "{export}");
    }

    // Open311: the list serves the good request, GET of the damaged one answers the code.
    let (status, body) = open311_get(&ts, "/open311/v2/requests.json?jurisdiction_id=620102").await;
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("json");
    let ids: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["service_request_id"].as_str())
        .collect();
    assert_eq!(ids, [good311.as_str()]);
    let (status, _) = open311_get(
        &ts,
        &format!("/open311/v2/requests/{good311}.xml?jurisdiction_id=620102"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = open311_get(
        &ts,
        &format!("/open311/v2/requests/{bad311}.json?jurisdiction_id=620102"),
    )
    .await;
    assert_eq!(status, 500);
    assert!(body.contains("document_unreadable"), "{body}");

    // The jobs, ten days on: both tenants' good cases escalated, the damaged ones skipped.
    let dep = ts.server.deployment().clone();
    dep.clock().advance(10 * 24 * 3_600_000);
    let d = dep.clone();
    let report = tokio::task::spawn_blocking(move || jobs::run_all(&d, d.now(), true))
        .await
        .expect("join")
        .expect("the jobs run");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.unreadable.contains(&bad.to_string()));
    assert!(report.unreadable.contains(&bad311));
    // A file backup on SQLite; PostgreSQL is backed up by its operator.
    assert_eq!(report.backup.is_some(), !ts.on_postgres());
    assert!(report.escalated >= 3, "{report:?}");
    x.pull(other).await.expect("pull");
    let state = fold(&x.docs[&other].events().expect("events"));
    assert_eq!(
        state.escalations.len(),
        1,
        "the other tenant's case escalated"
    );
    let detail = leader
        .get_json(&format!("/v1/cases/{good2}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["escalation"], 1);

    // The administrator sees both, with where and why they failed.
    let data = ts.data_ref();
    ts.server.shutdown().await.expect("shutdown");
    let out = data.cli(["bad-docs", "list"]);
    let listed: Value = serde_json::from_str(&out).expect("json");
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 2, "{out}");
    let entry = listed
        .iter()
        .find(|e| e["case_id"] == bad.to_string())
        .expect("the garbled case is listed");
    assert_eq!(entry["tenant"], TENANT);
    assert_eq!(entry["stage"], "load");
    assert!(
        entry["error"]
            .as_str()
            .is_some_and(|e| e.contains("corrupt")),
        "{entry}"
    );
    assert!(entry["count"].as_i64().is_some_and(|n| n >= 4), "{entry}");
    assert!(listed.iter().any(|e| e["case_id"] == bad311));
    let out = data.cli(["bad-docs", "list", "--tenant", OTHER_TENANT]);
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json"),
        Value::Array(vec![])
    );
    let out = data.cli(["bad-docs", "forget", "--case", &bad.to_string()]);
    assert_eq!(out.trim(), "forgotten");
    let out = data.cli(["bad-docs", "list", "--tenant", TENANT]);
    let listed: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_whose_job_run_fails_does_not_stop_the_other_tenant() {
    // The clock moves days ahead; the devices' tokens must outlive that idle time.
    let ts = TestServer::start_with(|c| {
        c.auth.field_idle_timeout_mins = 30 * 24 * 60;
        c.auth.desktop_idle_timeout_mins = 30 * 24 * 60;
    })
    .await;
    let mut a = ts.device("insp_a").await;
    let mine = a.report(CELL_A);
    a.push(mine).await.expect("push");
    let mut x = ts.device("insp_x").await;
    let other = x.report(CELL_OTHER);
    x.push(other).await.expect("push");

    // 620102 (listed first) gets a calendar that does not parse: its rules no longer load.
    ts.sql(|conn| {
        Ok(conn.execute(
            "INSERT INTO tenant_files(tenant, kind, name, text, updated_at)
             VALUES (?1, 'calendar', 'calendar.toml', 'this is [ not toml', 0)
             ON CONFLICT(tenant, kind) DO UPDATE SET text = excluded.text",
            [TENANT],
        )?)
    })
    .expect("damage the calendar");
    let dep = ts.server.deployment().clone();
    dep.forget_rules(TENANT);
    dep.clock().advance(10 * 24 * 3_600_000);

    let d = dep.clone();
    let tally = tokio::task::spawn_blocking(move || jobs::lights_and_escalation(&d, d.now()))
        .await
        .expect("join")
        .expect("the job runs");
    assert_eq!(tally.failures.len(), 1, "{tally:?}");
    assert_eq!(tally.failures[0].tenant, TENANT);
    assert_eq!(tally.failures[0].job, "lights");
    assert_eq!(tally.escalated, 1, "620103's case escalated: {tally:?}");
    x.pull(other).await.expect("pull");
    let state = fold(&x.docs[&other].events().expect("events"));
    assert_eq!(state.escalations.len(), 1);

    let data = ts.data_ref();
    ts.server.shutdown().await.expect("shutdown");
    let out = data.cli(["bad-docs", "jobs"]);
    let listed: Value = serde_json::from_str(&out).expect("json");
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 1, "{out}");
    assert_eq!(listed[0]["job"], "lights");
    assert_eq!(listed[0]["tenant"], TENANT);
    assert!(
        listed[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("calendar")),
        "{out}"
    );
}
