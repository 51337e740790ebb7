//! Issue 11, clock skew (docs/security/clock.md): tablets whose clocks are hours off report
//! offline, come back and sync; every report is accepted, none quarantined, and every event's
//! act time (its HLC) is within seconds of the true (server) time. A report stamped before
//! the device knew its offset is re-stamped and accepted, not quarantined; a quarantined report
//! can be sent again.

use gridcase_core::model::CaseId;
use gridcase_core::workflow::Event;
use gridcase_tests::harness::cell;
use gridcase_tests::photos::photo;
use gridcase_tests::{Device, FaultConfig, Harness};

const HOURS_3: i64 = 3 * 3_600_000;
/// How far an act time may be from the true time of the act.
const TOLERANCE_MS: i64 = 3_000;

fn truth(h: &Harness) -> i64 {
    h.deployment().now().ms()
}

fn offline(h: &Harness) {
    h.proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    h.proxy.cut_all();
}

fn online(h: &Harness) {
    h.proxy.set_config(FaultConfig::default());
}

/// The case's events as the server holds them.
fn server_events(h: &Harness, case_id: CaseId) -> Vec<Event> {
    let doc = h
        .deployment()
        .db()
        .read(|tx| gridcase_server::db::docs::load(tx, case_id))
        .expect("the server has the case");
    doc.events().expect("events")
}

/// Reports `n` cases with a photo each, offline, and returns them with the true-time window
/// of each report.
fn report_offline(
    h: &Harness,
    device: &mut Device,
    n: usize,
    seed: u64,
) -> Vec<(CaseId, i64, i64)> {
    let mut out = Vec::new();
    for i in 0..n {
        let before = truth(h);
        let case = device
            .report(&cell(1), &[photo(seed + i as u64, 20_000)])
            .expect("report");
        out.push((case, before, truth(h)));
    }
    out
}

