//! The PostgreSQL backend with several instances (docs/deployment.md "市级云平台"): two
//! `serve` instances in this process on one PostgreSQL database (scripts/pg.sh), devices split
//! across them, a feed reader racing the writers, and the scheduler's leadership.
//!
//! These tests need `GRIDCASE_TEST_PG` (an admin URL; scripts/test-all.sh starts the cluster);
//! they fail when it is unset unless `GRIDCASE_TEST_PG=off` says to skip them.

use crate::support::{Device, TENANT, TestServer, act, report_payload};
use gridcase_core::model::CaseId;
use gridcase_core::workflow::EventKind;
use gridcase_server::db::Backend;
use gridcase_server::{Config, DatabaseUrl};
use std::collections::BTreeSet;

/// The admin URL of the test cluster, or `None` when the run says to skip PostgreSQL.
fn admin_url() -> Option<String> {
    match std::env::var("GRIDCASE_TEST_PG").ok().as_deref() {
        Some("off") => None,
        Some(url) => Some(url.to_owned()),
        None => panic!(
            "GRIDCASE_TEST_PG is unset: start PostgreSQL with `eval \"$(scripts/pg.sh start)\"` \
             (or set GRIDCASE_TEST_PG=off to skip the PostgreSQL tests)"
        ),
    }
}

/// Instance A (seeded with the usual tenants and accounts) and instance B, both on one fresh
/// database, sharing the key that seals secrets (as a deployment's instances must).
async fn two_instances(
    admin: &str,
) -> (
    TestServer,
    gridcase_server::RunningServer,
    tempfile::TempDir,
) {
    // The servers' warnings and errors in the test's output (an `internal` answer says why).
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let url = gridcase_server::db::pg::create_database(admin).expect("database");
    let shared = url.clone();
    let a = TestServer::start_with(move |c| c.database_url = Some(DatabaseUrl(shared))).await;
    assert_eq!(a.server.deployment().db().backend(), Backend::Postgres);
    let dir_b = tempfile::tempdir().expect("tempdir");
    let mut config = Config::with_data_dir(dir_b.path().join("data"));
    config.database_url = Some(DatabaseUrl(url));
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.jobs.enabled = false;
    config.secrets_key_file = Some(a.server.deployment().config().secrets_key_path());
    let b = gridcase_server::spawn(config)
        .await
        .expect("instance B starts");
    (a, b, dir_b)
}

/// The stored heads of these cases (db::docs::info), read on a blocking thread.
async fn stored_heads(
    dep: &std::sync::Arc<gridcase_server::Deployment>,
    ids: &[CaseId],
) -> Vec<Vec<automerge::ChangeHash>> {
    let (dep, ids) = (dep.clone(), ids.to_vec());
    tokio::task::spawn_blocking(move || {
        ids.iter()
            .map(|id| {
                dep.db()
                    .read(|c| gridcase_server::db::docs::info(c, *id))
                    .expect("read")
                    .expect("stored")
                    .heads
            })
            .collect()
    })
    .await
    .expect("join")
}

