//! The realistic multi-device ingest of `gridcase-load --multi` (issue 14): the release server
//! binary in its own process on a seeded data directory, the counting proxy in front of it, and
//! N signed-in devices (real device stores and sync runtimes, in this process) that each make
//! M new cases of ten events offline (a report and nine comments) and then sync all at once.
//! Measured: wall time of the sync phase (cases per second), the server process's CPU time
//! from `/proc/<pid>/stat` (utime + stime, all its threads) per case, and the bytes on the wire
//! per case (proxy, both ways, HTTP headers included). Then every device comments once on each
//! of its cases and syncs again: CPU and bytes per updated case.
//!
//! The same workload runs on the embedded SQLite default (one instance) or on PostgreSQL with
//! one or more instances ([`Topology`]): each instance its own process and data directory, all
//! on one database, the devices spread over them round robin, each instance behind its own
//! counting proxy (the load balancer). Server CPU is then the sum over the instances, and the
//! database's own CPU (every `postgres` process on the machine: the scripts' cluster) is
//! reported beside it.

use crate::device::Device;
use crate::harness::{PASSWORD, TENANT, cell, client_config, seed};
use crate::process::ServerProcess;
use crate::proxy::{FaultConfig, FaultProxy};
use anyhow::{Context, Result, ensure};
use gridcase_core::workflow::EventKind;
use gridcase_server::{Config, Deployment};
use std::path::Path;
use std::time::Instant;

/// Events of each new case (the report and this many less one comments).
pub const EVENTS_PER_CASE: usize = 10;

/// Where the server runs.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    /// `None`: the embedded SQLite default; `Some(url)`: this (empty) PostgreSQL database.
    pub database_url: Option<String>,
    /// `gridcase-server serve` processes (PostgreSQL only may have more than one).
    pub instances: usize,
}

impl Topology {
    /// The SQLite default: one instance.
    pub fn sqlite() -> Topology {
        Topology {
            database_url: None,
            instances: 1,
        }
    }

    /// A label for the figures' tables.
    pub fn label(&self) -> String {
        match (&self.database_url, self.instances) {
            (None, _) => "SQLite, 1 instance".to_owned(),
            (Some(_), 1) => "PostgreSQL, 1 instance".to_owned(),
            (Some(_), n) => format!("PostgreSQL, {n} instances"),
        }
    }
}

/// One phase's figures.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phase {
    /// Cases synced.
    pub cases: usize,
    /// Wall seconds of the sync phase.
    pub secs: f64,
    /// Server process CPU seconds during it.
    pub server_cpu: f64,
    /// Bytes through the proxy, both ways.
    pub bytes: u64,
    /// Requests made by the devices.
    pub requests: u64,
    /// PostgreSQL's CPU seconds during it (0 on SQLite).
    pub db_cpu: f64,
}

impl Phase {
    /// Cases per second of wall time.
    pub fn rate(&self) -> f64 {
        self.cases as f64 / self.secs
    }
    /// Server CPU milliseconds per case.
    pub fn cpu_ms(&self) -> f64 {
        self.server_cpu * 1000.0 / self.cases as f64
    }
    /// Database CPU milliseconds per case.
    pub fn db_cpu_ms(&self) -> f64 {
        self.db_cpu * 1000.0 / self.cases as f64
    }
    /// Bytes per case.
    pub fn bytes_per_case(&self) -> f64 {
        self.bytes as f64 / self.cases as f64
    }
}

/// A run's figures: the new cases, then one edit of each.
#[derive(Clone, Debug, Default)]
pub struct MultiRun {
    /// Where the server ran ([`Topology::label`]).
    pub topology: String,
    /// Devices.
    pub devices: usize,
    /// New cases per device.
    pub per_device: usize,
    /// Whether new cases went as whole documents.
    pub whole: bool,
    /// The ingest of the new cases.
    pub new: Phase,
    /// One comment on every case.
    pub updated: Phase,
    /// Peak resident memory of the server process (kB, `VmHWM`; the largest instance's).
    pub server_peak_kb: u64,
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// CPU seconds (user + system, all threads) of process `pid` so far.
pub fn process_cpu(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: fields count from after its closing parenthesis.
    let rest = stat.rsplit_once(')').context("stat format")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11).context("utime")?.parse()?;
    let stime: f64 = fields.get(12).context("stime")?.parse()?;
    Ok((utime + stime) / clock_ticks())
}

