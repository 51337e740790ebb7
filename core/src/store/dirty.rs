//! Sync bookkeeping per case for the sync engine: which documents have local changes the server
//! may not have, the heads the server acknowledged, and the persisted Automerge sync state.
//!
//! Invariant: `dirty` is cleared only by [`DeviceStore::mark_synced`] with the heads the server
//! acknowledged, and only if they are still the local heads; a local write in between keeps the
//! case dirty.

use super::{DeviceStore, StoreError, decode_heads, encode_heads};
use crate::model::CaseId;
use automerge::ChangeHash;
use rusqlite::{OptionalExtension, params};

/// A case with local changes to sync.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DirtyCase {
    /// The case.
    pub case_id: CaseId,
    /// Its current heads on this device.
    pub local_heads: Vec<ChangeHash>,
    /// The heads the server last acknowledged; `None` if it never has.
    pub server_heads: Option<Vec<ChangeHash>>,
}

impl DeviceStore {
    /// Cases with local changes the server may not have.
    pub fn dirty_cases(&self) -> Result<Vec<DirtyCase>, StoreError> {
        Ok(self
            .case_sync_rows("WHERE dirty = 1")?
            .into_iter()
            .map(|r| DirtyCase {
                case_id: r.case_id,
                local_heads: r.local_heads,
                server_heads: r.server_heads,
            })
            .collect())
    }

    /// How many cases have local changes the server may not have (a count, without reading
    /// their heads).
    pub fn dirty_case_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM docs WHERE dirty = 1", [], |r| {
                r.get(0)
            })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Records that the server has `heads` of a case; clears `dirty` if those are the local heads.
    pub fn mark_synced(&mut self, case_id: CaseId, heads: &[ChangeHash]) -> Result<(), StoreError> {
        let mut sorted = heads.to_vec();
        sorted.sort();
        let n = self.conn.execute(
            "UPDATE docs SET server_heads = ?2, dirty = (local_heads <> ?2) WHERE case_id = ?1",
            params![case_id.to_string(), encode_heads(&sorted)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "case",
                key: case_id.to_string(),
            });
        }
        Ok(())
    }

    /// The persisted `automerge::sync::State` of a case against the server.
    pub fn sync_state(&self, case_id: CaseId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT state FROM sync_state WHERE case_id = ?1",
                [case_id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a case's encoded sync state.
    pub fn set_sync_state(&mut self, case_id: CaseId, state: &[u8]) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO sync_state (case_id, state) VALUES (?1, ?2)",
            params![case_id.to_string(), state],
        )?;
        Ok(())
    }
}

/// A case's sync bookkeeping, as the sync engine reads it at the start of a round.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CaseSyncRow {
    /// The case.
    pub case_id: CaseId,
    /// Its current heads on this device.
    pub local_heads: Vec<ChangeHash>,
    /// The heads the server last acknowledged; `None` if it never has.
    pub server_heads: Option<Vec<ChangeHash>>,
    /// Whether the device has changes the server may lack.
    pub dirty: bool,
}

impl DeviceStore {
    /// Every case's sync bookkeeping, in case id order.
    pub fn sync_index(&self) -> Result<Vec<CaseSyncRow>, StoreError> {
        self.case_sync_rows("")
    }

    /// The sync bookkeeping of the `docs` rows matching `filter` (a fixed SQL `WHERE` clause or
    /// nothing), in case id order.
    fn case_sync_rows(&self, filter: &'static str) -> Result<Vec<CaseSyncRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT case_id, local_heads, server_heads, dirty FROM docs {filter} ORDER BY case_id"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, local, server, dirty) = row?;
            out.push(CaseSyncRow {
                case_id: CaseId::parse(&id).map_err(|e| StoreError::corrupt("docs.case_id", e))?,
                local_heads: decode_heads(&local)?,
                server_heads: server.map(|s| decode_heads(&s)).transpose()?,
                dirty,
            });
        }
        Ok(out)
    }

    /// Whether the case is stored on this device.
    pub fn has_case(&self, case_id: CaseId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM docs WHERE case_id = ?1",
                [case_id.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The heads the server last acknowledged for a case (`None`: never, or not stored).
    pub fn server_heads(&self, case_id: CaseId) -> Result<Option<Vec<ChangeHash>>, StoreError> {
        let bytes: Option<Option<Vec<u8>>> = self
            .conn
            .query_row(
                "SELECT server_heads FROM docs WHERE case_id = ?1",
                [case_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        bytes.flatten().map(|b| decode_heads(&b)).transpose()
    }
}
