//! Frozen periods (发布与冻结, issue 12 item 5) over HTTP, on a real server and real SQLite:
//! a published period serves the same bytes (JSON, CSV, XLSX) after a late event and a rule
//! re-import that move the live recomputation; republishing needs a reason, makes version 2
//! and keeps version 1 readable, with audit records; who may publish; tenants apart; the
//! listing.

use crate::support::*;
use gridcase_core::model::{CaseId, Role};
use gridcase_core::workflow::EventKind;
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::biz::audit;
use serde_json::{Value, json};

/// One case closed on time, one filed and waiting for dispatch (returned).
async fn cases(ts: &TestServer) -> CaseId {
    let water = ts.departments["water"];
    let mut insp = ts.device("insp_a").await;
    let mut intake = ts.device("intake").await;
    let mut shift = ts.device("shift").await;
    let mut disp = ts.device("disp1").await;
    let mut dept = ts.device("dept_water").await;
    let file = || EventKind::File {
        note: String::new(),
        condition: None,
    };

    let closed = insp.report(CELL_A);
    insp.push(closed).await.expect("push");
    act(&mut intake, closed, EventKind::Accept).await;
    act(&mut shift, closed, file()).await;
    let dispatch = EventKind::Dispatch {
        department: water,
        limit: None,
        basis: None,
    };
    act(&mut disp, closed, dispatch).await;
    let feedback = EventKind::Feedback {
        result: "已修复".into(),
        photos: Vec::new(),
    };
    act(&mut dept, closed, feedback).await;
    let assignee = insp.login.user_id;
    act(&mut intake, closed, EventKind::RequestCheck { assignee }).await;
    let check = EventKind::Check {
        passed: true,
        photos: Vec::new(),
        note: String::new(),
    };
    act(&mut insp, closed, check).await;
    let close = EventKind::Close {
        note: String::new(),
    };
    act(&mut shift, closed, close).await;

    let waiting = insp.report(CELL_B);
    insp.push(waiting).await.expect("push");
    act(&mut intake, waiting, EventKind::Accept).await;
    act(&mut shift, waiting, file()).await;
    waiting
}

/// A period around now (Unix ms), as `(from, to)`.
fn period() -> (i64, i64) {
    let now = now_ms();
    (now - 86_400_000, now + 86_400_000)
}

const QUERIES: [&str; 9] = [
    "level=region&region=cell",
    "level=region&region=community",
    "level=region&region=street",
    "level=region&region=tenant",
    "level=department",
    "level=position&position=inspector",
    "level=position&position=intake_operator",
    "level=position&position=shift_leader",
    "level=position&position=dispatcher",
];

async fn get_bytes(dev: &Device, path: &str) -> Result<Vec<u8>, Failure> {
    let resp = dev
        .client
        .get(format!("{}{path}", dev.base))
        .bearer_auth(&dev.login.token)
        .send()
        .await
        .expect("send");
    ok_bytes(resp).await
}

async fn post_json(dev: &Device, path: &str, body: &Value) -> Result<Value, Failure> {
    let resp = dev
        .client
        .post(format!("{}{path}", dev.base))
        .bearer_auth(&dev.login.token)
        .json(body)
        .send()
        .await
        .expect("send");
    let bytes = ok_bytes(resp).await?;
    Ok(serde_json::from_slice(&bytes).expect("json"))
}

async fn publish(
    dev: &Device,
    (from, to): (i64, i64),
    reason: Option<&str>,
) -> Result<Value, Failure> {
    let mut body = json!({"from": from.to_string(), "to": to.to_string()});
    if let Some(r) = reason {
        body["reason"] = json!(r);
    }
    post_json(dev, "/v1/evaluation/publish", &body).await
}

fn q((from, to): (i64, i64)) -> String {
    format!("from={from}&to={to}")
}

/// Every table of the period as JSON, CSV and XLSX bytes (with `extra` appended to the query).
async fn every_file(dev: &Device, p: (i64, i64), extra: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for t in QUERIES {
        for path in [
            "/v1/evaluation",
            "/v1/evaluation/export.csv",
            "/v1/evaluation/export.xlsx",
        ] {
            let url = format!("{path}?{}&{t}{extra}", q(p));
            let bytes = get_bytes(dev, &url).await.expect(&url);
            out.push((url, bytes));
        }
    }
    out
}

