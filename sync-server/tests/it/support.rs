//! The harness: a server with two tenants and an account for every role, and simulated devices
//! that log in, build case documents with `gridcase_core::doc` and sync them over HTTP.
#![allow(dead_code)]

use automerge::{ActorId, ChangeHash};
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode, GridCode};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{
    Actor, CaseId, DepartmentId, EventId, Hlc, Location, LocationSource, Role, SourceChannel,
    Timestamp, Urgency,
};
use gridcase_core::protocol::{
    ApiError, DocPush, DocResult, FeedPage, Login, LoginReply, SyncRequest, SyncResponse,
};
use gridcase_core::workflow::{Event, EventKind, ReportPayload};
use gridcase_server::biz::admin::{self, UserSpec};
use gridcase_server::{Config, RunningServer};
use rand::Rng;
use std::collections::HashMap;

pub const TENANT: &str = "620102";
pub const OTHER_TENANT: &str = "620103";
pub const CELL_A: &str = "620102001001001";
pub const CELL_B: &str = "620102001001002";
pub const CELL_OTHER: &str = "620103001001001";
pub const PASSWORD: &str = "巡查2026-demo";

/// tenant, username, role, department code, cells.
type Account = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    &'static [&'static str],
);

/// A running server with its data directory.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub departments: HashMap<&'static str, DepartmentId>,
    /// The PostgreSQL database of this server when the suite runs with
    /// `GRIDCASE_TEST_BACKEND=postgres`; `None` on the default SQLite file.
    pub database_url: Option<String>,
}

impl TestServer {
    /// A server with tenants 620102 and 620103 and these accounts (password [`PASSWORD`]):
    /// 620102: insp_a (cell A), insp_b (cell B), intake, shift, disp1, disp2, dept_water
    /// (水务), dept_city (市政), leader; 620103: insp_x (its own cell).
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// [`TestServer::start`] with a changed configuration (the scheduler is off unless
    /// `configure` turns it on).
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> TestServer {
        // The server's warnings and errors in a failing test's output (an `internal` answer
        // says why there).
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::with_data_dir(dir.path().join("data"));
        config.database_url =
            gridcase_server::db::pg::test_database_from_env().map(gridcase_server::DatabaseUrl);
        config.listen = "127.0.0.1:0".parse().expect("addr");
        config.jobs.enabled = false;
        configure(&mut config);
        let database_url = config.database_url.as_ref().map(|u| u.0.clone());
        let server = gridcase_server::spawn(config).await.expect("server starts");
        let dep = server.deployment().clone();
        let departments = tokio::task::spawn_blocking(move || {
            admin::create_tenant(&dep, TENANT, "城关区").expect("tenant");
            admin::create_tenant(&dep, OTHER_TENANT, "七里河区").expect("tenant");
            let water =
                admin::create_department(&dep, TENANT, "水务局", Some("water")).expect("dept");
            let city =
                admin::create_department(&dep, TENANT, "市政局", Some("city")).expect("dept");
            let users: &[Account] = &[
                (TENANT, "insp_a", Role::Inspector, None, &[CELL_A]),
                (TENANT, "insp_b", Role::Inspector, None, &[CELL_B]),
                (TENANT, "intake", Role::IntakeOperator, None, &[]),
                (TENANT, "shift", Role::ShiftLeader, None, &[]),
                (TENANT, "disp1", Role::Dispatcher, None, &[]),
                (TENANT, "disp2", Role::Dispatcher, None, &[]),
                (TENANT, "dept_water", Role::Department, Some("water"), &[]),
                (TENANT, "dept_city", Role::Department, Some("city"), &[]),
                (TENANT, "leader", Role::Leader, None, &[]),
                (OTHER_TENANT, "insp_x", Role::Inspector, None, &[CELL_OTHER]),
            ];
            for (tenant, username, role, department, cells) in users {
                admin::create_user(
                    &dep,
                    &UserSpec {
                        tenant: (*tenant).to_owned(),
                        username: (*username).to_owned(),
                        display_name: format!("测试{username}"),
                        role: *role,
                        department: department.map(str::to_owned),
                        cells: cells.iter().map(|c| (*c).to_owned()).collect(),
                        password: PASSWORD.to_owned(),
                    },
                )
                .expect("user");
            }
            HashMap::from([("water", water), ("city", city)])
        })
        .await
        .expect("setup");
        TestServer {
            server,
            dir,
            departments,
            database_url,
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("data").join("gridcase.sqlite")
    }

    /// Runs `f` in one write transaction on this server's database, whichever engine it runs
    /// on (SQLite by default, PostgreSQL under `GRIDCASE_TEST_BACKEND=postgres`): how a test
    /// looks behind the API or damages a row. Call it from a multi-threaded test runtime.
    pub fn sql<T>(
        &self,
        f: impl FnOnce(&gridcase_server::db::Connection<'_>) -> Result<T, gridcase_server::ServerError>,
    ) -> Result<T, gridcase_server::ServerError> {
        self.server.deployment().db().write(f)
    }

    /// The configuration of another process on this server's data: the same data directory
    /// and, on PostgreSQL, the same database (the scheduler off).
    pub fn same_data_config(&self) -> Config {
        let mut config = Config::with_data_dir(self.dir.path().join("data"));
        config.database_url = self.database_url.clone().map(gridcase_server::DatabaseUrl);
        config.jobs.enabled = false;
        config
    }

    /// Whether this server runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.database_url.is_some()
    }

    /// `gridcase-server <args>` on this server's data directory and database (see
    /// [`DataRef::cli`]).
    pub fn cli<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.data_ref().cli(args)
    }

