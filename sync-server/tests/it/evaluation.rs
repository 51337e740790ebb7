//! Evaluation over HTTP: cases made by real devices through sync, then `GET /v1/evaluation`
//! as JSON, and its XLSX export opened with calamine and compared cell by cell with the JSON
//! (the CSV too); refusals for roles that may not evaluate and for bad queries; tenant
//! isolation. The figures themselves are hand-checked in core (evaluation::tests::month).

use crate::support::*;
use calamine::{Data, Reader, Xlsx};
use gridcase_core::model::Role;
use gridcase_core::workflow::EventKind;
use gridcase_server::biz::admin::{self, UserSpec};
use serde_json::Value;

/// Three cases in 620102 — one closed, one filed and waiting for dispatch, one rejected — and
/// one in 620103.
async fn month_of_cases(ts: &TestServer) {
    let water = ts.departments["water"];
    let mut insp_a = ts.device("insp_a").await;
    let mut insp_b = ts.device("insp_b").await;
    let mut intake = ts.device("intake").await;
    let mut shift = ts.device("shift").await;
    let mut disp = ts.device("disp1").await;
    let mut dept = ts.device("dept_water").await;

    let closed = insp_a.report(CELL_A);
    insp_a.push(closed).await.expect("push");
    act(&mut intake, closed, EventKind::Accept).await;
    act(
        &mut shift,
        closed,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    )
    .await;
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
    let assignee = insp_a.login.user_id;
    act(&mut intake, closed, EventKind::RequestCheck { assignee }).await;
    let check = EventKind::Check {
        passed: true,
        photos: Vec::new(),
        note: String::new(),
    };
    act(&mut insp_a, closed, check).await;
    act(
        &mut shift,
        closed,
        EventKind::Close {
            note: String::new(),
        },
    )
    .await;

    let waiting = insp_b.report(CELL_B);
    insp_b.push(waiting).await.expect("push");
    act(&mut intake, waiting, EventKind::Accept).await;
    act(
        &mut shift,
        waiting,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    )
    .await;

    let rejected = insp_a.report(CELL_A);
    insp_a.push(rejected).await.expect("push");
    act(&mut intake, rejected, EventKind::Accept).await;
    act(
        &mut shift,
        rejected,
        EventKind::Reject {
            reason: "不属受理范围".into(),
        },
    )
    .await;

    let mut insp_x = ts.device("insp_x").await;
    let other = insp_x.report(CELL_OTHER);
    insp_x.push(other).await.expect("push");
}

/// `from`/`to` around now, as Unix milliseconds.
fn period() -> String {
    let now = now_ms();
    format!("from={}&to={}", now - 86_400_000, now + 86_400_000)
}

