//! Cases handed down by a superior platform: JSON and CSV imports are idempotent by the
//! external id, keep the superior's deadline, refuse a bad file whole, and are for intake
//! operators only; the CLI runs the same import; the superior is answered (办结反馈) for each
//! case.

use crate::support::*;
use gridcase_core::model::{LimitBasis, LimitUnit, PhotoRef, PhotoRole, Sha256, TimeLimit};
use gridcase_core::workflow::EventKind;

const DEADLINE_1: &str = "2026-12-01T18:00:00+08:00";

fn json_file() -> String {
    serde_json::json!({
        "format": "gridcase-superior-cases",
        "version": 1,
        "issuer": "兰州市数字城管指挥中心",
        "cases": [
            {"external_id": "SJ-2026-0001", "category": "matter:06010", "lon": 103.8343,
             "lat": 36.0611, "address": "张掖路 88 号", "description": "市级督办：暴露垃圾",
             "deadline": DEADLINE_1},
            {"external_id": "SJ-2026-0002", "category": "component:01001", "lon": 103.8401,
             "lat": 36.0620, "address": "酒泉路", "description": "井盖缺失", "urgency": "urgent",
             "deadline": "2026-11-30T12:00:00+08:00", "cell": CELL_A},
            {"external_id": "SJ-2026-0003", "category": "matter:06010", "lon": 103.8392,
             "lat": 36.0640, "coordinate_system": "gcj02", "description": "垃圾堆放",
             "deadline": "2026-12-02T18:00:00Z"}
        ]
    })
    .to_string()
}

const CSV_FILE: &str = "external_id,category,lon,lat,address,description,urgency,deadline,cell
SJ-2026-0101,matter:06010,103.8350,36.0615,庆阳路,占道经营,normal,2026-12-03T18:00:00+08:00,
SJ-2026-0102,component:01001,103.8360,36.0616,庆阳路,路灯不亮,urgent,2026-12-04T18:00:00+08:00,620102001001002
";

