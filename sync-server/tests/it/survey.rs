//! 专项普查 over HTTP (issue 16): the shift leader creates a 井盖 survey over cells A (with two
//! listed manholes) and B; insp_a and insp_b work it from their devices; an inspector the task
//! does not assign is refused; the progress and the XLSX export (read back with calamine) hold
//! the figures worked out below; every refusal has its code; the other tenant sees nothing.
//!
//! Expected: insp_a marks manhole 1 clear, reports case k1 (synced) on manhole 2 and case k2
//! (not synced yet) on cell A as a whole → A found (2 cases), done; insp_b marks B clear → done.
//! Rate 2/2 = 1, cases 2; insp_a: 1 cell, 1 done, 2 reported, 1 clear; insp_b: 1, 1, 0, 1.

use crate::patrol::{fixture, post};
use crate::support::*;
use calamine::{Data, Reader, Xlsx};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, ComponentId, GridCode};
use gridcase_core::model::{Role, SurveyId};
use gridcase_core::protocol::{SurveyMarkWire, SurveyProgressWire, SurveyTaskWire};
use gridcase_core::survey::{Finding, Target};
use gridcase_server::biz::admin::{self, UserSpec};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn cell(code: &str) -> GridCode {
    GridCode::parse(code).expect("cell")
}

fn manhole(n: u32) -> ComponentId {
    ComponentId::parse(&format!("62010201001{n:06}")).expect("component")
}

fn uuid() -> String {
    uuid::Uuid::from_u128(rand::random::<u128>()).to_string()
}

fn task(a: gridcase_core::model::UserId, b: gridcase_core::model::UserId) -> SurveyTaskWire {
    let now = now_ms();
    SurveyTaskWire {
        id: SurveyId::from_parts(now as u64, rand::random()),
        title: "城关区井盖专项普查".into(),
        categories: vec![CategoryRef {
            kind: CategoryKind::Component,
            code: CategoryCode::parse("01001").expect("code"),
        }],
        assignments: [(a, [cell(CELL_A)].into()), (b, [cell(CELL_B)].into())].into(),
        components: [(cell(CELL_A), [manhole(1), manhole(2)].into())].into(),
        starts_at: now - 3_600_000,
        due_at: now + 3 * 86_400_000,
    }
}

fn mark(c: &str, target: Target, finding: Finding, at: i64) -> SurveyMarkWire {
    SurveyMarkWire {
        id: uuid(),
        cell: cell(c),
        target,
        finding,
        at,
    }
}

fn push_body(marks: &[SurveyMarkWire]) -> Value {
    json!({ "marks": marks })
}

fn code_of(r: Result<Value, Failure>) -> (u16, String) {
    match r {
        Ok(v) => (200, format!("ok {v}")),
        Err(f) => (f.status, f.error.code),
    }
}

