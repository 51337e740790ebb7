//! Issue 11, disk full: the server's database really fills up (SQLite `max_page_count` set to
//! its current size on the server's writer connection, the free space inside the file used up)
//! while three devices push reports with photos. Every device is told `storage_full` (507) and
//! keeps its reports for later (none quarantined), `/v1/health` says `degraded` with the
//! reason, nothing accepted before is lost; once space is back (the limit raised) the devices'
//! next rounds store everything.

use gridcase_core::model::CaseId;
use gridcase_tests::harness::{cell, client_config};
use gridcase_tests::photos::photo;
use gridcase_tests::{Device, Harness, PASSWORD, TENANT};
use std::collections::HashSet;

const DEVICES: usize = 3;

/// A device straight to the server that gives a round up after 3 failures (the default 50
/// would only make the full phase longer).
async fn device(h: &Harness, d: usize) -> Device {
    let name = format!("full-{d}");
    let mut config = client_config(&h.server.url(), d as u64 + 7);
    config.engine.max_failures = 3;
    Device::login(
        &h.device_dir(&name),
        &name,
        config,
        TENANT,
        &format!("insp{d:02}"),
        PASSWORD,
    )
    .await
    .expect("login")
}

/// Reports 2 cases with a photo each on every device, offline.
fn report_on_all(devices: &mut [Device], round: usize) -> Vec<CaseId> {
    let mut out = Vec::new();
    for (i, dev) in devices.iter_mut().enumerate() {
        for r in 0..2 {
            let seed = (round * 1000 + i * 10 + r) as u64;
            let photos = vec![photo(seed, 20_000 + (seed as usize % 7) * 1000)];
            out.push(dev.report(&cell(i + 1), &photos).expect("report"));
        }
    }
    out
}

/// Sets the writer connection's page limit: `None` fills the database to its current size.
fn set_page_limit(h: &Harness, limit: Option<u64>) {
    let conn = h.deployment().db().writer();
    match limit {
        Some(n) => {
            conn.pragma_update(None, "max_page_count", n)
                .expect("pragma");
        }
        None => {
            conn.execute_batch("CREATE TABLE IF NOT EXISTS test_filler(x BLOB)")
                .expect("filler table");
            let pages: u64 = conn
                .query_row("PRAGMA page_count", [], |r| r.get(0))
                .expect("page_count");
            conn.pragma_update(None, "max_page_count", pages)
                .expect("pragma");
            // Use up the free space left inside the file's pages.
            for size in [65_536, 4096, 512, 64, 8] {
                while conn
                    .execute("INSERT INTO test_filler(x) VALUES (zeroblob(?1))", [size])
                    .is_ok()
                {}
            }
        }
    }
}

async fn health(h: &Harness) -> String {
    reqwest::get(format!("{}/v1/health", h.server.url()))
        .await
        .expect("health")
        .text()
        .await
        .expect("text")
}

fn on_server(h: &Harness, cases: &[CaseId]) -> usize {
    cases
        .iter()
        .filter(|c| {
            h.server_case(&c.to_string())
                .expect("read server case")
                .is_some()
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fails at hand-over (the database is not yet full when the devices push): issue 11 left open"]
async fn a_full_database_answers_storage_full_and_the_retry_succeeds_once_space_is_back() {
    let h = Harness::start(DEVICES).await.expect("harness");
    let mut devices = Vec::new();
    for d in 1..=DEVICES {
        devices.push(device(&h, d).await);
    }
    // Before: accepted and acknowledged.
    let before = report_on_all(&mut devices, 0);
    for dev in &mut devices {
        let rounds = dev.client.sync_until_clean(5).await.expect("sync");
        assert!(rounds.last().is_some_and(|r| r.is_clean()), "{rounds:?}");
    }
    assert_eq!(on_server(&h, &before), before.len());
    assert_eq!(health(&h).await, "ok");

    // The disk fills up; the devices push concurrently.
    let h = std::sync::Arc::new(h);
    let hh = h.clone();
    tokio::task::spawn_blocking(move || set_page_limit(&hh, None))
        .await
        .expect("fill");
    let during = report_on_all(&mut devices, 1);
    let mut tasks = Vec::new();
    for mut dev in devices {
        tasks.push(tokio::spawn(async move {
            let summary = dev.client.sync_once().await.expect("round");
            (dev, summary)
        }));
    }
    let mut devices = Vec::new();
    for t in tasks {
        let (dev, summary) = t.await.expect("join");
        let stopped = summary.interrupted.as_ref().unwrap_or_else(|| {
            panic!(
                "{}: the round went through a full disk: {summary:?}",
                dev.name
            )
        });
        assert_eq!(stopped.code, "storage_full", "{}: {summary:?}", dev.name);
        assert!(
            stopped.message.contains("存储空间不足"),
            "{}",
            stopped.message
        );
        assert!(
            stopped.retry_at.is_some(),
            "storage_full must be retried later"
        );
        assert!(
            summary.rejected.is_empty(),
            "{}: reports quarantined for a full disk: {:?}",
            dev.name,
            summary.rejected
        );
        devices.push(dev);
    }
    let state = health(&h).await;
    assert!(state.starts_with("degraded: "), "{state}");
    assert!(state.contains("存储空间不足"), "{state}");
    // Nothing acknowledged was lost; nothing of the refused pushes half-stored.
    assert_eq!(on_server(&h, &before), before.len());
    assert_eq!(on_server(&h, &during), 0);

    // Space is back: the next rounds store everything.
    let hh = h.clone();
    tokio::task::spawn_blocking(move || set_page_limit(&hh, Some(1_073_741_823)))
        .await
        .expect("raise");
    for dev in &mut devices {
        let rounds = dev.client.sync_until_clean(5).await.expect("sync");
        let last = rounds.last().expect("a round");
        assert!(last.is_clean(), "{}: {rounds:?}", dev.name);
        assert!(
            rounds.iter().all(|r| r.rejected.is_empty()),
            "{}: {rounds:?}",
            dev.name
        );
    }
    let all: HashSet<CaseId> = before.iter().chain(&during).copied().collect();
    let all: Vec<CaseId> = all.into_iter().collect();
    assert_eq!(
        on_server(&h, &all),
        all.len(),
        "every report is on the server"
    );
    assert_eq!(health(&h).await, "ok");
}
