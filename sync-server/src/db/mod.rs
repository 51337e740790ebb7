//! The server's store: SQLite (rusqlite, bundled; the default: one file in the data directory,
//! WAL, `synchronous=FULL`, foreign keys on, append-only migrations counted by `PRAGMA
//! user_version`) or PostgreSQL ([`pg`], for the city cloud: several instances on one
//! database). Table modules and the business layer see only [`sql::Connection`] and never
//! know which engine answers.
//!
//! One writer: every write goes through [`Db::write`] (SQLite: a `BEGIN IMMEDIATE` transaction
//! on the single writer connection, behind a mutex; PostgreSQL: a transaction holding the
//! deployment's writer advisory lock; callers run it on a blocking thread). Readers
//! ([`Db::read`]) see the last committed state in one snapshot, so a read never waits for a
//! write. Every table module takes a `&Connection` (one transaction), so the business layer
//! composes several table writes into one transaction.
//!
//! Invariant: every query on tenant data names the tenant.

pub mod audit;
pub mod bad_docs;
pub mod basemaps;
pub mod blobs;
pub mod case_index;
pub mod cases;
pub mod contacts;
pub mod copy;
pub mod devices;
pub mod docs;
pub mod intake;
pub mod meta;
pub mod patrol;
pub mod pg;
pub mod pg_schema;
pub mod schema;
pub mod snapshots;
pub mod sql;
pub mod standards;
pub mod survey;
pub mod tenants;
pub mod throttle;
pub mod users;

use crate::error::{Result, ServerError};
use crate::storage::StorageHealth;
use automerge::ChangeHash;
use rusqlite::{OpenFlags, TransactionBehavior};
pub use sql::{Backend, Connection};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The database of one deployment: an SQLite file (the default) or a PostgreSQL database.
#[derive(Debug)]
pub struct Db {
    store: Store,
    storage: StorageHealth,
    /// Per tenant, bumped after a committed write transaction that moved the tenant's feed:
    /// what a long-polling feed request waits on (`GET /v1/feed?wait=`). In-process only: a
    /// write by another instance on the same database is seen when the waiting request times
    /// out and the device asks again.
    feeds: Mutex<HashMap<String, tokio::sync::watch::Sender<u64>>>,
}

#[derive(Debug)]
enum Store {
    Sqlite {
        path: PathBuf,
        writer: Mutex<rusqlite::Connection>,
        readers: Mutex<Vec<rusqlite::Connection>>,
    },
    Postgres(pg::PgStore),
}

