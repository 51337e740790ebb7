//! gridcase-load: measures the sync server and protocol against the goals of issue 4 and writes
//! the figures into `docs/performance.md` (between the `gridcase-load` markers; appended the
//! first time). Run it in release: `cargo run --release -p gridcase-tests --bin gridcase-load`.
//!
//! 1. Ingest: pre-built sync requests (256 new cases each, one inspector device) sent straight
//!    to the in-process server, 2 at a time; every accepted case is a durable commit (SQLite WAL,
//!    `synchronous=FULL`). Cases per second of wall time.
//! 2. Initial sync: a new centre device bootstraps 1,000 cases through the counting proxy.
//! 3. Idle reconnect: the same device resumes its session with a new connection and syncs.
//! 4. Incremental: the inspector comments on 100 of its cases and syncs; bytes per edited case.
//!
//! Requests are counted by the client; bytes by the proxy (TCP payload both ways: HTTP
//! headers and bodies).
//!
//! `--multi` runs the realistic ingest of issue 14 instead (`gridcase_tests::load`): the release
//! server binary in its own process (`target/release/gridcase-server`: build it first with
//! `cargo build --release -p gridcase-server --bin gridcase-server`), 20 devices with their own
//! stores and runtimes, × 50 new cases of ten events with new cases pushed as one document and
//! as change lists (an older app), then × 500 as documents; server CPU from `/proc`, bytes per
//! new and per updated case. It prints a markdown table and writes nothing.
//! `--multi-devices N`, `--multi-cases M` run one such workload of N × M only.
//! `--postgres` runs every workload three times in the same run: on SQLite, and on PostgreSQL
//! (a fresh database on the cluster of `GRIDCASE_TEST_PG`, `scripts/pg.sh start`) with one and
//! with two server instances.

use anyhow::{Context, Result};
use gridcase_core::protocol::SyncResponse;
use gridcase_core::sync::local::prepare_sync;
use gridcase_core::sync::runtime::SyncClient;
use gridcase_core::sync::{DocPlan, PlanKind};
use gridcase_core::workflow::EventKind;
use gridcase_tests::harness::{cell, client_config};
use gridcase_tests::{Device, Harness, ProxyStats};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

const INGEST_CASES: usize = 5_120;
const SCOPE_CASES: usize = 1_000;
const EDITED: usize = 100;

struct Wire {
    requests: u64,
    bytes: u64,
}

fn wire(before: ProxyStats, after: ProxyStats, requests: u64) -> Wire {
    Wire {
        requests,
        bytes: (after.bytes_up - before.bytes_up) + (after.bytes_down - before.bytes_down),
    }
}

async fn create_cases(device: &mut Device, n: usize) -> Result<Vec<gridcase_core::model::CaseId>> {
    (0..n).map(|_| device.report(&cell(1), &[])).collect()
}

/// Ingest: returns (cases, seconds).
async fn ingest() -> Result<(usize, f64)> {
    let h = Harness::start(1).await?;
    let mut device = h.direct_device("ingest-tablet", "insp01").await?;
    let ids = create_cases(&mut device, INGEST_CASES).await?;
    let limits = gridcase_core::protocol::Limits::default();
    let bodies: Vec<Vec<u8>> = device.with_store(|s| {
        ids.chunks(256)
            .map(|chunk| {
                let plans: Vec<DocPlan> = chunk
                    .iter()
                    .map(|&case_id| DocPlan {
                        case_id,
                        kind: PlanKind::Push,
                    })
                    .collect();
                let prepared = prepare_sync(s, &plans, &limits);
                assert_eq!(prepared.request.docs.len(), chunk.len(), "all fit");
                let mut body = Vec::new();
                ciborium::into_writer(&prepared.request, &mut body).expect("cbor");
                body
            })
            .collect()
    });
    let token = device.client.session().token.clone();
    let url = format!("{}/v1/sync", h.server.url());
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut accepted = 0;
    for pair in bodies.chunks(2) {
        let sends = pair.iter().map(|body| {
            http.post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/cbor")
                .body(body.clone())
                .send()
        });
        for response in futures_join(sends).await {
            let bytes = response?.error_for_status()?.bytes().await?;
            let answer: SyncResponse = ciborium::from_reader(bytes.as_ref())?;
            accepted += answer
                .docs
                .iter()
                .filter(|d| matches!(d.outcome, gridcase_core::protocol::DocOutcome::Accepted))
                .count();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        accepted == INGEST_CASES,
        "accepted {accepted} of {INGEST_CASES}"
    );
    Ok((accepted, secs))
}

async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("join"));
    }
    out
}

