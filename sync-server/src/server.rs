//! Serving a deployment: the HTTP listener and the scheduler in one process, with a handle to
//! stop both. Tests run it in-process on `127.0.0.1:0`.

use crate::api;
use crate::biz::jobs;
use crate::config::Config;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use crate::transport;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A server that is running.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    deployment: Arc<Deployment>,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    scheduler: Option<JoinHandle<()>>,
}

/// Opens the data directory of `config` and serves it on `config.listen`.
pub async fn spawn(config: Config) -> Result<RunningServer> {
    let listen = config.listen;
    let dep = tokio::task::spawn_blocking(move || Deployment::open(config))
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))??;
    spawn_with(Arc::new(dep), listen).await
}

/// Serves an opened deployment on `listen` (port 0 picks a free port).
pub async fn spawn_with(dep: Arc<Deployment>, listen: SocketAddr) -> Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let app = api::router(dep.clone());
    let limits = dep.config().transport.clone();
    let http = tokio::spawn(transport::serve(listener, app, limits, stopped.clone()));
    let scheduler = dep
        .config()
        .jobs
        .enabled
        .then(|| tokio::spawn(schedule(dep.clone(), stopped)));
    // On PostgreSQL: the other instances' feed and rule changes reach this one, until the
    // server is stopped (`stop` sends true) or dropped (the sender closes).
    if dep.db().postgres().is_some() {
        let (d, stopped) = (dep.clone(), stop.subscribe());
        let running = move || !*stopped.borrow() && stopped.has_changed().is_ok();
        let _ = tokio::task::spawn_blocking(move || d.listen_to_other_instances(running)).await;
    }
    tracing::info!(
        %addr,
        data_dir = %dep.data_dir().display(),
        blob_store = %dep.blob_store().describe(),
        "gridcase-server listening"
    );
    Ok(RunningServer {
        addr,
        deployment: dep,
        stop,
        http,
        scheduler,
    })
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The deployment being served (for setup and inspection in tests).
    pub fn deployment(&self) -> &Arc<Deployment> {
        &self.deployment
    }

    /// Stops accepting, finishes requests in flight, stops the scheduler.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop.send(true);
        if let Some(s) = self.scheduler {
            let _ = s.await;
        }
        self.http
            .await
            .map_err(|e| ServerError::Internal(e.to_string()))??;
        Ok(())
    }

    /// Waits until the server stops (it stops only through [`Self::shutdown`] or an error).
    pub async fn wait(self) -> Result<()> {
        self.http
            .await
            .map_err(|e| ServerError::Internal(e.to_string()))??;
        Ok(())
    }
}

async fn run_blocking<T: Send + 'static>(
    dep: &Arc<Deployment>,
    what: &'static str,
    f: impl FnOnce(&Deployment) -> Result<T> + Send + 'static,
) -> Option<T> {
    let dep = dep.clone();
    let failed = dep.clone();
    let error = match tokio::task::spawn_blocking(move || f(&dep)).await {
        Ok(Ok(v)) => return Some(v),
        Ok(Err(e)) => e.to_string(),
        Err(e) => format!("the job panicked: {e}"),
    };
    // Logged and recorded in `job_failures`; the scheduler goes on with the next job and tick.
    let _ = tokio::task::spawn_blocking(move || {
        crate::biz::isolation::report_job_failure(&failed, what, "", &error)
    })
    .await;
    None
}

/// The scheduler: lights and escalation every interval; compaction and blob GC every
/// `maintenance_every_hours`; a backup every `backup_every_hours`.
async fn schedule(dep: Arc<Deployment>, mut stopped: watch::Receiver<bool>) {
    let jobs_config = dep.config().jobs.clone();
    let mut tick = tokio::time::interval(Duration::from_secs(jobs_config.interval_secs.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let hours = |h: u64| Duration::from_secs(h * 3600);
    let mut last_maintenance = Instant::now();
    let mut last_backup = Instant::now();
    let mut leader: Option<crate::db::pg::Leadership> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        if dep.db().postgres().is_some() {
            // Several instances share the database: only the holder of the leader lock runs
            // the jobs (taken over by another instance when the leader's session ends).
            let d = dep.clone();
            let held = leader.take();
            let was_leader = held.is_some();
            leader = tokio::task::spawn_blocking(move || lead(&d, held))
                .await
                .unwrap_or(None);
            match (was_leader, leader.is_some()) {
                (false, true) => tracing::info!("this instance now runs the scheduled jobs"),
                (true, false) => tracing::warn!("this instance lost the scheduler's lead"),
                _ => {}
            }
            if leader.is_none() {
                continue;
            }
        }
        let now = dep.now();
        // Each tenant's run is isolated inside the job (its failure logged and recorded).
        if let Some(t) =
            run_blocking(&dep, "lights", move |d| jobs::lights_and_escalation(d, now)).await
            && (t.changed > 0 || t.escalated > 0)
        {
            tracing::info!(
                changed = t.changed,
                escalated = t.escalated,
                "lights updated"
            );
        }
        if last_maintenance.elapsed() >= hours(jobs_config.maintenance_every_hours.max(1)) {
            last_maintenance = Instant::now();
            run_blocking(&dep, "compaction", jobs::compact).await;
            run_blocking(&dep, "blob_gc", move |d| jobs::blob_gc(d, now)).await;
        }
        if jobs_config.backup_every_hours > 0
            && dep.db().sqlite_path().is_some()
            && last_backup.elapsed() >= hours(jobs_config.backup_every_hours)
        {
            last_backup = Instant::now();
            run_blocking(&dep, "backup", move |d| jobs::backup(d, now)).await;
        }
    }
}

/// Keeps or takes the scheduler's leadership on PostgreSQL (blocking).
fn lead(
    dep: &Deployment,
    held: Option<crate::db::pg::Leadership>,
) -> Option<crate::db::pg::Leadership> {
    if let Some(mut l) = held
        && l.holds()
    {
        return Some(l);
    }
    match dep.db().postgres()?.try_lead() {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("the scheduler's leader lock could not be asked for: {e}");
            None
        }
    }
}