async fn import(
    dev: &Device,
    content_type: &str,
    query: &str,
    body: String,
) -> (u16, serde_json::Value) {
    let resp = dev
        .client
        .post(format!("{}/v1/intake/superior{query}", dev.base))
        .bearer_auth(&dev.login.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_the_same_files_twice_makes_no_duplicates_and_keeps_the_deadline() {
    let ts = TestServer::start().await;
    let intake = ts.device("intake").await;

    let (status, first) = import(&intake, "application/json", "", json_file()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["created"].as_array().map(Vec::len), Some(3));
    assert_eq!(first["skipped"].as_array().map(Vec::len), Some(0));
    let (status, again) = import(&intake, "application/json", "", json_file()).await;
    assert_eq!(status, 200);
    assert_eq!(again["created"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        again["skipped"], first["created"],
        "same external ids, same cases"
    );

    let (status, csv1) = import(&intake, "text/csv", "?issuer=省平台", CSV_FILE.into()).await;
    assert_eq!(status, 200, "{csv1}");
    assert_eq!(csv1["created"].as_array().map(Vec::len), Some(2));
    let (_, csv2) = import(&intake, "text/csv", "?issuer=省平台", CSV_FILE.into()).await;
    assert_eq!(csv2["created"].as_array().map(Vec::len), Some(0));
    assert_eq!(csv2["skipped"].as_array().map(Vec::len), Some(2));

    let page = intake.get_json("/v1/cases").await.expect("queue");
    assert_eq!(page["total"], 5);

    // The superior's deadline and external id are kept on the case; it waits for verification.
    let case = first["created"][0][1].as_str().expect("case id");
    let detail = intake
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    let report = &detail["state"]["report"];
    assert_eq!(report["source"], "superior");
    assert_eq!(report["external_id"], "SJ-2026-0001");
    let want = chrono::DateTime::parse_from_rfc3339(DEADLINE_1)
        .expect("time")
        .timestamp_millis();
    assert_eq!(report["external_deadline"], want);
    assert_eq!(report["reporter"], "兰州市数字城管指挥中心");
    assert_eq!(detail["row"]["status"], "reported");
    // A GCJ-02 position was converted to WGS84 (hundreds of metres in Lanzhou).
    let third = first["created"][2][1].as_str().expect("case id");
    let detail = intake
        .get_json(&format!("/v1/cases/{third}"))
        .await
        .expect("detail");
    let lon = detail["state"]["report"]["location"]["lon"]
        .as_f64()
        .expect("lon");
    assert!((lon - 103.8392).abs() > 0.001, "{lon}");
    let second = first["created"][1][1].as_str().expect("case id");
    let detail = intake
        .get_json(&format!("/v1/cases/{second}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["urgency"], "urgent");
    assert_eq!(detail["row"]["cell"], CELL_A);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_is_refused_whole_and_only_intake_may_import() {
    let ts = TestServer::start().await;
    let intake = ts.device("intake").await;
    let bad = CSV_FILE.replace("2026-12-04T18:00:00+08:00", "next friday");
    let (status, body) = import(&intake, "text/csv", "?issuer=省平台", bad).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "bad_request");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("第 2 条 deadline")),
        "{body}"
    );
    let dup = CSV_FILE.replace("SJ-2026-0102", "SJ-2026-0101");
    let (status, body) = import(&intake, "text/csv", "?issuer=省平台", dup).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("重复")),
        "{body}"
    );
    let foreign_cell = CSV_FILE.replace("620102001001002", CELL_OTHER);
    let (status, _) = import(&intake, "text/csv", "?issuer=省平台", foreign_cell).await;
    assert_eq!(status, 400);
    let (status, _) = import(&intake, "text/csv", "", CSV_FILE.into()).await;
    assert_eq!(status, 400, "CSV without issuer");
    let page = intake.get_json("/v1/cases").await.expect("queue");
    assert_eq!(page["total"], 0, "nothing written");

    let insp = ts.device("insp_a").await;
    let (status, body) = import(&insp, "application/json", "", json_file()).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_import_is_the_same_idempotent_import() {
    let ts = TestServer::start().await;
    let intake = ts.device("intake").await;
    let (status, _) = import(&intake, "application/json", "", json_file()).await;
    assert_eq!(status, 200);
    let data = ts.data_ref();
    let file = ts.dir.path().join("handed-down.json");
    std::fs::write(&file, json_file()).expect("write");
    ts.server.shutdown().await.expect("shutdown");
    let file = file.to_str().expect("a UTF-8 temporary path");
    let out = data.cli(["intake", "import-superior", "--tenant", TENANT, file]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["created"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["skipped"].as_array().map(Vec::len), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_superior_is_answered_for_each_case_and_urgent_ones_go_straight_out() {
    // Issue 12, item 6: 办结反馈. The urgent handed-down case (SJ-2026-0002, 井盖缺失) is fast
    // dispatched straight from 待受理, handled with an after-photo, checked and closed; the
    // answer lists it closed with the result text, the after-photo's hash, the superior's
    // deadline and whether it was met; the other cases are listed open.
    let ts = TestServer::start().await;
    let mut intake = ts.device("intake").await;
    let (status, imported) = import(&intake, "application/json", "", json_file()).await;
    assert_eq!(status, 200, "{imported}");
    let case = imported["created"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c[0] == "SJ-2026-0002"))
        .and_then(|c| c[1].as_str())
        .and_then(|id| gridcase_core::model::CaseId::parse(id).ok())
        .expect("the urgent case");
    let mut disp = ts.device("disp1").await;
    let mut dept = ts.device("dept_water").await;
    let mut shift = ts.device("shift").await;
    let mut insp = ts.device("insp_a").await;
    act(
        &mut disp,
        case,
        EventKind::FastDispatch {
            department: ts.departments["water"],
            limit: Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
            basis: Some(LimitBasis::Override {
                reason: "井盖缺失，立即处置".into(),
            }),
        },
    )
    .await;
    let after = PhotoRef {
        sha256: Sha256::digest(b"after photo"),
        role: PhotoRole::After,
        taken_at: None,
        location: None,
        size: 11,
    };
    act(
        &mut dept,
        case,
        EventKind::Feedback {
            result: "已补齐井盖并设置警示".into(),
            photos: vec![after.clone()],
        },
    )
    .await;
    let assignee = insp.login.user_id;
    act(&mut intake, case, EventKind::RequestCheck { assignee }).await;
    act(
        &mut insp,
        case,
        EventKind::Check {
            passed: true,
            photos: Vec::new(),
            note: String::new(),
        },
    )
    .await;
    act(
        &mut shift,
        case,
        EventKind::Close {
            note: String::new(),
        },
    )
    .await;

    let answer = intake
        .get_json("/v1/intake/superior/feedback")
        .await
        .expect("feedback");
    assert_eq!(answer["format"], "gridcase-superior-feedback");
    let cases = answer["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 3);
    let done = cases
        .iter()
        .find(|c| c["external_id"] == "SJ-2026-0002")
        .expect("answered");
    assert_eq!(done["status"], "closed");
    assert_eq!(done["closed"], true);
    assert_eq!(done["result"], "已补齐井盖并设置警示");
    assert_eq!(
        done["after_photos"],
        serde_json::json!([after.sha256.to_hex()])
    );
    // The superior's deadline (2026-11-30 12:00) was before today's close: not on time.
    assert_eq!(done["on_time"], false);
    assert!(done["deadline"].as_i64().is_some() && done["closed_at"].as_i64().is_some());
    for open in cases.iter().filter(|c| c["external_id"] != "SJ-2026-0002") {
        assert_eq!(open["closed"], false, "{open}");
        assert_eq!(open["status"], "reported", "{open}");
        assert!(
            open["on_time"].is_null() && open["result"].is_null(),
            "{open}"
        );
    }
    // Intake and centre roles only (the answer is read in the caller's tenant only: the
    // links are keyed by tenant).
    for who in ["insp_a", "dept_water", "disp1"] {
        let e = ts
            .device(who)
            .await
            .get_json("/v1/intake/superior/feedback")
            .await
            .expect_err("refused");
        assert_eq!(
            (e.status, e.error.code.as_str()),
            (403, "forbidden"),
            "{who}"
        );
    }
}

/// The case id of `external_id` in an import's answer.
fn case_of(answer: &serde_json::Value, external_id: &str) -> gridcase_core::model::CaseId {
    answer["created"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c[0] == external_id))
        .and_then(|c| c[1].as_str())
        .and_then(|id| gridcase_core::model::CaseId::parse(id).ok())
        .expect("imported")
}

async fn status_of(dev: &Device, case: gridcase_core::model::CaseId) -> String {
    let detail = dev
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    detail["row"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_may_file_superior_orders_without_field_verification() {
    // Issue 12, item 6. Without a waiver a handed-down case must be verified in the field: the
    // intake operator's 受理 is refused by the fold (the case stays 待受理). With the tenant's
    // `verification_waivers.csv` naming `superior,*`, the next imported case carries the waiver
    // and is accepted straight to 待立案. A device cannot write the waiver itself.
    let ts = TestServer::start().await;
    let mut intake = ts.device("intake").await;
    let (_, first) = import(&intake, "application/json", "", json_file()).await;
    let plain = case_of(&first, "SJ-2026-0001");
    act(&mut intake, plain, EventKind::Accept).await;
    assert_eq!(status_of(&intake, plain).await, "reported");

    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("verification_waivers.csv"),
        "channel,category,note\nsuperior,*,上级交办件以交办单为据\nvideo_analytics,matter:06010,视频抓拍足以认定暴露垃圾\n",
    )
    .expect("write");
    let dep = ts.server.deployment().clone();
    let path = dir.path().to_owned();
    tokio::task::spawn_blocking(move || {
        gridcase_server::biz::import::import_dir(&dep, TENANT, &path, None).map(|_| ())
    })
    .await
    .expect("join")
    .expect("the waivers import");
    let (_, csv) = import(&intake, "text/csv", "?issuer=省平台", CSV_FILE.into()).await;
    let waived = case_of(&csv, "SJ-2026-0101");
    act(&mut intake, waived, EventKind::Accept).await;
    assert_eq!(status_of(&intake, waived).await, "awaiting_filing");

    // A bad waivers file is refused with its line and column, and nothing changes.
    std::fs::write(
        dir.path().join("verification_waivers.csv"),
        "channel,category\ninspector_patrol,*\n",
    )
    .expect("write");
    let dep = ts.server.deployment().clone();
    let path = dir.path().to_owned();
    let e = tokio::task::spawn_blocking(move || {
        gridcase_server::biz::import::import_dir(&dep, TENANT, &path, None).map(|_| ())
    })
    .await
    .expect("join")
    .expect_err("a patrol channel needs no waiver");
    assert!(e.to_string().contains("第 2 行「channel」"), "{e}");

    // A device's own report cannot carry the waiver: the gate refuses the push.
    let mut insp = ts.device("insp_a").await;
    let mut report = report_payload(CELL_A);
    report.source = gridcase_core::model::SourceChannel::PublicApp;
    report.verification_waived = Some("public_app:*".into());
    let forged = insp.report_with(report);
    let r = insp.push(forged).await.expect("the push is answered");
    assert_eq!(outcome(&r.docs[0]), "invalid_payload");
}