struct WireFigures {
    initial: Wire,
    idle: Wire,
    edit: Wire,
    /// Request and response body bytes of the edit round (the rest is HTTP headers).
    edit_bodies: (u64, u64),
}

async fn wire_figures() -> Result<WireFigures> {
    let h = Harness::start(1).await?;
    let mut inspector = h.device("load-tablet", "insp01").await?;
    let ids = create_cases(&mut inspector, SCOPE_CASES).await?;
    let rounds = inspector.client.sync_until_clean(3).await?;
    anyhow::ensure!(
        rounds.last().is_some_and(|r| r.is_clean()),
        "inspector sync: {rounds:?}"
    );

    // Initial sync of a new centre device.
    let mut leader = h.device("load-desk", "leader").await?;
    let (before, req0) = (h.proxy.stats(), leader.client.counters().requests);
    let rounds = leader.client.sync_until_clean(3).await?;
    anyhow::ensure!(
        rounds.last().is_some_and(|r| r.is_clean()),
        "bootstrap: {rounds:?}"
    );
    let initial = wire(
        before,
        h.proxy.stats(),
        leader.client.counters().requests - req0,
    );
    let held = leader.with_store(|s| s.sync_index())?.len();
    anyhow::ensure!(held == SCOPE_CASES, "bootstrapped {held}");

    // Idle reconnect: the session resumed on a new client (new connection).
    let session = leader.client.session().clone();
    let config = client_config(&h.proxy.url(), 9);
    let mut resumed = SyncClient::resume(config, leader.store.clone(), session).await?;
    let before = h.proxy.stats();
    let summary = resumed.sync_once().await?;
    anyhow::ensure!(
        summary.is_clean() && summary.feed_changed == 0,
        "idle: {summary:?}"
    );
    let idle = wire(before, h.proxy.stats(), resumed.counters().requests);

    // Incremental: 100 edited cases.
    for (n, id) in ids.iter().take(EDITED).enumerate() {
        inspector.append(
            *id,
            EventKind::Comment {
                text: format!("复查记录 {n}"),
            },
        )?;
    }
    let (before, c0) = (h.proxy.stats(), inspector.client.counters());
    let summary = inspector.client.sync_once().await?;
    anyhow::ensure!(
        summary.is_clean() && summary.accepted == EDITED,
        "edit: {summary:?}"
    );
    let c1 = inspector.client.counters();
    let edit = wire(before, h.proxy.stats(), c1.requests - c0.requests);
    let edit_bodies = (
        c1.body_bytes_sent - c0.body_bytes_sent,
        c1.body_bytes_received - c0.body_bytes_received,
    );
    Ok(WireFigures {
        initial,
        idle,
        edit,
        edit_bodies,
    })
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

fn report(ingest: (usize, f64), w: &WireFigures) -> String {
    let rate = ingest.0 as f64 / ingest.1;
    let per_edit = w.edit.bytes as f64 / EDITED as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!-- gridcase-load:begin (written by `cargo run --release -p gridcase-tests --bin gridcase-load`) -->"
    );
    let _ = writeln!(
        s,
        "## Sync server and protocol (issue 4) — measured by gridcase-load\n"
    );
    let _ = writeln!(
        s,
        "In-process server on 127.0.0.1 (release build, SQLite WAL with `synchronous=FULL`), the"
    );
    let _ = writeln!(
        s,
        "device runtime of `core::sync` (reqwest), bytes counted by the TCP proxy of `gridcase-tests`"
    );
    let _ = writeln!(
        s,
        "(HTTP headers and bodies, both ways), requests by the client. One run on the 2-core VM.\n"
    );
    let _ = writeln!(s, "| Figure | Measured | Goal | |");
    let _ = writeln!(s, "|---|---|---|---|");
    let _ = writeln!(
        s,
        "| Ingest of new cases, durable commit ({} cases in requests of 256, 2 in flight) | **{rate:.0} cases/s** ({:.2} s) | ≥ 2,000 cases/s | {} |",
        ingest.0,
        ingest.1,
        verdict(rate >= 2000.0)
    );
    let _ = writeln!(
        s,
        "| Idle reconnect, {SCOPE_CASES} cases in scope (resumed session, new connection) | **{} request, {} B** | 1 request, ≤ 1 KB | {} |",
        w.idle.requests,
        w.idle.bytes,
        verdict(w.idle.requests == 1 && w.idle.bytes <= 1024)
    );
    let _ = writeln!(
        s,
        "| Initial sync of {SCOPE_CASES} cases (new centre device) | **{:.2} MB, {} round trips** | ≤ 1.6 MB, ≤ 3 round trips | {} |",
        w.initial.bytes as f64 / 1e6,
        w.initial.requests,
        verdict(w.initial.bytes <= 1_600_000 && w.initial.requests <= 3)
    );
    let _ = writeln!(
        s,
        "| Bytes per edited case ({EDITED} cases with one comment each, one round: feed + sync) | **{per_edit:.0} B** ({} B in {} requests; bodies {} B up, {} B down) | ≤ 600 B | {} |",
        w.edit.bytes,
        w.edit.requests,
        w.edit_bodies.0,
        w.edit_bodies.1,
        verdict(per_edit <= 600.0)
    );
    let _ = writeln!(s, "<!-- gridcase-load:end -->");
    s
}