async fn device_on(base: &str, username: &str) -> Device {
    let install = format!("install-{username}-{}", uuid::Uuid::now_v7().simple());
    Device::login(base, TENANT, username, &install)
        .await
        .expect("login")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_feed_reader_racing_writers_on_two_instances_never_skips_an_entry() {
    let Some(admin) = admin_url() else { return };
    let (a, b, _dir_b) = two_instances(&admin).await;
    const PER_WRITER: usize = 30;
    // Four writers, two on each instance, each reporting and then accepting its own cases, so
    // transactions of both instances interleave.
    let mut writers = Vec::new();
    for (i, user) in ["insp_a", "insp_b", "insp_a", "insp_b"].iter().enumerate() {
        let base = if i % 2 == 0 { a.url() } else { b.url() };
        let user = (*user).to_owned();
        writers.push(tokio::spawn(async move {
            let mut dev = device_on(&base, &user).await;
            let cell = if user == "insp_a" {
                crate::support::CELL_A
            } else {
                crate::support::CELL_B
            };
            let mut ids = Vec::new();
            for _ in 0..PER_WRITER {
                let id = dev.report_with(report_payload(cell));
                let r = dev.push(id).await.expect("push");
                assert_eq!(crate::support::outcome(&r.docs[0]), "accepted");
                ids.push(id);
            }
            ids
        }));
    }
    // The reader (the shift leader sees every case) walks the feed on instance B while they
    // write, never re-reading from an earlier cursor.
    let reader = device_on(&b.url(), "shift").await;
    let mut seen: BTreeSet<CaseId> = BTreeSet::new();
    let mut cursor = 0u64;
    let mut last_seq = 0u64;
    let mut rounds = 0;
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        let (page, _) = reader.feed(cursor).await.expect("feed");
        for e in &page.entries {
            assert!(e.seq > last_seq, "feed order: {} after {last_seq}", e.seq);
            last_seq = e.seq;
            seen.insert(e.case_id);
        }
        cursor = page.cursor;
        rounds += 1;
        if done && !page.more {
            break;
        }
    }
    let mut written = BTreeSet::new();
    for w in writers {
        written.extend(w.await.expect("writer"));
    }
    assert_eq!(written.len(), 4 * PER_WRITER);
    let missed: Vec<_> = written.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the reader skipped {} of {} cases: {missed:?}",
        missed.len(),
        written.len()
    );
    assert!(rounds > 1, "the reader raced the writers");
    b.shutdown().await.expect("B stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn devices_split_across_two_instances_converge_on_one_case() {
    let Some(admin) = admin_url() else { return };
    let (a, b, _dir_b) = two_instances(&admin).await;
    let mut insp = device_on(&a.url(), "insp_a").await;
    let id = insp.report_with(report_payload(crate::support::CELL_A));
    insp.push(id).await.expect("push on A");
    // The intake operator on B accepts it; the inspector on A sees the result.
    let mut intake = device_on(&b.url(), "intake").await;
    intake.pull(id).await.expect("pull on B");
    act(&mut intake, id, EventKind::Accept).await;
    insp.pull(id).await.expect("pull on A");
    let heads_a = insp.docs.get_mut(&id).expect("doc on A").heads();
    let heads_b = intake.docs.get_mut(&id).expect("doc on B").heads();
    assert_eq!(heads_a, heads_b, "both devices hold the same document");
    b.shutdown().await.expect("B stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_leads_the_scheduler_and_another_takes_over_when_it_goes() {
    let Some(admin) = admin_url() else { return };
    let url = gridcase_server::db::pg::create_database(&admin).expect("database");
    let leader = tokio::task::spawn_blocking(move || {
        let first = gridcase_server::db::pg::PgStore::open(&url).expect("open");
        let second = gridcase_server::db::pg::PgStore::open(&url).expect("open");
        let lead = first
            .try_lead()
            .expect("ask")
            .expect("the first asker leads");
        assert!(second.try_lead().expect("ask").is_none(), "only one leader");
        // The leader's session ends (its process dies): the lock is released.
        drop(lead);
        let mut next = None;
        for _ in 0..50 {
            next = second.try_lead().expect("ask");
            if next.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        next.is_some()
    })
    .await
    .expect("join");
    assert!(leader, "the second instance took over the lead");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_moves_up_to_postgres_and_its_enrolled_device_syncs_on() {
    let Some(admin) = admin_url() else { return };
    // The county: SQLite, an inspector's device with three reported cases, one accepted.
    let county = TestServer::start_with(|c| c.database_url = None).await;
    assert_eq!(county.server.deployment().db().backend(), Backend::Sqlite);
    let mut insp = device_on(&county.url(), "insp_a").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = insp.report_with(report_payload(crate::support::CELL_A));
        insp.push(id).await.expect("push");
        ids.push(id);
    }
    // Two cases with a photo each, uploaded and verified into the county's photo directory.
    let mut photos = Vec::new();
    for n in [30_000usize, 70_000] {
        let bytes = crate::blobs::photo_bytes(n);
        let sha = gridcase_core::model::Sha256::digest(&bytes).to_hex();
        let case = crate::blobs::case_with_photo(&mut insp, &sha, n).await;
        let r = crate::blobs::put(&insp, &sha, 0, n, &bytes).await;
        assert_eq!(
            crate::blobs::header(&r, "upload-complete").as_deref(),
            Some("1")
        );
        ids.push(case);
        photos.push((sha, bytes));
    }
    let mut intake = device_on(&county.url(), "intake").await;
    intake.pull(ids[0]).await.expect("pull");
    act(&mut intake, ids[0], EventKind::Accept).await;
    let mut config = county.server.deployment().config().clone();
    // The city's object store: the county's photos are streamed into it.
    let s3_dir = tempfile::tempdir().expect("tempdir");
    let s3 = crate::blobstore::s3_settings(s3_dir.path());
    if let Some(s3) = &s3 {
        config.object_store = s3.clone();
    }
    let heads_before = stored_heads(county.server.deployment(), &ids).await;
    let TestServer { server, dir, .. } = county;
    server.shutdown().await.expect("the county's server stops");

    // The move: every table copied and verified.
    let url = gridcase_server::db::pg::create_database(&admin).expect("database");
    let (report, url) = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            let r = gridcase_server::biz::move_up::migrate_to_postgres(&config, &url, |_| {})
                .expect("migrated");
            (r, url)
        })
        .await
        .expect("join")
    };
    let rows = |t: &str| {
        report
            .database
            .tables
            .iter()
            .find(|(n, _)| n == t)
            .map(|(_, n)| *n)
    };
    assert_eq!(rows("docs"), Some(ids.len() as i64));
    assert_eq!(rows("cases"), Some(ids.len() as i64));
    assert_eq!(report.database.documents_verified, ids.len() as i64);
    if s3.is_some() {
        // The two photos, and whatever else the county's store held (4 more objects in the
        // 2026-12-08 run, not identified).
        assert!(report.objects_copied >= 2, "{report:?}");
        assert!(
            report.bytes_copied >= photos.iter().map(|(_, b)| b.len() as u64).sum::<u64>(),
            "{report:?}"
        );
    }
    assert!(
        rows("devices").unwrap_or(0) >= 2,
        "the enrolled devices came along"
    );

    // The city cloud: the same configuration on PostgreSQL. The inspector's tablet, with its
    // old token, syncs on: the cases are there with the same heads, and a new report is taken.
    let mut city_config = config;
    city_config.database_url = Some(DatabaseUrl(url));
    city_config.listen = "127.0.0.1:0".parse().expect("addr");
    let city = gridcase_server::spawn(city_config)
        .await
        .expect("the city cloud starts");
    let heads_after = stored_heads(city.deployment(), &ids).await;
    assert_eq!(heads_before, heads_after, "every document keeps its heads");
    insp.base = city.url();
    let (page, _) = insp.feed(0).await.expect("the old token still works");
    let seen: BTreeSet<CaseId> = page.entries.iter().map(|e| e.case_id).collect();
    assert!(
        ids.iter().all(|id| seen.contains(id)),
        "the device's cases are in its feed"
    );
    if s3.is_some() {
        // The photos are in the bucket: the county's directory is not needed any more.
        std::fs::remove_dir_all(dir.path().join("data").join("blobs")).expect("remove");
    }
    // Every photo is served by the city cloud with its bytes (from the bucket when S3 ran).
    for (sha, bytes) in &photos {
        let got = insp
            .client
            .get(format!("{}/v1/blobs/{sha}", insp.base))
            .bearer_auth(&insp.login.token)
            .send()
            .await
            .expect("send");
        assert_eq!(got.status().as_u16(), 200, "photo {sha}");
        let got = got.bytes().await.expect("body");
        assert_eq!(
            gridcase_core::model::Sha256::digest(&got).to_hex(),
            *sha,
            "the same photo"
        );
        assert_eq!(got.len(), bytes.len());
    }
    let id = insp.report_with(report_payload(crate::support::CELL_A));
    let r = insp.push(id).await.expect("push to the city cloud");
    assert_eq!(crate::support::outcome(&r.docs[0]), "accepted");
    city.shutdown().await.expect("stops");
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_schema_has_every_table_and_column_of_the_sqlite_schema() {
    let Some(admin) = admin_url() else { return };
    let url = gridcase_server::db::pg::create_database(&admin).expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("schema.sqlite");
    let (lite, pg) = tokio::task::spawn_blocking(move || {
        let lite = gridcase_server::db::Db::open(&path).expect("sqlite");
        let pg = gridcase_server::db::Db::open_postgres(&url).expect("postgres");
        let lite_cols = lite
            .read(|c| {
                let conn = c.as_sqlite().expect("sqlite");
                let mut tables = conn
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
                let names: Vec<String> =
                    tables.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                let mut out = BTreeSet::new();
                for t in names {
                    let mut info = conn.prepare(&format!("PRAGMA table_info(\"{t}\")"))?;
                    for col in info.query_map([], |r| r.get::<_, String>(1))? {
                        out.insert(format!("{t}.{}", col?));
                    }
                }
                Ok(out)
            })
            .expect("sqlite columns");
        let pg_cols: BTreeSet<String> = pg
            .read(|c| {
                Ok(c.query_all(
                    "SELECT table_name || '.' || column_name FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name <> 'gridcase_schema'",
                    (),
                    |r| r.get(0),
                )?)
            })
            .expect("postgres columns")
            .into_iter()
            .collect();
        (lite_cols, pg_cols)
    })
    .await
    .expect("join");
    let missing: Vec<_> = lite.difference(&pg).collect();
    assert!(
        missing.is_empty(),
        "columns missing on PostgreSQL: {missing:?}"
    );
    // PostgreSQL's only extra column stands in for SQLite's implicit rowid.
    let extra: Vec<_> = pg.difference(&lite).collect();
    assert_eq!(extra, vec!["password_history.rowid"]);
}

