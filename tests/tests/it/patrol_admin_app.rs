//! The supervisor's patrol and survey commands (`mobile-app/src/commands/patrol_admin.rs`)
//! through Tauri's real IPC path against the real server on loopback with the demo tenant.
//!
//! The first test needs nothing of the server's patrol routes: the staff list from the reference
//! data, the role gate, the input checks (nothing is sent) and the offline message. The second
//! drives the routes themselves (roster PUT/GET, report, track, survey create/list/progress and
//! the XLSX export); it needs the server side of issue 16 (branch `patrol-server`: it passed
//! against a local merge of it) and fails with `not_found` without it.

use crate::app_flow::{AppUnderTest, user};
use anyhow::{Context, Result};
use gridcase_core::model::Role;
use gridcase_tests::{FaultConfig, Harness};
use serde_json::{Value, json};

const DAY_MS: i64 = 86_400_000;

fn rt() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Today in Asia/Shanghai as `YYYY-MM-DD`, and its midnight in Unix ms.
fn today() -> (String, i64) {
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis(),
    )
    .expect("ms fit");
    let local = now + 8 * 3_600_000;
    let days = local.div_euclid(DAY_MS);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        days * DAY_MS - 8 * 3_600_000,
    )
}

/// A survey task as the form sends it (UUIDv7 id made by the caller).
fn survey(id: &str, inspector: &str, cell: &str, start: i64) -> Value {
    json!({
        "id": id,
        "title": "城关区井盖专项普查",
        "categories": [{"kind": "component", "code": "01101"}],
        "assignments": {inspector: [cell]},
        "components": {},
        "starts_at": start,
        "due_at": start + 7 * DAY_MS,
    })
}

fn uuid7(ms: i64, n: u8) -> String {
    gridcase_core::model::SurveyId::from_parts(u64::try_from(ms).unwrap_or(0), [n; 10]).to_string()
}

#[test]
fn patrol_admin_commands_gate_roles_check_input_and_say_when_offline() -> Result<()> {
    let rt = rt()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let leader_rec = user(&demo, Role::ShiftLeader)?;
    let app = AppUnderTest::new()?;
    app.sign_in(&server, &leader_rec.username)?;

    // The staff list comes from the reference data: every demo inspector, by name.
    let staff: Vec<Value> = app.call("patrol_inspectors", json!({}))?;
    let demo_inspectors = demo
        .users
        .iter()
        .filter(|u| u.role == Role::Inspector)
        .count();
    assert_eq!(staff.len(), demo_inspectors);
    let first = &staff[0];
    assert!(first["id"].as_str().is_some_and(|s| s.len() == 36));
    assert!(first["name"].as_str().is_some_and(|s| !s.is_empty()));
    let with_cells = staff
        .iter()
        .find(|s| s["cells"].as_array().is_some_and(|c| !c.is_empty()))
        .context("an inspector with cells")?;
    let inspector_id = with_cells["id"].as_str().context("id")?.to_owned();
    let cell = with_cells["cells"][0].as_str().context("cell")?.to_owned();

    // Input is checked before anything is sent.
    let bad = app
        .try_call::<Value>(
            "patrol_report",
            json!({"from": "2026-12-08", "to": "2026-12-07"}),
        )
        .unwrap_err();
    assert_eq!(bad["code"], "invalid_input");
    assert_eq!(bad["message"], "开始日期不能晚于结束日期");
    let long = app
        .try_call::<Value>(
            "patrol_report",
            json!({"from": "2026-01-01", "to": "2026-12-31"}),
        )
        .unwrap_err();
    assert!(long["message"].as_str().is_some_and(|m| m.contains("92")));
    let (day, midnight) = today();
    let mut untitled = survey(&uuid7(midnight, 1), &inspector_id, &cell, midnight);
    untitled["title"] = json!("   ");
    let e = app
        .try_call::<Value>("survey_create", json!({"task": untitled}))
        .unwrap_err();
    assert_eq!(e["field"], "title");
    let backwards = json!({"shifts": [{"inspector": inspector_id, "day": day,
        "start": midnight + 17 * 3_600_000, "end": midnight + 8 * 3_600_000, "cells": [cell]}]});
    let e = app
        .try_call::<Value>("patrol_roster_save", json!({"roster": backwards}))
        .unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    let e = app
        .try_call::<Value>(
            "patrol_track",
            json!({"inspector": "not-a-user", "day": day}),
        )
        .unwrap_err();
    assert_eq!(e["message"], "监督员编号无效");

    // Roles: an inspector may not read the report; a leader reads but may not plan.
    let field = AppUnderTest::new()?;
    field.sign_in(&server, &user(&demo, Role::Inspector)?.username)?;
    let e = field
        .try_call::<Value>("patrol_report", json!({"from": day, "to": day}))
        .unwrap_err();
    assert_eq!(e["code"], "role_not_allowed");
    let boss = AppUnderTest::new()?;
    boss.sign_in(&server, &user(&demo, Role::Leader)?.username)?;
    let e = boss
        .try_call::<Value>(
            "survey_create",
            json!({"task": survey(&uuid7(midnight, 2), &inspector_id, &cell, midnight)}),
        )
        .unwrap_err();
    assert_eq!(e["code"], "role_not_allowed");
    assert_eq!(e["message"], "只有值班长和管理员可以修改排班或创建专项普查");

    // Offline: a clear Chinese message per screen.
    h.proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    h.proxy.cut_all();
    let e = app
        .try_call::<Value>("patrol_report", json!({"from": day, "to": day}))
        .unwrap_err();
    assert_eq!(e["code"], "network");
    assert_eq!(e["message"], "巡查考勤需要联网，当前无法连接服务器");
    let e = app.try_call::<Value>("survey_list", json!({})).unwrap_err();
    assert_eq!(e["message"], "专项普查需要联网，当前无法连接服务器");
    let e = app
        .try_call::<Value>("patrol_roster", json!({"from": day, "to": day}))
        .unwrap_err();
    assert_eq!(e["message"], "排班需要联网，当前无法连接服务器");
    Ok(())
}

