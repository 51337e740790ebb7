//! The training tenant's history (issue 15 item 8, `biz::training`): three months of cases in
//! every channel, state and outcome, written into the demo tenant through the server's write
//! path, each case folding without a conflict, numbered on its filing day, written once; and
//! the 签收 / 下派 of its departments with child units (docs/departments.md).

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::model::{Role, Timestamp};
use gridcase_core::workflow::{EventKind, Status, fold};
use gridcase_server::biz::{import, training, units};
use gridcase_server::{Config, Deployment};
use std::collections::BTreeMap;

/// 2026-12-01 10:00 Shanghai.
const NOW: i64 = 1_796_090_400_000;

/// The demo tenant imported into a new deployment, with 90 days of history before [`NOW`].
fn training_tenant() -> (tempfile::TempDir, Deployment, training::TrainingReport) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut config = Config::with_data_dir(tmp.path().join("data"));
    config.database_url =
        gridcase_server::db::pg::test_database_from_env().map(gridcase_server::DatabaseUrl);
    let dep = Deployment::open(config).expect("open");
    let src = tmp.path().join("demo");
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
    let report =
        training::generate(&dep, "620102", DEFAULT_SEED, 90, Timestamp(NOW)).expect("history");
    eprintln!("training history: {report:?}");
    (tmp, dep, report)
}

#[test]
fn three_months_of_history_in_every_channel_state_and_outcome() {
    let (_tmp, dep, report) = training_tenant();
    assert!(report.cases >= 2_000, "{report:?}");
    // Every channel.
    for channel in [
        "InspectorPatrol",
        "PublicHotline",
        "PublicApp",
        "PublicOpen311",
        "VideoAnalytics",
        "Superior",
    ] {
        assert!(
            report.by_channel.get(channel).copied().unwrap_or(0) >= 20,
            "{channel}: {report:?}"
        );
    }
    // Every outcome, and the last days' cases caught mid-flow.
    for status in ["closed", "rejected", "voided", "in_progress"] {
        assert!(
            report.by_status.get(status).copied().unwrap_or(0) >= 10,
            "{status}: {report:?}"
        );
    }
    let open: usize = report
        .by_status
        .iter()
        .filter(|(s, _)| !["closed", "rejected", "voided", "merged"].contains(&s.as_str()))
        .map(|(_, n)| n)
        .sum();
    assert!(open >= 50, "open cases: {report:?}");
    assert!(report.by_status.len() >= 8, "states: {report:?}");
    assert!(report.by_status["closed"] * 2 > report.cases, "{report:?}");
    assert!(report.reworked >= 20, "{report:?}");
    assert!(report.escalated >= 10, "{report:?}");

    // Stored through the write path: every case in the queue, filed ones numbered on the
    // filing day (a closed 自行处置 case is never filed, so never numbered), no conflicts.
    let (cases, numbered, unnumbered_filed, conflicts, late) = dep
        .db()
        .read(|tx| {
            let one = |sql: &str| -> Result<i64, gridcase_server::ServerError> {
                Ok(tx.query_row(sql, (), |r| r.get(0))?)
            };
            Ok((
                one("SELECT count(*) FROM cases WHERE tenant = '620102'")?,
                one("SELECT count(*) FROM cases WHERE case_number LIKE '620102-2026____-_____'")?,
                one(
                    "SELECT count(*) FROM cases WHERE case_number IS NULL AND status IN \
                     ('awaiting_dispatch','in_progress','feedback_received','awaiting_check', \
                      'awaiting_close')",
                )?,
                one("SELECT CAST(coalesce(sum(conflicts), 0) AS BIGINT) FROM cases")?,
                one("SELECT count(*) FROM cases WHERE light = 'red'")?,
            ))
        })
        .expect("read");
    assert_eq!(cases as usize, report.cases);
    assert!(numbered >= report.by_status["closed"] as i64, "{numbered}");
    assert_eq!(unnumbered_filed, 0);
    assert_eq!(conflicts, 0);
    assert!(late > 0, "some running cases are overdue");

    // A second run writes nothing.
    let again =
        training::generate(&dep, "620102", DEFAULT_SEED, 90, Timestamp(NOW)).expect("again");
    assert_eq!(again.cases, 0);
}