fn figure(report: &Value, id: &str, key: &str) -> Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .map(|f| f["value"].clone())
        .unwrap_or_else(|| panic!("{id}: no {key}"))
}

fn score(report: &Value, id: &str) -> Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))["score"]
        .clone()
}

/// The report without its `published` object.
fn figures_only(mut v: Value) -> Value {
    v.as_object_mut().expect("object").remove("published");
    v
}

/// Re-imports the tenant's evaluation policy with equal region weights (25 each).
async fn reimport_equal_weights(ts: &TestServer) {
    let policy = gridcase_core::evaluation::DEFAULT_POLICY
        .replace("report_rate = 10 ", "report_rate = 25 ")
        .replace("filed_score = 20 ", "filed_score = 25 ")
        .replace("close_rate = 30 ", "close_rate = 25 ")
        .replace("ontime_close_rate = 40", "ontime_close_rate = 25");
    assert!(
        policy.contains("report_rate = 25"),
        "the weights were replaced"
    );
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("evaluation.toml"), &policy).expect("write");
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        gridcase_server::biz::import::import_dir(&dep, TENANT, dir.path(), None).map(|_| ())
    })
    .await
    .expect("join")
    .expect("imports");
}

/// A dispatch made on the dispatcher's device before `publish` and pushed after it: an act
/// inside the period that reaches the server late (an offline device).
struct LateDispatch {
    device: Device,
    case: CaseId,
}

async fn late_dispatch(ts: &TestServer, case: CaseId) -> LateDispatch {
    let mut device = ts.device("disp1").await;
    device.pull(case).await.expect("pull");
    device.append(
        case,
        EventKind::Dispatch {
            department: ts.departments["water"],
            limit: None,
            basis: None,
        },
    );
    LateDispatch { device, case }
}