/// CPU seconds PostgreSQL has used so far: every live `postgres` process's own, plus, for the
/// postmaster, the CPU of the backends it has already reaped (`cutime` + `cstime`), so a
/// connection that closes during a phase does not take its CPU out of the sum.
pub fn postgres_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let ticks = clock_ticks();
    let pids: std::collections::HashSet<u32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .collect();
    let mut total = 0.0;
    for pid in &pids {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        total += num(11) + num(12);
        let parent = f.get(1).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
        if !pids.contains(&parent) {
            // The postmaster: its reaped children's CPU.
            total += num(13) + num(14);
        }
    }
    total / ticks
}

/// CPU seconds of all these processes.
fn cpu_of(pids: &[u32]) -> Result<f64> {
    pids.iter().map(|p| process_cpu(*p)).sum()
}

fn peak_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Syncs every device until clean, all at once; returns them with the requests they made.
async fn sync_all(devices: Vec<Device>) -> Result<(Vec<Device>, u64)> {
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|mut d| {
            tokio::spawn(async move {
                let before = d.client.counters().requests;
                let rounds = d.client.sync_until_clean(5).await;
                let requests = d.client.counters().requests - before;
                (d, rounds, requests)
            })
        })
        .collect();
    let mut out = Vec::new();
    let mut requests = 0;
    for t in tasks {
        let (d, rounds, r) = t.await?;
        let rounds = rounds.with_context(|| format!("{} sync", d.name))?;
        ensure!(
            rounds.last().is_some_and(|r| r.is_clean()),
            "{}: {rounds:?}",
            d.name
        );
        requests += r;
        out.push(d);
    }
    Ok((out, requests))
}

/// Runs the workload: `devices` × `per_device` new cases of ten events, then one comment each.
/// `server_bin` is the release `gridcase-server`; `whole`: whether devices push new cases as
/// whole documents (the server announces it; `false` makes them push change lists as an older
/// app does). On the SQLite default.
pub async fn multi_device_with(
    server_bin: &Path,
    dir: &Path,
    devices: usize,
    per_device: usize,
    whole: bool,
) -> Result<MultiRun> {
    multi_device_on(
        server_bin,
        dir,
        devices,
        per_device,
        whole,
        &Topology::sqlite(),
    )
    .await
}

