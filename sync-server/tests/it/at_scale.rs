//! At scale (issue 12 item 7), on a real server with real devices:
//! - the indexed evaluation (`fold_period_in`: only the cases that can count in the period,
//!   cached folds of settled cases) gives byte-identical tables to the full fold (`fold_in`) for
//!   every table and several periods — with cases acting after the period end, a cache filled
//!   before a late (offline) reopen arrives, the reopened case closed again (settled at a new
//!   revision), and an index rebuilt lazily for documents stored before it existed;
//! - the lights pass touches only the cases whose light is due to change.

use crate::support::*;
use gridcase_core::evaluation::{Level, Period};
use gridcase_core::model::{CaseId, Timestamp};
use gridcase_core::workflow::EventKind;
use gridcase_server::Deployment;
use gridcase_server::biz::{case_index, evaluation, jobs, rules::DEFAULT_POLICY};
use std::time::Duration;

/// Report, accept, file, dispatch, feedback, check, close.
async fn closed_case(ts: &TestServer, cell: &str) -> CaseId {
    let mut insp = ts.device("insp_a").await;
    let mut intake = ts.device("intake").await;
    let mut shift = ts.device("shift").await;
    let mut disp = ts.device("disp1").await;
    let mut dept = ts.device("dept_water").await;
    let case = insp.report(cell);
    insp.push(case).await.expect("push");
    act(&mut intake, case, EventKind::Accept).await;
    let file = EventKind::File {
        note: String::new(),
        condition: None,
    };
    act(&mut shift, case, file).await;
    let dispatch = EventKind::Dispatch {
        department: ts.departments["water"],
        limit: None,
        basis: None,
    };
    act(&mut disp, case, dispatch).await;
    let feedback = EventKind::Feedback {
        result: "已修复".into(),
        photos: Vec::new(),
    };
    act(&mut dept, case, feedback).await;
    let assignee = insp.login.user_id;
    act(&mut intake, case, EventKind::RequestCheck { assignee }).await;
    let check = EventKind::Check {
        passed: true,
        photos: Vec::new(),
        note: String::new(),
    };
    act(&mut insp, case, check).await;
    let close = EventKind::Close {
        note: String::new(),
    };
    act(&mut shift, case, close).await;
    case
}

/// Every table of `period` both ways; they must be byte-identical. Returns (cases read by the
/// indexed fold, cases read by the full fold).
fn same_both_ways(dep: &Deployment, period: Period, what: &str) -> (usize, usize) {
    case_index::ensure_spans(dep, TENANT).expect("index filled");
    let rules = dep.rules(TENANT).expect("rules");
    let (mut s1, mut s2) = (Vec::new(), Vec::new());
    let (full, indexed) = dep
        .db()
        .read(|tx| {
            let full = evaluation::fold_in(tx, TENANT, &rules, period.to, &mut s1)?;
            let indexed =
                evaluation::fold_period_in(tx, TENANT, &rules, period, dep.eval_cache(), &mut s2)?;
            Ok((full, indexed))
        })
        .expect("folds");
    let mut nonzero = false;
    for level in Level::ALL {
        let a = serde_json::to_string(&full.report(level, period)).expect("json");
        let b = serde_json::to_string(&indexed.report(level, period)).expect("json");
        assert_eq!(a, b, "{what}: {level:?}");
        nonzero |= full
            .report(level, period)
            .table
            .rows
            .iter()
            .any(|r| r.figures.iter().any(|f| f.value.is_some_and(|v| v != 0.0)));
    }
    assert!(nonzero, "{what}: the tables have figures");
    (indexed.cases.len(), full.cases.len())
}

fn span(from: i64, to: i64) -> Period {
    Period {
        from: Timestamp(from),
        to: Timestamp(to),
    }
}