    /// The `gridcase-server <args>` command on this server's data (see [`DataRef::command`]).
    pub fn cli_command<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.data_ref().command(args)
    }

    /// Where this server's data is, for command-line runs that outlive the server.
    pub fn data_ref(&self) -> DataRef {
        DataRef {
            data: self.dir.path().join("data"),
            database_url: self.database_url.clone(),
        }
    }

    /// Logs in `username` from a new install.
    pub async fn device(&self, username: &str) -> Device {
        let tenant = if username == "insp_x" {
            OTHER_TENANT
        } else {
            TENANT
        };
        Device::login(
            &self.url(),
            tenant,
            username,
            &format!("install-{username}-{}", rand::rng().random::<u32>()),
        )
        .await
        .expect("login")
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

fn random10() -> [u8; 10] {
    let mut r = [0u8; 10];
    rand::rng().fill(&mut r);
    r
}

pub fn new_case_id() -> CaseId {
    CaseId::from_parts(now_ms() as u64, random10())
}

pub fn report_payload(cell: &str) -> ReportPayload {
    ReportPayload {
        source: SourceChannel::InspectorPatrol,
        category: CategoryRef {
            kind: CategoryKind::Component,
            code: CategoryCode::parse("01001").expect("code"),
        },
        location: Location::new(103.8343, 36.0611, Some(4.0), LocationSource::Gps).expect("loc"),
        cell: Some(GridCode::parse(cell).expect("cell")),
        component: None,
        address: "城关区张掖路步行街 88 号".to_owned(),
        description: "井盖破损，存在安全隐患".to_owned(),
        urgency: Urgency::Normal,
        photos: Vec::new(),
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    }
}

/// A device: a logged-in user with its actor id, an HTTP client and its case documents.
pub struct Device {
    pub base: String,
    pub client: reqwest::Client,
    pub login: LoginReply,
    pub install_id: String,
    pub docs: HashMap<CaseId, CaseDoc>,
    /// The server heads last received per case.
    pub server_heads: HashMap<CaseId, Vec<ChangeHash>>,
    pub hlc: i64,
}

/// An HTTP error reply.
#[derive(Debug)]
pub struct Failure {
    pub status: u16,
    pub error: ApiError,
}

impl Device {
    pub async fn login(
        base: &str,
        tenant: &str,
        username: &str,
        install: &str,
    ) -> Result<Device, Failure> {
        let client = reqwest::Client::new();
        let reply = login_request(&client, base, tenant, username, PASSWORD, install).await?;
        Ok(Device {
            base: base.to_owned(),
            client,
            login: reply,
            install_id: install.to_owned(),
            docs: HashMap::new(),
            server_heads: HashMap::new(),
            hlc: 0,
        })
    }

    pub fn actor_id(&self) -> ActorId {
        ActorId::from(hex::decode(&self.login.actor_id).expect("hex actor"))
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user: self.login.user_id,
            device: self.login.device_id,
            role: self.login.role,
            org: self.login.department,
        }
    }

    /// A new event by this device, stamped now.
    pub fn event(&mut self, kind: EventKind) -> Event {
        let ms = now_ms().max(self.hlc + 1);
        self.hlc = ms;
        let actor = self.actor();
        Event {
            id: EventId::from_parts(ms as u64, random10()),
            hlc: Hlc {
                ms,
                counter: 0,
                node: Hlc::node_of(&actor.device),
            },
            actor,
            received_at: None,
            kind,
        }
    }

    /// Creates a case locally (a patrol report in `cell`).
    pub fn report(&mut self, cell: &str) -> CaseId {
        self.report_with(report_payload(cell))
    }

    /// Creates a case locally with this report.
    pub fn report_with(&mut self, report: ReportPayload) -> CaseId {
        let id = new_case_id();
        let ev = self.event(EventKind::Report(report));
        let tenant = CountyCode::parse(&self.login.tenant).expect("tenant");
        let doc = CaseDoc::create(id, tenant, self.actor_id(), &ev).expect("create");
        self.docs.insert(id, doc);
        id
    }

    /// Appends an event to a local case.
    pub fn append(&mut self, case: CaseId, kind: EventKind) -> Event {
        let ev = self.event(kind);
        let actor = self.actor_id();
        let doc = self.docs.get_mut(&case).expect("case held");
        doc.set_actor(actor);
        doc.append(&ev).expect("append");
        ev
    }

    /// What this device would push for a case.
    pub fn push_of(&mut self, case: CaseId) -> DocPush {
        let known = self.server_heads.get(&case).cloned().unwrap_or_default();
        let doc = self.docs.get_mut(&case).expect("case held");
        // What a device sends: the changes after what the server has (all of them for a new
        // case), never a whole document (the gate accepts change chunks only).
        let changes = doc.save_after(&known);
        DocPush {
            case_id: case,
            known: wire(&known),
            have: wire(&doc.heads()),
            changes,
        }
    }

    /// A pull (or bootstrap when the case is not held).
    pub fn pull_of(&mut self, case: CaseId) -> DocPush {
        let known = self.server_heads.get(&case).cloned().unwrap_or_default();
        let have = self
            .docs
            .get_mut(&case)
            .map(|d| d.heads())
            .unwrap_or_default();
        DocPush {
            case_id: case,
            known: wire(&known),
            have: wire(&have),
            changes: Vec::new(),
        }
    }

    /// Pushes one case.
    pub async fn push(&mut self, case: CaseId) -> Result<SyncResponse, Failure> {
        let p = self.push_of(case);
        self.sync(vec![p]).await
    }

    /// Pulls (or bootstraps) one case.
    pub async fn pull(&mut self, case: CaseId) -> Result<SyncResponse, Failure> {
        let p = self.pull_of(case);
        self.sync(vec![p]).await
    }

    /// Sends a sync request and applies accepted results to the local documents.
    pub async fn sync(&mut self, docs: Vec<DocPush>) -> Result<SyncResponse, Failure> {
        let resp = self.sync_raw(&SyncRequest { docs }).await?;
        for r in &resp.docs {
            self.absorb(r);
        }
        Ok(resp)
    }

    fn absorb(&mut self, r: &DocResult) {
        if !matches!(r.outcome, gridcase_core::protocol::DocOutcome::Accepted) {
            return;
        }
        if !r.changes.is_empty() {
            match self.docs.get_mut(&r.case_id) {
                Some(doc) => doc
                    .load_incremental(&r.changes)
                    .expect("server changes apply"),
                None => {
                    let doc = CaseDoc::load(&r.changes).expect("bootstrap loads");
                    self.docs.insert(r.case_id, doc);
                }
            }
        }
        self.server_heads.insert(r.case_id, unwire(&r.heads));
    }

    pub async fn sync_raw(&self, req: &SyncRequest) -> Result<SyncResponse, Failure> {
        let mut body = Vec::new();
        ciborium::into_writer(req, &mut body).expect("cbor");
        let bytes = self.sync_bytes(body).await?;
        Ok(ciborium::from_reader(bytes.as_slice()).expect("cbor reply"))
    }

    pub async fn sync_bytes(&self, body: Vec<u8>) -> Result<Vec<u8>, Failure> {
        let resp = self
            .client
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(&self.login.token)
            .header("content-type", "application/cbor")
            .body(body)
            .send()
            .await
            .expect("send");
        ok_bytes(resp).await
    }

    /// One feed page; also returns the raw body length.
    pub async fn feed(&self, cursor: u64) -> Result<(FeedPage, usize), Failure> {
        let resp = self
            .client
            .get(format!("{}/v1/feed?cursor={cursor}", self.base))
            .bearer_auth(&self.login.token)
            .send()
            .await
            .expect("send");
        let bytes = ok_bytes(resp).await?;
        Ok((
            serde_json::from_slice(&bytes).expect("feed json"),
            bytes.len(),
        ))
    }

    /// Every case id in the feed from cursor 0.
    pub async fn feed_ids(&self) -> Vec<CaseId> {
        let (page, _) = self.feed(0).await.expect("feed");
        page.entries.iter().map(|e| e.case_id).collect()
    }

    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, Failure> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.login.token)
            .send()
            .await
            .expect("send");
        let bytes = ok_bytes(resp).await?;
        Ok(serde_json::from_slice(&bytes).expect("json"))
    }
}