fn write_report(section: &str) -> Result<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/performance.md");
    let text = std::fs::read_to_string(&path).context("read docs/performance.md")?;
    let begin = text.find("<!-- gridcase-load:begin");
    let end = text.find("<!-- gridcase-load:end -->");
    let updated = match (begin, end) {
        (Some(b), Some(e)) if e > b => {
            let tail = &text[e + "<!-- gridcase-load:end -->".len()..];
            format!("{}{}{}", &text[..b], section.trim_end(), tail)
        }
        _ => format!(
            "{}\n{}",
            text.trim_end_matches('\n').to_owned() + "\n",
            section
        ),
    };
    std::fs::write(&path, updated)?;
    Ok(path)
}

fn arg_value(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

/// `--multi`: the multi-device workloads (see the module docs).
async fn multi() -> Result<()> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .context("no directory")?
        .join(format!("gridcase-server{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        bin.exists(),
        "{} is missing: cargo build --release -p gridcase-server --bin gridcase-server",
        bin.display()
    );
    let plans: Vec<(usize, usize, bool)> =
        match (arg_value("--multi-devices"), arg_value("--multi-cases")) {
            (Some(d), Some(c)) => vec![(d, c, !std::env::args().any(|a| a == "--changes"))],
            _ => vec![(20, 50, true), (20, 50, false), (20, 500, true)],
        };
    let postgres = std::env::args().any(|a| a == "--postgres");
    let admin = if postgres {
        Some(
            std::env::var("GRIDCASE_TEST_PG")
                .context("--postgres needs GRIDCASE_TEST_PG: eval \"$(scripts/pg.sh start)\"")?,
        )
    } else {
        None
    };
    let mut runs = Vec::new();
    for (devices, per_device, whole) in plans {
        let mut topologies = vec![gridcase_tests::load::Topology::sqlite()];
        if let Some(admin) = &admin {
            for instances in [1, 2] {
                let url = gridcase_server::db::pg::create_database(admin)?;
                topologies.push(gridcase_tests::load::Topology {
                    database_url: Some(url),
                    instances,
                });
            }
        }
        for topology in &topologies {
            let dir = tempfile::tempdir()?;
            let run = gridcase_tests::load::multi_device_on(
                &bin,
                dir.path(),
                devices,
                per_device,
                whole,
                topology,
            )
            .await?;
            eprintln!("{run:?}");
            runs.push(run);
        }
    }
    print!("{}", gridcase_tests::load::table(&runs));
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; figures for docs/ need --release");
    }
    if std::env::args().any(|a| a == "--multi") {
        return multi().await;
    }
    let ingest = ingest().await?;
    eprintln!("ingest: {} cases in {:.2} s", ingest.0, ingest.1);
    let w = wire_figures().await?;
    let section = report(ingest, &w);
    print!("{section}");
    if std::env::args().any(|a| a == "--no-write") {
        return Ok(());
    }
    let path = write_report(&section)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