async fn get_bytes(dev: &Device, path: &str) -> Result<(String, Vec<u8>), Failure> {
    let resp = dev
        .client
        .get(format!("{}{path}", dev.base))
        .bearer_auth(&dev.login.token)
        .send()
        .await
        .expect("send");
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((content_type, ok_bytes(resp).await?))
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn value(report: &Value, id: &str, key: &str) -> Value {
    let r = row(report, id);
    r["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .map(|f| f["value"].clone())
        .unwrap_or_else(|| panic!("{id}: no {key}"))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluation_json_has_the_tenants_figures_only() {
    let ts = TestServer::start().await;
    month_of_cases(&ts).await;
    let leader = ts.device("leader").await;
    let p = period();

    let tenant = leader
        .get_json(&format!("/v1/evaluation?{p}&level=region&region=tenant"))
        .await
        .expect("tenant figures");
    assert_eq!(tenant["tenant"], TENANT);
    assert_eq!(tenant["level"], "tenant");
    assert_eq!(tenant["family"], "region");
    assert_eq!(tenant["title"], "区县评价");
    assert_eq!(tenant["tenant_name"], "城关区");
    // Three reports (620103's case is not here), two filed, one closed on time.
    assert_eq!(value(&tenant, TENANT, "reported"), 3.0);
    assert_eq!(value(&tenant, TENANT, "filed"), 2.0);
    assert_eq!(value(&tenant, TENANT, "closed"), 1.0);
    assert_eq!(value(&tenant, TENANT, "ontime_closed"), 1.0);
    assert_eq!(value(&tenant, TENANT, "close_rate"), 0.5);
    // This tenant has no cell table, so 立案数分值 (filings per cell) has no basis and drops
    // out (issue 12, C8); the other weights scale up:
    // (10 × 100 + 30 × 50 + 40 × 50) / 80 = 56.25 → D.
    assert_eq!(row(&tenant, TENANT)["score"], 56.25);
    assert_eq!(row(&tenant, TENANT)["grade"], "D");
    let columns = tenant["columns"].as_array().expect("columns");
    assert_eq!(columns[0]["label"], "上报数");
    assert_eq!(
        columns
            .iter()
            .map(|c| c["weight"].as_f64().unwrap_or(0.0))
            .sum::<f64>(),
        100.0
    );

    let depts = leader
        .get_json(&format!("/v1/evaluation?{p}&level=department"))
        .await
        .expect("departments");
    let water = ts.departments["water"].to_string();
    assert_eq!(row(&depts, &water)["name"], "水务局");
    assert_eq!(value(&depts, &water, "due"), 1.0);
    assert_eq!(value(&depts, &water, "handled"), 1.0);

    let inspectors = leader
        .get_json(&format!(
            "/v1/evaluation?{p}&level=position&position=inspector"
        ))
        .await
        .expect("inspectors");
    let rows = inspectors["rows"].as_array().expect("rows");
    assert_eq!(
        rows.len(),
        2,
        "insp_a and insp_b; insp_x is another tenant's"
    );
    let insp_a = ts.device("insp_a").await.login.user_id.to_string();
    assert_eq!(row(&inspectors, &insp_a)["name"], "测试insp_a");
    assert_eq!(value(&inspectors, &insp_a, "reports"), 2.0);
    assert_eq!(value(&inspectors, &insp_a, "valid_reports"), 1.0);
    assert_eq!(value(&inspectors, &insp_a, "check_due"), 1.0);

    // A leader of 620103 sees its one case and nothing of 620102.
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        admin::create_user(
            &dep,
            &UserSpec {
                tenant: OTHER_TENANT.into(),
                username: "leader_x".into(),
                display_name: "七里河领导".into(),
                role: Role::Leader,
                department: None,
                cells: Vec::new(),
                password: PASSWORD.into(),
            },
        )
    })
    .await
    .expect("join")
    .expect("user");
    let other = Device::login(&ts.url(), OTHER_TENANT, "leader_x", "install-leader-x")
        .await
        .expect("login");
    let t = other
        .get_json(&format!("/v1/evaluation?{p}&level=tenant"))
        .await
        .expect("other tenant");
    assert_eq!(t["tenant"], OTHER_TENANT);
    assert_eq!(value(&t, OTHER_TENANT, "reported"), 1.0);
    assert_eq!(value(&t, OTHER_TENANT, "filed"), 0.0);
    let depts = other
        .get_json(&format!("/v1/evaluation?{p}&level=department"))
        .await
        .expect("departments");
    assert!(depts["rows"].as_array().expect("rows").is_empty());
}

/// A spreadsheet cell as the JSON value it must equal.
fn cell_json(c: Option<&Data>) -> Value {
    match c {
        None | Some(Data::Empty) => Value::Null,
        Some(Data::Float(f)) => serde_json::json!(f),
        Some(Data::Int(i)) => serde_json::json!(*i as f64),
        Some(Data::String(s)) => Value::String(s.clone()),
        Some(other) => panic!("unexpected cell {other:?}"),
    }
}

fn as_number(v: &Value) -> Value {
    v.as_f64().map_or(Value::Null, |f| serde_json::json!(f))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_xlsx_export_equals_the_json_cell_by_cell() {
    let ts = TestServer::start().await;
    month_of_cases(&ts).await;
    let shift = ts.device("shift").await;
    let p = period();
    let mut compared = 0;
    for q in QUERIES {
        let json = shift
            .get_json(&format!("/v1/evaluation?{p}&{q}"))
            .await
            .expect("json");
        let (ctype, bytes) = get_bytes(&shift, &format!("/v1/evaluation/export.xlsx?{p}&{q}"))
            .await
            .expect("xlsx");
        assert!(
            ctype.starts_with("application/vnd.openxmlformats"),
            "{ctype}"
        );
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("opens");
        let title = json["title"].as_str().expect("title");
        assert_eq!(book.sheet_names(), [title, "评价口径"]);
        let sheet = book.worksheet_range(title).expect("sheet");
        let columns = json["columns"].as_array().expect("columns");
        let rows = json["rows"].as_array().expect("rows");
        assert_eq!(
            sheet.height(),
            rows.len() + 1,
            "{q}: header + one line per row"
        );
        // The header: 编码, 名称, the columns' Chinese labels, 综合指标值, 等级.
        let mut want: Vec<Value> = vec!["编码".into(), "名称".into()];
        want.extend(columns.iter().map(|c| c["label"].clone()));
        want.push("综合指标值".into());
        want.push("等级".into());
        assert_eq!(sheet.width(), want.len(), "{q}");
        for (c, w) in want.iter().enumerate() {
            assert_eq!(cell_json(sheet.get((0, c))), *w, "{q}: header {c}");
        }
        for (r, row) in rows.iter().enumerate() {
            let line = r + 1;
            let mut want = vec![row["id"].clone(), row["name"].clone()];
            want.extend(
                row["figures"]
                    .as_array()
                    .expect("figures")
                    .iter()
                    .map(|f| as_number(&f["value"])),
            );
            want.push(as_number(&row["score"]));
            want.push(row["grade"].clone());
            for (c, w) in want.iter().enumerate() {
                assert_eq!(
                    cell_json(sheet.get((line, c))),
                    *w,
                    "{q}: row {line} column {c}"
                );
                compared += 1;
            }
        }
        // The 评价口径 sheet lists the weighted columns with their weights.
        let about = book.worksheet_range("评价口径").expect("about");
        assert_eq!(
            cell_json(about.get((0, 1))),
            Value::String(format!("城关区（{TENANT}）"))
        );
        let weighted: Vec<(Value, Value)> = columns
            .iter()
            .filter(|c| c["weight"].as_f64().unwrap_or(0.0) > 0.0)
            .map(|c| (c["label"].clone(), as_number(&c["weight"])))
            .collect();
        let listed: Vec<(Value, Value)> = (6..6 + weighted.len())
            .map(|r| (cell_json(about.get((r, 0))), cell_json(about.get((r, 1)))))
            .collect();
        assert_eq!(listed, weighted, "{q}");
    }
    assert!(compared > 200, "compared {compared} cells");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_equals_the_json() {
    let ts = TestServer::start().await;
    month_of_cases(&ts).await;
    let leader = ts.device("leader").await;
    let p = period();
    for q in QUERIES {
        let json = leader
            .get_json(&format!("/v1/evaluation?{p}&{q}"))
            .await
            .expect("json");
        let (ctype, bytes) = get_bytes(&leader, &format!("/v1/evaluation/export.csv?{p}&{q}"))
            .await
            .expect("csv");
        assert_eq!(ctype, "text/csv; charset=utf-8");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header.first().map(String::as_str), Some("编码"));
        assert_eq!(header.last().map(String::as_str), Some("等级"));
        let rows = json["rows"].as_array().expect("rows");
        let records: Vec<csv::StringRecord> =
            reader.records().map(|r| r.expect("record")).collect();
        assert_eq!(records.len(), rows.len(), "{q}");
        for (rec, row) in records.iter().zip(rows) {
            assert_eq!(rec.get(0), row["id"].as_str());
            let figures = row["figures"].as_array().expect("figures");
            for (i, f) in figures.iter().enumerate() {
                let text = rec.get(i + 2).expect("cell");
                match f["value"].as_f64() {
                    Some(v) => assert_eq!(text.parse::<f64>().ok(), Some(v), "{q}: {}", f["key"]),
                    None => assert_eq!(text, ""),
                }
            }
            assert_eq!(
                rec.get(figures.len() + 3),
                Some(row["grade"].as_str().unwrap_or(""))
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_that_may_not_evaluate_are_refused_with_a_clear_code() {
    let ts = TestServer::start().await;
    let p = period();
    for who in ["insp_a", "intake", "disp1", "dept_water"] {
        let dev = ts.device(who).await;
        for path in [
            "/v1/evaluation",
            "/v1/evaluation/export.xlsx",
            "/v1/evaluation/export.csv",
        ] {
            let e = get_bytes(&dev, &format!("{path}?{p}&level=tenant"))
                .await
                .expect_err("refused");
            assert_eq!(
                (e.status, e.error.code.as_str()),
                (403, "evaluation_forbidden"),
                "{who} {path}"
            );
            assert!(
                e.error.message.starts_with("综合评价仅对"),
                "{}",
                e.error.message
            );
        }
    }
    for who in ["shift", "leader"] {
        let dev = ts.device(who).await;
        dev.get_json(&format!("/v1/evaluation?{p}&level=tenant"))
            .await
            .expect("allowed");
    }
    // No token at all.
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/evaluation?{p}", ts.url()))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_refused() {
    let ts = TestServer::start().await;
    let leader = ts.device("leader").await;
    let bad = [
        "level=tenant",                                 // no period
        "from=2026-03-01&to=2026-03-01&level=tenant",   // empty period
        "from=2026-03-01&to=2026-04-01&level=bogus",    // unknown level
        "from=2026-03-01&to=2026-04-01&level=position", // no position
        "from=2026-03-01&to=2026-04-01&level=region&region=dispatcher",
        "from=March&to=2026-04-01&level=tenant", // not a date
    ];
    for q in bad {
        let e = leader
            .get_json(&format!("/v1/evaluation?{q}"))
            .await
            .expect_err(q);
        assert_eq!(
            (e.status, e.error.code.as_str()),
            (400, "bad_request"),
            "{q}"
        );
    }
    // Dates are Asia/Shanghai midnights; `level` may name a table directly.
    let ok = leader
        .get_json("/v1/evaluation?from=2026-03-01&to=2026-04-01&level=dispatcher")
        .await
        .expect("ok");
    assert_eq!(ok["level"], "dispatcher");
    assert_eq!(ok["from"], 1_772_294_400_000_i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenants_own_policy_file_changes_weights_and_grades() {
    let ts = TestServer::start().await;
    month_of_cases(&ts).await;
    let leader = ts.device("leader").await;
    let q = format!("/v1/evaluation?{}&level=tenant", period());
    let before = leader.get_json(&q).await.expect("default policy");
    assert_eq!(row(&before, TENANT)["grade"], "D");

    // Equal region weights and two grades of the tenant's own.
    let policy = gridcase_core::evaluation::DEFAULT_POLICY
        .replace("report_rate = 10 ", "report_rate = 25 ")
        .replace("filed_score = 20 ", "filed_score = 25 ")
        .replace("close_rate = 30 ", "close_rate = 25 ")
        .replace("ontime_close_rate = 40", "ontime_close_rate = 25")
        .replace(
            "{ grade = \"A\", min = 90 },\n    { grade = \"B\", min = 75 },\n    { grade = \"C\", min = 60 },\n    { grade = \"D\", min = 40 },\n    { grade = \"E\", min = 0 },",
            "{ grade = \"优\", min = 60 },\n    { grade = \"差\", min = 0 },",
        );
    assert!(policy.contains("优"), "the grade bands were replaced");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("evaluation.toml"), &policy).expect("write");
    let bad_dir = tempfile::tempdir().expect("dir");
    let seventy = gridcase_core::evaluation::DEFAULT_POLICY
        .replace("ontime_close_rate = 40", "ontime_close_rate = 10");
    std::fs::write(bad_dir.path().join("evaluation.toml"), seventy).expect("write");
    let dep = ts.server.deployment().clone();
    let (good, bad) = tokio::task::spawn_blocking(move || {
        let bad = gridcase_server::biz::import::import_dir(&dep, TENANT, bad_dir.path(), None)
            .map(|_| ())
            .map_err(|e| e.to_string());
        let good =
            gridcase_server::biz::import::import_dir(&dep, TENANT, dir.path(), None).map(|_| ());
        (good, bad)
    })
    .await
    .expect("join");
    good.expect("imports");
    let e = bad.expect_err("a 70 % region table is refused on import");
    assert!(
        e.contains("evaluation.toml") && e.contains("region.weights"),
        "{e}"
    );

    let after = leader.get_json(&q).await.expect("tenant policy");
    // Equal weights over report rate (100), close rate (50) and on-time rate (50); the filed
    // score has no basis without a cell table: 200 / 3 = 66.67 → 优 (≥ 60).
    let score = row(&after, TENANT)["score"].as_f64().expect("score");
    assert!((score - 200.0 / 3.0).abs() < 1e-9, "{score}");
    assert_eq!(row(&after, TENANT)["grade"], "优");
    let weights: Vec<f64> = after["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["weight"].as_f64().filter(|w| *w > 0.0))
        .collect();
    assert_eq!(weights, [25.0, 25.0, 25.0, 25.0]);
}

/// CSV injection: a department named like a formula comes out of the CSV with a leading `'`
/// (every text cell starting with `= + - @`, tab or CR), and out of the XLSX as a string cell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_look_like_formulas_are_neutralised_in_csv_and_strings_in_xlsx() {
    let ts = TestServer::start().await;
    let dep = ts.server.deployment().clone();
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "+1+2",
        "-3+4",
        "@SUM(A1)",
        "\t=1",
    ];
    tokio::task::spawn_blocking(move || {
        for (i, n) in names.iter().enumerate() {
            let code = format!("evil{i}");
            admin::create_department(&dep, TENANT, n, Some(code.as_str())).expect("dept");
        }
    })
    .await
    .expect("join");
    month_of_cases(&ts).await;
    let leader = ts.device("leader").await;
    let p = period();
    let (_, bytes) = get_bytes(
        &leader,
        &format!("/v1/evaluation/export.csv?{p}&level=department"),
    )
    .await
    .expect("csv");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| {
            r.expect("record")
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    for n in names {
        assert!(
            cells.contains(&format!("'{n}")),
            "{n:?} is not neutralised in {cells:?}"
        );
    }
    for c in &cells {
        assert!(
            !c.starts_with(['=', '+', '@', '\t', '\r']),
            "a formula-like cell left raw: {c:?}"
        );
    }

    let (_, bytes) = get_bytes(
        &leader,
        &format!("/v1/evaluation/export.xlsx?{p}&level=department"),
    )
    .await
    .expect("xlsx");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).expect("sheet");
    let formulas = book.worksheet_formula(&sheet).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "the XLSX holds a formula"
    );
    let strings: Vec<String> = range
        .used_cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    for n in names {
        assert!(strings.iter().any(|s| s == n), "{n:?} not a string cell");
    }
}
