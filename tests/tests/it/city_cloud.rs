//! Issue 14, the city cloud: two `gridcase-server serve` processes (the release layout: each its
//! own data directory, nothing shared on disk but the secrets key) on one PostgreSQL database
//! (`scripts/pg.sh`) and one S3 bucket (`scripts/s3.sh`), each behind the fault proxy that plays
//! the load balancer. Four tablets with their own stores report cases with photos, two through
//! each instance. The instance that leads the scheduler is killed with SIGKILL while a batch is
//! on its way; its proxy fails over to the other instance, as a load balancer's health check
//! would. What must hold:
//! - while both run, exactly one of them runs the scheduled jobs; after the kill the survivor
//!   takes the lead;
//! - nothing the dead instance acknowledged is lost (every acknowledged case is on the survivor
//!   with the acknowledged heads before any device retries);
//! - every device's retry completes on the survivor and all devices converge: a leader's desk
//!   pulls every case with every device's events, and no photo is left to upload;
//! - every photo is in the bucket, none on an instance's disk.

use gridcase_core::model::CaseId;
use gridcase_core::sync::Progress;
use gridcase_server::{Config, DatabaseUrl, Deployment};
use gridcase_tests::device;
use gridcase_tests::harness::{self, PASSWORD, TENANT, cell, client_config};
use gridcase_tests::photos::photo;
use gridcase_tests::process::ServerProcess;
use gridcase_tests::services::{self, count_files};
use gridcase_tests::{Device, FaultConfig, FaultProxy};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DEVICES: usize = 4;
const PER_DEVICE: usize = 40;
const LEADS: &str = "this instance now runs the scheduled jobs";

fn leads(p: &ServerProcess) -> usize {
    p.log().iter().filter(|l| l.contains(LEADS)).count()
}

