//! The device's sync runtime (feature `client`): executes the [`SyncEngine`]'s plan over HTTP
//! with reqwest (rustls), sleeps through its backoffs, and reports [`Progress`] to a callback.
//!
//! The store is shared with the app as a [`SharedStore`] (`Arc<Mutex<DeviceStore>>`); every
//! store step (reading the round's state, building a request, applying an answer, reading a
//! blob chunk) runs on tokio's blocking pool, so the async tasks never hold SQLite or do
//! Automerge work, and the app's own writes interleave between steps. Patrol data (track blocks,
//! 签到/签退, survey marks) goes after a round, on its own routes and backoff (`patrol`). Each store step is one
//! transaction, so a round dropped halfway (the app closed, the future cancelled) leaves the
//! store consistent and the next round picks up where it stopped.

mod http;
mod patrol;

pub use http::{CounterSnapshot, Counters, UPLOAD_COMPLETE_HEADER};
pub use patrol::{MARKS_PER_PUSH, PatrolRound, SEAL_AFTER_S};

use super::engine::{EngineConfig, Failure, Op, Progress, RoundSummary, SyncEngine};
use super::local;
use crate::model::{DepartmentId, DeviceId, Role, Timestamp, UserId};
use crate::protocol::{
    CAPABILITIES, Hello, HelloReply, Limits, Login, PROTOCOL_VERSION, WHOLE_DOC,
};
use crate::store::{DeviceStore, StoreError};
use automerge::ActorId;
use http::Http;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often [`SyncClient::run`] refreshes the cached 专项普查 tasks.
pub const SURVEYS_EVERY: Duration = Duration::from_secs(10 * 60);

/// The device store as the app and the runtime share it.
pub type SharedStore = Arc<Mutex<DeviceStore>>;

/// A progress callback.
pub type ProgressSink = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How the runtime talks to its server.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The server, e.g. `https://sync.example.gov.cn` (no `/v1`).
    pub base_url: String,
    /// The engine's tuning. On `hello` each limit becomes the smaller of this one and the
    /// server's.
    pub engine: EngineConfig,
    /// Seed of the backoff jitter (any value; tests fix it).
    pub seed: u64,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Pause between rounds of [`SyncClient::run`] when everything is synced.
    pub poll_interval: Duration,
    /// Outbox blobs considered per round.
    pub blobs_per_round: u32,
    /// The device's own clock (the system clock; the test harness skews it).
    pub local_clock: LocalClock,
}

/// The device's wall clock as it reads: the system clock plus `skew_ms`, which is 0 on a real
/// device and set by the test harness to play a tablet whose clock is wrong. The runtime
/// reads it around every request to learn the offset against the server's clock.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LocalClock {
    /// Milliseconds added to the system clock.
    pub skew_ms: i64,
}

impl LocalClock {
    /// The reading now, Unix ms.
    pub fn now_ms(&self) -> i64 {
        now().0.saturating_add(self.skew_ms)
    }
}

impl ClientConfig {
    /// Defaults for `base_url`: 10 s connect, 30 s per request, a round a minute.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            engine: EngineConfig::default(),
            seed: 0x6772_6964_6361_7365,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(60),
            blobs_per_round: 10_000,
            local_clock: LocalClock::default(),
        }
    }
}

/// A signed-in device (from `POST /v1/login`). The app keeps it (the token in the platform's
/// secure storage) to resume without signing in again. Serializable so the app can keep it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    /// Bearer token.
    pub token: String,
    /// The device record.
    pub device_id: DeviceId,
    /// The Automerge actor the server issued to this device, 32 hex digits.
    pub actor_id: String,
    /// The user.
    pub user_id: UserId,
    /// The user's role.
    pub role: Role,
    /// The user's department (department users).
    pub department: Option<DepartmentId>,
    /// The tenant.
    pub tenant: String,
    /// An inspector's grid cells.
    pub cells: Vec<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"<redacted>")
            .field("device_id", &self.device_id)
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// What can stop the runtime (network failures never do: they are retried).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The device store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server refused a sign-in or handshake, or could not be reached for it.
    #[error("server: {0}")]
    Server(Failure),
    /// Sync stopped for good until the user acts (token revoked, protocol too old).
    #[error("sync stopped: {0}")]
    Stopped(Failure),
    /// A background task died.
    #[error("background task failed: {0}")]
    Task(String),
}

impl SyncError {
    /// Stable code for the UI.
    pub fn code(&self) -> &str {
        match self {
            SyncError::Store(e) => e.code(),
            SyncError::Server(f) | SyncError::Stopped(f) => &f.code,
            SyncError::Task(_) => "internal",
        }
    }
}