/// Item 4: what one instance changes reaches the other at once. Instance B holds the tenant's
/// rules and a long poll on its feed; instance A drops the rules (as an import does) and takes
/// a new case. B's cached rules are dropped through `NOTIFY gridcase_rules`, and B's long poll
/// answers with the case through `NOTIFY gridcase_feed` long before its 20 s wait ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_other_instance_hears_of_rule_and_feed_changes_at_once() {
    let Some(admin) = admin_url() else { return };
    let (a, b, _dir_b) = two_instances(&admin).await;
    let dep_b = b.deployment().clone();
    let d = dep_b.clone();
    tokio::task::spawn_blocking(move || d.rules(TENANT).map(|_| ()))
        .await
        .expect("join")
        .expect("rules");
    assert!(dep_b.holds_rules(TENANT));
    let dep_a = a.server.deployment().clone();
    tokio::task::spawn_blocking(move || dep_a.forget_rules(TENANT))
        .await
        .expect("join");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while dep_b.holds_rules(TENANT) {
        assert!(
            std::time::Instant::now() < until,
            "instance B still holds the rules instance A dropped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let mut on_a = device_on(&a.url(), "insp_a").await;
    let on_b = device_on(&b.url(), "insp_a").await;
    let (start, _) = on_b.feed(0).await.expect("feed");
    let poll = crate::support::long_poll(&b.url(), &on_b, start.cursor, 20);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let case = on_a.report_with(report_payload(crate::support::CELL_A));
    let pushed = std::time::Instant::now();
    on_a.push(case).await.expect("push on A");
    // Woken by the notification, not by the wait's end (20 s).
    let (page, answered) = tokio::time::timeout(std::time::Duration::from_secs(10), poll)
        .await
        .expect("B's long poll answered before its wait ran out")
        .expect("join");
    assert_eq!(page.entries.len(), 1, "{page:?}");
    assert_eq!(page.entries[0].case_id, case);
    eprintln!(
        "long poll on instance B: push to A sent → B answered in {} ms",
        answered.duration_since(pushed).as_millis()
    );
}

/// Item 8, monitoring: `/v1/health` (the load balancer's check) says `degraded` when the
/// instance cannot reach its database, here dropped under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_says_degraded_when_the_database_is_gone() {
    let Some(admin) = admin_url() else { return };
    let url = gridcase_server::db::pg::create_database(&admin).expect("database");
    let shared = url.clone();
    let ts = TestServer::start_with(move |c| c.database_url = Some(DatabaseUrl(shared))).await;
    let health = || async {
        reqwest::get(format!("{}/v1/health", ts.url()))
            .await
            .expect("send")
            .text()
            .await
            .expect("body")
    };
    assert_eq!(health().await, "ok");
    let name = url.rsplit_once('/').expect("a database name").1.to_owned();
    std::thread::spawn(move || {
        let mut client = admin
            .parse::<postgres::Config>()
            .expect("admin url")
            .connect(postgres::NoTls)
            .expect("connect");
        client
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .expect("drop");
    })
    .join()
    .expect("join");
    let answer = health().await;
    assert!(answer.starts_with("degraded: 数据库无法访问"), "{answer}");
}
