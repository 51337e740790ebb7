//! The device's SQLite store (rusqlite, bundled SQLite, WAL): per case an Automerge snapshot plus
//! the change chunks written since, a projection row for list views, the blob outbox, sync
//! bookkeeping and device meta (sync cursor, actor id, last HLC, the learned clock offset).
//!
//! Invariants:
//! - every user action is one SQLite transaction (`BEGIN IMMEDIATE`): appending an event writes
//!   its chunk, the new heads, the projection row, its photos' outbox rows and the HLC together,
//!   or nothing at all;
//! - a case's document is `snapshot ++ chunks` in `seq` order; each chunk is
//!   `save_after(local_heads before it)`, never `save_incremental` (which, after a load, repeats
//!   the whole history);
//! - a case never has more than [`COMPACT_AFTER_CHUNKS`] chunks: the write that would add one more
//!   replaces snapshot and chunks with one `save()` in the same transaction;
//! - durability: WAL with `synchronous=FULL`, so a committed action survives a power cut;
//! - the schema only grows, by the append-only [`MIGRATIONS`];
//! - a case the server refused is rebuilt from the server's copy in the same transaction that
//!   keeps the device's refused edits (`quarantines`, `rejected_edits`) for its user;
//! - patrol data (track blocks, 签到/签退, survey marks) has its own outbox tables, apart from
//!   the case documents (`patrol`);
//! - events are stamped from `local clock + learned offset`; a clock correction re-stamps the
//!   events the server has not accepted in the transaction that learns it (`clock`).
//!
//! The projection row is computed by a [`ProjectionFn`] from the case's events; see
//! [`fold_projection`], the workflow fold mapped to list rows.

mod cases;
mod clock;
mod dirty;
mod error;
mod meta;
mod outbox;
mod patrol;
mod projection;
mod quarantine;
mod schema;

pub use clock::Restamped;
pub use dirty::{CaseSyncRow, DirtyCase};
pub use error::StoreError;
pub use outbox::{BlobSource, BlobState, OutboxBlob};
pub use patrol::{OutboxState, PatrolCounts, PatrolItem, SignRow, SurveyMarkRow, TrackBlockRow};
pub use projection::{CaseFilter, ProjectionFn, ProjectionRow, SyncState, fold_projection};
pub use quarantine::{Quarantine, RejectedEdit};
pub use schema::{MIGRATIONS, current_version};

use automerge::ChangeHash;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// Compact a case (one `save()` replaces snapshot and chunks) rather than store an 11th chunk.
pub const COMPACT_AFTER_CHUNKS: i64 = 10;
/// Compact a case once its chunks exceed this many bytes, whatever their number.
pub const COMPACT_AFTER_BYTES: i64 = 32 * 1024;

/// How long a writer waits for another connection's lock before failing with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The device's database. One per app install; all writes go through `&mut self`.
pub struct DeviceStore {
    conn: Connection,
    project: ProjectionFn,
}

impl std::fmt::Debug for DeviceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceStore")
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

impl DeviceStore {
    /// Opens (creating if needed) the database at `path`: WAL, `synchronous=FULL`, foreign keys
    /// on, a busy timeout, then every pending migration. Projection uses [`fold_projection`].
    pub fn open(path: impl AsRef<Path>) -> Result<DeviceStore, StoreError> {
        let conn = Connection::open(path)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::corrupt(
                "journal_mode",
                format!("WAL refused, got {mode}"),
            ));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mut store = DeviceStore {
            conn,
            project: fold_projection,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Applies pending migrations (idempotent); returns the schema version.
    pub fn migrate(&mut self) -> Result<i64, StoreError> {
        schema::migrate(&mut self.conn)
    }

    /// The database's schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Replaces the function that computes projection rows (the workflow fold, once it exists).
    /// Rows already stored are recomputed on the case's next write, or by [`Self::reproject`].
    pub fn set_projection(&mut self, project: ProjectionFn) {
        self.project = project;
    }
}

/// Heads as stored: the 32-byte hashes concatenated, in the order `get_heads` gives (sorted).
pub(crate) fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// The inverse of [`encode_heads`]; a length that is not a multiple of 32 is corrupt.
pub(crate) fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>, StoreError> {
    if !bytes.len().is_multiple_of(32) {
        return Err(StoreError::corrupt(
            "heads",
            format!("{} bytes", bytes.len()),
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
