//! The scheduled jobs: lights turn red and one escalation is appended; backups; the binary's
//! `run-jobs --once`.

use crate::support::*;
use gridcase_core::workflow::fold;
use gridcase_server::biz::jobs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_case_turns_red_and_is_escalated_once() {
    // The clock moves 10 days; the devices' tokens must outlive that idle time.
    let ts = TestServer::start_with(|c| {
        c.auth.field_idle_timeout_mins = 30 * 24 * 60;
        c.auth.desktop_idle_timeout_mins = 30 * 24 * 60;
    })
    .await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    let leader = ts.device("leader").await;
    let (page, _) = leader.feed(0).await.expect("feed");
    let cursor = page.cursor;
    let detail = leader
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_ne!(detail["row"]["light"], "red");
    assert_eq!(detail["row"]["clock"], "accept");

    let dep = ts.server.deployment().clone();
    dep.clock().advance(10 * 24 * 3_600_000);
    let d = dep.clone();
    let report = tokio::task::spawn_blocking(move || jobs::run_all(&d, d.now(), false))
        .await
        .expect("join")
        .expect("jobs");
    assert_eq!(report.escalated, 1);
    let detail = leader
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["light"], "red");
    assert_eq!(detail["row"]["escalation"], 1);

    // The escalation is a real event in the document, and it entered the feed.
    let (page, _) = leader.feed(cursor).await.expect("feed");
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].row.light, "red");
    a.pull(case).await.expect("pull");
    let state = fold(&a.docs[&case].events().expect("events"));
    assert_eq!(state.escalations.len(), 1);
    assert_eq!(state.escalations[0].level, 1);
    assert_eq!(state.escalations[0].by.role.as_str(), "system");

    // Once: running the jobs again appends nothing.
    let d = dep.clone();
    let again = tokio::task::spawn_blocking(move || jobs::run_all(&d, d.now(), true))
        .await
        .expect("join")
        .expect("jobs");
    assert_eq!(again.escalated, 0);
    if ts.on_postgres() {
        // PostgreSQL is backed up by its own tools (docs/deployment.md): no file here.
        assert_eq!(again.backup, None);
        return;
    }
    let backup = again.backup.expect("backup written");
    assert!(backup.starts_with(ts.dir.path().join("data").join("backups")));
    let conn = rusqlite::Connection::open(&backup).expect("backup opens");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_jobs_once_and_backs_up() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    let data = ts.data_ref();
    ts.server.shutdown().await.expect("shutdown");
    let out = data.cli(["run-jobs", "--once"]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(report["escalated"], 0);
    if data.database_url.is_some() {
        assert!(report["backup"].is_null(), "{report}");
    } else {
        assert!(
            report["backup"]
                .as_str()
                .is_some_and(|p| p.ends_with(".sqlite"))
        );
    }
    let out = data.cli(["device", "list", "--tenant", TENANT]);
    let devices: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(devices.as_array().map(Vec::len), Some(1));
    assert!(
        !out.contains("\"token\"") && !out.contains("token_hash"),
        "no token material"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_the_scheduler_on_its_interval() {
    let ts = TestServer::start_with(|c| {
        c.jobs.enabled = true;
        c.jobs.interval_secs = 1;
        c.jobs.backup_every_hours = 0;
    })
    .await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    ts.server.deployment().clock().advance(10 * 24 * 3_600_000);
    let leader = ts.device("leader").await;
    let mut light = String::new();
    for _ in 0..50 {
        let detail = leader
            .get_json(&format!("/v1/cases/{case}"))
            .await
            .expect("detail");
        light = detail["row"]["light"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if light == "red" && detail["row"]["escalation"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(light, "red", "the scheduler turned the light red by itself");
    ts.server
        .shutdown()
        .await
        .expect("the scheduler stops with the server");
}