thread_local! {
    /// Tenants whose feed the write transaction running on this thread moved.
    static FEEDS_MOVED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Marks `tenant`'s feed moved by the write transaction running on this thread.
pub(crate) fn feed_changed(tenant: &str) {
    FEEDS_MOVED.with(|m| {
        let mut m = m.borrow_mut();
        if !m.iter().any(|t| t == tenant) {
            m.push(tenant.to_owned());
        }
    });
}

fn configure(conn: &rusqlite::Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted and replaced content is zeroed in the page, so a secret replaced by its sealed
    // form (or a removed contact) does not linger in the file or its backups.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the SQLite database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Db> {
        let conn = rusqlite::Connection::open(path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(ServerError::Internal(format!(
                "{} could not switch to WAL (journal_mode={mode})",
                path.display()
            )));
        }
        configure(&conn)?;
        let mut conn = conn;
        schema::migrate(&mut conn)?;
        Ok(Db::with_store(Store::Sqlite {
            path: path.to_owned(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        }))
    }

    /// Opens the PostgreSQL database at `url` (`postgres://…`) and applies pending migrations
    /// (under an advisory lock, so instances starting together migrate once).
    pub fn open_postgres(url: &str) -> Result<Db> {
        Ok(Db::with_store(Store::Postgres(pg::PgStore::open(url)?)))
    }

    fn with_store(store: Store) -> Db {
        Db {
            store,
            storage: StorageHealth::default(),
            feeds: Mutex::new(HashMap::new()),
        }
    }

    /// Which engine this database runs on.
    pub fn backend(&self) -> Backend {
        match self.store {
            Store::Sqlite { .. } => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the data is, for an operator: the SQLite file's path, or "PostgreSQL" (never the
    /// URL, which may hold a password).
    pub fn describe(&self) -> String {
        match &self.store {
            Store::Sqlite { path, .. } => path.display().to_string(),
            Store::Postgres(_) => "PostgreSQL".to_owned(),
        }
    }

    /// The schema version reached by the migrations.
    pub fn schema_version(&self) -> Result<i64> {
        match &self.store {
            Store::Sqlite { .. } => {
                let conn = self.sqlite_writer().expect("an SQLite store");
                schema::version(&conn)
            }
            Store::Postgres(_) => self.read(|c| {
                Ok(c.query_row("SELECT max(version) FROM gridcase_schema", (), |r| r.get(0))?)
            }),
        }
    }

    /// The SQLite file, if this database is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.store {
            Store::Sqlite { path, .. } => Some(path),
            Store::Postgres(_) => None,
        }
    }

    /// The PostgreSQL store, if this database is one (leadership and notifications).
    pub fn postgres(&self) -> Option<&pg::PgStore> {
        match &self.store {
            Store::Sqlite { .. } => None,
            Store::Postgres(p) => Some(p),
        }
    }

    /// Copies the WAL into the database and truncates it (used after secrets were sealed, so
    /// no old frame keeps them). Nothing to do on PostgreSQL.
    pub fn checkpoint_truncate(&self) -> Result<()> {
        let Some(conn) = self.sqlite_writer() else {
            return Ok(());
        };
        let (busy, _, _): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        if busy != 0 {
            tracing::warn!("WAL checkpoint was blocked by a reader; it completes later");
        }
        Ok(())
    }

    /// The SQLite writer connection (for callers that manage savepoints themselves, and
    /// SQLite-only maintenance); `None` on PostgreSQL.
    pub fn sqlite_writer(&self) -> Option<MutexGuard<'_, rusqlite::Connection>> {
        match &self.store {
            Store::Sqlite { writer, .. } => Some(
                writer
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            ),
            Store::Postgres(_) => None,
        }
    }

    /// A receiver that sees a change after each committed write that moved `tenant`'s feed.
    pub fn watch_feed(&self, tenant: &str) -> tokio::sync::watch::Receiver<u64> {
        let mut feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        feeds
            .entry(tenant.to_owned())
            .or_insert_with(|| tokio::sync::watch::Sender::new(0))
            .subscribe()
    }

    /// Wakes the long polls waiting on these tenants' feeds (after a commit here, or another
    /// instance's notification).
    pub(crate) fn announce(&self, moved: Vec<String>) {
        if moved.is_empty() {
            return;
        }
        let feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        for tenant in moved {
            if let Some(tx) = feeds.get(&tenant) {
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }

    /// Runs `f` in one write transaction; commits if it returns `Ok`. SQLite: `BEGIN
    /// IMMEDIATE` on the single writer. PostgreSQL: a transaction that first takes the
    /// deployment's writer advisory lock, so writes from every instance are serialised as on
    /// SQLite (and a feed sequence is never committed after a later one).
    pub fn write<T>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T>) -> Result<T> {
        FEEDS_MOVED.with(|m| m.borrow_mut().clear());
        let result: Result<T> = match &self.store {
            Store::Sqlite { writer, .. } => {
                let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
                (|| {
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    let value = f(&Connection::sqlite(&tx))?;
                    tx.commit()?;
                    Ok(value)
                })()
            }
            Store::Postgres(pg) => pg.write(f),
        };
        let moved = FEEDS_MOVED.with(|m| std::mem::take(&mut *m.borrow_mut()));
        match &result {
            Ok(_) => {
                self.storage.record_write(false);
                if let Some(pg) = self.postgres() {
                    pg.notify(pg::FEED_CHANNEL, &moved);
                }
                self.announce(moved);
            }
            Err(e) if e.code() == gridcase_core::protocol::ErrorCode::StorageFull => {
                self.storage.record_write(true)
            }
            Err(_) => {}
        }
        result
    }

    /// Pages the database can still grow by before its page limit (`max_page_count` of the
    /// writer connection, which an operator may set as a quota), counting the pages on its free
    /// list; `None` while the writer is busy (`/v1/health` does not wait for a write), and on
    /// PostgreSQL (whose space is watched by its operator).
    pub fn pages_left(&self) -> Option<u64> {
        let Store::Sqlite { writer, .. } = &self.store else {
            return None;
        };
        let conn = match writer.try_lock() {
            Ok(c) => c,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        let pragma = |name: &str| -> Option<u64> {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0))
                .ok()
                .map(|v| v.max(0) as u64)
        };
        let (max, used, free) = (
            pragma("max_page_count")?,
            pragma("page_count")?,
            pragma("freelist_count")?,
        );
        Some(max.saturating_sub(used) + free)
    }

    /// Whether writes are failing for lack of space (read by `/v1/health`).
    pub fn storage(&self) -> &StorageHealth {
        &self.storage
    }

    /// Runs `f` inside one read transaction (one snapshot): a pooled read-only SQLite
    /// connection, or a `REPEATABLE READ, READ ONLY` PostgreSQL transaction.
    pub fn read<T>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T>) -> Result<T> {
        let (path, readers) = match &self.store {
            Store::Sqlite { path, readers, .. } => (path, readers),
            Store::Postgres(pg) => return pg.read(f),
        };
        let pooled = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => {
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                c
            }
        };
        let result = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let value = f(&Connection::sqlite(&tx))?;
            tx.finish()?;
            Ok(value)
        })();
        let mut pool = readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < 8 {
            pool.push(conn);
        }
        result
    }
}

/// Heads as stored: concatenated 32-byte hashes, sorted.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

/// Reads stored heads.
pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(ServerError::Internal(
            "stored heads are not 32-byte hashes".into(),
        ));
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            ChangeHash(h)
        })
        .collect())
}
