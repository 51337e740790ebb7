//! The training tenant's history (issue 15 item 8, `biz::training`): three months of cases in
//! every channel, state and outcome, written into the demo tenant through the server's write
//! path, each case folding without a conflict, numbered on its filing day, written once.

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::model::Timestamp;
use gridcase_server::biz::{import, training};
use gridcase_server::{Config, Deployment};

/// 2026-12-01 10:00 Shanghai.
const NOW: i64 = 1_796_090_400_000;

#[test]
fn three_months_of_history_in_every_channel_state_and_outcome() {
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
