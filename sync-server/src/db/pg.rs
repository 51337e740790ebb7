//! The PostgreSQL backend: a pool of blocking clients (the `postgres` crate), one transaction per
//! [`crate::db::Db::write`] / [`crate::db::Db::read`], the schema from [`super::pg_schema`].
//!
//! Invariants:
//! - **One writer across instances.** Every write transaction first takes the transaction-level
//!   advisory lock [`WRITER_LOCK`], so writes from any number of `serve` processes on one database
//!   are serialised exactly as SQLite's single writer serialises them. Business rules that read
//!   then write (numbering, merges, the feed) keep their meaning, and a tenant's feed sequence is
//!   committed in sequence order: a reader never sees entry N+1 committed while N is still to
//!   come, so a device's cursor never skips (tests/it/postgres.rs races writers and a reader).
//! - **Reads are snapshots**: `REPEATABLE READ, READ ONLY`, one snapshot per `read`.
//! - **Leadership** for the scheduler is a session-level advisory lock ([`LEADER_LOCK`]) held by
//!   one instance's dedicated connection ([`Leadership`]); when that process dies its
//!   connection closes, PostgreSQL releases the lock and another instance takes it.
//! - A client whose connection broke is not returned to the pool.
//! - **Other instances hear of changes** through `NOTIFY`: after a commit that moved a tenant's
//!   feed ([`FEED_CHANNEL`]) or after a tenant's rules changed ([`RULES_CHANNEL`]), with this
//!   instance's id in the payload; every `serve` instance [`PgStore::listen`]s on both on a
//!   connection of its own and wakes its long polls or drops its cached rules. Best effort: a
//!   missed notification costs a long poll its wait's end, and cached rules their minute.

use super::sql::{Connection, StatementCache};
use crate::error::{Result, ServerError};
use postgres::{Client, IsolationLevel, NoTls};
use std::sync::Mutex;

/// The advisory lock every write transaction holds (`pg_advisory_xact_lock`).
pub const WRITER_LOCK: i64 = 0x6772_6964_0001;
/// The advisory lock the scheduler's leader holds for its session (`pg_try_advisory_lock`).
pub const LEADER_LOCK: i64 = 0x6772_6964_0002;
/// The advisory lock held while migrating.
pub const MIGRATE_LOCK: i64 = 0x6772_6964_0003;

/// Idle clients kept.
const POOL_MAX: usize = 16;

/// The channel announcing that a tenant's feed moved (payload `<instance>:<tenant>`).
pub const FEED_CHANNEL: &str = "gridcase_feed";
/// The channel announcing that a tenant's rules changed (payload `<instance>:<tenant>`).
pub const RULES_CHANNEL: &str = "gridcase_rules";

/// A PostgreSQL database shared by the deployment's instances.
pub struct PgStore {
    url: String,
    pool: Mutex<Vec<Pooled>>,
    /// This process's id in notification payloads (its own are not acted on twice).
    instance: String,
}

/// A session of the pool with the statements it prepared.
struct Pooled {
    client: Client,
    statements: StatementCache,
}

/// A notification from another instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// [`FEED_CHANNEL`] or [`RULES_CHANNEL`].
    pub channel: String,
    /// The tenant it is about.
    pub tenant: String,
}

/// Runs blocking database work. The server calls the store from blocking threads; a caller on
/// a worker of a multi-threaded tokio runtime (a test body) is moved off it with
/// `block_in_place`, since the blocking client enters a runtime of its own. A caller on the
/// async thread of a current-thread runtime cannot be moved (and a blocking-pool thread cannot
/// be told from it): such a caller gets the client's panic, so call through `spawn_blocking`.
fn off_runtime<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// A new session on the database at `url`.
fn connect(url: &str) -> Result<Client> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| ServerError::Config(format!("database_url: {e}")))?;
    config.application_name("gridcase-server");
    config.connect_timeout(std::time::Duration::from_secs(10));
    Ok(config.connect(NoTls)?)
}

/// A session listening on [`FEED_CHANNEL`] and [`RULES_CHANNEL`].
fn subscribe(url: &str) -> Result<Client> {
    let mut client = connect(url)?;
    client.batch_execute(&format!("LISTEN {FEED_CHANNEL}; LISTEN {RULES_CHANNEL}"))?;
    Ok(client)
}

