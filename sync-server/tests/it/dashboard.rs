//! 综合看板 and 月报 over HTTP (biz::dashboard, biz::dashboard_report): refusals for roles other
//! than 值班长/领导/管理员, tenant isolation, the dashboard's figures equal to
//! `GET /v1/evaluation` for the same period over the training tenant's history (and every
//! drill-down lists exactly as many cases as its figure), and the monthly workbook read back
//! with calamine.

use crate::support::*;
use calamine::{Data, Reader, Xlsx};
use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::model::{Role, Timestamp};
use gridcase_server::Config;
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::biz::{import, training};
use serde_json::Value;

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

fn headline(d: &Value, key: &str) -> Value {
    d["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no {key}"))
        .clone()
}

fn eval_value(report: &Value, id: &str, key: &str) -> f64 {
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
        .and_then(|f| f["value"].as_f64())
        .unwrap_or(0.0)
}

fn create_user(dep: &gridcase_server::Deployment, tenant: &str, username: &str, role: Role) {
    admin::create_user(
        dep,
        &UserSpec {
            tenant: tenant.to_owned(),
            username: username.to_owned(),
            display_name: format!("测试{username}"),
            role,
            department: None,
            cells: Vec::new(),
            password: PASSWORD.to_owned(),
        },
    )
    .expect("user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_leaders_shift_leaders_and_admins_see_the_dashboard_and_reports() {
    let ts = TestServer::start().await;
    for who in ["insp_a", "intake", "disp1", "dept_water"] {
        let dev = ts.device(who).await;
        for path in [
            "/v1/dashboard?period=month",
            "/v1/dashboard/cases?period=month&figure=filed",
            "/v1/reports/monthly.xlsx?month=2026-11",
            "/v1/reports/quarterly.xlsx?quarter=2026-Q4",
        ] {
            let err = get_bytes(&dev, path).await.expect_err(who);
            assert_eq!(err.status, 403, "{who} {path}");
            assert_eq!(err.error.code, "dashboard_forbidden", "{who} {path}");
        }
    }
    for who in ["leader", "shift"] {
        let dev = ts.device(who).await;
        let d = dev
            .get_json("/v1/dashboard?period=quarter")
            .await
            .expect(who);
        assert_eq!(d["tenant"], TENANT);
    }
    // Bad queries are refused, not guessed.
    let leader = ts.device("leader").await;
    for bad in [
        "/v1/dashboard?period=week",
        "/v1/dashboard?month=2026-13",
        "/v1/dashboard?quarter=2026-Q5",
        "/v1/dashboard?from=2026-12-01&to=2026-11-01",
        "/v1/dashboard/cases?period=month&figure=nonsense",
        "/v1/dashboard/cases?period=month&figure=overdue_now",
    ] {
        let err = leader.get_json(bad).await.expect_err(bad);
        assert_eq!(err.status, 400, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_sees_only_its_own_cases() {
    let ts = TestServer::start().await;
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || create_user(&dep, OTHER_TENANT, "leader_x", Role::Leader))
        .await
        .expect("user");
    let mut insp_a = ts.device("insp_a").await;
    let mine = insp_a.report(CELL_A);
    insp_a.push(mine).await.expect("push");
    let mut insp_x = ts.device("insp_x").await;
    for _ in 0..2 {
        let theirs = insp_x.report(CELL_OTHER);
        insp_x.push(theirs).await.expect("push");
    }
    let now = now_ms();
    let period = format!("from={}&to={}", now - 86_400_000, now + 86_400_000);
    let leader = ts.device("leader").await;
    let d = leader
        .get_json(&format!("/v1/dashboard?{period}"))
        .await
        .expect("dashboard");
    assert_eq!(headline(&d, "reported")["value"], 1.0);
    let page = leader
        .get_json(&format!("/v1/dashboard/cases?{period}&figure=reported"))
        .await
        .expect("drill");
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["case_id"], mine.to_string());

    let leader_x = Device::login(&ts.url(), OTHER_TENANT, "leader_x", "install-leader-x")
        .await
        .expect("login");
    let d = leader_x
        .get_json(&format!("/v1/dashboard?{period}"))
        .await
        .expect("dashboard");
    assert_eq!(d["tenant"], OTHER_TENANT);
    assert_eq!(headline(&d, "reported")["value"], 2.0);
    let page = leader_x
        .get_json(&format!("/v1/dashboard/cases?{period}&figure=reported"))
        .await
        .expect("drill");
    assert_eq!(page["total"], 2);
    assert!(
        page["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["tenant"] == OTHER_TENANT && r["case_id"] != mine.to_string())
    );
}

/// 2026-12-01 10:00 Shanghai: the training history ends here.
const TRAINING_NOW: i64 = 1_796_090_400_000;

/// A server over the training tenant 620102 (demo import + 90 days of history), with a leader.
async fn training_server() -> (gridcase_server::RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::with_data_dir(dir.path().join("data"));
    config.database_url =
        gridcase_server::db::pg::test_database_from_env().map(gridcase_server::DatabaseUrl);
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.jobs.enabled = false;
    let server = gridcase_server::spawn(config).await.expect("server");
    let dep = server.deployment().clone();
    let src = dir.path().join("demo");
    tokio::task::spawn_blocking(move || {
        DemoTenant::generate(DEFAULT_SEED)
            .write_to(&src)
            .expect("demo files");
        import::import_dir_as(
            &dep,
            "620102",
            &src,
            Some("Gridcase-2026"),
            import::NewAccounts::Training,
        )
        .expect("import");
        training::generate(&dep, "620102", DEFAULT_SEED, 90, Timestamp(TRAINING_NOW))
            .expect("history");
        create_user(&dep, "620102", "dash_leader", Role::Leader);
    })
    .await
    .expect("setup");
    (server, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_equals_the_evaluation_for_the_same_period_on_the_training_tenant() {
    let (server, _dir) = training_server().await;
    let leader = Device::login(&server.url(), "620102", "dash_leader", "install-dash")
        .await
        .expect("login");
    let q = "from=2026-11-01&to=2026-12-01";
    let d = leader
        .get_json(&format!("/v1/dashboard?{q}"))
        .await
        .expect("dashboard");
    let p = &d["periods"];
    assert_eq!(p["current"]["from"], 1_793_462_400_000_i64);
    assert_eq!(p["current"]["to"], 1_796_054_400_000_i64);
    assert_eq!(p["previous"]["to"], p["current"]["from"]);
    assert_eq!(p["day"]["from"], 1_795_968_000_000_i64); // 2026-11-30

    let tenant = leader
        .get_json(&format!("/v1/evaluation?{q}&level=tenant"))
        .await
        .expect("evaluation");
    for key in [
        "reported",
        "filed",
        "due_close",
        "closed",
        "ontime_closed",
        "ontime_close_rate",
    ] {
        let mine = headline(&d, key)["value"].as_f64().expect(key);
        assert_eq!(mine, eval_value(&tenant, "620102", key), "{key}");
    }
    // Real history: every headline figure is there.
    assert!(headline(&d, "filed")["value"].as_f64() > Some(100.0), "{d}");
    assert!(headline(&d, "closed")["value"].as_f64() > Some(50.0));
    let dispatched = headline(&d, "dispatched")["value"]
        .as_f64()
        .expect("dispatched");
    assert!(dispatched > 50.0);

    // The previous period and the day are the evaluation's of those periods.
    let prev = leader
        .get_json("/v1/evaluation?from=2026-10-01&to=2026-11-01&level=tenant")
        .await
        .expect("evaluation");
    let day = leader
        .get_json("/v1/evaluation?from=2026-11-30&to=2026-12-01&level=tenant")
        .await
        .expect("evaluation");
    for key in ["reported", "filed", "closed", "ontime_close_rate"] {
        let h = headline(&d, key);
        assert_eq!(
            h["previous"].as_f64().unwrap_or(0.0),
            eval_value(&prev, "620102", key),
            "{key}"
        );
        assert_eq!(
            h["day"].as_f64().unwrap_or(0.0),
            eval_value(&day, "620102", key),
            "{key}"
        );
    }

    // Departments, cells and streets: the evaluation's tables.
    let depts = leader
        .get_json(&format!("/v1/evaluation?{q}&level=department"))
        .await
        .expect("evaluation");
    let mut due_sum = 0.0;
    for line in d["departments"].as_array().expect("departments") {
        let id = line["id"].as_str().expect("id");
        for key in ["due", "handled", "overdue_pending"] {
            assert_eq!(
                line[key].as_f64(),
                Some(eval_value(&depts, id, key)),
                "{id} {key}"
            );
        }
        due_sum += line["due"].as_f64().expect("due");
    }
    assert!(due_sum > 0.0 && due_sum <= dispatched);
    for (level, list) in [("cell", "cells"), ("street", "streets")] {
        let table = leader
            .get_json(&format!("/v1/evaluation?{q}&level={level}"))
            .await
            .expect("evaluation");
        let lines = d[list].as_array().expect(list);
        assert!(!lines.is_empty(), "{list}");
        for line in lines {
            let id = line["id"].as_str().expect("id");
            assert_eq!(
                line["filed"].as_f64(),
                Some(eval_value(&table, id, "filed")),
                "{id}"
            );
            assert_eq!(
                line["closed"].as_f64(),
                Some(eval_value(&table, id, "closed")),
                "{id}"
            );
        }
        // Most filed first.
        let filed: Vec<u64> = lines.iter().map(|l| l["filed"].as_u64().unwrap()).collect();
        assert!(filed.windows(2).all(|w| w[0] >= w[1]), "{list}: {filed:?}");
    }
    // Categories add up to the tenant's 立案数.
    let cat_sum: f64 = d["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["filed"].as_f64().unwrap())
        .sum();
    assert_eq!(cat_sum, headline(&d, "filed")["value"].as_f64().unwrap());
    assert!(
        d["categories"][0]["name"]
            .as_str()
            .is_some_and(|n| !n.contains(':')),
        "{}",
        d["categories"][0]
    );

    // Every drill-down lists as many cases as its figure.
    for key in [
        "reported",
        "filed",
        "dispatched",
        "due_close",
        "closed",
        "ontime_closed",
    ] {
        let page = leader
            .get_json(&format!("/v1/dashboard/cases?{q}&figure={key}&limit=5"))
            .await
            .expect("drill");
        assert_eq!(
            page["total"].as_f64(),
            headline(&d, key)["value"].as_f64(),
            "{key}"
        );
        assert_eq!(page["rows"].as_array().map(Vec::len), Some(5), "{key}");
    }
    let top_cell = &d["cells"][0];
    let page = leader
        .get_json(&format!(
            "/v1/dashboard/cases?{q}&figure=filed&cell={}",
            top_cell["id"].as_str().unwrap()
        ))
        .await
        .expect("drill");
    assert_eq!(page["total"], top_cell["filed"]);
    let top_cat = &d["categories"][0];
    let page = leader
        .get_json(&format!(
            "/v1/dashboard/cases?{q}&figure=filed&category={}",
            top_cat["id"].as_str().unwrap()
        ))
        .await
        .expect("drill");
    assert_eq!(page["total"], top_cat["filed"]);
    assert!(
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["category"] == top_cat["id"])
    );
    // 当前超期 is the queue's red cases of the department.
    for line in d["departments"].as_array().unwrap() {
        let id = line["id"].as_str().unwrap();
        let queue = leader
            .get_json(&format!("/v1/cases?department={id}&light=red&limit=1"))
            .await
            .expect("queue");
        assert_eq!(queue["total"], line["overdue_now"], "{id}");
    }

    // The 月报 of the same month: its 概况 holds the dashboard's figures.
    let bytes = get_bytes(&leader, "/v1/reports/monthly.xlsx?month=2026-11")
        .await
        .expect("report");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    assert_eq!(
        book.sheet_names(),
        vec!["概况", "分类统计", "部门考核", "高发区域"]
    );
    let overview = book.worksheet_range("概况").expect("概况");
    let rows: Vec<Vec<Data>> = overview.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0], Data::String("报表".into()));
    assert!(
        matches!(&rows[0][1], Data::String(t) if t.contains("2026年11月") && t.contains("月报"))
    );
    assert_eq!(rows[2][1], Data::String("2026-11-01 至 2026-11-30".into()));
    let header = rows
        .iter()
        .position(|r| r[0] == Data::String("指标".into()))
        .expect("header");
    assert_eq!(rows[header][1], Data::String("本期".into()));
    for h in d["figures"].as_array().unwrap() {
        let label = h["label"].as_str().unwrap();
        let r = rows
            .iter()
            .find(|r| r[0] == Data::String(label.into()))
            .unwrap_or_else(|| panic!("no {label}"));
        assert_eq!(r[1], Data::Float(h["value"].as_f64().unwrap()), "{label}");
        assert_eq!(
            r[2],
            Data::Float(h["previous"].as_f64().unwrap()),
            "{label}"
        );
    }
    let cats = book.worksheet_range("分类统计").expect("分类统计");
    let cat_rows: Vec<Vec<Data>> = cats.rows().map(|r| r.to_vec()).collect();
    assert_eq!(cat_rows[0][0], Data::String("类别编码".into()));
    assert_eq!(cat_rows[0][3], Data::String("立案数".into()));
    let filed_sum: f64 = cat_rows[1..]
        .iter()
        .map(|r| match r[3] {
            Data::Float(v) => v,
            _ => 0.0,
        })
        .sum();
    assert_eq!(filed_sum, headline(&d, "filed")["value"].as_f64().unwrap());
    let dept = book.worksheet_range("部门考核").expect("部门考核");
    let dept_rows: Vec<Vec<Data>> = dept.rows().map(|r| r.to_vec()).collect();
    assert_eq!(dept_rows[0][1], Data::String("部门".into()));
    assert_eq!(dept_rows[0][2], Data::String("应处置数".into()));
    assert_eq!(dept_rows.len() - 1, depts["rows"].as_array().unwrap().len());
    for r in &dept_rows[1..] {
        let Data::String(id) = &r[0] else {
            panic!("id")
        };
        assert_eq!(r[2], Data::Float(eval_value(&depts, id, "due")), "{id}");
    }
    let area = book.worksheet_range("高发区域").expect("高发区域");
    let area_rows: Vec<Vec<Data>> = area.rows().map(|r| r.to_vec()).collect();
    assert_eq!(area_rows[0][1], Data::String("街道".into()));
    assert!(
        area_rows
            .iter()
            .any(|r| r[0] == Data::String("网格编码".into()))
    );
    // The 季报 reads too.
    let bytes = get_bytes(&leader, "/v1/reports/quarterly.xlsx?quarter=2026-Q4")
        .await
        .expect("report");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let overview = book.worksheet_range("概况").expect("概况");
    assert_eq!(
        overview.get_value((2, 1)),
        Some(&Data::String("2026-10-01 至 2026-12-31".into()))
    );
}