/// The wall clock as the engine sees it.
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp(ms)
}

fn until(at: Timestamp) -> Duration {
    Duration::from_millis(u64::try_from(at.0.saturating_sub(now().0)).unwrap_or(0))
}

fn parse_actor(hex_text: &str) -> Result<ActorId, SyncError> {
    match hex::decode(hex_text) {
        Ok(bytes) if bytes.len() == 16 => Ok(ActorId::from(bytes.as_slice())),
        _ => Err(SyncError::Server(Failure::new(
            "bad_response",
            format!("actor id {hex_text:?} is not 32 hex digits"),
        ))),
    }
}

/// The device's sync runtime: one per signed-in device.
pub struct SyncClient {
    http: Http,
    store: SharedStore,
    engine: SyncEngine,
    config: ClientConfig,
    session: Session,
    sink: Option<ProgressSink>,
    patrol: patrol::PatrolBackoff,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base_url", &self.config.base_url)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// Runs `f` on the store in tokio's blocking pool. A poisoned lock is taken over: every store
/// write is a transaction, so a panic mid-write left nothing half done.
async fn on_store<T, F>(store: &SharedStore, f: F) -> Result<T, SyncError>
where
    T: Send + 'static,
    F: FnOnce(&mut DeviceStore) -> T + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    })
    .await
    .map_err(|e| SyncError::Task(e.to_string()))
}

impl SyncClient {
    /// Signs in (`hello`, then `login`), stores the actor id the server issued, and returns a
    /// client for that session.
    pub async fn login(
        config: ClientConfig,
        store: SharedStore,
        login: &Login,
    ) -> Result<SyncClient, SyncError> {
        let http = Http::new(
            &config.base_url,
            config.connect_timeout,
            config.request_timeout,
            config.local_clock,
        )
        .map_err(SyncError::Server)?;
        let hello = http
            .hello(&Self::hello_message())
            .await
            .map_err(SyncError::Server)?;
        let reply = http.login(login).await.map_err(SyncError::Server)?;
        let session = Session {
            token: reply.token,
            device_id: reply.device_id,
            actor_id: reply.actor_id,
            user_id: reply.user_id,
            role: reply.role,
            department: reply.department,
            tenant: reply.tenant,
            cells: reply.cells,
        };
        let mut client = Self::resume_with(config, store, session, http).await?;
        client.adopt_limits(hello.limits);
        client.adopt_capabilities(&hello.capabilities).await?;
        client.learn_clock().await?;
        Ok(client)
    }

    /// A client for a session signed in earlier (no request is made).
    pub async fn resume(
        config: ClientConfig,
        store: SharedStore,
        session: Session,
    ) -> Result<SyncClient, SyncError> {
        let http = Http::new(
            &config.base_url,
            config.connect_timeout,
            config.request_timeout,
            config.local_clock,
        )
        .map_err(SyncError::Server)?;
        Self::resume_with(config, store, session, http).await
    }

    async fn resume_with(
        config: ClientConfig,
        store: SharedStore,
        session: Session,
        mut http: Http,
    ) -> Result<SyncClient, SyncError> {
        let actor = parse_actor(&session.actor_id)?;
        on_store(&store, move |s| s.set_actor_id(&actor)).await??;
        http.set_token(session.token.clone());
        Ok(SyncClient {
            http,
            store,
            engine: SyncEngine::new(config.engine, config.seed),
            patrol: patrol::PatrolBackoff::new(config.seed),
            config,
            session,
            sink: None,
        })
    }

