//! Personal information through the app (docs/security/privacy.md): the intake operator takes
//! a hotline call in the app; the caller's name and phone never enter the case document, reach
//! the server apart from it (`PUT /v1/cases/{id}/contact`, queued on the device until sent),
//! stay visible to the shift leader in the case detail, and are never shown to — nor held by —
//! the inspector who verifies the case.

use crate::app_flow::{AppUnderTest, PHOTO, server_status, user, wait};
use anyhow::{Context, Result};
use gridcase_core::model::Role;
use gridcase_tests::{Harness, near_first_corner};
use serde_json::{Value, json};

const CALLER: &str = "赵女士";
const PHONE: &str = "0931-5550123";

/// Whether any file under `dir` holds `needle` (the device's store, drafts, queues, logs).
fn any_file_holds(dir: &std::path::Path, needle: &str) -> Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            if any_file_holds(&p, needle)? {
                return Ok(true);
            }
        } else if std::fs::read(&p)?
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            return Ok(true);
        }
    }
    Ok(false)
}

#[test]
fn a_hotline_caller_reaches_the_shift_leader_and_never_the_inspector() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let inspector_rec = user(&demo, Role::Inspector)?;
    let inspector = AppUnderTest::new()?;
    let s = inspector.sign_in(&server, &inspector_rec.username)?;
    let cell = s["cells"][0].as_str().context("cells")?.to_owned();
    let c = demo
        .cells
        .iter()
        .find(|c| c.code.to_string() == cell)
        .context("cell")?;
    let (lon, lat) = near_first_corner(c, 0.0003)?;

    // The intake operator takes the call.
    let intake = AppUnderTest::new()?;
    intake.sign_in(&server, &user(&demo, Role::IntakeOperator)?.username)?;
    let placement: Value = intake.call("locate", json!({"lon": lon, "lat": lat}))?;
    let categories: Vec<Value> = intake.call("categories_search", json!({"query": "暴露垃圾"}))?;
    let draft = json!({"kind": "hotline", "photos": [], "afterPhotos": [],
        "position": {"lon": lon, "lat": lat, "accuracyM": null, "source": "manual"},
        "placement": placement, "category": categories[0], "componentId": null,
        "description": "路口垃圾桶满溢", "urgency": "normal",
        "caller": {"name": CALLER, "phone": PHONE, "wantsCallback": true}, "updatedAt": 0});
    let _: Value = intake.call("draft_save", json!({"draft": draft}))?;
    let submitted: Value = intake.call("draft_submit", json!({}))?;
    let case_id = submitted["caseId"].as_str().context("case id")?.to_owned();
    // Queued on the device until the case is on the server, then sent.
    let status = intake.sync_until_clean()?;
    assert_eq!(status["pendingContacts"], 0, "{status}");
    assert_eq!(server_status(&h, &case_id)?, "reported");
    let d = intake.detail(&case_id)?;
    assert_eq!(d["report"]["caller"]["name"], CALLER);
    assert_eq!(d["report"]["caller"]["phone"], PHONE);

    // The shift leader, on another device, sees the caller (from the server).
    let leader = AppUnderTest::new()?;
    leader.sign_in(&server, &user(&demo, Role::ShiftLeader)?.username)?;
    let d = wait("the case on the shift leader's device", || {
        let _: Value = leader.call("sync_now", json!({}))?;
        Ok(leader
            .try_call::<Value>("case_detail", json!({"caseId": case_id}))
            .ok())
    })?;
    assert_eq!(d["report"]["caller"]["name"], CALLER, "{d}");
    assert_eq!(d["report"]["caller"]["phone"], PHONE, "{d}");

    // The inspector gets the verification task: the case, never the caller.
    let assignee = intake.detail(&case_id)?["assignees"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|u| u["displayName"] == inspector_rec.display_name.as_str())
        })
        .and_then(|u| u["userId"].as_str())
        .context("the cell's inspector among the assignees")?
        .to_owned();
    intake.act(
        &case_id,
        json!({"kind": "request_verification", "assignee": assignee}),
    )?;
    intake.sync_until_clean()?;
    inspector.wait_in_queue("my_tasks", &case_id)?;
    let d = inspector.detail(&case_id)?;
    assert_eq!(d["report"]["caller"], Value::Null, "{d}");
    assert!(!d.to_string().contains(PHONE), "{d}");
    let photo = inspector.stage("核实.jpg", PHOTO)?;
    inspector.act(
        &case_id,
        json!({"kind": "verify", "passed": true, "photos": [photo]}),
    )?;
    inspector.sync_until_clean()?;
    assert!(
        !any_file_holds(inspector._dir.path(), PHONE)?,
        "the inspector's device holds the caller's phone"
    );
    assert!(!any_file_holds(inspector._dir.path(), CALLER)?);
    drop(rt);
    Ok(())
}