pub async fn login_request(
    client: &reqwest::Client,
    base: &str,
    tenant: &str,
    username: &str,
    password: &str,
    install: &str,
) -> Result<LoginReply, Failure> {
    let resp = client
        .post(format!("{base}/v1/login"))
        .json(&Login {
            tenant: tenant.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            install_id: install.to_owned(),
            device_name: "测试平板".to_owned(),
        })
        .send()
        .await
        .expect("send");
    let bytes = ok_bytes(resp).await?;
    Ok(serde_json::from_slice(&bytes).expect("login json"))
}

pub async fn ok_bytes(resp: reqwest::Response) -> Result<Vec<u8>, Failure> {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body").to_vec();
    if (200..300).contains(&status) {
        Ok(bytes)
    } else {
        let error = serde_json::from_slice(&bytes).unwrap_or(ApiError {
            code: "?".into(),
            message: String::from_utf8_lossy(&bytes).into_owned(),
        });
        Err(Failure { status, error })
    }
}

pub fn wire(heads: &[ChangeHash]) -> Vec<serde_bytes::ByteBuf> {
    heads
        .iter()
        .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
        .collect()
}

pub fn unwire(heads: &[serde_bytes::ByteBuf]) -> Vec<ChangeHash> {
    heads
        .iter()
        .map(|h| ChangeHash(<[u8; 32]>::try_from(h.as_slice()).expect("32 bytes")))
        .collect()
}