async fn pause() {
    tokio::time::sleep(Duration::from_millis(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexed_evaluation_equals_the_full_fold() {
    let ts = TestServer::start().await;
    let dep = ts.server.deployment().clone();
    let t0 = now_ms();

    // Before t1: two closed cases and a rejected one.
    let early = closed_case(&ts, CELL_A).await;
    let _early2 = closed_case(&ts, CELL_B).await;
    let mut insp_b = ts.device("insp_b").await;
    let mut intake = ts.device("intake").await;
    let mut shift = ts.device("shift").await;
    let rejected = insp_b.report(CELL_A);
    insp_b.push(rejected).await.expect("push");
    act(&mut intake, rejected, EventKind::Accept).await;
    let reject = EventKind::Reject {
        reason: "不属受理范围".into(),
    };
    act(&mut shift, rejected, reject).await;
    pause().await;
    let t1 = now_ms();
    pause().await;

    // Between t1 and t2: a case filed; an offline leader reopens `early` (not yet uploaded).
    let waiting = insp_b.report(CELL_B);
    insp_b.push(waiting).await.expect("push");
    act(&mut intake, waiting, EventKind::Accept).await;
    let file = EventKind::File {
        note: String::new(),
        condition: None,
    };
    act(&mut shift, waiting, file).await;
    let mut offline = ts.device("shift").await;
    offline.pull(early).await.expect("pull");
    offline.append(
        early,
        EventKind::Reopen {
            reason: "市民回访不满意".into(),
        },
    );
    pause().await;
    let t2 = now_ms();
    pause().await;

    // After t2: the waiting case is dispatched, a new case is closed.
    let mut disp = ts.device("disp1").await;
    let dispatch = EventKind::Dispatch {
        department: ts.departments["water"],
        limit: None,
        basis: None,
    };
    act(&mut disp, waiting, dispatch).await;
    let _late = closed_case(&ts, CELL_A).await;
    let end = now_ms() + 86_400_000;

    let periods = [
        ("whole", span(t0 - 86_400_000, end)),
        ("up to t2 (events after its end)", span(t0 - 86_400_000, t2)),
        ("t1..t2", span(t1, t2)),
        ("after t2", span(t2, end)),
    ];
    for (what, p) in periods {
        same_both_ways(&dep, p, what);
    }
    // The cache holds the settled cases; the period after t2 did not read the cases settled
    // before it.
    assert!(!dep.eval_cache().is_empty());
    let (read, all) = same_both_ways(&dep, periods[3].1, "after t2, warm");
    assert!(
        read < all,
        "the index leaves out settled cases: {read} of {all}"
    );

    // The reopen, acted between t1 and t2, arrives late: every period still agrees (the cached
    // fold of `early` is not reused), and the period t1..t2 now reads `early`.
    let before = same_both_ways(&dep, periods[2].1, "t1..t2 before the late reopen").0;
    let r = offline.push(early).await.expect("push");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    for (what, p) in periods {
        same_both_ways(&dep, p, &format!("{what}, after the late reopen"));
    }
    let after = same_both_ways(&dep, periods[2].1, "t1..t2 after the late reopen").0;
    assert_eq!(after, before + 1);

    // `early` is handled and closed again: settled again at a new revision, so the fold cached
    // before the reopen must not be reused (it has one dispatch, the case now two).
    let dispatch = EventKind::Dispatch {
        department: ts.departments["water"],
        limit: None,
        basis: None,
    };
    act(&mut disp, early, dispatch).await;
    let mut dept = ts.device("dept_water").await;
    let feedback = EventKind::Feedback {
        result: "已再次修复".into(),
        photos: Vec::new(),
    };
    act(&mut dept, early, feedback).await;
    let mut insp_a = ts.device("insp_a").await;
    let assignee = insp_a.login.user_id;
    act(&mut intake, early, EventKind::RequestCheck { assignee }).await;
    let check = EventKind::Check {
        passed: true,
        photos: Vec::new(),
        note: String::new(),
    };
    act(&mut insp_a, early, check).await;
    let close = EventKind::Close {
        note: String::new(),
    };
    act(&mut shift, early, close).await;
    for (what, p) in periods {
        same_both_ways(&dep, p, &format!("{what}, closed again"));
    }

    // Documents stored before the index existed: the rows are rebuilt lazily, same tables.
    ts.sql(|c| Ok(c.execute_batch("DELETE FROM case_index; DELETE FROM case_index_state;")?))
        .expect("forget the index");
    dep.eval_cache().clear();
    for (what, p) in periods {
        same_both_ways(&dep, p, &format!("{what}, index rebuilt"));
    }
    let (rows, docs): (i64, i64) = ts
        .sql(|c| {
            let rows = c.query_row("SELECT count(*) FROM case_index", (), |r| r.get(0))?;
            let docs = c.query_row(
                "SELECT count(*) FROM docs WHERE tenant = ?1",
                [TENANT],
                |r| r.get(0),
            )?;
            Ok((rows, docs))
        })
        .expect("count");
    assert_eq!(rows, docs);
}

/// The tenant's stage limits on natural time: accept 60 minutes, file 30 (yellow at 80 %).
fn natural_policy(ts: &TestServer, dep: &Deployment) {
    let text = DEFAULT_POLICY
        .replacen(
            "normal = \"30 working_minutes\"",
            "normal = \"60 natural_minutes\"",
            1,
        )
        .replace(
            "[stages.file]            # 立案\nurgent = \"10 working_minutes\"\nnormal = \"30 working_minutes\"",
            "[stages.file]\nurgent = \"10 natural_minutes\"\nnormal = \"30 natural_minutes\"",
        );
    assert!(text.contains("\"60 natural_minutes\"") && text.contains("\"30 natural_minutes\""));
    ts.sql(|c| {
        Ok(c.execute(
            "INSERT INTO tenant_files(tenant, kind, name, text, updated_at)
             VALUES (?1, 'policy', 'stage_limits.toml', ?2, 0)
             ON CONFLICT(tenant, kind) DO UPDATE SET text = excluded.text",
            gridcase_server::db::sql::params![TENANT, text],
        )?)
    })
    .expect("policy");
    dep.forget_rules(TENANT);
}

fn lights(dep: &Deployment, at: i64) -> jobs::Tally {
    jobs::lights_and_escalation(dep, Timestamp(at)).expect("the lights pass runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lights_pass_touches_only_the_due_cases() {
    let ts = TestServer::start().await;
    let dep = ts.server.deployment().clone();
    natural_policy(&ts, &dep);
    let mut insp = ts.device("insp_a").await;
    let mut intake = ts.device("intake").await;
    let mut cases = Vec::new();
    for _ in 0..6 {
        let c = insp.report(CELL_A);
        insp.push(c).await.expect("push");
        cases.push(c);
    }
    // One case moves on to the 30-minute filing clock: yellow after 24 minutes, the others'
    // 60-minute accept clocks after 48.
    act(&mut intake, cases[0], EventKind::Accept).await;
    let now = now_ms();
    let d = dep.clone();
    let (first, again, one, repeat, rest) = tokio::task::spawn_blocking(move || {
        // The first pass after the upgrade fills the index: every running case.
        let first = lights(&d, now);
        let again = lights(&d, now);
        let one = lights(&d, now + 27 * 60_000);
        let repeat = lights(&d, now + 27 * 60_000);
        let rest = lights(&d, now + 50 * 60_000);
        (first, again, one, repeat, rest)
    })
    .await
    .expect("join");
    assert_eq!((first.touched, first.changed), (6, 0), "{first:?}");
    assert_eq!((again.touched, again.changed), (0, 0), "{again:?}");
    assert_eq!((one.touched, one.changed), (1, 1), "{one:?}");
    assert_eq!((repeat.touched, repeat.changed), (0, 0), "{repeat:?}");
    // After 50 minutes: the five accept clocks turned yellow, the filing clock red (escalated).
    assert_eq!(
        (rest.touched, rest.changed, rest.escalated),
        (6, 6, 1),
        "{rest:?}"
    );

    let leader = ts.device("leader").await;
    let detail = leader
        .get_json(&format!("/v1/cases/{}", cases[0]))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["light"], "red");
    assert_eq!(detail["row"]["clock"], "file");
    assert_eq!(detail["row"]["escalation"], 1);

    // New rules move every deadline: the next pass measures every running case again.
    ts.sql(|c| {
        Ok(c.execute(
            "DELETE FROM tenant_files WHERE tenant = ?1 AND kind = 'policy'",
            [TENANT],
        )?)
    })
    .expect("policy back to the default");
    dep.forget_rules(TENANT);
    let d = dep.clone();
    let full = tokio::task::spawn_blocking(move || lights(&d, now + 50 * 60_000))
        .await
        .expect("join");
    assert_eq!(full.touched, 6, "{full:?}");
}
