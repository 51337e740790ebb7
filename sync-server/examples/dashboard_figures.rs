//! Times the 综合看板 (`GET /v1/dashboard`), its drill-down (`GET /v1/dashboard/cases`) and the
//! 月报 workbook (`GET /v1/reports/monthly.xlsx`) through the real HTTP server on loopback, for
//! docs/performance.md ("综合看板 and 月报"). Not a test: it prints, asserts no time.
//!
//! `dashboard_figures training [RUNS]` — the training tenant: the demo tenant imported into a
//! fresh temporary data directory and 90 days of history generated up to 2026-12-01 10:00
//! (biz::training, about 2,300 cases), as `gridcase-server demo --history-days 90` does.
//! `dashboard_figures DATA_DIR [RUNS]` — an existing database, tenant 620102 (e.g. the 300,000
//! cases made by `SCALE_GENERATE_ONLY=1 scale DATA_DIR 300000 0 0`).
//!
//! The server is the library's own (`gridcase_server::spawn`: axum on 127.0.0.1, the same
//! routes, auth and blocking pool as the binary), jobs off. A 领导 account is created and signs
//! in through `POST /v1/login`; every figure is a request with its bearer token, timed from
//! send to the last byte of the body read by reqwest. "Cold" empties the server's evaluation
//! cache (`Deployment::eval_cache().clear()`, in-process) before each request; the document
//! cache and the OS page cache stay warm. "Warm" is RUNS requests in a row (default 10).

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::model::{Role, Timestamp};
use gridcase_server::Config;
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::biz::{import, training};
use std::time::{Duration, Instant};

const TENANT: &str = "620102";
/// 2026-12-01 10:00 Shanghai.
const TRAINING_NOW: i64 = 1_796_090_400_000;
const PASSWORD: &str = "看板计时-2026-figures";
const NOVEMBER: &str = "from=2026-11-01&to=2026-12-01";

struct Stats {
    runs: Vec<f64>,
}

impl Stats {
    fn of(mut runs: Vec<f64>) -> Stats {
        runs.sort_by(f64::total_cmp);
        Stats { runs }
    }
    fn median(&self) -> f64 {
        let n = self.runs.len();
        if n % 2 == 1 {
            self.runs[n / 2]
        } else {
            (self.runs[n / 2 - 1] + self.runs[n / 2]) / 2.0
        }
    }
    /// Nearest rank.
    fn p95(&self) -> f64 {
        let n = self.runs.len();
        let rank = (0.95 * n as f64).ceil() as usize;
        self.runs[rank.clamp(1, n) - 1]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    /// One GET, timed to the last byte; panics unless 200.
    async fn get(&self, path: &str) -> (f64, usize) {
        let t = Instant::now();
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        let body = resp.bytes().await.expect("body");
        let elapsed = ms(t.elapsed());
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        (elapsed, body.len())
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let arg = std::env::args().nth(1).expect("training | DATA_DIR");
    let runs: usize = std::env::args()
        .nth(2)
        .map_or(10, |s| s.parse().expect("RUNS"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let training = arg == "training";
    let dir = if training {
        tmp.path().join("data")
    } else {
        std::path::PathBuf::from(&arg)
    };
    let mut config = Config::with_data_dir(&dir);
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.jobs.enabled = false;
    let server = gridcase_server::spawn(config).await.expect("server");
    let dep = server.deployment().clone();
    let username = format!("figures_{}", std::process::id());
    {
        let dep = dep.clone();
        let username = username.clone();
        let src = tmp.path().join("demo");
        tokio::task::spawn_blocking(move || {
            if training {
                DemoTenant::generate(DEFAULT_SEED)
                    .write_to(&src)
                    .expect("demo files");
                import::import_dir_as(
                    &dep,
                    TENANT,
                    &src,
                    Some("Gridcase-2026"),
                    import::NewAccounts::Training,
                )
                .expect("import");
                let t = Instant::now();
                let r = training::generate(&dep, TENANT, DEFAULT_SEED, 90, Timestamp(TRAINING_NOW))
                    .expect("history");
                println!(
                    "generation: biz::training, 90 days up to 2026-12-01 10:00: {} cases in {:.1} s",
                    r.cases,
                    t.elapsed().as_secs_f64()
                );
            }
            admin::create_user(
                &dep,
                &UserSpec {
                    tenant: TENANT.to_owned(),
                    username,
                    display_name: "计时领导".to_owned(),
                    role: Role::Leader,
                    department: None,
                    cells: Vec::new(),
                    password: PASSWORD.to_owned(),
                },
            )
            .expect("leader");
        })
        .await
        .expect("setup");
    }
    let (cases, all): (i64, i64) = dep
        .db()
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT (SELECT count(*) FROM cases WHERE tenant = ?1), (SELECT count(*) FROM cases)",
                [TENANT],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .expect("count");
    let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    println!(
        "tenant {TENANT}: {cases} cases ({all} in the database); database file {:.1} MB (+ WAL {:.1} MB)",
        size("gridcase.sqlite") as f64 / 1e6,
        size("gridcase.sqlite-wal") as f64 / 1e6,
    );

    let http = reqwest::Client::new();
    let base = server.url();
    let reply: serde_json::Value = http
        .post(format!("{base}/v1/login"))
        .json(&serde_json::json!({
            "tenant": TENANT,
            "username": username,
            "password": PASSWORD,
            "install_id": format!("install-{username}"),
            "device_name": "看板计时",
        }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login reply");
    let token = reply["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {reply}"))
        .to_owned();
    let client = Client { http, base, token };

    let (first, _) = client.get(&format!("/v1/dashboard?{NOVEMBER}")).await;
    println!(
        "first dashboard request after start (ensure_spans over the tenant + cold folds): {first:.0} ms"
    );

    let figures: [(&str, String); 5] = [
        (
            "GET /v1/dashboard (November 2026: month, previous month, last day)",
            format!("/v1/dashboard?{NOVEMBER}"),
        ),
        (
            "GET /v1/dashboard (period=month: this month to date, as the UI opens)",
            "/v1/dashboard?period=month".to_owned(),
        ),
        (
            "GET /v1/dashboard/cases (November, figure=filed, first page of 50)",
            format!("/v1/dashboard/cases?{NOVEMBER}&figure=filed&limit=50"),
        ),
        (
            "GET /v1/dashboard/cases (November, figure=overdue_pending, first page of 50)",
            format!("/v1/dashboard/cases?{NOVEMBER}&figure=overdue_pending&limit=50"),
        ),
        (
            "GET /v1/reports/monthly.xlsx?month=2026-11 (月报)",
            "/v1/reports/monthly.xlsx?month=2026-11".to_owned(),
        ),
    ];
    println!("| Request | Cold (median / max of 3) | Warm (median / p95 of {runs}) | Body |");
    println!("|---|---|---|---|");
    for (label, path) in &figures {
        let mut cold = Vec::new();
        let mut body = 0;
        for _ in 0..3 {
            dep.eval_cache().clear();
            let (t, n) = client.get(path).await;
            cold.push(t);
            body = n;
        }
        let mut warm = Vec::new();
        for _ in 0..runs {
            warm.push(client.get(path).await.0);
        }
        let (cold, warm) = (Stats::of(cold), Stats::of(warm));
        println!(
            "| {label} | {:.0} / {:.0} ms | {:.1} / {:.1} ms | {body} B |",
            cold.median(),
            cold.runs[cold.runs.len() - 1],
            warm.median(),
            warm.p95()
        );
    }
    server.shutdown().await.expect("shutdown");
}
