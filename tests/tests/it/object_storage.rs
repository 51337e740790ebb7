//! Issue 14, photos in object storage: real device runtimes report cases with photos through
//! two server instances that share one database and one S3 bucket (s3s-fs, `scripts/s3.sh`;
//! `GRIDCASE_TEST_S3_*`). While one instance cannot reach the object store, its devices are
//! told `object_store_unavailable` and keep their photos (the case itself is stored, nothing is
//! refused for good); once that instance reaches the store again the same devices finish the
//! upload. Every photo ends in the bucket with its hash, none on an instance's disk.

use gridcase_server::{Config, ObjectStoreConfig, RunningServer};
use gridcase_tests::harness::{cell, client_config, seed};
use gridcase_tests::photos::photo;
use gridcase_tests::services::s3;
use gridcase_tests::{Device, PASSWORD, TENANT};
use std::path::Path;

async fn instance(data: &Path, listen: &str, store: ObjectStoreConfig) -> RunningServer {
    let mut config = Config::with_data_dir(data);
    config.listen = listen.parse().expect("addr");
    config.jobs.enabled = false;
    config.object_store = store;
    gridcase_server::spawn(config)
        .await
        .expect("instance starts")
}

async fn device(base: &str, n: usize, dir: &Path) -> Device {
    let name = format!("os-{n}");
    let mut config = client_config(base, n as u64 + 40);
    config.engine.max_failures = 3;
    Device::login(
        &dir.join(&name),
        &name,
        config,
        TENANT,
        &format!("insp{n:02}"),
        PASSWORD,
    )
    .await
    .expect("login")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_reach_the_bucket_through_two_instances_and_survive_a_store_outage() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(store) = s3(tmp.path()) else {
        return;
    };
    let data = tmp.path().join("server");
    let a = instance(&data, "127.0.0.1:0", store.clone()).await;
    let dep = a.deployment().clone();
    tokio::task::spawn_blocking(move || seed(&dep, 2))
        .await
        .expect("join")
        .expect("seed");
    // Instance B shares the database; its way to the object store is down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let down = ObjectStoreConfig {
        endpoint: Some(format!("http://{}", closed.local_addr().expect("addr"))),
        ..store.clone()
    };
    drop(closed);
    let b = instance(&data, "127.0.0.1:0", down).await;
    let b_addr = b.addr();

    let devices = tmp.path().join("devices");
    let mut on_a = device(&a.url(), 1, &devices).await;
    let mut on_b = device(&b.url(), 2, &devices).await;
    let photo_a = photo(1, 300_000);
    let photo_b = photo(2, 200_000);
    let case_a = on_a
        .report(&cell(1), std::slice::from_ref(&photo_a))
        .expect("report");
    let case_b = on_b
        .report(&cell(2), std::slice::from_ref(&photo_b))
        .expect("report");

    let rounds = on_a.client.sync_until_clean(5).await.expect("sync A");
    assert!(rounds.last().expect("round").is_clean(), "{rounds:?}");
    let summary = on_b.client.sync_once().await.expect("round on B");
    assert!(
        !summary.is_clean(),
        "the photo could not be stored: {summary:?}"
    );
    assert!(summary.rejected.is_empty(), "nothing refused: {summary:?}");
    assert!(
        summary.blobs_failed.is_empty(),
        "no photo given up: {summary:?}"
    );
    assert_eq!(
        on_b.with_store(|s| s.pending_blobs(10))
            .expect("blobs")
            .len(),
        1,
        "the device keeps its photo"
    );
    let case_row = |case: gridcase_core::model::CaseId| {
        a.deployment()
            .db()
            .read(|tx| gridcase_server::db::cases::get(tx, TENANT, case))
            .expect("read")
    };
    assert!(case_row(case_b).is_some(), "the case itself is stored");

    // B reaches the store again (restarted on the same address); the device finishes.
    b.shutdown().await.expect("shutdown B");
    let b = instance(&data, &b_addr.to_string(), store).await;
    let rounds = on_b.client.sync_until_clean(5).await.expect("sync B");
    assert!(rounds.last().expect("round").is_clean(), "{rounds:?}");
    assert!(
        on_b.with_store(|s| s.pending_blobs(10))
            .expect("blobs")
            .is_empty()
    );

    // Both photos are in the bucket with their bytes, and on neither instance's disk.
    for (case, bytes) in [(case_a, &photo_a), (case_b, &photo_b)] {
        let row = case_row(case).expect("case");
        assert_eq!(row.blobs_missing, 0, "{case}");
        let sha = gridcase_core::model::Sha256::digest(bytes).to_hex();
        let key = format!("blobs/{TENANT}/{}/{}", &sha[..2], &sha[2..]);
        let size = b
            .deployment()
            .blob_store()
            .size(&key)
            .await
            .expect("head")
            .expect("in the bucket");
        assert_eq!(size, bytes.len() as u64);
    }
    let on_disk = std::fs::read_dir(data.join("blobs"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(on_disk, 0, "nothing under the data directory's blobs/");
    a.shutdown().await.expect("shutdown A");
    b.shutdown().await.expect("shutdown B");
}
