//! Issue 4: the server process killed (SIGKILL) in the middle of a batch and restarted: nothing
//! that was acknowledged is lost, and the device's retry completes.

use gridcase_core::sync::Progress;
use gridcase_server::{Config, Deployment};
use gridcase_tests::harness::{self, PASSWORD, TENANT, cell, client_config};
use gridcase_tests::photos::photo;
use gridcase_tests::process::ServerProcess;
use gridcase_tests::{Device, FaultConfig, FaultProxy};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const REPORTS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_batch_loses_nothing_acknowledged_and_the_retry_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("server");
    let seed_dir = data.clone();
    tokio::task::spawn_blocking(move || {
        let dep = Deployment::open(Config::with_data_dir(seed_dir)).expect("open");
        harness::seed(&dep, 1).expect("seed");
    })
    .await
    .expect("seed task");
    let server = ServerProcess::start(&data).expect("server process");
    let proxy = FaultProxy::start(server.addr().expect("addr"), FaultConfig::default(), 5)
        .await
        .expect("proxy");

    let mut config = client_config(&proxy.url(), 11);
    config.engine.limits.max_docs_per_sync = 25;
    let mut device = Device::login(
        &dir.path().join("tablet"),
        "tablet-01",
        config,
        TENANT,
        "insp01",
        PASSWORD,
    )
    .await
    .expect("login");
    let mut ids = Vec::new();
    for r in 0..REPORTS {
        ids.push(
            device
                .report(&cell(1), &[photo(r as u64, 20_000)])
                .expect("report"),
        );
    }
    // Slow the wire a little so a batch is in flight when the server dies.
    proxy.set_config(FaultConfig {
        delay: Duration::from_millis(2),
        ..FaultConfig::default()
    });
    let batches = Arc::new(AtomicUsize::new(0));
    let seen = batches.clone();
    device.client.on_progress(move |p| {
        if let Progress::DocsSynced { .. } = p {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let store = device.store.clone();
    let sync = tokio::spawn(async move {
        let rounds = device.client.sync_until_clean(20).await;
        (device, rounds)
    });
    let waited = std::time::Instant::now();
    while batches.load(Ordering::SeqCst) < 3 {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no three batches synced"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Kill once the fourth batch has started to reach the server (its first 16 KiB forwarded;
    // the rest follows 10 ms per piece).
    let up_at_third_ack = proxy.stats().bytes_up;
    while proxy.stats().bytes_up == up_at_third_ack {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no fourth batch"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill().expect("SIGKILL");
    // While the server is down and restarted, the device cannot reach it.
    proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let acknowledged = gridcase_tests::device::acknowledged(&store);
    assert!(
        acknowledged.len() >= 75,
        "three batches were acknowledged: {}",
        acknowledged.len()
    );
    assert!(acknowledged.len() < REPORTS, "the kill came mid-sync");

    let server = ServerProcess::start(&data).expect("restart");
    // Before the device retries: everything acknowledged is on the restarted server.
    let h_url = server.url().to_owned();
    let mut leader = Device::login(
        &dir.path().join("desk"),
        "desk-leader",
        client_config(&h_url, 3),
        TENANT,
        "leader",
        PASSWORD,
    )
    .await
    .expect("login");
    let rounds = leader.client.sync_until_clean(5).await.expect("bootstrap");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    let on_server = gridcase_tests::device::assert_acknowledged_kept(&leader, &acknowledged);
    eprintln!(
        "SIGKILL after {} acknowledged cases; {on_server} on the restarted server before the retry",
        acknowledged.len(),
    );

    // The device's retry completes.
    proxy.set_upstream(server.addr().expect("addr"));
    proxy.set_config(FaultConfig::default());
    let (device, rounds) = sync.await.expect("sync task");
    let rounds = rounds.expect("rounds");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    assert!(
        rounds
            .iter()
            .any(|r| r.retries > 0 || r.interrupted.is_some())
    );
    gridcase_tests::device::assert_nothing_pending(&device);
    let rounds = leader.client.sync_until_clean(5).await.expect("pull");
    assert!(rounds.last().expect("a round").is_clean());
    let all = leader.with_store(|s| s.sync_index()).expect("index");
    assert_eq!(all.len(), REPORTS);
    for id in &ids {
        assert_eq!(
            leader.events(*id).expect("events"),
            device.events(*id).expect("events")
        );
    }
    drop(server);
}