#[test]
fn departments_sign_for_and_hand_cases_down_to_their_child_units() {
    let (_tmp, dep, report) = training_tenant();
    assert!(report.signed_for * 2 > report.cases, "{report:?}");
    assert!(report.sub_dispatched >= 100, "{report:?}");
    let rules = dep.rules("620102").expect("rules");
    assert_eq!(
        rules.units.pairs().count(),
        7,
        "the demo's child units are imported"
    );
    let accounts = dep
        .db()
        .read(|tx| gridcase_server::db::users::list(tx, "620102"))
        .expect("users");
    for (unit, _) in rules.units.pairs() {
        assert!(
            accounts
                .iter()
                .any(|u| u.role == Role::Department && u.department == Some(unit)),
            "an account of child unit {unit}"
        );
    }
    // The cases a child unit was given: in its scope, so in its users' feed and 我的任务.
    let principals: Vec<String> = rules
        .units
        .pairs()
        .map(|(u, _)| format!("dept:{u}"))
        .collect();
    let ids: Vec<String> =
        dep.db()
            .read(|tx| {
                let mut stmt = tx.prepare(&format!(
                "SELECT DISTINCT case_id FROM case_scope WHERE principal IN ({}) ORDER BY case_id",
                principals.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(",")
            ))?;
                let rows = stmt.query_map((), |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<String>, _>>()?)
            })
            .expect("scope");
    assert_eq!(ids.len(), report.sub_dispatched);
    let mut stages: BTreeMap<&str, usize> = BTreeMap::new();
    let mut open_in_handling = 0;
    for id in &ids {
        let case = gridcase_core::model::CaseId::parse(id).expect("id");
        let events = dep
            .db()
            .read(|tx| gridcase_server::db::docs::load(tx, case))
            .expect("doc")
            .events()
            .expect("events");
        let state = fold(&events);
        assert!(state.conflicts.is_empty(), "{id}: {:?}", state.conflicts);
        let department = state.department.expect("a department");
        for ev in &events {
            if let EventKind::SubDispatch { unit, .. } = &ev.kind {
                // The server's own check of a pushed 下派 passes: a child of the case's
                // department, due within its handling deadline.
                assert!(
                    units::check(&rules, &events, std::slice::from_ref(ev)).is_none(),
                    "{id}: {:?}",
                    units::check(&rules, &events, std::slice::from_ref(ev))
                );
                assert_eq!(rules.units.parent_of(*unit), Some(department), "{id}");
                assert_eq!(
                    ev.actor.org,
                    Some(department),
                    "{id}: the department hands down"
                );
            }
        }
        for task in &state.sub_tasks {
            let stage = match (&task.signed, &task.feedback, task.lapsed) {
                (_, Some(f), _) => {
                    // Reported back by the deadline it was given (the parent's or earlier).
                    assert!(f.at <= task.due, "{id}: reported after its due");
                    assert!(task.signed.is_some(), "{id}: signed for before reporting");
                    "reported"
                }
                (_, None, true) => "lapsed",
                (Some(_), None, false) => "signed",
                (None, None, false) => "awaiting_sign",
            };
            *stages.entry(stage).or_default() += 1;
        }
        if state.status == Status::InProgress {
            open_in_handling += 1;
        }
    }
    eprintln!(
        "下派: {} cases, stages {stages:?}, {open_in_handling} still in handling",
        ids.len()
    );
    assert!(
        stages.get("reported").copied().unwrap_or(0) * 2 > ids.len(),
        "{stages:?}"
    );
    assert!(
        open_in_handling > 0,
        "some handed-down cases are still in handling"
    );
}
