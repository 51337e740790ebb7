//! [`Deployment`]: one deployment's database, data directory, blob store, clock, server identity and the
//! parsed rules (catalog, calendar, deadline policy) of its tenants. The business layer takes a
//! `&Deployment`; the HTTP layer shares one behind an `Arc`.

use crate::biz::rules::TenantRules;
use crate::blobstore::BlobStore;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::db::meta::{ServerIdentity, server_identity};
use crate::error::Result;
use crate::secret_box::SecretBox;
use crate::storage::StorageHealth;
use gridcase_core::model::Timestamp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Parsed tenant rules are re-read after this long (an `import` run by another process).
const RULES_TTL: Duration = Duration::from_secs(60);

/// One deployment of the server.
#[derive(Debug)]
pub struct Deployment {
    db: Db,
    config: Config,
    clock: Clock,
    identity: ServerIdentity,
    secrets: SecretBox,
    blob_store: BlobStore,
    rules: RwLock<HashMap<String, (Instant, Arc<TenantRules>)>>,
    blob_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    eval_cache: crate::biz::case_index::EvalCache,
    doc_cache: crate::biz::doc_cache::DocCache,
}

impl Deployment {
    /// Opens the data directory (creating it and migrating the database as needed).
    pub fn open(config: Config) -> Result<Deployment> {
        Deployment::open_with_clock(config, Clock::system())
    }

    /// Opens with a given clock (tests move it forward).
    pub fn open_with_clock(config: Config, clock: Clock) -> Result<Deployment> {
        std::fs::create_dir_all(&config.data_dir)?;
        std::fs::create_dir_all(config.data_dir.join("blobs"))?;
        let db = match &config.database_url {
            Some(url) => Db::open_postgres(&url.0)?,
            None => Db::open(&config.db_path())?,
        };
        let now = clock.now().ms();
        let identity = db.write(|tx| server_identity(tx, now))?;
        let secrets = SecretBox::open_or_create(&config.secrets_key_path())?;
        let doc_cache = crate::biz::doc_cache::DocCache::new(
            usize::try_from(config.cache.doc_bytes).unwrap_or(usize::MAX),
        );
        let blob_store = BlobStore::open(&config.object_store, &config.data_dir)?;
        let dep = Deployment {
            blob_store,
            db,
            config,
            clock,
            identity,
            secrets,
            rules: RwLock::new(HashMap::new()),
            eval_cache: Default::default(),
            doc_cache,
            blob_locks: Mutex::new(HashMap::new()),
        };
        crate::biz::intake::video::seal_clear_secrets(&dep)?;
        Ok(dep)
    }

    /// The key that seals secrets kept at rest.
    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// The write path's cache of parsed case documents (biz::doc_cache).
    pub fn doc_cache(&self) -> &crate::biz::doc_cache::DocCache {
        &self.doc_cache
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Storage health: whether the last write failed for lack of space (`/v1/health`).
    pub fn storage(&self) -> &StorageHealth {
        self.db.storage()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The server's actor and system account.
    pub fn identity(&self) -> &ServerIdentity {
        &self.identity
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// Where photos, uploads in progress and basemap packages live (crate::blobstore).
    pub fn blob_store(&self) -> &BlobStore {
        &self.blob_store
    }

    /// Where backups go.
    pub fn backups_dir(&self) -> PathBuf {
        self.config.data_dir.join("backups")
    }

    /// The parsed rules of a tenant (cached for a minute, and dropped by an import).
    pub fn rules(&self, tenant: &str) -> Result<Arc<TenantRules>> {
        let cached = self
            .rules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(tenant)
            .filter(|(at, _)| at.elapsed() < RULES_TTL)
            .map(|(_, r)| r.clone());
        if let Some(r) = cached {
            return Ok(r);
        }
        let rules = Arc::new(self.db.read(|tx| TenantRules::load(tx, tenant))?);
        self.rules
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tenant.to_owned(), (Instant::now(), rules.clone()));
        Ok(rules)
    }

    /// Folded terminal cases kept for evaluation (biz::case_index).
    pub fn eval_cache(&self) -> &crate::biz::case_index::EvalCache {
        &self.eval_cache
    }

    /// Drops the cached rules of a tenant (after an import), here and, on PostgreSQL, on the
    /// deployment's other instances (`NOTIFY`, [`crate::db::pg::RULES_CHANNEL`]).
    pub fn forget_rules(&self, tenant: &str) {
        self.forget_rules_here(tenant);
        if let Some(pg) = self.db.postgres() {
            pg.notify(crate::db::pg::RULES_CHANNEL, &[tenant.to_owned()]);
        }
    }

    /// Drops the cached rules of a tenant in this process only (another instance changed them).
    pub fn forget_rules_here(&self, tenant: &str) {
        self.rules
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(tenant);
    }

    /// Whether this process holds `tenant`'s rules (tests of the cross-instance invalidation).
    pub fn holds_rules(&self, tenant: &str) -> bool {
        self.rules
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(tenant)
    }

    /// On PostgreSQL, starts listening for the other instances' notifications (a thread of its
    /// own, ended when `running()` turns false or the deployment is dropped): their feed
    /// changes wake this instance's long polls, their rule changes drop its cached rules.
    /// Nothing on SQLite. Blocking: returns once the first `LISTEN` is in place.
    pub fn listen_to_other_instances(
        self: &Arc<Self>,
        running: impl Fn() -> bool + Send + 'static,
    ) {
        let Some(pg) = self.db.postgres() else {
            return;
        };
        let weak = Arc::downgrade(self);
        let started = pg.listen(running, move |notice| {
            let Some(dep) = weak.upgrade() else {
                return false;
            };
            if notice.channel == crate::db::pg::RULES_CHANNEL {
                dep.forget_rules_here(&notice.tenant);
            } else {
                dep.db.announce(vec![notice.tenant]);
            }
            true
        });
        if let Err(e) = started {
            tracing::warn!("could not listen to the other instances: {e}");
        }
    }

    /// The lock serialising uploads of one blob.
    pub(crate) fn blob_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.blob_locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(key.to_owned()).or_default().clone()
    }
}

/// Runs blocking work (database, file I/O) of the business layer off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    dep: &Arc<Deployment>,
    f: impl FnOnce(&Deployment) -> Result<T> + Send + 'static,
) -> Result<T> {
    let dep = dep.clone();
    tokio::task::spawn_blocking(move || f(&dep))
        .await
        .map_err(|e| crate::error::ServerError::Internal(e.to_string()))?
}
