//! Issue 4: two dispatchers dispatch the same case offline to different departments; both
//! devices and the server converge on one state with one flagged conflict.

use gridcase_core::protocol::FeedPage;
use gridcase_core::workflow::{EventKind, fold};
use gridcase_tests::harness::cell;
use gridcase_tests::{Device, Harness};

async fn sync(device: &mut Device) {
    let rounds = device.client.sync_until_clean(5).await.expect("sync");
    assert!(
        rounds.last().expect("a round").is_clean(),
        "{}: {rounds:?}",
        device.name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_offline_dispatches_converge_on_one_state_with_one_conflict() {
    let h = Harness::start(1).await.expect("harness");
    let (water, city) = h.departments;
    let mut inspector = h.device("tablet-01", "insp01").await.expect("login");
    let case_id = inspector.report(&cell(1), &[]).expect("report");
    sync(&mut inspector).await;
    let mut intake = h.device("desk-intake", "intake").await.expect("login");
    sync(&mut intake).await;
    intake.append(case_id, EventKind::Accept).expect("accept");
    sync(&mut intake).await;
    let mut shift = h.device("desk-shift", "shift").await.expect("login");
    sync(&mut shift).await;
    shift
        .append(
            case_id,
            EventKind::File {
                note: "符合立案条件".into(),
                condition: None,
            },
        )
        .expect("file");
    sync(&mut shift).await;

    let mut disp1 = h.device("desk-disp1", "disp1").await.expect("login");
    let mut disp2 = h.device("desk-disp2", "disp2").await.expect("login");
    sync(&mut disp1).await;
    sync(&mut disp2).await;
    let filed = fold(&disp1.events(case_id).expect("events"));
    assert_eq!(filed.status.as_str(), "awaiting_dispatch", "{filed:?}");
    assert!(filed.conflicts.is_empty());

    // Offline, each dispatches to a different department.
    disp1
        .append(
            case_id,
            EventKind::Dispatch {
                department: water,
                limit: None,
                basis: None,
            },
        )
        .expect("dispatch");
    disp2
        .append(
            case_id,
            EventKind::Dispatch {
                department: city,
                limit: None,
                basis: None,
            },
        )
        .expect("dispatch");
    // Back online, in turn; the first one syncs again to get the second's dispatch.
    sync(&mut disp1).await;
    sync(&mut disp2).await;
    sync(&mut disp1).await;

    let one = disp1.events(case_id).expect("events");
    let two = disp2.events(case_id).expect("events");
    assert_eq!(one, two, "both devices hold the same events");
    let (state1, state2) = (fold(&one), fold(&two));
    assert_eq!(state1, state2, "both devices compute the same state");
    assert_eq!(
        state1.conflicts.len(),
        1,
        "exactly one flagged conflict: {state1:?}"
    );
    assert_eq!(state1.status.as_str(), "in_progress");
    let winner = state1.department.expect("a department");
    assert!(winner == water || winner == city);

    // The server's copy and its projection agree.
    let mut leader = h
        .direct_device("desk-leader", "leader")
        .await
        .expect("login");
    sync(&mut leader).await;
    assert_eq!(leader.events(case_id).expect("events"), one);
    let url = format!("{}/v1/feed?cursor=0&limit=500", h.server.url());
    let page: FeedPage = reqwest::Client::new()
        .get(url)
        .bearer_auth(&leader.client.session().token)
        .send()
        .await
        .expect("feed")
        .json()
        .await
        .expect("json");
    let row = &page
        .entries
        .iter()
        .find(|e| e.case_id == case_id)
        .expect("in feed")
        .row;
    assert_eq!(row.conflicts, 1, "{row:?}");
    assert_eq!(row.status, "in_progress");
    assert_eq!(row.department, Some(winner.to_string()));
    assert!(
        row.case_number.is_some(),
        "the server numbered the filed case"
    );
    // The device projections say the same.
    for device in [&disp1, &disp2] {
        let local = device.with_store(|s| s.case_row(case_id)).expect("row");
        assert_eq!(
            (local.conflict_count, local.department.clone()),
            (1, Some(winner.to_string()))
        );
    }
}
