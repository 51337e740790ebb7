//! Times the 综合看板 (biz::dashboard::compute) and the 月报 workbook for November 2026
//! (2026-11-01 to 2026-12-01, Asia/Shanghai), for docs/performance.md. Not a test: it prints.
//!
//! `dashboard_figures training` — the training tenant: the demo tenant imported into a fresh
//! temporary data directory and 90 days of history generated up to 2026-12-01 10:00
//! (biz::training, about 2,300 cases), as `gridcase-server demo --history-days 90` does.
//! `dashboard_figures DATA_DIR` — an existing database, tenant 620102 (e.g. the 300,000 cases
//! made by the `scale` example, docs/performance.md "At scale").
//!
//! Each figure: once with an empty evaluation cache ("cold") and the median of three after
//! ("warm"). The dashboard folds three periods (the month, the previous month, the last day).

use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::model::Timestamp;
use gridcase_server::biz::dashboard::{self, DashboardQuery};
use gridcase_server::biz::{case_index, dashboard_report, import, training};
use gridcase_server::{Config, Deployment};
use std::time::Instant;

const TENANT: &str = "620102";
/// 2026-12-01 10:00 Shanghai.
const TRAINING_NOW: i64 = 1_796_090_400_000;

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let arg = std::env::args().nth(1).expect("training | DATA_DIR");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = if arg == "training" {
        tmp.path().join("data")
    } else {
        std::path::PathBuf::from(&arg)
    };
    let mut config = Config::with_data_dir(&dir);
    config.jobs.enabled = false;
    let dep = Deployment::open(config).expect("open");
    if arg == "training" {
        let src = tmp.path().join("demo");
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
        println!("training history: {} cases in {:.1} s", r.cases, secs(t));
    }
    let cases: i64 = dep
        .db()
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM cases WHERE tenant = ?1",
                [TENANT],
                |r| r.get(0),
            )?)
        })
        .expect("count");
    println!("tenant {TENANT}: {cases} cases");
    let t = Instant::now();
    case_index::ensure_spans(&dep, TENANT).expect("index");
    println!("ensure_spans: {:.3} s", secs(t));
    let periods = DashboardQuery {
        from: Some("2026-11-01".into()),
        to: Some("2026-12-01".into()),
        ..Default::default()
    }
    .periods(dep.now())
    .expect("periods");

    let run = |name: &str, f: &dyn Fn() -> usize| {
        dep.eval_cache().clear();
        let t = Instant::now();
        let n = f();
        let cold = secs(t);
        let warm = median(
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(f());
                    secs(t)
                })
                .collect(),
        );
        println!("{name}: cold {cold:.3} s (once), warm {warm:.3} s (median of 3) [{n}]");
    };
    run("dashboard (month, previous month, last day)", &|| {
        let d = dashboard::compute(&dep, TENANT, periods).expect("dashboard");
        d.figures
            .iter()
            .find(|h| h.key == "filed")
            .and_then(|h| h.value)
            .unwrap_or(0.0) as usize
    });
    run("monthly report workbook (dashboard + XLSX)", &|| {
        let d = dashboard::compute(&dep, TENANT, periods).expect("dashboard");
        dashboard_report::workbook(&d, "月报").expect("xlsx").len()
    });
}