/// [`multi_device_with`] on a given [`Topology`].
pub async fn multi_device_on(
    server_bin: &Path,
    dir: &Path,
    devices: usize,
    per_device: usize,
    whole: bool,
    topology: &Topology,
) -> Result<MultiRun> {
    let data = dir.join("server");
    let seed_dir = data.clone();
    let database_url = topology.database_url.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut config = Config::with_data_dir(seed_dir);
        config.database_url = database_url.map(gridcase_server::DatabaseUrl);
        let dep = Deployment::open(config)?;
        seed(&dep, devices)?;
        Ok(())
    })
    .await??;
    let mut servers = Vec::new();
    let mut proxies = Vec::new();
    match &topology.database_url {
        None => servers.push(ServerProcess::start_binary(server_bin, &data)?),
        Some(url) => {
            // Stateless instances: their own data directories, the seed's secrets key.
            let env = [
                ("GRIDCASE_DATABASE_URL", url.clone()),
                (
                    "GRIDCASE_SECRETS_KEY_FILE",
                    data.join("keys/secrets.key").display().to_string(),
                ),
                ("GRIDCASE_LOG", "warn".to_owned()),
            ];
            for i in 0..topology.instances.max(1) {
                servers.push(ServerProcess::start_binary_with(
                    server_bin,
                    &dir.join(format!("instance-{}", i + 1)),
                    &env,
                )?);
            }
        }
    }
    for (i, server) in servers.iter().enumerate() {
        proxies
            .push(FaultProxy::start(server.addr()?, FaultConfig::default(), 3 + i as u64).await?);
    }
    let pids: Vec<u32> = servers.iter().map(ServerProcess::pid).collect();
    let on_pg = topology.database_url.is_some();
    let db_cpu = || if on_pg { postgres_cpu() } else { 0.0 };
    let bytes = || -> u64 {
        proxies
            .iter()
            .map(|p| {
                let s = p.stats();
                s.bytes_up + s.bytes_down
            })
            .sum()
    };
    let mut list = Vec::new();
    for n in 1..=devices {
        let name = format!("tablet-{n:02}");
        let proxy = &proxies[(n - 1) % proxies.len()];
        let mut config = client_config(&proxy.url(), n as u64);
        config.engine.limits.max_docs_per_sync = 1024;
        let d = Device::login(
            &dir.join(&name),
            &name,
            config,
            TENANT,
            &format!("insp{n:02}"),
            PASSWORD,
        )
        .await?;
        if !whole {
            d.with_store(|s| s.set_whole_doc_push(false))?;
        }
        list.push(d);
    }
    // Offline work, before the clock starts: every device makes its cases.
    let mut made = Vec::new();
    let tasks: Vec<_> = list
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            tokio::task::spawn_blocking(move || -> Result<(Device, Vec<_>)> {
                let mut ids = Vec::new();
                for c in 0..per_device {
                    let id = d.report(&cell(i + 1), &[])?;
                    for k in 1..EVENTS_PER_CASE {
                        d.append(
                            id,
                            EventKind::Comment {
                                text: format!("巡查记录 {c}-{k}：现场已设置警示"),
                            },
                        )?;
                    }
                    ids.push(id);
                }
                Ok((d, ids))
            })
        })
        .collect();
    let mut list = Vec::new();
    for t in tasks {
        let (d, ids) = t.await??;
        made.push(ids);
        list.push(d);
    }
    let cases = devices * per_device;

    let phase = |secs: f64, cpu: f64, bytes: u64, requests: u64, db_cpu: f64| Phase {
        cases,
        secs,
        server_cpu: cpu,
        bytes,
        requests,
        db_cpu,
    };
    let (b0, c0, d0, t0) = (bytes(), cpu_of(&pids)?, db_cpu(), Instant::now());
    let (list, requests) = sync_all(list).await?;
    let secs = t0.elapsed().as_secs_f64();
    let (b1, c1, d1) = (bytes(), cpu_of(&pids)?, db_cpu());
    let new = phase(secs, c1 - c0, b1 - b0, requests, d1 - d0);

    // One comment on each case, then sync.
    let tasks: Vec<_> = list
        .into_iter()
        .zip(made)
        .map(|(mut d, ids)| {
            tokio::task::spawn_blocking(move || -> Result<Device> {
                for id in ids {
                    d.append(
                        id,
                        EventKind::Comment {
                            text: "复查：已修复".to_owned(),
                        },
                    )?;
                }
                Ok(d)
            })
        })
        .collect();
    let mut list = Vec::new();
    for t in tasks {
        list.push(t.await??);
    }
    let (b0, c0, d0, t0) = (bytes(), cpu_of(&pids)?, db_cpu(), Instant::now());
    let (_list, requests) = sync_all(list).await?;
    let secs = t0.elapsed().as_secs_f64();
    let (b1, c1, d1) = (bytes(), cpu_of(&pids)?, db_cpu());
    let updated = phase(secs, c1 - c0, b1 - b0, requests, d1 - d0);
    let server_peak_kb = pids.iter().map(|p| peak_kb(*p)).max().unwrap_or(0);
    drop(servers);
    Ok(MultiRun {
        topology: topology.label(),
        devices,
        per_device,
        whole,
        new,
        updated,
        server_peak_kb,
    })
}

/// The markdown rows of some runs.
pub fn table(runs: &[MultiRun]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| Workload | Server | New case as | Cases/s | Server CPU per new case | Database CPU per new case | Bytes per new case | Server CPU per updated case | Database CPU per updated case | Bytes per updated case | Server peak RSS |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        let db = |p: &Phase| {
            if r.topology.starts_with("SQLite") {
                "(in process)".to_owned()
            } else {
                format!("{:.3} ms", p.db_cpu_ms())
            }
        };
        let _ = writeln!(
            s,
            "| {} devices × {} new cases of {EVENTS_PER_CASE} events | {} | {} | **{:.0}** ({:.2} s) | **{:.3} ms** | {} | **{:.0} B** | **{:.3} ms** | {} | **{:.0} B** | {:.0} MiB |",
            r.devices,
            r.per_device,
            r.topology,
            if r.whole {
                "one document"
            } else {
                "change list"
            },
            r.new.rate(),
            r.new.secs,
            r.new.cpu_ms(),
            db(&r.new),
            r.new.bytes_per_case(),
            r.updated.cpu_ms(),
            db(&r.updated),
            r.updated.bytes_per_case(),
            r.server_peak_kb as f64 / 1024.0
        );
    }
    s
}