#[test]
fn patrol_admin_commands_round_trip_with_the_server() -> Result<()> {
    let rt = rt()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let app = AppUnderTest::new()?;
    app.sign_in(&server, &user(&demo, Role::ShiftLeader)?.username)?;
    let staff: Vec<Value> = app.call("patrol_inspectors", json!({}))?;
    let inspector = staff
        .iter()
        .find(|s| s["cells"].as_array().is_some_and(|c| !c.is_empty()))
        .context("an inspector with cells")?;
    let inspector_id = inspector["id"].as_str().context("id")?.to_owned();
    let cell = inspector["cells"][0].as_str().context("cell")?.to_owned();
    let (day, midnight) = today();

    // 排班: PUT then GET gives the shift back.
    let roster = json!({"shifts": [{"inspector": inspector_id, "day": day,
        "start": midnight + 8 * 3_600_000, "end": midnight + 17 * 3_600_000, "cells": [cell]}]});
    let _: Value = app.call("patrol_roster_save", json!({"roster": roster}))?;
    let back: Value = app.call("patrol_roster", json!({"from": day, "to": day}))?;
    assert_eq!(back["shifts"], roster["shifts"], "{back}");

    // 巡查考勤: rostered, never signed in: on duty 0 of 9 h, coverage 0.
    let report: Value = app.call("patrol_report", json!({"from": day, "to": day}))?;
    assert_eq!(report["from"], day.as_str());
    let mine = report["inspectors"]
        .as_array()
        .and_then(|l| l.iter().find(|p| p["inspector"] == inspector_id.as_str()))
        .context("the rostered inspector in the report")?;
    assert_eq!(mine["scheduled_s"], 9 * 3600);
    assert_eq!(mine["on_duty_s"], 0);
    let track: Value = app.call(
        "patrol_track",
        json!({"inspector": inspector_id, "day": day}),
    )?;
    assert_eq!(track["day"], day.as_str());
    assert_eq!(track["points"], json!([]));

    // 专项普查: create (twice: the same id is harmless), list, progress, export.
    let id = uuid7(midnight, 7);
    let task = survey(&id, &inspector_id, &cell, midnight);
    let created: Value = app.call("survey_create", json!({"task": task}))?;
    assert_eq!(created["id"], id.as_str());
    let _: Value = app.call("survey_create", json!({"task": task}))?;
    let list: Vec<Value> = app.call("survey_list", json!({}))?;
    assert_eq!(list.iter().filter(|t| t["id"] == id.as_str()).count(), 1);
    let progress: Value = app.call("survey_progress", json!({"id": id}))?;
    assert_eq!(progress["rate"], 0.0);
    assert_eq!(progress["cells"][0]["cell"], cell.as_str());
    assert_eq!(progress["cells"][0]["status"], "pending");
    let path: String = app.call(
        "survey_export",
        json!({"id": id, "title": "城关区井盖专项普查"}),
    )?;
    let bytes = std::fs::read(&path)?;
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX at {path}");
    Ok(())
}
