//! The supervisor's desk (issue 15) through the app's real commands against the real server
//! with the demo tenant: batch 受理 of several cases (one skipped because the workflow refuses
//! it, one because it is a public report that needs verification, one bad id), the filters and
//! their facets, sort by remaining working time, batch 派遣 to each case's responsibility-list
//! department with a working-time countdown on the rows, a batch 结案 the workflow refuses
//! case by case, and 不予受理 by the intake operator.

use super::app_flow::{AppUnderTest, report_at, server_status, user};
use anyhow::{Context, Result};
use gridcase_core::model::Role;
use gridcase_tests::{Harness, near_first_corner};
use serde_json::{Value, json};

fn batch(app: &AppUnderTest, ids: &[&str], input: Value) -> Result<Vec<Value>> {
    app.call(
        "act_batch",
        json!({"batch": {"caseIds": ids, "input": input}}),
    )
}

fn outcome<'a>(items: &'a [Value], id: &str) -> (&'a str, &'a str) {
    let item = items.iter().find(|i| i["caseId"] == id);
    (
        item.and_then(|i| i["outcome"].as_str())
            .unwrap_or("missing"),
        item.and_then(|i| i["code"].as_str()).unwrap_or(""),
    )
}

#[test]
fn the_desk_batches_filters_sorts_and_refuses_at_intake() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let inspector = AppUnderTest::new()?;
    let s = inspector.sign_in(&server, &user(&demo, Role::Inspector)?.username)?;
    let cell = s["cells"][0].as_str().context("cells")?.to_owned();
    let c = demo
        .cells
        .iter()
        .find(|c| c.code.to_string() == cell)
        .context("cell")?;
    let (lon, lat) = near_first_corner(c, 0.0003)?;
    let mut cases = Vec::new();
    for (i, text) in ["井盖破损", "井盖松动", "井盖缺角", "井盖移位"]
        .iter()
        .enumerate()
    {
        cases.push(report_at(&inspector, lon + 0.00002 * i as f64, lat, text)?);
    }
    inspector.sync_until_clean()?;

    // A hotline call (a public report: 受理 needs a verification first).
    let intake = AppUnderTest::new()?;
    intake.sign_in(&server, &user(&demo, Role::IntakeOperator)?.username)?;
    let placement: Value = intake.call("locate", json!({"lon": lon, "lat": lat}))?;
    let categories: Vec<Value> = intake.call("categories_search", json!({"query": "暴露垃圾"}))?;
    let draft = json!({"kind": "hotline", "photos": [], "afterPhotos": [],
        "position": {"lon": lon, "lat": lat, "accuracyM": null, "source": "manual"},
        "placement": placement, "category": categories[0], "componentId": null,
        "description": "路口垃圾堆放", "urgency": "normal",
        "caller": {"name": "王先生", "phone": "0931-8123456", "wantsCallback": false}, "updatedAt": 0});
    let _: Value = intake.call("draft_save", json!({"draft": draft}))?;
    let submitted: Value = intake.call("draft_submit", json!({}))?;
    let hotline = submitted["caseId"].as_str().context("case id")?.to_owned();
    for id in &cases {
        intake.wait_in_queue("intake", id)?;
    }

    // Filters: the facets offer what the queue holds; a filter narrows it.
    let list: Value = intake.call("list_cases", json!({"query": {"queue": "intake"}}))?;
    assert_eq!(list["total"], 5, "{list}");
    let sources: Vec<&str> = list["facets"]["sources"]
        .as_array()
        .context("source facets")?
        .iter()
        .filter_map(|f| f["value"].as_str())
        .collect();
    assert!(
        sources.contains(&"inspector_patrol") && sources.contains(&"public_hotline"),
        "{sources:?}"
    );
    let street = list["facets"]["streets"][0]["value"]
        .as_str()
        .context("a street facet")?
        .to_owned();
    let hotline_only: Value = intake.call(
        "list_cases",
        json!({"query": {"queue": "intake", "source": "public_hotline"}}),
    )?;
    assert_eq!(hotline_only["total"], 1);
    assert_eq!(hotline_only["rows"][0]["caseId"], hotline.as_str());
    assert_eq!(hotline_only["rows"][0]["verificationRequired"], true);
    let in_street: Value = intake.call(
        "list_cases",
        json!({"query": {"queue": "intake", "street": street}}),
    )?;
    assert_eq!(in_street["total"], 5);
    let elsewhere: Value = intake.call(
        "list_cases",
        json!({"query": {"queue": "intake", "street": "不存在的街道"}}),
    )?;
    assert_eq!(elsewhere["total"], 0);
    let future: Value = intake.call(
        "list_cases",
        json!({"query": {"queue": "intake", "from": i64::MAX / 2}}),
    )?;
    assert_eq!(future["total"], 0);

    // 受理 one case alone, then a batch over it, two more, the hotline case and a bad id.
    intake.act(&cases[0], json!({"kind": "accept"}))?;
    let items = batch(
        &intake,
        &[&cases[0], &cases[1], &cases[2], &hotline, "not-a-case"],
        json!({"kind": "accept"}),
    )?;
    assert_eq!(items.len(), 5, "{items:?}");
    assert_eq!(outcome(&items, &cases[0]), ("skipped", "workflow_conflict"));
    assert_eq!(outcome(&items, &cases[1]).0, "done");
    assert_eq!(outcome(&items, &cases[2]).0, "done");
    assert_eq!(outcome(&items, &hotline), ("skipped", "workflow_conflict"));
    assert_eq!(outcome(&items, "not-a-case"), ("skipped", "invalid_input"));
    // Not a batch action, too many cases, photos: refused whole.
    for (ids, input) in [
        (vec![cases[3].as_str()], json!({"kind": "file"})),
        (
            vec![cases[3].as_str()],
            json!({"kind": "accept", "photos": ["x"]}),
        ),
        (vec![], json!({"kind": "accept"})),
    ] {
        let e = intake
            .try_call::<Value>(
                "act_batch",
                json!({"batch": {"caseIds": ids, "input": input}}),
            )
            .unwrap_err();
        assert_eq!(e["code"], "invalid_input", "{e}");
    }
    intake.sync_until_clean()?;
    for id in &cases[..3] {
        assert_eq!(server_status(&h, id)?, "awaiting_filing");
    }
    assert_eq!(server_status(&h, &hotline)?, "reported");

    // 不予受理: offered to the intake operator at 待受理 with that label, with a reason.
    let d = intake.detail(&cases[3])?;
    let reject = d["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["kind"] == "reject"))
        .with_context(|| format!("reject offered: {}", d["actions"]))?;
    assert_eq!(reject["label"], "不予受理");
    let e = intake
        .try_call::<Value>(
            "act",
            json!({"caseId": cases[3], "input": {"kind": "reject"}}),
        )
        .unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    intake.act(
        &cases[3],
        json!({"kind": "reject", "reason": "重复上报，已有同一井盖的案件"}),
    )?;
    intake.sync_until_clean()?;
    assert_eq!(server_status(&h, &cases[3])?, "rejected");
    // … but not once accepted (不予立案 is the shift leader's).
    assert!(!intake.actions(&cases[1])?.contains(&"reject".to_owned()));

    // The shift leader files two; the dispatcher dispatches both in one batch, each to its
    // responsibility-list department.
    let shift = AppUnderTest::new()?;
    shift.sign_in(&server, &user(&demo, Role::ShiftLeader)?.username)?;
    for id in &cases[1..3] {
        shift.wait_in_queue("filing", id)?;
        shift.act(id, json!({"kind": "file"}))?;
    }
    shift.sync_until_clean()?;
    let dispatcher = AppUnderTest::new()?;
    dispatcher.sign_in(&server, &user(&demo, Role::Dispatcher)?.username)?;
    for id in &cases[1..3] {
        dispatcher.wait_in_queue("dispatch", id)?;
    }
    // A dispatcher cannot 受理: the workflow refuses it case by case.
    let items = batch(&dispatcher, &[&cases[1]], json!({"kind": "accept"}))?;
    assert_eq!(outcome(&items, &cases[1]), ("skipped", "workflow_conflict"));
    let items = batch(
        &dispatcher,
        &[&cases[1], &cases[2]],
        json!({"kind": "dispatch"}),
    )?;
    assert!(items.iter().all(|i| i["outcome"] == "done"), "{items:?}");
    dispatcher.sync_until_clean()?;
    for id in &cases[1..3] {
        assert_eq!(server_status(&h, id)?, "in_progress");
    }
    // The rows carry the working-time countdown: never more than the wall-clock gap, at most
    // the limit, sorted by it.
    let now = gridcase_core::sync::runtime::now().0;
    let handling: Value = dispatcher.call(
        "list_cases",
        json!({"query": {"queue": "handling", "sort": "remaining"}}),
    )?;
    let rows = handling["rows"].as_array().context("rows")?;
    assert_eq!(rows.len(), 2, "{handling}");
    let mut last = i64::MIN;
    for r in rows {
        let left = r["remainingMs"].as_i64().context("remainingMs")?;
        let due = r["dueAt"].as_i64().context("dueAt")?;
        assert_eq!(r["remainingWorking"], true, "{r}");
        assert!(
            left > 0 && left <= due - now + 60_000,
            "{left} vs {}",
            due - now
        );
        assert!(left >= last, "sorted by time left");
        last = left;
    }
    // 结案 now: the workflow refuses it for both (they are being handled), each named.
    let items = batch(&shift, &[&cases[1], &cases[2]], json!({"kind": "close"}))?;
    assert!(
        items
            .iter()
            .all(|i| i["outcome"] == "skipped" && i["code"] == "workflow_conflict"),
        "{items:?}"
    );
    drop(rt);
    Ok(())
}

