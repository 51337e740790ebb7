//! The harness end to end, small: a report with photos goes up, a centre device pulls it.

use gridcase_tests::photos::photo;
use gridcase_tests::{Harness, harness::cell};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_with_photos_reaches_the_server_and_a_centre_device() {
    let h = Harness::start(1).await.expect("harness");
    let mut inspector = h.device("tablet-01", "insp01").await.expect("login");
    let photos = vec![photo(1, 200_000), photo(2, 150_000)];
    let case_id = inspector.report(&cell(1), &photos).expect("report");
    let rounds = inspector.client.sync_until_clean(5).await.expect("sync");
    let last = rounds.last().expect("a round");
    assert!(last.is_clean(), "{rounds:?}");
    assert_eq!(last.accepted, 1);
    assert_eq!(last.blobs_uploaded, 2);
    let mut centre = h.device("desk-intake", "intake").await.expect("login");
    let rounds = centre.client.sync_until_clean(5).await.expect("sync");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    assert_eq!(
        centre.events(case_id).expect("events"),
        inspector.events(case_id).expect("events")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_demo_tenant_serves_an_inspector_and_an_intake_operator() {
    use gridcase_core::model::Role;
    use gridcase_core::workflow::EventKind;
    let (h, demo) = Harness::start_demo().await.expect("demo harness");
    let users = &demo.users;
    let inspector = users
        .iter()
        .find(|u| u.role == Role::Inspector && !u.cells.is_empty())
        .expect("a demo inspector");
    // An inspector's `cells` name whole cells or the communities they patrol.
    let cell = demo
        .cells
        .iter()
        .map(|c| c.code.to_string())
        .find(|c| c.starts_with(&inspector.cells[0]))
        .expect("a cell of the inspector");
    let mut tablet = h
        .device("demo-tablet", &inspector.username)
        .await
        .expect("login");
    let case_id = tablet.report(&cell, &[photo(5, 30_000)]).expect("report");
    let rounds = tablet.client.sync_until_clean(5).await.expect("sync");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    let intake = users
        .iter()
        .find(|u| u.role == Role::IntakeOperator)
        .expect("intake");
    let mut desk = h
        .device("demo-desk", &intake.username)
        .await
        .expect("login");
    let rounds = desk.client.sync_until_clean(5).await.expect("sync");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    desk.append(case_id, EventKind::Accept).expect("accept");
    let rounds = desk.client.sync_until_clean(5).await.expect("sync");
    assert_eq!(rounds.last().expect("a round").accepted, 1);
    let rounds = tablet.client.sync_until_clean(5).await.expect("sync");
    assert_eq!(rounds.last().expect("a round").feed_changed, 1);
    assert_eq!(tablet.events(case_id).expect("events").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_syncs_in_the_background_until_stopped() {
    use gridcase_core::sync::Progress;
    let h = Harness::start(1).await.expect("harness");
    let mut tablet = h.device("tablet-01", "insp01").await.expect("login");
    let case_id = tablet
        .report(&cell(1), &[photo(9, 70_000)])
        .expect("report");
    let (idle_tx, mut idle_rx) = tokio::sync::mpsc::unbounded_channel();
    tablet.client.on_progress(move |p| {
        if let Progress::Idle { .. } = p {
            let _ = idle_tx.send(());
        }
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stopped = tablet
            .client
            .run(async {
                let _ = stop_rx.await;
            })
            .await;
        (tablet, stopped)
    });
    idle_rx.recv().await.expect("a clean round");
    stop_tx.send(()).expect("stop");
    let (tablet, stopped) = task.await.expect("task");
    stopped.expect("stopped cleanly");
    assert!(tablet.client.last_sync().is_some());
    assert!(
        tablet
            .with_store(|s| s.dirty_cases())
            .expect("dirty")
            .is_empty()
    );
    let row = tablet.with_store(|s| s.case_row(case_id)).expect("row");
    assert_eq!(row.sync_state, gridcase_core::store::SyncState::Synced);
}