    fn hello_message() -> Hello {
        Hello {
            protocols: vec![PROTOCOL_VERSION],
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            capabilities: CAPABILITIES.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// The version and capability handshake; adopts the server's limits.
    pub async fn hello(&mut self) -> Result<HelloReply, SyncError> {
        let reply = self
            .http
            .hello(&Self::hello_message())
            .await
            .map_err(SyncError::Server)?;
        self.adopt_limits(reply.limits);
        self.adopt_capabilities(&reply.capabilities).await?;
        Ok(reply)
    }

    /// Records in the store whether the server takes a new case as one whole document.
    async fn adopt_capabilities(&mut self, capabilities: &[String]) -> Result<(), SyncError> {
        let whole = capabilities.iter().any(|c| c == WHOLE_DOC);
        on_store(&self.store, move |s| s.set_whole_doc_push(whole)).await??;
        Ok(())
    }

    /// Adopts the server's limits, each kept at most at the configured one.
    fn adopt_limits(&mut self, server: Limits) {
        let mine = self.config.engine.limits;
        self.engine.set_limits(Limits {
            max_docs_per_sync: server.max_docs_per_sync.min(mine.max_docs_per_sync),
            max_sync_bytes: server.max_sync_bytes.min(mine.max_sync_bytes),
            max_doc_bytes: server.max_doc_bytes.min(mine.max_doc_bytes),
            max_blob_bytes: server.max_blob_bytes.min(mine.max_blob_bytes),
            max_feed_page: server.max_feed_page.min(mine.max_feed_page),
        });
    }

    /// Calls `sink` with every progress event from now on.
    pub fn on_progress(&mut self, sink: impl Fn(&Progress) + Send + Sync + 'static) {
        self.sink = Some(Arc::new(sink));
    }

    /// The session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The shared store.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// Requests and bytes so far.
    pub fn counters(&self) -> CounterSnapshot {
        self.http.counters.snapshot()
    }

    /// When the last clean round finished.
    pub fn last_sync(&self) -> Option<Timestamp> {
        self.engine.last_sync()
    }

    fn emit(&mut self) {
        for event in self.engine.take_progress() {
            tracing::debug!(?event, "sync progress");
            if let Some(sink) = &self.sink {
                sink(&event);
            }
        }
    }

    /// One round: feed, case data, then media. Network failures are retried inside the round
    /// (with backoff) up to the engine's limit and reported in the summary; only a store
    /// failure is an error.
    pub async fn sync_once(&mut self) -> Result<RoundSummary, SyncError> {
        let limit = self.config.blobs_per_round;
        let state = on_store(&self.store, move |s| local::local_state(s, limit)).await??;
        self.engine.start(now(), state);
        self.emit();
        loop {
            let op = self.engine.next(now());
            let finished = self.execute(op).await?;
            self.emit();
            if let Some(summary) = finished {
                return Ok(summary);
            }
        }
    }

    async fn execute(&mut self, op: Op) -> Result<Option<RoundSummary>, SyncError> {
        match op {
            Op::PullFeed { cursor, limit } => {
                let result = self.http.feed(cursor, limit).await;
                self.learn_clock().await?;
                self.engine.feed_pulled(now(), result);
            }
            Op::Sync { docs } => self.sync_batch(docs).await?,
            Op::ProbeBlob { sha256 } => {
                let result = self.http.head_blob(sha256).await;
                self.learn_clock().await?;
                self.engine.blob_probed(now(), sha256, result);
            }
            Op::PutBlob {
                sha256,
                offset,
                len,
                total,
            } => {
                let chunk = on_store(&self.store, move |s| {
                    local::read_blob_chunk(s, sha256, offset, len)
                })
                .await?;
                let result = match chunk {
                    Ok(bytes) => self.http.put_blob(sha256, offset, total, bytes).await,
                    Err(failure) => Err(failure),
                };
                self.learn_clock().await?;
                self.engine.blob_put(now(), sha256, result);
            }
            Op::Record(record) => {
                let done = on_store(&self.store, move |s| local::record(s, &record)).await?;
                if let Err(e) = done {
                    self.engine
                        .interrupt(now(), Failure::new(e.code(), e.to_string()));
                }
            }
            Op::Wait { until: at } => tokio::time::sleep(until(at)).await,
            Op::Finished(summary) => return Ok(Some(summary)),
            Op::Idle => return Ok(Some(RoundSummary::default())),
        }
        Ok(None)
    }

    /// Folds the clock samples of the answers since the last call into the store's offset
    /// (re-stamping unaccepted events when it jumped).
    async fn learn_clock(&mut self) -> Result<(), SyncError> {
        let samples = self.http.take_samples();
        if samples.is_empty() {
            return Ok(());
        }
        let restamped = on_store(&self.store, move |s| {
            let mut total = crate::store::Restamped::default();
            for sample in &samples {
                let r = s.learn_clock(sample)?;
                total.cases.extend(r.cases);
                total.events += r.events;
            }
            Ok::<_, StoreError>(total)
        })
        .await??;
        if restamped.events > 0 {
            tracing::info!(
                cases = restamped.cases.len(),
                events = restamped.events,
                "clock corrected: unaccepted events re-stamped"
            );
        }
        Ok(())
    }

    /// The device's clock as this runtime reads it.
    pub fn local_clock(&self) -> LocalClock {
        self.config.local_clock
    }

    /// Replaces the device's clock (the test harness plays a tablet whose time was changed).
    pub fn set_local_clock(&mut self, clock: LocalClock) {
        self.config.local_clock = clock;
        self.http.set_clock(clock);
    }

    async fn sync_batch(&mut self, docs: Vec<super::DocPlan>) -> Result<(), SyncError> {
        let limits = self.engine.config().limits;
        let prepared =
            on_store(&self.store, move |s| local::prepare_sync(s, &docs, &limits)).await?;
        let mut reports = prepared.reports;
        if prepared.request.docs.is_empty() {
            self.engine.synced(now(), Ok(reports));
            return Ok(());
        }
        let answer = self.http.sync(&prepared.request).await;
        // Learn the clock first: a refusal for `hlc_in_future` is answered by re-stamping.
        self.learn_clock().await?;
        match answer {
            Ok(response) => {
                let request = prepared.request;
                let at = Timestamp(self.config.local_clock.now_ms());
                let applied = on_store(&self.store, move |s| {
                    local::apply_sync(s, &request, response, at)
                })
                .await?;
                reports.extend(applied);
                self.engine.synced(now(), Ok(reports));
            }
            Err(failure) => self.engine.synced(now(), Err(failure)),
        }
        Ok(())
    }

    /// Waits (long polling, at most 25 s and less than the request timeout) until the server's
    /// feed shows something new in this device's scope past its stored cursor; `Ok(true)` when
    /// it does (run a round now), `Ok(false)` when the wait ran out. A server without long
    /// polling answers at once with what it has, so the caller's own pause still applies.
    pub async fn wait_for_change(&self) -> Result<bool, Failure> {
        let cursor = on_store(&self.store, |s| s.sync_cursor())
            .await
            .map_err(|e| Failure::new("local_store", e.to_string()))?
            .map_err(|e| Failure::new("local_store", e.to_string()))?
            .and_then(|c| c.parse::<u64>().ok())
            .unwrap_or(0);
        let wait = Duration::from_secs(25).min(
            self.config
                .request_timeout
                .saturating_sub(Duration::from_secs(5)),
        );
        if wait.is_zero() {
            return Ok(false);
        }
        let page = self.http.feed_wait(cursor, wait).await?;
        Ok(!page.entries.is_empty())
    }

    /// Rounds until one reaches its end (not interrupted) or `max_rounds` ran, sleeping until
    /// each interrupted round's retry time. Stops with [`SyncError::Stopped`] on a fatal failure.
    pub async fn sync_until_clean(
        &mut self,
        max_rounds: usize,
    ) -> Result<Vec<RoundSummary>, SyncError> {
        let mut out = Vec::new();
        for _ in 0..max_rounds {
            let summary = self.sync_once().await?;
            let interrupted = summary.interrupted.clone();
            out.push(summary);
            match interrupted {
                None => break,
                Some(i) => match i.retry_at {
                    Some(at) => tokio::time::sleep(until(at)).await,
                    None => return Err(SyncError::Stopped(Failure::new(i.code, i.message))),
                },
            }
        }
        Ok(out)
    }

    /// Syncs until `stop` completes: a round and a patrol pass ([`SyncClient::sync_patrol`]),
    /// then the poll interval (or the retry time of an
    /// interrupted round), again. Returns `Ok` when stopped, [`SyncError::Stopped`] when the
    /// session can no longer sync.
    pub async fn run(&mut self, stop: impl Future<Output = ()>) -> Result<(), SyncError> {
        let mut stop = std::pin::pin!(stop);
        let mut last_surveys: Option<std::time::Instant> = None;
        loop {
            let summary = tokio::select! {
                summary = self.sync_once() => summary?,
                () = &mut stop => return Ok(()),
            };
            // Patrol data after the case round (docs/patrol.md "On the device"); its failures
            // wait for its own backoff and never stop this loop.
            let fetch =
                last_surveys.is_none_or(|t: std::time::Instant| t.elapsed() >= SURVEYS_EVERY);
            let patrol = tokio::select! {
                r = self.sync_patrol(fetch) => r?,
                () = &mut stop => return Ok(()),
            };
            if patrol.surveys.is_some() {
                last_surveys = Some(std::time::Instant::now());
            }
            let pause = match summary.interrupted {
                None => self.config.poll_interval,
                Some(i) => match i.retry_at {
                    Some(at) => until(at),
                    None => return Err(SyncError::Stopped(Failure::new(i.code, i.message))),
                },
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = &mut stop => return Ok(()),
            }
        }
    }
}