/// Pulls a case, appends one event as `dev` and pushes it; the push must be accepted.
pub async fn act(dev: &mut Device, case: CaseId, kind: EventKind) {
    dev.pull(case).await.expect("pull");
    dev.append(case, kind);
    let r = dev.push(case).await.expect("push");
    assert_eq!(outcome(&r.docs[0]), "accepted");
}

/// The rejection code of a document result, or "accepted".
pub fn outcome(r: &DocResult) -> String {
    match &r.outcome {
        gridcase_core::protocol::DocOutcome::Accepted => "accepted".to_owned(),
        gridcase_core::protocol::DocOutcome::Rejected { code, .. } => code.clone(),
    }
}

pub fn timestamp_now() -> Timestamp {
    Timestamp(now_ms())
}

/// A test server's data directory and, on PostgreSQL, its database: what an administrator's
/// `gridcase-server` command runs on.
#[derive(Clone, Debug)]
pub struct DataRef {
    pub data: std::path::PathBuf,
    pub database_url: Option<String>,
}

impl DataRef {
    /// The `gridcase-server <args>` command on this data, logging at warn, not yet run.
    pub fn command<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gridcase-server"));
        cmd.args(args)
            .env("GRIDCASE_DATA_DIR", &self.data)
            .env("GRIDCASE_LOG", "warn");
        if let Some(url) = &self.database_url {
            cmd.env("GRIDCASE_DATABASE_URL", url);
        }
        cmd
    }

    /// Runs `gridcase-server <args>` on this data, asserts that it succeeded and returns its
    /// standard output.
    pub fn cli<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.command(args).output().expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }
}

/// Runs the `gridcase-server` binary with `args` on the data directory `data` (logging at warn),
/// asserts that it succeeded and returns its standard output.
pub fn server_cli<I, S>(data: &std::path::Path, args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridcase-server"))
        .args(args)
        .env("GRIDCASE_DATA_DIR", data)
        .env("GRIDCASE_LOG", "warn")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `GET <base>/v1/feed?cursor=…&wait=…` as `device`, in a task of its own: the page it is
/// answered with and when (long-poll tests).
pub fn long_poll(
    base: &str,
    device: &Device,
    cursor: u64,
    wait_secs: u64,
) -> tokio::task::JoinHandle<(FeedPage, std::time::Instant)> {
    let url = format!("{base}/v1/feed?cursor={cursor}&wait={wait_secs}");
    let token = device.login.token.clone();
    tokio::spawn(async move {
        let resp = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200);
        let page: FeedPage = resp.json().await.expect("json");
        (page, std::time::Instant::now())
    })
}