/// Syncs until clean and checks: nothing refused or quarantined, every report on the server
/// with act times within [`TOLERANCE_MS`] of when it was made.
/// Quarantine notices made before the sync (a dismissed one stays listed as history) are not
/// counted; the sync itself must quarantine nothing.
async fn sync_and_check(h: &Harness, device: &mut Device, reports: &[(CaseId, i64, i64)]) {
    let earlier: Vec<i64> = device
        .with_store(|s| s.quarantines(None, true))
        .expect("quarantines")
        .iter()
        .map(|q| q.id)
        .collect();
    let rounds = device.client.sync_until_clean(5).await.expect("sync");
    for r in &rounds {
        assert!(
            r.rejected.is_empty(),
            "{}: refused {:?}",
            device.name,
            r.rejected
        );
        assert!(
            r.failed.is_empty(),
            "{}: failed {:?}",
            device.name,
            r.failed
        );
    }
    let last = rounds.last().expect("a round");
    assert!(last.is_clean(), "{}: {last:?}", device.name);
    let quarantined: Vec<_> = device
        .with_store(|s| s.quarantines(None, true))
        .expect("quarantines")
        .into_iter()
        .filter(|q| !earlier.contains(&q.id))
        .collect();
    assert!(quarantined.is_empty(), "{}: {quarantined:?}", device.name);
    assert_eq!(
        device.with_store(|s| s.dirty_case_count()).expect("dirty"),
        0
    );
    assert_eq!(
        device
            .with_store(|s| s.pending_blob_count())
            .expect("blobs"),
        0
    );
    for (case, before, after) in reports {
        let events = server_events(h, *case);
        assert_eq!(events.len(), 1, "{}: {case}", device.name);
        let act = events[0].hlc.ms;
        assert!(
            act >= before - TOLERANCE_MS && act <= after + TOLERANCE_MS,
            "{}: case {case} act time {act} is not within {TOLERANCE_MS} ms of [{before}, {after}] \
             ({} ms off)",
            device.name,
            if act < *before {
                act - before
            } else {
                act - after
            },
        );
        assert!(
            h.server_case(&case.to_string()).expect("row").is_some(),
            "{}: {case} listed",
            device.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablets_three_hours_fast_and_slow_report_offline_and_are_accepted_with_true_times() {
    let h = Harness::start(1).await.expect("harness");
    let mut fast = h
        .skewed_device("fast", "insp01", HOURS_3)
        .await
        .expect("login fast");
    let mut slow = h
        .skewed_device("slow", "insp01", -HOURS_3)
        .await
        .expect("login slow");
    // Signing in taught each its offset (kept in its store).
    for (d, skew) in [(&fast, HOURS_3), (&slow, -HOURS_3)] {
        let offset = d
            .with_store(|s| s.clock_offset())
            .expect("offset")
            .expect("learned at sign-in");
        assert!(
            (offset.offset_ms + skew).abs() < 1_000,
            "{}: offset {} for a skew of {skew}",
            d.name,
            offset.offset_ms
        );
    }
    offline(&h);
    let fast_reports = report_offline(&h, &mut fast, 3, 100);
    let slow_reports = report_offline(&h, &mut slow, 3, 200);
    online(&h);
    sync_and_check(&h, &mut fast, &fast_reports).await;
    sync_and_check(&h, &mut slow, &slow_reports).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_stamped_before_the_offset_was_known_is_restamped_and_accepted() {
    let h = Harness::start(1).await.expect("harness");
    let mut fast = h
        .skewed_device("first-contact", "insp01", HOURS_3)
        .await
        .expect("login");
    // The store of an app from before this change: signed in, offset never learned.
    {
        let raw = rusqlite::Connection::open(fast.dir.join("device.sqlite")).expect("raw");
        raw.execute("DELETE FROM meta WHERE key = 'clock_offset'", [])
            .expect("forget the offset");
    }
    assert_eq!(fast.with_store(|s| s.clock_offset()).expect("offset"), None);
    offline(&h);
    let reports = report_offline(&h, &mut fast, 2, 300);
    // Stamped by the tablet's wrong clock: three hours ahead, beyond what the server takes.
    let (case, before, _) = reports[0];
    let stamped = fast.events(case).expect("events")[0].hlc.ms;
    assert!(
        stamped - before > HOURS_3 - 60_000,
        "stamped {stamped}, truth {before}"
    );
    online(&h);
    sync_and_check(&h, &mut fast, &reports).await;
    // The device's own copy carries the corrected stamps too, and new events follow them.
    let local = fast.events(case).expect("events")[0].hlc.ms;
    assert!((local - before).abs() < TOLERANCE_MS + 60_000);
    let next = fast
        .append(
            case,
            gridcase_core::workflow::EventKind::Comment {
                text: "现场已设置警示".into(),
            },
        )
        .expect("append");
    let now = truth(&h);
    assert!(
        (next.hlc.ms - now).abs() < TOLERANCE_MS,
        "{} vs {now}",
        next.hlc.ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_whose_clock_was_changed_offline_is_corrected_on_return() {
    let h = Harness::start(1).await.expect("harness");
    let mut tablet = h.device("changed", "insp01").await.expect("login");
    offline(&h);
    // The battery ran down; the tablet came back 3 h fast and its user reported offline.
    tablet.set_skew(HOURS_3);
    let reports = report_offline(&h, &mut tablet, 2, 400);
    online(&h);
    sync_and_check(&h, &mut tablet, &reports).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_quarantined_by_an_older_build_is_sent_again_with_its_photo() {
    let h = Harness::start(1).await.expect("harness");
    let mut tablet = h
        .skewed_device("resend", "insp01", HOURS_3)
        .await
        .expect("login");
    // What a build before this change left behind: the offset never learned, a report made
    // 3 h fast, refused as `hlc_in_future` and quarantined (the case removed from the device,
    // the refused report and its photo kept).
    {
        let raw = rusqlite::Connection::open(tablet.dir.join("device.sqlite")).expect("raw");
        raw.execute("DELETE FROM meta WHERE key = 'clock_offset'", [])
            .expect("forget the offset");
    }
    offline(&h);
    let picture = photo(500, 30_000);
    let before = truth(&h);
    let case = tablet
        .report(&cell(1), std::slice::from_ref(&picture))
        .expect("report");
    let after = truth(&h);
    let at = gridcase_core::model::Timestamp(tablet.local_now());
    let q = tablet
        .with_store(|s| {
            s.quarantine_case(
                case,
                "hlc_in_future",
                "设备时钟超前过多，请校准时间",
                at,
                None,
            )
        })
        .expect("quarantine as the old build did");
    assert!(!tablet.with_store(|s| s.has_case(case)).expect("has"));
    online(&h);
    // The user taps 重新提交.
    let now = tablet.local_now();
    let resent = tablet
        .with_store(|s| s.resend_quarantine(q.id, now))
        .expect("resend");
    assert_eq!(resent, case);
    assert!(
        tablet
            .with_store(|s| s.quarantines(None, false))
            .expect("list")
            .is_empty(),
        "the notice is cleared"
    );
    sync_and_check(&h, &mut tablet, &[(case, before, after)]).await;
    // The photo went with it.
    let sha = gridcase_core::model::Sha256::digest(&picture);
    let head = reqwest::Client::new()
        .head(format!("{}/v1/blobs/{sha}", h.server.url()))
        .bearer_auth(&tablet.client.session().token)
        .send()
        .await
        .expect("head");
    assert!(head.status().is_success(), "{}", head.status());
}
