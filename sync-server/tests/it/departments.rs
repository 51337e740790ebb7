//! Issue 15 item 6: 签收 and 下派 through the real HTTP API (docs/departments.md). A 二级 unit
//! (水务局) signs for the centre's dispatch and gives the task to its 三级 unit (供水所) within
//! its own deadline; the 三级 unit's user sees the case, signs for it and reports back; the
//! 二级 unit gives the centre its 处置反馈 and stays the case's department. Crafted pushes are
//! refused with their codes: a deadline beyond the parent's (`beyond_parent_deadline`), a unit
//! that is not the parent's child — another department's, another tenant's
//! (`not_child_unit`) — and a unit outside the case's scope cannot act on it.

use crate::support::*;
use gridcase_core::model::{DepartmentId, Role, Timestamp};
use gridcase_core::workflow::EventKind;
use gridcase_server::biz::admin::{self, UserSpec};

/// Child units, their users and the tree: water-1 under water, city-1 under city; a
/// department of the other tenant.
async fn with_units(ts: &TestServer) -> (DepartmentId, DepartmentId, DepartmentId) {
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        let w1 =
            admin::create_department(&dep, TENANT, "城关供水所", Some("water-1")).expect("dept");
        let c1 =
            admin::create_department(&dep, TENANT, "市政养护一班", Some("city-1")).expect("dept");
        let foreign = admin::create_department(&dep, OTHER_TENANT, "七里河供水所", Some("water-1"))
            .expect("dept");
        for (username, department) in [("dept_water1", "water-1"), ("dept_city1", "city-1")] {
            admin::create_user(
                &dep,
                &UserSpec {
                    tenant: TENANT.to_owned(),
                    username: username.to_owned(),
                    display_name: format!("测试{username}"),
                    role: Role::Department,
                    department: Some(department.to_owned()),
                    cells: Vec::new(),
                    password: PASSWORD.to_owned(),
                },
            )
            .expect("user");
        }
        let n = gridcase_server::biz::units::set(
            &dep,
            TENANT,
            "unit,parent\nwater-1,water\ncity-1,city\n",
        )
        .expect("tree");
        assert_eq!(n, 2);
        (w1, c1, foreign)
    })
    .await
    .expect("setup")
}

fn sub_dispatch(unit: DepartmentId, due: i64) -> EventKind {
    EventKind::SubDispatch {
        unit,
        due: Timestamp(due),
        note: "请今日内处理".into(),
    }
}

/// Pushes one event as `dev` and returns the outcome code.
async fn try_act(dev: &mut Device, case: gridcase_core::model::CaseId, kind: EventKind) -> String {
    dev.pull(case).await.expect("pull");
    dev.append(case, kind);
    let r = dev.push(case).await.expect("sync");
    outcome(&r.docs[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_level_unit_sub_dispatches_and_its_child_signs_and_reports_back() {
    let ts = TestServer::start().await;
    let (water1, city1, foreign) = with_units(&ts).await;
    let water = ts.departments["water"];
    let mut insp = ts.device("insp_a").await;
    let mut intake = ts.device("intake").await;
    let mut shift = ts.device("shift").await;
    let mut disp = ts.device("disp1").await;
    let mut parent = ts.device("dept_water").await;
    let case = insp.report(CELL_A);
    insp.push(case).await.expect("push");
    act(&mut intake, case, EventKind::Accept).await;
    let file = EventKind::File {
        note: String::new(),
        condition: None,
    };
    act(&mut shift, case, file).await;
    let dispatch = EventKind::Dispatch {
        department: water,
        limit: None,
        basis: None,
    };
    act(&mut disp, case, dispatch).await;

    // The child unit does not see the case before the 下派.
    let child = ts.device("dept_water1").await;
    assert!(!child.feed_ids().await.contains(&case));

    let sign = || EventKind::SignFor {
        note: "已收到".into(),
    };
    act(&mut parent, case, sign()).await;
    let detail = parent
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    let deadline = detail["row"]["deadline"]
        .as_i64()
        .expect("a handling deadline");
    assert!(detail["state"]["dispatches"][0]["signed"].is_object());

    // Crafted 下派: beyond the parent's deadline, to another department's unit, to another
    // tenant's unit. Each is refused with its code and nothing of it is stored.
    for (unit, due, code) in [
        (water1, deadline + 3_600_000, "beyond_parent_deadline"),
        (city1, deadline - 60_000, "not_child_unit"),
        (foreign, deadline - 60_000, "not_child_unit"),
        (water, deadline - 60_000, "not_child_unit"),
    ] {
        let mut p = ts.device("dept_water").await;
        assert_eq!(try_act(&mut p, case, sub_dispatch(unit, due)).await, code);
    }
    // The centre's dispatcher may not 下派 (role table).
    assert_eq!(
        try_act(&mut disp, case, sub_dispatch(water1, deadline - 60_000)).await,
        "role_not_allowed"
    );
    // Another department's unit is outside the case's scope: it cannot even read it.
    let mut stranger = ts.device("dept_city1").await;
    let r = stranger.pull(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "out_of_scope");

    let due = deadline - 60_000;
    act(&mut parent, case, sub_dispatch(water1, due)).await;

    // The child unit now sees the case, signs for it and reports back.
    let mut child = ts.device("dept_water1").await;
    assert!(child.feed_ids().await.contains(&case));
    let detail = child
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("the child sees the case");
    assert_eq!(detail["state"]["sub_tasks"][0]["unit"], water1.to_string());
    act(&mut child, case, sign()).await;
    let report = EventKind::SubFeedback {
        result: "供水所已更换井盖".into(),
        photos: Vec::new(),
    };
    act(&mut child, case, report).await;

    // The parent gives the centre its 处置反馈; the case stays the parent's.
    let feedback = EventKind::Feedback {
        result: "已由供水所更换井盖".into(),
        photos: Vec::new(),
    };
    act(&mut parent, case, feedback).await;
    let detail = parent
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["status"], "feedback_received");
    assert_eq!(detail["row"]["department"], water.to_string());
    let task = &detail["state"]["sub_tasks"][0];
    assert!(task["signed"].is_object());
    assert_eq!(task["feedback"]["text"], "供水所已更换井盖");
    assert_eq!(task["due"], due);
    assert_eq!(
        detail["state"]["conflicts"].as_array().map(Vec::len),
        Some(0)
    );

    // The reference data names the child's parent for devices.
    let reference = child.get_json("/v1/reference").await.expect("reference");
    let units: Vec<&serde_json::Value> = reference["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .filter(|d| d["parent"].is_string())
        .collect();
    assert_eq!(units.len(), 2);
    assert!(
        units
            .iter()
            .any(|d| d["id"] == water1.to_string() && d["parent"] == water.to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tree_naming_an_unknown_or_nested_unit_is_refused_whole() {
    let ts = TestServer::start().await;
    let _ = with_units(&ts).await;
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        for bad in [
            "unit,parent\nwater-9,water\n",
            "unit,parent\nwater-1,water\ncity,water-1\n",
            "unit,parent\nwater,water\n",
        ] {
            let e = gridcase_server::biz::units::set(&dep, TENANT, bad).expect_err(bad);
            assert_eq!(e.code().as_str(), "bad_request", "{bad}");
        }
        // The tree set before stands.
        let rules = dep.rules(TENANT).expect("rules");
        assert_eq!(rules.units.pairs().count(), 2);
    })
    .await
    .expect("checks");
}
