//! The blob outbox: photos to upload, by SHA-256, with where their bytes are on this device and
//! how far the upload got (uploads resume from `bytes_sent`).
//!
//! Invariants: one row per hash, whatever number of events reference it; a row only moves
//! forward (`pending` → `uploading` → `uploaded`), so re-enqueuing an uploaded blob does nothing;
//! an event's photos are enqueued in the transaction that appends the event.

use super::{DeviceStore, StoreError};
use crate::model::{CaseId, Sha256};
use crate::workflow::Event;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::path::PathBuf;

/// Where a blob's bytes are.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum BlobSource {
    /// A file on this device (the media store's path).
    Path(PathBuf),
    /// The bytes themselves, kept in the database until uploaded.
    Bytes(Vec<u8>),
}

/// How far a blob's upload got.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BlobState {
    /// Not started.
    Pending,
    /// Started; `bytes_sent` is the resume point.
    Uploading,
    /// The server has all of it, verified by hash.
    Uploaded,
}

/// An outbox row.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OutboxBlob {
    /// The blob's hash.
    pub sha256: Sha256,
    /// The case that first referenced it, when known.
    pub case_id: Option<CaseId>,
    /// Size in bytes.
    pub size: u64,
    /// Where its bytes are; `None` when referenced by an event but not yet handed to the store.
    pub source: Option<BlobSource>,
    /// Upload progress.
    pub state: BlobState,
    /// Bytes the server has confirmed.
    pub bytes_sent: u64,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Enqueues the photos `event` references (no source yet; `enqueue_blob` adds it).
pub(crate) fn enqueue_refs(
    conn: &Connection,
    case_id: CaseId,
    event: &Event,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO blobs (sha256, case_id, size) VALUES (?1, ?2, ?3) \
         ON CONFLICT (sha256) DO UPDATE SET case_id = COALESCE(case_id, excluded.case_id)",
    )?;
    for photo in event.kind.photos() {
        let size = i64::try_from(photo.size).unwrap_or(i64::MAX);
        stmt.execute(params![photo.sha256.to_hex(), case_id.to_string(), size])?;
    }
    Ok(())
}

fn read_blob(r: &Row<'_>) -> rusqlite::Result<Result<OutboxBlob, StoreError>> {
    let hex: String = r.get(0)?;
    let case: Option<String> = r.get(1)?;
    let (path, bytes): (Option<String>, Option<Vec<u8>>) = (r.get(3)?, r.get(4)?);
    let state = match r.get::<_, String>(5)?.as_str() {
        "uploading" => BlobState::Uploading,
        "uploaded" => BlobState::Uploaded,
        _ => BlobState::Pending,
    };
    let (size, sent, attempts): (i64, i64, i64) = (r.get(2)?, r.get(6)?, r.get(7)?);
    let parsed = Sha256::parse(&hex)
        .map_err(|e| StoreError::corrupt("blobs.sha256", e))
        .and_then(|sha256| {
            let case_id = case.map(|c| CaseId::parse(&c)).transpose();
            let case_id = case_id.map_err(|e| StoreError::corrupt("blobs.case_id", e))?;
            Ok(OutboxBlob {
                sha256,
                case_id,
                size: u64::try_from(size).unwrap_or(0),
                source: bytes
                    .map(BlobSource::Bytes)
                    .or(path.map(|p| BlobSource::Path(p.into()))),
                state,
                bytes_sent: u64::try_from(sent).unwrap_or(0),
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            })
        });
    Ok(parsed)
}

impl DeviceStore {
    /// Hands the store a blob to upload (or where the bytes of a referenced one are). Keeps the
    /// state of a blob already uploaded.
    pub fn enqueue_blob(
        &mut self,
        sha256: Sha256,
        source: BlobSource,
        size: u64,
    ) -> Result<(), StoreError> {
        let (path, bytes) = match source {
            BlobSource::Path(p) => {
                let text = p.to_str().ok_or_else(|| StoreError::InvalidInput {
                    what: "blob path",
                    reason: format!("{} is not UTF-8", p.display()),
                })?;
                (Some(text.to_owned()), None)
            }
            BlobSource::Bytes(b) => (None, Some(b)),
        };
        self.conn.execute(
            "INSERT INTO blobs (sha256, size, path, bytes) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, path = excluded.path, \
             bytes = excluded.bytes WHERE state <> 'uploaded'",
            params![
                sha256.to_hex(),
                i64::try_from(size).unwrap_or(i64::MAX),
                path,
                bytes
            ],
        )?;
        Ok(())
    }

    /// Blobs not yet uploaded, oldest first.
    pub fn pending_blobs(&self, limit: u32) -> Result<Vec<OutboxBlob>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sha256, case_id, size, path, bytes, state, bytes_sent, attempts FROM blobs \
             WHERE state <> 'uploaded' ORDER BY rowid LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], read_blob)?;
        rows.map(|r| r?).collect()
    }

    /// How many blobs are not yet uploaded (a count, without reading their rows).
    pub fn pending_blob_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM blobs WHERE state <> 'uploaded'",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// One blob's row.
    pub fn blob(&self, sha256: Sha256) -> Result<Option<OutboxBlob>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT sha256, case_id, size, path, bytes, state, bytes_sent, attempts FROM blobs \
                 WHERE sha256 = ?1",
                [sha256.to_hex()],
                read_blob,
            )
            .optional()?;
        row.transpose()
    }

    fn update_blob(&mut self, sha256: Sha256, sql: &str, arg: i64) -> Result<(), StoreError> {
        let n = self.conn.execute(sql, params![sha256.to_hex(), arg])?;
        if n == 0 && self.blob(sha256)?.is_none() {
            return Err(StoreError::NotFound {
                what: "blob",
                key: sha256.to_hex(),
            });
        }
        Ok(())
    }

    /// Records that the server has confirmed `bytes_sent` bytes (the resume point). Progress
    /// never goes backwards and an uploaded blob stays uploaded.
    pub fn mark_blob_progress(
        &mut self,
        sha256: Sha256,
        bytes_sent: u64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE blobs SET state = 'uploading', bytes_sent = MAX(bytes_sent, ?2) \
                   WHERE sha256 = ?1 AND state <> 'uploaded'";
        self.update_blob(sha256, sql, i64::try_from(bytes_sent).unwrap_or(i64::MAX))
    }

    /// Records a failed attempt (the resume point is kept).
    pub fn mark_blob_failed(&mut self, sha256: Sha256) -> Result<(), StoreError> {
        self.update_blob(
            sha256,
            "UPDATE blobs SET attempts = attempts + ?2 WHERE sha256 = ?1",
            1,
        )
    }

    /// Records that the server has the whole blob, verified; inline bytes are dropped.
    pub fn mark_blob_uploaded(&mut self, sha256: Sha256) -> Result<(), StoreError> {
        let sql = "UPDATE blobs SET state = 'uploaded', bytes_sent = MAX(size, ?2), bytes = NULL \
                   WHERE sha256 = ?1";
        self.update_blob(sha256, sql, 0)
    }
}