/// Waits until `check` holds, at most `secs` seconds.
async fn wait_for(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgres_and_s3_converge_and_one_killed_mid_batch_loses_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(admin) = services::postgres_admin() else {
        return;
    };
    let Some(store) = services::s3(tmp.path()) else {
        return;
    };
    let url = gridcase_server::db::pg::create_database(&admin).expect("a database");
    // The instances must seal and open secrets with one key (docs/deployment.md).
    let key = tmp.path().join("secrets.key");

    // The tenant is set up once, by an administrator's process on the shared database.
    let mut config = Config::with_data_dir(tmp.path().join("admin"));
    config.database_url = Some(DatabaseUrl(url.clone()));
    config.secrets_key_file = Some(key.clone());
    config.object_store = store.clone();
    config.jobs.enabled = false;
    tokio::task::spawn_blocking(move || {
        let dep = Deployment::open(config).expect("open");
        harness::seed(&dep, DEVICES).expect("seed");
    })
    .await
    .expect("seed task");

    let mut env = services::s3_env(&store);
    env.push(("GRIDCASE_DATABASE_URL", url.clone()));
    env.push(("GRIDCASE_SECRETS_KEY_FILE", key.display().to_string()));
    // Both schedulers tick every second; only the leader runs the jobs.
    env.push(("GRIDCASE_JOBS_INTERVAL_SECS", "1".to_owned()));
    let first = ServerProcess::start_with(&tmp.path().join("instance-1"), &env).expect("first");
    let second = ServerProcess::start_with(&tmp.path().join("instance-2"), &env).expect("second");
    wait_for(30, "a scheduler leader", || {
        leads(&first) + leads(&second) > 0
    })
    .await;
    // Three more ticks: still exactly one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        leads(&first) + leads(&second),
        1,
        "exactly one instance runs the jobs"
    );
    let (leader_proc, survivor) = if leads(&first) == 1 {
        (first, second)
    } else {
        (second, first)
    };
    let to_leader = FaultProxy::start(leader_proc.addr().expect("addr"), FaultConfig::default(), 7)
        .await
        .expect("proxy");
    let to_survivor = FaultProxy::start(survivor.addr().expect("addr"), FaultConfig::default(), 8)
        .await
        .expect("proxy");

    // Devices 1 and 2 reach the leader, 3 and 4 the other instance.
    let mut devices = Vec::new();
    let mut ids: Vec<Vec<CaseId>> = Vec::new();
    for n in 1..=DEVICES {
        let via = if n <= 2 { &to_leader } else { &to_survivor };
        let mut config = client_config(&via.url(), 100 + n as u64);
        config.engine.limits.max_docs_per_sync = 10;
        let mut device = Device::login(
            &tmp.path().join(format!("tablet-{n}")),
            &format!("tablet-{n:02}"),
            config,
            TENANT,
            &format!("insp{n:02}"),
            PASSWORD,
        )
        .await
        .expect("login");
        let mut mine = Vec::new();
        for r in 0..PER_DEVICE {
            let seed = (n * 1_000 + r) as u64;
            mine.push(
                device
                    .report(&cell(n), &[photo(seed, 20_000)])
                    .expect("report"),
            );
        }
        ids.push(mine);
        devices.push(device);
    }

    // Slow the leader's wire a little, so a batch is in flight when it dies.
    to_leader.set_config(FaultConfig {
        delay: Duration::from_millis(2),
        ..FaultConfig::default()
    });
    let batches = Arc::new(AtomicUsize::new(0));
    let seen = batches.clone();
    devices[0].client.on_progress(move |p| {
        if let Progress::DocsSynced { .. } = p {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let stores: Vec<_> = devices.iter().map(|d| d.store.clone()).collect();
    let mut tasks = Vec::new();
    for mut device in devices {
        tasks.push(tokio::spawn(async move {
            let rounds = device.client.sync_until_clean(40).await;
            (device, rounds)
        }));
    }
    wait_for(120, "two acknowledged batches on the leader", || {
        batches.load(Ordering::SeqCst) >= 2
    })
    .await;
    let up = to_leader.stats().bytes_up;
    wait_for(60, "the next batch on its way", || {
        to_leader.stats().bytes_up > up
    })
    .await;
    leader_proc.kill().expect("SIGKILL");
    // Until the load balancer notices, the dead instance's devices reach nothing.
    to_leader.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let acknowledged: HashMap<CaseId, Vec<automerge::ChangeHash>> =
        stores[..2].iter().flat_map(device::acknowledged).collect();
    assert!(
        acknowledged.len() >= 10,
        "the leader acknowledged batches: {}",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < 2 * PER_DEVICE,
        "the kill came before the leader's devices were done"
    );

    // Before the dead instance's devices retry: all it acknowledged is on the survivor.
    let mut desk = Device::login(
        &tmp.path().join("desk"),
        "desk-leader",
        client_config(&to_survivor.url(), 3),
        TENANT,
        "leader",
        PASSWORD,
    )
    .await
    .expect("login");
    let rounds = desk.client.sync_until_clean(10).await.expect("pull");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    let on_server = device::assert_acknowledged_kept(&desk, &acknowledged);
    eprintln!(
        "SIGKILL after {} cases acknowledged by the leader; {on_server} on the survivor before the retry",
        acknowledged.len(),
    );

    // The load balancer fails over; the survivor takes the scheduler's lead.
    to_leader.set_upstream(survivor.addr().expect("addr"));
    to_leader.set_config(FaultConfig::default());
    wait_for(30, "the survivor to take the lead", || {
        leads(&survivor) == 1
    })
    .await;

    let mut done = Vec::new();
    for task in tasks {
        let (device, rounds) = task.await.expect("device task");
        let rounds = rounds.expect("rounds");
        assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
        // Every case sent, every photo uploaded and verified.
        device::assert_nothing_pending(&device);
        done.push(device);
    }

    // Convergence: the desk holds every case with every device's events.
    let rounds = desk.client.sync_until_clean(20).await.expect("pull");
    assert!(rounds.last().expect("a round").is_clean(), "{rounds:?}");
    let all = desk.with_store(|s| s.sync_index()).expect("index");
    assert_eq!(all.len(), DEVICES * PER_DEVICE);
    for (device, mine) in done.iter().zip(&ids) {
        for id in mine {
            assert_eq!(
                desk.events(*id).expect("events"),
                device.events(*id).expect("events")
            );
        }
    }

    // Photos: in the bucket, not on an instance's disk.
    if let Some(objects) = services::s3_objects_dir(&store) {
        let in_bucket = count_files(&objects);
        assert!(
            in_bucket >= DEVICES * PER_DEVICE,
            "{in_bucket} objects in the bucket"
        );
    }
    for dir in ["instance-1", "instance-2"] {
        let data = tmp.path().join(dir);
        assert_eq!(
            count_files(&data.join("blobs")) + count_files(&data.join("uploads")),
            0,
            "{dir} keeps no photo"
        );
    }
    drop(survivor);
}