/// Hands one session's notifications from other instances to `on` until the session breaks
/// (`true`: open another) or `running()` / `on` says to stop (`false`).
fn relay(
    mut client: Client,
    instance: &str,
    running: &impl Fn() -> bool,
    on: &impl Fn(Notice) -> bool,
) -> bool {
    use postgres::fallible_iterator::FallibleIterator as _;
    while running() && !client.is_closed() {
        let mut notes = client.notifications();
        let mut it = notes.timeout_iter(std::time::Duration::from_millis(500));
        loop {
            let n = match it.next() {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("the notification connection broke: {e}");
                    return true;
                }
            };
            let Some((from, tenant)) = n.payload().split_once(':') else {
                continue;
            };
            let notice = Notice {
                channel: n.channel().to_owned(),
                tenant: tenant.to_owned(),
            };
            if from != instance && !on(notice) {
                return false;
            }
        }
    }
    running()
}

/// Closes clients on a thread of their own: the blocking client drives its connection on an
/// internal runtime, which must not be entered from an async task (where the last `Arc` of a
/// deployment may be dropped).
fn close_elsewhere<T: Send + 'static>(clients: T) {
    let _ = std::thread::Builder::new()
        .name("gridcase-pg-close".into())
        .spawn(move || drop(clients));
}

impl Drop for PgStore {
    fn drop(&mut self) {
        let clients = std::mem::take(&mut *self.pool.lock().unwrap_or_else(|p| p.into_inner()));
        close_elsewhere(clients);
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// Connects, migrates (under [`MIGRATE_LOCK`]) and keeps the client.
    pub fn open(url: &str) -> Result<PgStore> {
        let store = PgStore {
            url: url.to_owned(),
            pool: Mutex::new(Vec::new()),
            instance: uuid::Uuid::now_v7().simple().to_string(),
        };
        let mut client = store.connect()?;
        super::pg_schema::migrate(&mut client)?;
        store.put(Pooled {
            client,
            statements: StatementCache::default(),
        });
        Ok(store)
    }

    fn connect(&self) -> Result<Client> {
        connect(&self.url)
    }

    fn take(&self) -> Result<Pooled> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(p) if !p.client.is_closed() => Ok(p),
            _ => Ok(Pooled {
                client: self.connect()?,
                statements: StatementCache::default(),
            }),
        }
    }

    fn put(&self, pooled: Pooled) {
        if pooled.client.is_closed() {
            return;
        }
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < POOL_MAX {
            pool.push(pooled);
        }
    }

    /// One write transaction holding [`WRITER_LOCK`]; committed if `f` returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T>) -> Result<T> {
        off_runtime(|| self.write_blocking(f))
    }

    fn write_blocking<T>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T>) -> Result<T> {
        let mut pooled = self.take()?;
        let result = (|| {
            let Pooled { client, statements } = &mut pooled;
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::ReadCommitted)
                .start()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])?;
            let conn = Connection::postgres(tx, statements);
            let value = f(&conn)?;
            conn.commit()?;
            Ok(value)
        })();
        self.put(pooled);
        result
    }

    /// One read-only snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T>) -> Result<T> {
        off_runtime(|| self.read_blocking(f))
    }

    fn read_blocking<T>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T>) -> Result<T> {
        let mut pooled = self.take()?;
        let result = (|| {
            let Pooled { client, statements } = &mut pooled;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let conn = Connection::postgres(tx, statements);
            let value = f(&conn)?;
            conn.commit()?;
            Ok(value)
        })();
        self.put(pooled);
        result
    }

    /// Tells the other instances that these tenants' feeds moved ([`FEED_CHANNEL`]) or rules
    /// changed ([`RULES_CHANNEL`]). Best effort, after the commit: a failure is logged.
    pub fn notify(&self, channel: &str, tenants: &[String]) {
        if tenants.is_empty() {
            return;
        }
        let _ = off_runtime(|| {
            let mut pooled = self.take()?;
            for t in tenants {
                let payload = format!("{}:{t}", self.instance);
                let sent = pooled
                    .client
                    .execute("SELECT pg_notify($1, $2)", &[&channel, &payload]);
                if let Err(e) = sent {
                    tracing::warn!("notification to other instances not sent: {e}");
                    break;
                }
            }
            self.put(pooled);
            Ok(())
        });
    }

    /// Listens for the other instances' notifications on a connection of its own, on a thread
    /// of its own, calling `on` for each while `running()` says so and `on` returns `true`
    /// (`false`: its deployment is gone); a broken connection is opened again after a second.
    /// The first `LISTEN` is in place when this returns (blocking), so nothing committed
    /// afterwards by another instance is missed.
    pub fn listen(
        &self,
        running: impl Fn() -> bool + Send + 'static,
        on: impl Fn(Notice) -> bool + Send + 'static,
    ) -> Result<()> {
        let first = off_runtime(|| subscribe(&self.url))?;
        let (url, instance) = (self.url.clone(), self.instance.clone());
        std::thread::Builder::new()
            .name("gridcase-pg-listen".into())
            .spawn(move || {
                let mut next = Some(first);
                while running() {
                    let client = match next.take().map_or_else(|| subscribe(&url), Ok) {
                        Ok(c) => c,
                        Err(e) => {
                            tracing::warn!("listening for other instances failed: {e}");
                            std::thread::sleep(std::time::Duration::from_secs(1));
                            continue;
                        }
                    };
                    if !relay(client, &instance, &running, &on) {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            })
            .map_err(|e| ServerError::Internal(format!("listener thread: {e}")))?;
        Ok(())
    }

    /// Tries to become the scheduler's leader: `Some` while this instance holds
    /// [`LEADER_LOCK`] on its own session.
    pub fn try_lead(&self) -> Result<Option<Leadership>> {
        let mut client = self.connect()?;
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])?
            .get(0);
        Ok(if got {
            Some(Leadership {
                client: Some(client),
            })
        } else {
            close_elsewhere(client);
            None
        })
    }
}

