//! Issue 4: 20 devices offline each create 50 reports with 2 photos, then reconnect through the
//! fault proxy cutting connections at random: every report is on the server exactly once, every
//! photo complete and hash-verified, and uploads resumed (bytes sent ≤ 1.2 × photo bytes).

use gridcase_core::model::{CaseId, Sha256};
use gridcase_core::sync::Progress;
use gridcase_core::workflow::EventKind;
use gridcase_tests::harness::cell;
use gridcase_tests::photos::photo;
use gridcase_tests::{FaultConfig, Harness};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DEVICES: usize = 20;
const REPORTS: usize = 50;
const PHOTOS: usize = 2;

/// Photo `p` of report `r` on device `d`: 40–100 KB, so most span two chunks of 64 KiB.
fn photo_of(d: usize, r: usize, p: usize) -> Vec<u8> {
    let seed = (d * 1_000_000 + r * 10 + p) as u64;
    photo(seed, 40_000 + (seed as usize * 7919) % 60_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_devices_fifty_reports_through_a_cutting_proxy() {
    let started = Instant::now();
    let h = Harness::start(DEVICES).await.expect("harness");
    let mut devices = Vec::new();
    for d in 1..=DEVICES {
        let name = format!("tablet-{d:02}");
        devices.push(
            h.device(&name, &format!("insp{d:02}"))
                .await
                .expect("login"),
        );
    }
    // Offline: 50 reports with 2 photos each, per device.
    let mut photo_bytes = 0u64;
    let mut expected: HashMap<CaseId, usize> = HashMap::new();
    let mut shas: HashMap<Sha256, usize> = HashMap::new();
    for (d, device) in devices.iter_mut().enumerate() {
        for r in 0..REPORTS {
            let photos: Vec<Vec<u8>> = (0..PHOTOS).map(|p| photo_of(d, r, p)).collect();
            for p in &photos {
                photo_bytes += p.len() as u64;
                shas.insert(Sha256::digest(p), p.len());
            }
            expected.insert(device.report(&cell(d + 1), &photos).expect("report"), d);
        }
    }
    assert_eq!(expected.len(), DEVICES * REPORTS);
    let before = h.proxy.stats();
    // Reconnect through a proxy that cuts every connection after 64 KiB–1 MiB, half of the
    // cuts as resets.
    h.proxy.set_config(FaultConfig {
        cut_after: Some(64 * 1024..=1024 * 1024),
        reset_share: 0.5,
        ..FaultConfig::default()
    });
    h.proxy.cut_all(); // the connections kept alive since login take the new faults too
    let resumed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for mut device in devices {
        let resumed = resumed.clone();
        device.client.on_progress(move |p| {
            if let Progress::Error {
                retry_in: Some(_), ..
            } = p
            {
                resumed.fetch_add(1, Ordering::Relaxed);
            }
        });
        tasks.push(tokio::spawn(async move {
            let rounds = device.client.sync_until_clean(20).await.expect("sync");
            (device, rounds)
        }));
    }
    let mut devices = Vec::new();
    for task in tasks {
        let (device, rounds) = task.await.expect("task");
        let last = rounds.last().expect("a round");
        assert!(last.is_clean(), "{}: {rounds:?}", device.name);
        assert!(
            device
                .with_store(|s| s.dirty_cases())
                .expect("dirty")
                .is_empty()
        );
        assert!(
            device
                .with_store(|s| s.pending_blobs(10))
                .expect("blobs")
                .is_empty()
        );
        devices.push(device);
    }
    let synced_in = started.elapsed();
    let stats = h.proxy.stats();
    let sent = stats.bytes_up - before.bytes_up;
    let blob_sent: u64 = devices
        .iter()
        .map(|d| d.client.counters().blob_bytes_sent)
        .sum();
    eprintln!(
        "20×50 synced in {synced_in:?}: {} cuts ({} resets), {} retries, {sent} bytes up for \
         {photo_bytes} photo bytes ({:.3}×), blob bodies {blob_sent}",
        stats.cuts - before.cuts,
        stats.resets - before.resets,
        resumed.load(Ordering::Relaxed),
        sent as f64 / photo_bytes as f64
    );
    assert!(
        stats.cuts - before.cuts >= 20,
        "the proxy cut connections: {stats:?}"
    );
    assert!(
        blob_sent > photo_bytes,
        "some chunks were cut and sent again (resumed, not restarted)"
    );
    assert!(
        (sent as f64) <= 1.2 * photo_bytes as f64,
        "bytes sent {sent} > 1.2 × {photo_bytes}"
    );

    // The server has every report exactly once: a centre device bootstraps the whole tenant.
    h.proxy.set_config(FaultConfig::default());
    let mut centre = h
        .direct_device("desk-leader", "leader")
        .await
        .expect("login");
    let rounds = centre.client.sync_until_clean(5).await.expect("bootstrap");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    let on_server: HashSet<CaseId> = centre
        .with_store(|s| s.sync_index())
        .expect("index")
        .into_iter()
        .map(|r| r.case_id)
        .collect();
    assert_eq!(on_server.len(), DEVICES * REPORTS);
    assert_eq!(on_server, expected.keys().copied().collect());
    for (case_id, d) in &expected {
        let events = centre.events(*case_id).expect("events");
        let reports = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Report(_)))
            .count();
        assert_eq!(reports, 1, "case {case_id} has its report once");
        assert_eq!(events, devices[*d].events(*case_id).expect("device events"));
    }
    // Every photo is complete on the server and its bytes hash to its name.
    let http = reqwest::Client::new();
    let token = centre.client.session().token.clone();
    for (sha, size) in &shas {
        let url = format!("{}/v1/blobs/{sha}", h.server.url());
        let response = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert!(
            response.status().is_success(),
            "{sha}: {}",
            response.status()
        );
        let bytes = response.bytes().await.expect("body");
        assert_eq!(bytes.len(), *size);
        assert_eq!(Sha256::digest(&bytes), *sha);
    }
    eprintln!("20×50 suite took {:?}", started.elapsed());
    assert!(synced_in < Duration::from_secs(600));
}
