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
    assert_eq!(centre.events(case_id).expect("events"), inspector.events(case_id).expect("events"));
    let _ = &mut centre;
}
