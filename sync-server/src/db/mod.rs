//! The server's SQLite store (rusqlite, bundled): one file in the data directory, WAL,
//! `synchronous=FULL`, foreign keys on, append-only migrations counted by `PRAGMA user_version`.
//!
//! One writer: every write goes through [`Db::write`] (a `BEGIN IMMEDIATE` transaction on the
//! single writer connection, behind a mutex; callers run it on a blocking thread). Readers take
//! a pooled read-only connection ([`Db::read`]) and see the last committed state (WAL snapshots),
//! so a read never waits for a write. Every table module takes a `&Connection` (a transaction
//! derefs to one), so the business layer composes several table writes into one transaction.
//!
//! Invariant: every query on tenant data names the tenant.

pub mod audit;
pub mod bad_docs;
pub mod basemaps;
pub mod blobs;
pub mod case_index;
pub mod cases;
pub mod contacts;
pub mod devices;
pub mod docs;
pub mod intake;
pub mod meta;
pub mod schema;
pub mod snapshots;
pub mod standards;
pub mod tenants;
pub mod throttle;
pub mod users;

use crate::error::{Result, ServerError};
use crate::storage::StorageHealth;
use automerge::ChangeHash;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The database of one deployment.
#[derive(Debug)]
pub struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    storage: StorageHealth,
    /// Per tenant, bumped after a committed write transaction that moved the tenant's feed:
    /// what a long-polling feed request waits on (`GET /v1/feed?wait=`). In-process only: a
    /// write by another instance on the same database is seen when the waiting request times
    /// out and the device asks again.
    feeds: Mutex<HashMap<String, tokio::sync::watch::Sender<u64>>>,
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

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted and replaced content is zeroed in the page, so a secret replaced by its sealed
    // form (or a removed contact) does not linger in the file or its backups.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Db> {
        let conn = Connection::open(path)?;
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
        Ok(Db {
            path: path.to_owned(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            storage: StorageHealth::default(),
            feeds: Mutex::new(HashMap::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the WAL into the database and truncates it (used after secrets were sealed, so
    /// no old frame keeps them).
    pub fn checkpoint_truncate(&self) -> Result<()> {
        let conn = self.writer();
        let (busy, _, _): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        if busy != 0 {
            tracing::warn!("WAL checkpoint was blocked by a reader; it completes later");
        }
        Ok(())
    }

    /// The writer connection (for callers that manage savepoints themselves).
    pub fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A receiver that sees a change after each committed write that moved `tenant`'s feed.
    pub fn watch_feed(&self, tenant: &str) -> tokio::sync::watch::Receiver<u64> {
        let mut feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        feeds
            .entry(tenant.to_owned())
            .or_insert_with(|| tokio::sync::watch::Sender::new(0))
            .subscribe()
    }

    fn announce(&self, moved: Vec<String>) {
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

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer; commits if it returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer();
        FEEDS_MOVED.with(|m| m.borrow_mut().clear());
        let result: Result<T> = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        drop(conn);
        let moved = FEEDS_MOVED.with(|m| std::mem::take(&mut *m.borrow_mut()));
        match &result {
            Ok(_) => {
                self.storage.record_write(false);
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
    /// list; `None` while the writer is busy (`/v1/health` does not wait for a write).
    pub fn pages_left(&self) -> Option<u64> {
        let conn = match self.writer.try_lock() {
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

    /// Runs `f` on a pooled read-only connection inside one read transaction (one snapshot).
    pub fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                c
            }
        };
        let result = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let value = f(&tx)?;
            tx.finish()?;
            Ok(value)
        })();
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
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