impl LateDispatch {
    async fn arrive(mut self) {
        let r = self.device.push(self.case).await.expect("push");
        assert_eq!(outcome(&r.docs[0]), "accepted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_period_keeps_its_bytes_under_a_late_event_and_a_rule_reimport() {
    let ts = TestServer::start().await;
    let waiting = cases(&ts).await;
    let p = period();
    let shift = ts.device("shift").await;
    let leader = ts.device("leader").await;
    let disp1 = ts.device("disp1").await.login.user_id.to_string();
    let late = late_dispatch(&ts, waiting).await;

    let tenant_q = format!("/v1/evaluation?{}&level=tenant", q(p));
    let disp_q = format!("/v1/evaluation?{}&level=dispatcher", q(p));
    let live_tenant = leader.get_json(&tenant_q).await.expect("live");
    assert_eq!(live_tenant["published"], Value::Null, "not published yet");

    let v1 = publish(&shift, p, None).await.expect("publish");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["reason"], Value::Null);
    assert_eq!(v1["published_by_name"], "测试shift");
    assert_eq!(v1["published_by_role"], "shift_leader");
    assert_eq!(v1["period_ended"], false);
    assert_eq!(v1["rules_fingerprint"].as_str().map(str::len), Some(64));

    let frozen = every_file(&leader, p, "").await;
    let published_tenant = leader.get_json(&tenant_q).await.expect("published");
    assert_eq!(published_tenant["published"]["version"], 1);
    assert_eq!(
        figures_only(published_tenant.clone()),
        figures_only(live_tenant),
        "the snapshot holds the figures of publishing time"
    );
    let published_disp = leader.get_json(&disp_q).await.expect("dispatchers");
    assert_eq!(figure(&published_disp, &disp1, "dispatched"), 1.0);
    assert_eq!(score(&published_tenant, TENANT), 56.25);

    // The late act arrives, and the rules change.
    late.arrive().await;
    reimport_equal_weights(&ts).await;

    // The live recomputation moved: one dispatch more for disp1 (the late act), the
    // re-imported weights (25 each instead of 10/20/30/40), and so another tenant score.
    let live_disp = leader
        .get_json(&format!("{disp_q}&live=1"))
        .await
        .expect("live");
    assert_eq!(
        live_disp["published"],
        Value::Null,
        "marked as not published"
    );
    assert_eq!(figure(&live_disp, &disp1, "dispatched"), 2.0);
    let live_tenant = leader
        .get_json(&format!("{tenant_q}&live=1"))
        .await
        .expect("live");
    let weights = |r: &Value| -> Vec<f64> {
        r["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .filter_map(|c| c["weight"].as_f64().filter(|w| *w > 0.0))
            .collect()
    };
    assert_eq!(weights(&live_tenant), [25.0, 25.0, 25.0, 25.0]);
    assert_eq!(weights(&published_tenant), [20.0, 10.0, 30.0, 40.0]);
    assert_ne!(
        score(&live_tenant, TENANT),
        score(&published_tenant, TENANT)
    );

    // Every published table, as JSON, CSV and XLSX, is byte for byte what it was.
    let again = every_file(&leader, p, "").await;
    assert_eq!(again.len(), 27);
    for ((url, before), (_, after)) in frozen.iter().zip(&again) {
        assert!(before == after, "{url} changed after publishing");
    }
    // Asking for version 1 explicitly gives the same bytes too.
    let v1_again = every_file(&leader, p, "&version=1").await;
    for ((url, before), (_, after)) in frozen.iter().zip(&v1_again) {
        assert!(before == after, "{url}&version=1 differs");
    }
    // The published CSV is not the live CSV.
    let csv = |extra: &str| format!("/v1/evaluation/export.csv?{}&level=dispatcher{extra}", q(p));
    assert_ne!(
        get_bytes(&leader, &csv("")).await.expect("published csv"),
        get_bytes(&leader, &csv("&live=1")).await.expect("live csv")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn republishing_needs_a_reason_and_keeps_version_one() {
    let ts = TestServer::start().await;
    let waiting = cases(&ts).await;
    let p = period();
    let shift = ts.device("shift").await;
    let leader = ts.device("leader").await;
    let disp1 = ts.device("disp1").await.login.user_id.to_string();
    let v1 = publish(&shift, p, Some("三月月报")).await.expect("v1");
    assert_eq!(
        v1["reason"], "三月月报",
        "a first publication may give a reason"
    );
    let frozen_v1 = every_file(&leader, p, "").await;

    act(
        &mut ts.device("disp1").await,
        waiting,
        EventKind::Dispatch {
            department: ts.departments["water"],
            limit: None,
            basis: None,
        },
    )
    .await;
    reimport_equal_weights(&ts).await;

    for reason in [None, Some(""), Some("   ")] {
        let e = publish(&shift, p, reason).await.expect_err("no reason");
        assert_eq!(
            (e.status, e.error.code.as_str()),
            (409, "republish_reason_required"),
            "{reason:?}"
        );
        assert!(
            e.error
                .message
                .starts_with("该期考核结果已发布，重新发布须填写原因"),
            "{}",
            e.error.message
        );
    }
    let reason = "补录离线设备迟到的派遣记录，并按新权重重算";
    let v2 = publish(&shift, p, Some(reason)).await.expect("v2");
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["reason"], reason);
    assert_ne!(
        v2["rules_fingerprint"], v1["rules_fingerprint"],
        "new policy"
    );
    assert_ne!(v2["figures_sha256"], v1["figures_sha256"]);

    // Reads now serve version 2: the new figures, equal to the live ones.
    let disp_q = format!("/v1/evaluation?{}&level=dispatcher", q(p));
    let served = leader.get_json(&disp_q).await.expect("v2");
    assert_eq!(served["published"]["version"], 2);
    assert_eq!(served["published"]["reason"], reason);
    assert_eq!(figure(&served, &disp1, "dispatched"), 2.0);
    let live = leader
        .get_json(&format!("{disp_q}&live=1"))
        .await
        .expect("live");
    assert_eq!(figures_only(served), figures_only(live));

    // Version 1 is still there, byte for byte.
    let v1_now = every_file(&leader, p, "&version=1").await;
    for ((url, before), (_, after)) in frozen_v1.iter().zip(&v1_now) {
        assert!(before == after, "{url}: version 1 changed");
    }
    let e = leader
        .get_json(&format!("{disp_q}&version=3"))
        .await
        .expect_err("no version 3");
    assert_eq!(
        (e.status, e.error.code.as_str()),
        (404, "evaluation_version_not_found")
    );

    // The audit log has both publications and the three refusals.
    let dep = ts.server.deployment().clone();
    let rows = tokio::task::spawn_blocking(move || audit::list(&dep, Some(TENANT), None))
        .await
        .expect("join")
        .expect("audit");
    let publishes: Vec<(bool, Value)> = rows
        .iter()
        .filter(|r| r.event == "evaluation_publish")
        .map(|r| (r.success, serde_json::from_str(&r.details).expect("json")))
        .collect();
    let ok: Vec<&Value> = publishes
        .iter()
        .filter(|(s, _)| *s)
        .map(|(_, d)| d)
        .collect();
    assert_eq!(ok.len(), 2, "{publishes:?}");
    assert_eq!(ok[0]["version"], 1);
    assert_eq!(ok[0]["previous_version"], Value::Null);
    assert_eq!(ok[1]["version"], 2);
    assert_eq!(ok[1]["previous_version"], 1);
    assert_eq!(ok[1]["reason"], reason);
    assert_eq!(ok[1]["period_from"], p.0);
    assert_eq!(ok[1]["period_to"], p.1);
    let refused = publishes
        .iter()
        .filter(|(s, d)| !*s && d["refused"] == "republish_reason_required")
        .count();
    assert_eq!(refused, 3);
    let shift_id = shift.login.user_id.to_string();
    assert!(
        rows.iter()
            .filter(|r| r.event == "evaluation_publish")
            .all(|r| r.actor == format!("user:{shift_id}"))
    );

    // The stored snapshots refuse changes and removal, even straight in the database.
    for sql in [
        "UPDATE evaluation_snapshot_tables SET report = '{}' WHERE version = 1",
        "UPDATE evaluation_snapshots SET reason = 'x' WHERE version = 1",
        "DELETE FROM evaluation_snapshot_tables WHERE version = 1",
        "DELETE FROM evaluation_snapshots WHERE version = 2",
    ] {
        // Each in its own transaction: on PostgreSQL a refused statement ends its transaction.
        let e = ts.sql(|c| Ok(c.execute(sql, ())?)).expect_err(sql);
        assert!(format!("{e} {e:?}").contains("immutable"), "{sql}: {e}");
    }

    // The listing: both versions, the second the latest.
    let list = leader
        .get_json("/v1/evaluation/publications")
        .await
        .expect("list");
    let list = list["publications"].as_array().expect("publications");
    assert_eq!(list.len(), 2);
    assert_eq!(
        list.iter()
            .map(|l| (
                l["from"].clone(),
                l["to"].clone(),
                l["version"].clone(),
                l["latest"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (json!(p.0), json!(p.1), json!(1), json!(false)),
            (json!(p.0), json!(p.1), json!(2), json!(true)),
        ]
    );
    assert_eq!(list[1]["reason"], reason);
    assert_eq!(list[1]["rules_fingerprint"], v2["rules_fingerprint"]);
}

async fn login_new(ts: &TestServer, tenant: &str, username: &str, role: Role) -> Device {
    let dep = ts.server.deployment().clone();
    let (t, u) = (tenant.to_owned(), username.to_owned());
    tokio::task::spawn_blocking(move || {
        admin::create_user(
            &dep,
            &UserSpec {
                tenant: t,
                username: u,
                display_name: "新账号".into(),
                role,
                department: None,
                cells: Vec::new(),
                password: PASSWORD.into(),
            },
        )
    })
    .await
    .expect("join")
    .expect("user");
    Device::login(&ts.url(), tenant, username, &format!("install-{username}"))
        .await
        .expect("login")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_shift_leaders_and_admins_publish_and_tenants_stay_apart() {
    let ts = TestServer::start().await;
    cases(&ts).await;
    let p = period();
    for who in ["insp_a", "intake", "disp1", "dept_water", "leader"] {
        let dev = ts.device(who).await;
        let e = publish(&dev, p, Some("试图发布")).await.expect_err(who);
        assert_eq!(
            (e.status, e.error.code.as_str()),
            (403, "evaluation_publish_forbidden"),
            "{who}"
        );
        assert!(
            e.error
                .message
                .starts_with("发布考核结果仅限值班长和管理员")
        );
    }
    let inspector = ts.device("insp_a").await;
    let e = inspector
        .get_json("/v1/evaluation/publications")
        .await
        .expect_err("inspectors do not read evaluations");
    assert_eq!(
        (e.status, e.error.code.as_str()),
        (403, "evaluation_forbidden")
    );

    // An administrator publishes.
    let admin = login_new(&ts, TENANT, "admin_a", Role::Admin).await;
    let v1 = publish(&admin, p, None).await.expect("admin publishes");
    assert_eq!(
        (v1["version"].clone(), v1["published_by_role"].clone()),
        (json!(1), json!("admin"))
    );

    // Another tenant sees none of it: its read of the same period is live, its listing empty,
    // version 1 does not exist for it, and its own first publication is its version 1.
    let leader_x = login_new(&ts, OTHER_TENANT, "leader_x", Role::Leader).await;
    let t = leader_x
        .get_json(&format!("/v1/evaluation?{}&level=tenant", q(p)))
        .await
        .expect("other tenant");
    assert_eq!(t["tenant"], OTHER_TENANT);
    assert_eq!(t["published"], Value::Null);
    let list = leader_x
        .get_json("/v1/evaluation/publications")
        .await
        .expect("list");
    assert_eq!(list["publications"], json!([]));
    let e = leader_x
        .get_json(&format!("/v1/evaluation?{}&level=tenant&version=1", q(p)))
        .await
        .expect_err("not this tenant's");
    assert_eq!(e.error.code, "evaluation_version_not_found");
    let shift_x = login_new(&ts, OTHER_TENANT, "shift_x", Role::ShiftLeader).await;
    let x1 = publish(&shift_x, p, None).await.expect("its own first");
    assert_eq!(x1["version"], 1);
    let ours = ts.device("leader").await;
    let list = ours
        .get_json("/v1/evaluation/publications")
        .await
        .expect("list");
    assert_eq!(list["publications"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["publications"][0]["published_by_role"], "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_publish_bodies_and_read_options_are_refused() {
    let ts = TestServer::start().await;
    let shift = ts.device("shift").await;
    let bad = [
        json!({"from": "2026-03-01"}),
        json!({"from": "2026-03-01", "to": "2026-03-01"}),
        json!({"from": "March", "to": "2026-04-01"}),
        json!({"from": "2026-03-01", "to": "2026-04-01", "level": "tenant"}),
        json!({"from": "2026-03-01", "to": "2026-04-01", "reason": "长".repeat(501)}),
    ];
    for body in bad {
        let e = post_json(&shift, "/v1/evaluation/publish", &body)
            .await
            .expect_err("refused");
        assert_eq!(
            (e.status, e.error.code.as_str()),
            (400, "bad_request"),
            "{body}"
        );
    }
    // Dates work as in the query; the period is published once.
    let month = json!({"from": "2026-03-01", "to": "2026-04-01"});
    let v1 = post_json(&shift, "/v1/evaluation/publish", &month)
        .await
        .expect("dates");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["period_ended"], true);
    for extra in ["live=2", "version=0", "version=x", "live=1&version=1"] {
        let e = shift
            .get_json(&format!(
                "/v1/evaluation?from=2026-03-01&to=2026-04-01&level=tenant&{extra}"
            ))
            .await
            .expect_err(extra);
        assert_eq!(
            (e.status, e.error.code.as_str()),
            (400, "bad_request"),
            "{extra}"
        );
    }
    // The same month as Unix ms is the same period; one day more is another (live).
    let same = shift
        .get_json("/v1/evaluation?from=1772294400000&to=2026-04-01&level=tenant")
        .await
        .expect("same");
    assert_eq!(same["published"]["version"], 1);
    let other = shift
        .get_json("/v1/evaluation?from=2026-03-01&to=2026-04-02&level=tenant")
        .await
        .expect("overlapping");
    assert_eq!(other["published"], Value::Null);
}
