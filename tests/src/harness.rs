//! The end-to-end harness: the sync server in-process on `127.0.0.1:0` with a temporary data
//! directory and a demo tenant (an account for every role; optionally the training tenant's
//! months of history), the fault proxy in front of it, and devices, each with its own store
//! file, signed in through the proxy.

use crate::device::Device;
use crate::proxy::{FaultConfig, FaultProxy};
use anyhow::{Context, Result};
use gridcase_core::model::{DepartmentId, Role};
use gridcase_core::sync::BackoffPolicy;
use gridcase_core::sync::runtime::ClientConfig;
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::{Config, Deployment, RunningServer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The demo tenant (兰州市城关区).
pub const TENANT: &str = "620102";
/// A second tenant, for isolation tests.
pub const OTHER_TENANT: &str = "620103";
/// Every account's password.
pub const PASSWORD: &str = "巡查2026-e2e";

/// The grid cell of inspector number `n` (`insp01` …).
pub fn cell(n: usize) -> String {
    format!("{TENANT}001001{n:03}")
}

/// The centre and department accounts of the demo tenant (inspectors are added per suite).
pub const STAFF: &[(&str, Role, Option<&str>)] = &[
    ("intake", Role::IntakeOperator, None),
    ("shift", Role::ShiftLeader, None),
    ("disp1", Role::Dispatcher, None),
    ("disp2", Role::Dispatcher, None),
    ("dept_water", Role::Department, Some("water")),
    ("dept_city", Role::Department, Some("city")),
    ("leader", Role::Leader, None),
    ("admin", Role::Admin, None),
];

/// Sets up the demo tenants in an opened deployment: tenants, departments `water` (水务局) and
/// `city` (市政局), the [`STAFF`] accounts, `inspectors` inspectors `insp01`… each with cell
/// [`cell`]`(n)`, and `insp_x` in [`OTHER_TENANT`]. Returns the two departments.
pub fn seed(dep: &Deployment, inspectors: usize) -> Result<(DepartmentId, DepartmentId)> {
    admin::create_tenant(dep, TENANT, "城关区")?;
    admin::create_tenant(dep, OTHER_TENANT, "七里河区")?;
    let water = admin::create_department(dep, TENANT, "水务局", Some("water"))?;
    let city = admin::create_department(dep, TENANT, "市政局", Some("city"))?;
    let spec = |tenant: &str, username: &str, role, department: Option<&str>, cells| UserSpec {
        tenant: tenant.to_owned(),
        username: username.to_owned(),
        display_name: username.to_owned(),
        role,
        department: department.map(str::to_owned),
        cells,
        password: PASSWORD.to_owned(),
    };
    for (username, role, department) in STAFF {
        admin::create_user(dep, &spec(TENANT, username, *role, *department, vec![]))?;
    }
    for n in 1..=inspectors {
        let name = format!("insp{n:02}");
        admin::create_user(
            dep,
            &spec(TENANT, &name, Role::Inspector, None, vec![cell(n)]),
        )?;
    }
    let other_cell = format!("{OTHER_TENANT}001001001");
    admin::create_user(
        dep,
        &spec(
            OTHER_TENANT,
            "insp_x",
            Role::Inspector,
            None,
            vec![other_cell],
        ),
    )?;
    Ok((water, city))
}

/// Engine and HTTP settings for the suites: short backoffs (the proxy cuts often), 64 KiB blob
/// chunks, 10 s timeouts.
pub fn client_config(base_url: &str, seed: u64) -> ClientConfig {
    let mut config = ClientConfig::new(base_url);
    config.seed = seed;
    config.engine.backoff = BackoffPolicy {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(500),
    };
    config.engine.max_failures = 50;
    config.engine.blob_chunk = 64 * 1024;
    config.request_timeout = Duration::from_secs(20);
    config.connect_timeout = Duration::from_secs(5);
    config
}

/// A server in-process, its proxy and the devices' directory.
pub struct Harness {
    /// The server.
    pub server: RunningServer,
    /// The proxy the devices go through.
    pub proxy: FaultProxy,
    /// Departments `water` and `city`.
    pub departments: (DepartmentId, DepartmentId),
    dir: tempfile::TempDir,
}

impl Harness {
    /// Starts a server with a fresh data directory, the demo tenant with `inspectors`
    /// inspectors, and a proxy without faults.
    pub async fn start(inspectors: usize) -> Result<Harness> {
        let dir = tempfile::tempdir()?;
        let mut config = Config::with_data_dir(dir.path().join("server"));
        config.database_url =
            gridcase_server::db::pg::test_database_from_env().map(gridcase_server::DatabaseUrl);
        config.listen = "127.0.0.1:0".parse()?;
        config.jobs.enabled = false;
        let server = gridcase_server::spawn(config)
            .await
            .context("server starts")?;
        let dep = server.deployment().clone();
        let departments = tokio::task::spawn_blocking(move || seed(&dep, inspectors)).await??;
        let proxy = FaultProxy::start(server.addr(), FaultConfig::default(), 1).await?;
        Ok(Harness {
            server,
            proxy,
            departments,
            dir,
        })
    }

    /// Starts a server with the generated demo tenant of `core::demo` (兰州市城关区: streets,
    /// communities, 3,000 cells, departments, users for every role) imported through the
    /// server's tenant import, every account with [`PASSWORD`]; returns the harness and the
    /// generated tenant (its users and cells).
    pub async fn start_demo() -> Result<(Harness, gridcase_core::demo::DemoTenant)> {
        let (h, demo, _) = Harness::start_demo_seeded(0).await?;
        Ok((h, demo))
    }

    /// [`Harness::start_demo`] with the training tenant's history (`biz::training::generate`,
    /// as `gridcase-server demo --history-days`): `days` days of cases before now in every
    /// channel, state and outcome, written into the imported tenant before any device signs
    /// in. Prints how long the generation took; returns what it wrote and that time.
    pub async fn start_demo_with_history(
        days: u32,
    ) -> Result<(
        Harness,
        gridcase_core::demo::DemoTenant,
        gridcase_server::biz::training::TrainingReport,
        Duration,
    )> {
        let (h, demo, history) = Harness::start_demo_seeded(days).await?;
        let (report, took) = history.context("a training history")?;
        eprintln!(
            "training history: {} cases over {days} days written in {:.1} s ({} with rework, {} with 督办; by status {:?})",
            report.cases,
            took.as_secs_f64(),
            report.reworked,
            report.escalated,
            report.by_status
        );
        Ok((h, demo, report, took))
    }

    /// The demo tenant, then `days` days of training history (none for 0).
    #[allow(clippy::type_complexity)]
    async fn start_demo_seeded(
        days: u32,
    ) -> Result<(
        Harness,
        gridcase_core::demo::DemoTenant,
        Option<(gridcase_server::biz::training::TrainingReport, Duration)>,
    )> {
        let dir = tempfile::tempdir()?;
        let mut config = Config::with_data_dir(dir.path().join("server"));
        config.database_url =
            gridcase_server::db::pg::test_database_from_env().map(gridcase_server::DatabaseUrl);
        config.listen = "127.0.0.1:0".parse()?;
        config.jobs.enabled = false;
        let server = gridcase_server::spawn(config)
            .await
            .context("server starts")?;
        let dep = server.deployment().clone();
        let files = dir.path().join("demo-tenant");
        let (demo, departments, history) = tokio::task::spawn_blocking(move || -> Result<_> {
            let demo = gridcase_core::demo::DemoTenant::generate(gridcase_core::demo::DEFAULT_SEED);
            demo.write_to(&files)?;
            let tenant = demo.info.code.to_string();
            gridcase_server::biz::import::import_dir(&dep, &tenant, &files, Some(PASSWORD))?;
            let departments = admin::list_departments(&dep, &tenant)?;
            let history = if days > 0 {
                let started = std::time::Instant::now();
                let report = gridcase_server::biz::training::generate(
                    &dep,
                    &tenant,
                    gridcase_core::demo::DEFAULT_SEED,
                    days,
                    dep.now(),
                )?;
                Some((report, started.elapsed()))
            } else {
                None
            };
            Ok((demo, departments, history))
        })
        .await??;
        let pick = |i: usize| {
            departments
                .get(i)
                .map(|d| d.id)
                .context("a demo department")
        };
        let departments = (pick(0)?, pick(1)?);
        let proxy = FaultProxy::start(server.addr(), FaultConfig::default(), 1).await?;
        Ok((
            Harness {
                server,
                proxy,
                departments,
                dir,
            },
            demo,
            history,
        ))
    }

    /// The deployment (admin functions, inspection).
    pub fn deployment(&self) -> &Arc<Deployment> {
        self.server.deployment()
    }

    /// The server's projection row of a case of the demo tenant, by its id as text.
    pub fn server_case(
        &self,
        case_id: &str,
    ) -> Result<Option<gridcase_server::db::cases::CaseRow>> {
        let id = gridcase_core::model::CaseId::parse(case_id).map_err(anyhow::Error::msg)?;
        Ok(self
            .deployment()
            .db()
            .read(|tx| gridcase_server::db::cases::get(tx, TENANT, id))?)
    }

    /// Where device `name` keeps its files.
    pub fn device_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join("devices").join(name)
    }

    /// The harness's temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Signs `username` in on a new device `name` (its own store file), through the proxy.
    pub async fn device(&self, name: &str, username: &str) -> Result<Device> {
        self.device_at(name, username, TENANT, &self.proxy.url())
            .await
    }

    /// Signs in a device straight to the server (no proxy).
    pub async fn direct_device(&self, name: &str, username: &str) -> Result<Device> {
        self.device_at(name, username, TENANT, &self.server.url())
            .await
    }

    /// Signs in a device of `tenant` at `base_url`.
    pub async fn device_at(
        &self,
        name: &str,
        username: &str,
        tenant: &str,
        base_url: &str,
    ) -> Result<Device> {
        self.device_skewed_at(name, username, tenant, base_url, 0)
            .await
    }

    /// Signs `username` in on a new device `name` whose wall clock is `skew_ms` off (positive:
    /// fast), through the proxy.
    pub async fn skewed_device(&self, name: &str, username: &str, skew_ms: i64) -> Result<Device> {
        self.device_skewed_at(name, username, TENANT, &self.proxy.url(), skew_ms)
            .await
    }

    /// Signs in a device of `tenant` at `base_url` whose clock is `skew_ms` off.
    pub async fn device_skewed_at(
        &self,
        name: &str,
        username: &str,
        tenant: &str,
        base_url: &str,
        skew_ms: i64,
    ) -> Result<Device> {
        let seed = name
            .bytes()
            .fold(1u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
        let mut config = client_config(base_url, seed);
        config.local_clock = gridcase_core::sync::runtime::LocalClock { skew_ms };
        Device::login(
            &self.device_dir(name),
            name,
            config,
            tenant,
            username,
            PASSWORD,
        )
        .await
    }
}

/// A point `inset` degrees east and south of the first vertex of `cell`'s outline: inside the
/// cell for the demo grid's cells, whose outlines start at their north-west corner.
pub fn near_first_corner(cell: &gridcase_core::grid::Cell, inset: f64) -> Result<(f64, f64)> {
    let corner = cell
        .polygon
        .exterior()
        .coords()
        .next()
        .copied()
        .context("a cell without an outline")?;
    Ok((corner.x + inset, corner.y - inset))
}