/// This instance leads the scheduler while the value lives and its connection is open.
pub struct Leadership {
    client: Option<Client>,
}

impl Drop for Leadership {
    fn drop(&mut self) {
        close_elsewhere(self.client.take());
    }
}

impl Leadership {
    /// Whether the lock is still held (the session is alive).
    pub fn holds(&mut self) -> bool {
        match &mut self.client {
            Some(c) => !c.is_closed() && c.simple_query("SELECT 1").is_ok(),
            None => false,
        }
    }
}

impl std::fmt::Debug for Leadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Leadership")
    }
}

/// For test suites: when `GRIDCASE_TEST_BACKEND=postgres`, creates a fresh database on the
/// cluster named by `GRIDCASE_TEST_PG` (an admin URL, scripts/pg.sh) and returns its URL;
/// `None` for the default SQLite backend. Panics when PostgreSQL was asked for and cannot be
/// reached, so a misconfigured run fails instead of silently testing SQLite.
pub fn test_database_from_env() -> Option<String> {
    if std::env::var("GRIDCASE_TEST_BACKEND").ok().as_deref() != Some("postgres") {
        return None;
    }
    let admin = std::env::var("GRIDCASE_TEST_PG")
        .expect("GRIDCASE_TEST_BACKEND=postgres needs GRIDCASE_TEST_PG (scripts/pg.sh start)");
    Some(create_database(&admin).expect("a test database on GRIDCASE_TEST_PG"))
}

/// Creates an empty database with a fresh name on the cluster of `admin_url`; its URL. Runs on
/// a thread of its own, so async callers (test set-ups) may call it too.
pub fn create_database(admin_url: &str) -> Result<String> {
    let admin_url = admin_url.to_owned();
    std::thread::spawn(move || create_database_blocking(&admin_url))
        .join()
        .map_err(|_| ServerError::Internal("creating the database panicked".into()))?
}

fn create_database_blocking(admin_url: &str) -> Result<String> {
    let name = format!("gc_{}", uuid::Uuid::now_v7().simple());
    let mut client = admin_url
        .parse::<postgres::Config>()
        .map_err(|e| ServerError::Config(format!("database_url: {e}")))?
        .connect(NoTls)?;
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .ok_or_else(|| ServerError::Config("database_url has no database name".into()))?;
    Ok(format!("{base}/{name}"))
}