/// Issue 15 item 6: a report that names a component is suggested to the component's 养护单位,
/// even where the responsibility list gives the category to another department (the demo's
/// inventory gives every type to the list's department, so the named component here is a nearby
/// one of another maintainer); without a component the list decides.
#[test]
fn the_dispatch_suggestion_follows_the_named_components_maintainer() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let intake = AppUnderTest::new()?;
    let s = intake.sign_in(&server, &user(&demo, Role::IntakeOperator)?.username)?;
    assert_eq!(s["role"], "intake_operator");
    let c = &demo.cells[0];
    let (lon, lat) = near_first_corner(c, 0.0003)?;
    let placement: Value = intake.call("locate", json!({"lon": lon, "lat": lat}))?;
    // A component category (only those carry a component).
    let categories: Vec<Value> = intake.call(
        "categories_search",
        json!({"query": "井盖", "kind": "component"}),
    )?;
    let category = categories.first().context("a 井盖 category")?.clone();
    let submit = |component: Option<&str>| -> Result<Value> {
        let draft = json!({"kind": "hotline", "photos": [], "afterPhotos": [],
            "position": {"lon": lon, "lat": lat, "accuracyM": null, "source": "manual"},
            "placement": placement, "category": category, "componentId": component,
            "description": "井盖破损", "urgency": "normal",
            "caller": {"name": "王先生", "phone": "0931-8123456", "wantsCallback": false}, "updatedAt": 0});
        let _: Value = intake.call("draft_save", json!({"draft": draft}))?;
        let submitted: Value = intake.call("draft_submit", json!({}))?;
        let id = submitted["caseId"].as_str().context("case id")?.to_owned();
        intake.call("case_detail", json!({"caseId": id}))
    };

    // Without a component: the responsibility list.
    let plain = submit(None)?;
    let listed = plain["suggestion"]["departmentName"]
        .as_str()
        .context("a suggestion from the list")?
        .to_owned();
    assert!(
        plain["suggestion"]["basis"]
            .as_str()
            .is_some_and(|b| b.starts_with("权责清单")),
        "{}",
        plain["suggestion"]
    );

    // A nearby component maintained by another department.
    let component = placement["components"]
        .as_array()
        .context("components")?
        .iter()
        .find(|x| x["maintainer"].as_str().is_some_and(|m| m != listed))
        .context("no nearby component with another maintainer")?;
    let id = component["id"].as_str().context("component id")?;
    let named = submit(Some(id))?;
    assert_eq!(
        named["suggestion"]["departmentName"], component["maintainer"],
        "{}",
        named["suggestion"]
    );
    let basis = named["suggestion"]["basis"].as_str().unwrap_or_default();
    assert!(
        basis.starts_with("部件养护单位") && basis.contains(id),
        "{basis}"
    );
    Ok(())
}