fn text(c: Option<&Data>) -> String {
    match c {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_worked_by_two_inspectors_gives_its_progress_and_workbook() {
    let ts = TestServer::start().await;
    fixture(&ts).await;
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        admin::create_user(
            &dep,
            &UserSpec {
                tenant: TENANT.to_owned(),
                username: "insp_c".to_owned(),
                display_name: "测试insp_c".to_owned(),
                role: Role::Inspector,
                department: None,
                cells: vec![CELL_A.to_owned()],
                password: PASSWORD.to_owned(),
            },
        )
        .expect("insp_c")
    })
    .await
    .expect("join");
    let mut insp_a = ts.device("insp_a").await;
    let insp_b = ts.device("insp_b").await;
    let insp_c = ts.device("insp_c").await;
    let mut insp_x = ts.device("insp_x").await;
    let shift = ts.device("shift").await;
    let leader = ts.device("leader").await;
    let (a_id, b_id) = (insp_a.login.user_id, insp_b.login.user_id);
    let t = task(a_id, b_id);
    let body = serde_json::to_value(&t).expect("json");

    // Creation: roles, contents, then the task, and the same task again.
    assert_eq!(
        code_of(post(&insp_a, "/v1/surveys", &body).await).1,
        "role_not_allowed"
    );
    assert_eq!(
        code_of(post(&leader, "/v1/surveys", &body).await).1,
        "role_not_allowed"
    );
    let bad = |f: &dyn Fn(&mut SurveyTaskWire)| {
        let mut w = t.clone();
        f(&mut w);
        serde_json::to_value(&w).expect("json")
    };
    for (what, b) in [
        (
            "other tenant's cell",
            bad(&|w| {
                w.assignments.insert(b_id, [cell(CELL_OTHER)].into());
            }),
        ),
        (
            "other tenant's inspector",
            bad(&|w| {
                w.assignments
                    .insert(insp_x.login.user_id, [cell(CELL_B)].into());
                w.assignments.remove(&b_id);
            }),
        ),
        ("due before start", bad(&|w| w.due_at = w.starts_at)),
        (
            "a cell for two inspectors",
            bad(&|w| {
                w.assignments.insert(b_id, [cell(CELL_A)].into());
            }),
        ),
        ("no title", bad(&|w| w.title = "  ".into())),
        (
            "components outside the task",
            bad(&|w| {
                w.components.insert(cell(CELL_OTHER), [manhole(3)].into());
            }),
        ),
    ] {
        assert_eq!(
            code_of(post(&shift, "/v1/surveys", &b).await),
            (422, "survey_invalid".into()),
            "{what}"
        );
    }
    let created: SurveyTaskWire =
        serde_json::from_value(post(&shift, "/v1/surveys", &body).await.expect("create"))
            .expect("shape");
    assert_eq!(created, t);
    post(&shift, "/v1/surveys", &body)
        .await
        .expect("the same task again");
    let changed = bad(&|w| w.title = "另一个标题".into());
    assert_eq!(
        code_of(post(&shift, "/v1/surveys", &changed).await).1,
        "survey_invalid"
    );

    // Lists: the assigned inspectors see it, the unassigned one and the other tenant do not.
    let listed = |v: Value| v["surveys"].as_array().expect("surveys").len();
    assert_eq!(
        listed(insp_a.get_json("/v1/surveys").await.expect("list")),
        1
    );
    assert_eq!(
        listed(insp_c.get_json("/v1/surveys").await.expect("list")),
        0
    );
    assert_eq!(
        listed(insp_x.get_json("/v1/surveys").await.expect("list")),
        0
    );
    assert_eq!(
        listed(leader.get_json("/v1/surveys").await.expect("list")),
        1
    );

    // insp_a's marks: k1 is synced before, k2 is not (its case is still in the outbox).
    let k1 = insp_a.report(CELL_A);
    insp_a.push(k1).await.expect("push k1");
    let k2 = new_case_id();
    let x_case = insp_x.report(CELL_OTHER);
    insp_x.push(x_case).await.expect("push x");
    let now = now_ms();
    let a_marks = vec![
        mark(
            CELL_A,
            Target::Component(manhole(1)),
            Finding::NothingFound,
            now,
        ),
        mark(
            CELL_A,
            Target::Component(manhole(2)),
            Finding::Reported(k1),
            now,
        ),
        mark(CELL_A, Target::Cell, Finding::Reported(k2), now),
        // Refused, each with its code:
        mark(CELL_B, Target::Cell, Finding::NothingFound, now),
        mark(
            CELL_A,
            Target::Component(manhole(9)),
            Finding::NothingFound,
            now,
        ),
        mark(CELL_A, Target::Cell, Finding::NothingFound, t.starts_at - 1),
        mark(CELL_A, Target::Cell, Finding::Reported(x_case), now),
        mark(CELL_A, Target::Cell, Finding::NothingFound, now + 3_600_000),
    ];
    let path = format!("/v1/surveys/{}/marks", t.id);
    let ack = post(&insp_a, &path, &push_body(&a_marks))
        .await
        .expect("marks");
    assert_eq!(ack["accepted"], 3);
    assert_eq!(
        ack["refused"],
        json!([
            [3, "survey_not_assigned"],
            [4, "survey_unknown_component"],
            [5, "survey_not_started"],
            [6, "survey_invalid"],
            [7, "hlc_in_future"]
        ])
    );
    // The same push again: accepted, counted once; a reused id with another finding: refused.
    let again = post(&insp_a, &path, &push_body(&a_marks[..3]))
        .await
        .expect("again");
    assert_eq!(again, json!({"accepted": 3, "refused": []}));
    let mut reused = a_marks[0].clone();
    reused.finding = Finding::Reported(k1);
    let r = post(&insp_a, &path, &push_body(&[reused]))
        .await
        .expect("reused");
    assert_eq!(r["refused"], json!([[0, "track_conflict"]]));

    let b_marks = vec![mark(CELL_B, Target::Cell, Finding::NothingFound, now)];
    assert_eq!(
        post(&insp_b, &path, &push_body(&b_marks)).await.expect("b")["accepted"],
        1
    );
    // Not assigned at all, a wrong role, another tenant.
    let c_marks = vec![mark(CELL_A, Target::Cell, Finding::NothingFound, now)];
    assert_eq!(
        code_of(post(&insp_c, &path, &push_body(&c_marks)).await),
        (403, "survey_not_assigned".into())
    );
    assert_eq!(
        code_of(post(&shift, &path, &push_body(&c_marks)).await).1,
        "role_not_allowed"
    );
    assert_eq!(
        code_of(post(&insp_x, &path, &push_body(&c_marks)).await),
        (404, "not_found".into())
    );
    assert_eq!(
        code_of(
            insp_x
                .get_json(&format!("/v1/surveys/{}/progress", t.id))
                .await
        ),
        (404, "not_found".into())
    );

    // Progress.
    let p: SurveyProgressWire = serde_json::from_value(
        leader
            .get_json(&format!("/v1/surveys/{}/progress", t.id))
            .await
            .expect("progress"),
    )
    .expect("shape");
    assert_eq!((p.rate, p.cases), (1.0, 2));
    let cells: BTreeMap<String, (String, u32, bool)> = p
        .cells
        .iter()
        .map(|c| (c.cell.to_string(), (c.status.clone(), c.found, c.done)))
        .collect();
    assert_eq!(cells[CELL_A], ("found".to_owned(), 2, true));
    assert_eq!(cells[CELL_B], ("clear".to_owned(), 0, true));
    let ins: BTreeMap<_, _> = p
        .inspectors
        .iter()
        .map(|i| (i.inspector, (i.cells, i.done, i.reported, i.clear)))
        .collect();
    assert_eq!(ins[&a_id], (1, 1, 2, 1));
    assert_eq!(ins[&b_id], (1, 1, 0, 1));
    // An inspector sees its own cells only.
    let own: SurveyProgressWire = serde_json::from_value(
        insp_b
            .get_json(&format!("/v1/surveys/{}/progress", t.id))
            .await
            .expect("own"),
    )
    .expect("shape");
    assert_eq!(own.cells.len(), 1);
    assert_eq!(own.inspectors.len(), 1);

    // The workbook.
    let resp = shift
        .client
        .get(format!("{}/v1/surveys/{}/export.xlsx", shift.base, t.id))
        .bearer_auth(&shift.login.token)
        .send()
        .await
        .expect("send");
    let bytes = ok_bytes(resp).await.expect("xlsx");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("opens");
    assert_eq!(book.sheet_names(), ["网格进度", "监督员进度", "任务"]);
    let sheet = book.worksheet_range("网格进度").expect("cells");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| text(Some(c))).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "网格编码",
            "监督员",
            "状态",
            "发现问题数",
            "是否完成",
            "监督员编号"
        ]
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][..5], [CELL_A, "测试insp_a", "发现问题", "2", "是"]);
    assert_eq!(
        rows[2][..5],
        [CELL_B, "测试insp_b", "已查无问题", "0", "是"]
    );
    let sheet = book.worksheet_range("监督员进度").expect("inspectors");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| text(Some(c))).collect())
        .collect();
    assert_eq!(
        rows[0][..5],
        [
            "监督员",
            "分配网格数",
            "已完成网格数",
            "上报案件数",
            "无问题标记数"
        ]
    );
    let by_name: BTreeMap<&str, &[String]> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), &r[1..5]))
        .collect();
    assert_eq!(by_name["测试insp_a"], ["1", "1", "2", "1"]);
    assert_eq!(by_name["测试insp_b"], ["1", "1", "0", "1"]);
    let about = book.worksheet_range("任务").expect("task");
    assert_eq!(text(about.get((0, 1))), "城关区井盖专项普查");
    assert_eq!(about.get((3, 1)), Some(&Data::Float(1.0)));
    assert_eq!(about.get((4, 1)), Some(&Data::Float(2.0)));
}
