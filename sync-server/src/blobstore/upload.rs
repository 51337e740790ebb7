//! Resumable uploads over the blob store, correct when consecutive requests of one upload reach
//! different server instances (stateless instances sharing one database and one store).
//!
//! State of a device's upload of blob `sha` in `tenant`:
//! - the database's `blob_parts` row (declared length, start) and `blob_segments` rows
//!   `(offset, length, key)`;
//! - one staged object per segment, `uploads/<tenant>/<id>/<offset>-<random>` (`id`: 128 bits of
//!   SHA-256 over the blob and the device, so each upload has its own prefix).
//!
//! Nothing about an upload lives in a server process, so any instance answers any request.
//!
//! Invariants:
//! 1. The upload's offset is the end of its segments (`blob_segments`), which are contiguous
//!    from 0: a segment is recorded only at the current offset, in one transaction with the
//!    check (and the primary key on the offset refuses a second segment at the same place when
//!    two instances race). The losing request deletes its staged object and answers
//!    `offset_mismatch` with the winner's offset.
//! 2. A segment's object is written completely *before* its row: every recorded segment is
//!    readable. An object without a row (a crash in between, or a lost race) is never read;
//!    it has a random name, so it never overwrites a recorded one, and it goes with its
//!    upload's prefix ([`discard`]) or the bucket's lifecycle rule on `uploads/`.
//! 3. A request body is cut into segments of at most [`SEGMENT_BYTES`] (memory per request is
//!    bounded); a body that breaks off keeps every segment flushed before, and what it had
//!    buffered is flushed too, so the client resumes from what reached the server.
//! 4. When the offset reaches the declared length, the segments are read in order through
//!    SHA-256 into a multipart write of `blobs/<tenant>/<ab>/<cdef…>`, which is completed only
//!    when the digest matches (else aborted: `hash_mismatch`, the upload is discarded). Then
//!    one transaction marks the blob complete and forgets the segments, and the staged objects
//!    are deleted. A crash in between is repaired by the next request: the offset is still the
//!    length, so the blob is composed again to the same bytes.
//! 5. On the local directory, a partial file of an earlier release
//!    (`blobs/<tenant>/<ab>/<cdef…>.<device>.part`) is adopted as the first segment, so uploads
//!    in progress during an upgrade resume where they were.

use super::BlobStore;
use crate::db::blobs;
use crate::deployment::Deployment;
use crate::deployment::blocking;
use crate::error::{Result, ServerError};
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use gridcase_core::protocol::ErrorCode;
use sha2::Digest;
use std::sync::Arc;

/// The largest staged segment (and so the request body buffered in memory at once).
pub const SEGMENT_BYTES: usize = 4 * 1024 * 1024;

/// One device's upload of one blob (parts parsed by the caller: 6-digit tenant, 64-hex
/// SHA-256, a device id).
#[derive(Clone, Debug)]
pub struct Upload {
    /// The tenant.
    pub tenant: String,
    /// The blob's SHA-256, lowercase hex.
    pub sha: String,
    /// The uploading device.
    pub device: String,
}

/// The key of a complete blob.
pub fn blob_key(tenant: &str, sha: &str) -> String {
    format!("blobs/{tenant}/{}/{}", &sha[..2], &sha[2..])
}

/// The partial file of earlier releases (`None`: the layout before per-device uploads).
pub fn legacy_part_key(tenant: &str, sha: &str, device: Option<&str>) -> String {
    match device {
        Some(d) => format!("{}.{d}.part", blob_key(tenant, sha)),
        None => format!("{}.part", blob_key(tenant, sha)),
    }
}

impl Upload {
    /// `uploads/<tenant>/<id>`, `id` the first 128 bits of SHA-256(`<sha>/<device>`) in hex:
    /// one prefix per upload, and keys short enough for S3 services that store each key as a
    /// file name (the database maps segments to their upload).
    fn prefix(&self) -> String {
        let id = sha2::Sha256::digest(format!("{}/{}", self.sha, self.device).as_bytes());
        format!("uploads/{}/{}", self.tenant, hex::encode(&id[..16]))
    }

    fn segment_key(&self, offset: u64) -> String {
        let n: u32 = rand::random();
        format!("{}/{offset:x}-{n:08x}", self.prefix())
    }
}

/// What an append did.
#[derive(Debug)]
pub enum Appended {
    /// The body was stored; the upload's offset is now this.
    Received(u64),
    /// The offset was not (or no longer) the one asked for: resume from `current`.
    Moved {
        /// The upload's offset.
        current: u64,
    },
    /// The body broke off or overran the declared length; what arrived before is kept.
    Failed(ServerError),
}

/// The upload's offset (adopting a partial file of an earlier release, invariant 5).
pub async fn offset(dep: &Arc<Deployment>, up: &Upload) -> Result<u64> {
    let u = up.clone();
    let (received, none) = blocking(dep, move |d| {
        d.db().read(|tx| {
            let r = blobs::received(tx, &u.tenant, &u.sha, &u.device)?;
            Ok((r, r == 0))
        })
    })
    .await?;
    if !none || dep.blob_store().backend() != super::Backend::Local {
        return Ok(received as u64);
    }
    let legacy = legacy_part_key(&up.tenant, &up.sha, Some(&up.device));
    let Some(size) = dep.blob_store().size(&legacy).await?.filter(|n| *n > 0) else {
        return Ok(0);
    };
    let u = up.clone();
    blocking(dep, move |d| {
        d.db().write(|tx| {
            blobs::segment_add(tx, &u.tenant, &u.sha, &u.device, 0, size as i64, &legacy)?;
            blobs::received(tx, &u.tenant, &u.sha, &u.device)
        })
    })
    .await
    .map(|r| r as u64)
}

/// Stores what `buf` holds as the segment at `at` and moves `at` past it (invariants 1 and 2):
/// `Ok(false)` when another request recorded a segment there first.
async fn flush(
    dep: &Arc<Deployment>,
    up: &Upload,
    at: &mut u64,
    buf: &mut BytesMut,
) -> Result<bool> {
    let bytes = buf.split().freeze();
    let n = bytes.len() as u64;
    let stored = store_segment(dep, up, *at, bytes).await?;
    if stored {
        *at += n;
    }
    Ok(stored)
}

/// Puts `bytes` into the store and records them as the segment at `at`; `Ok(false)` (and the
/// object deleted) when a segment is already recorded there.
async fn store_segment(dep: &Arc<Deployment>, up: &Upload, at: u64, bytes: Bytes) -> Result<bool> {
    let store = dep.blob_store();
    let key = up.segment_key(at);
    let len = bytes.len() as i64;
    store.put(&key, bytes).await?;
    let (u, k) = (up.clone(), key.clone());
    let added = blocking(dep, move |d| {
        d.db()
            .write(|tx| blobs::segment_add(tx, &u.tenant, &u.sha, &u.device, at as i64, len, &k))
    })
    .await;
    match added {
        Ok(true) => Ok(true),
        Ok(false) => {
            let _ = store.delete(&key).await;
            Ok(false)
        }
        Err(e) => {
            let _ = store.delete(&key).await;
            Err(e)
        }
    }
}

/// Appends a request body at `offset` to an upload of `length` bytes.
pub async fn append<S, B, E>(
    dep: &Arc<Deployment>,
    up: &Upload,
    offset: u64,
    length: u64,
    mut body: S,
) -> Result<Appended>
where
    S: Stream<Item = std::result::Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let current = self::offset(dep, up).await?;
    if offset != current {
        return Ok(Appended::Moved { current });
    }
    let mut at = current;
    let mut buf = BytesMut::new();
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        let bytes = match chunk {
            Ok(b) => b,
            Err(e) => {
                failure = Some(ServerError::bad_request(format!("上传中断：{e}")));
                break;
            }
        };
        let mut bytes = bytes.as_ref();
        if at + (buf.len() + bytes.len()) as u64 > length {
            failure = Some(ServerError::bad_request("上传内容超过 Upload-Length"));
            break;
        }
        while !bytes.is_empty() {
            let take = (SEGMENT_BYTES - buf.len()).min(bytes.len());
            buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if buf.len() == SEGMENT_BYTES && !flush(dep, up, &mut at, &mut buf).await? {
                return Ok(Appended::Moved {
                    current: self::offset(dep, up).await?,
                });
            }
        }
    }
    if !buf.is_empty() && !flush(dep, up, &mut at, &mut buf).await? {
        return Ok(Appended::Moved {
            current: self::offset(dep, up).await?,
        });
    }
    Ok(match failure {
        // Keep what arrived: the client resumes from the offset HEAD reports.
        Some(e) => Appended::Failed(e),
        None => Appended::Received(at),
    })
}

/// Deletes an upload's staged objects and forgets it (after a hash mismatch, or by the GC).
/// Synchronous: the scheduler's jobs call it directly, requests through a blocking task.
pub fn discard(dep: &Deployment, up: &Upload) -> Result<()> {
    let segments = dep
        .db()
        .read(|tx| blobs::segments(tx, &up.tenant, &up.sha, &up.device))?;
    let mut keys: Vec<String> = segments.into_iter().map(|(_, _, key)| key).collect();
    keys.push(legacy_part_key(&up.tenant, &up.sha, Some(&up.device)));
    let store = dep.blob_store().clone();
    let prefix = up.prefix();
    super::block_on(async move {
        for key in &keys {
            store.delete(key).await?;
        }
        store.delete_prefix(&prefix).await
    })?;
    dep.db().write(|tx| {
        blobs::segments_delete(tx, &up.tenant, &up.sha, &up.device)?;
        blobs::part_delete(tx, &up.tenant, &up.sha, &up.device)
    })
}

/// Composes a fully received upload into the blob (invariant 4); `hash_mismatch` (after
/// discarding the upload) when the bytes are not the blob they claim to be.
pub async fn compose(dep: &Arc<Deployment>, up: &Upload, length: u64) -> Result<()> {
    let u = up.clone();
    let segments = blocking(dep, move |d| {
        d.db()
            .read(|tx| blobs::segments(tx, &u.tenant, &u.sha, &u.device))
    })
    .await?;
    let mut expect = 0i64;
    for (offset, len, _) in &segments {
        if *offset != expect {
            return Err(ServerError::Internal(format!(
                "upload {}/{} of {} has a gap at {expect}",
                up.tenant, up.sha, up.device
            )));
        }
        expect += len;
    }
    if expect as u64 != length {
        return Err(ServerError::Internal(format!(
            "upload {}/{} of {} holds {expect} of {length} bytes",
            up.tenant, up.sha, up.device
        )));
    }
    let store = dep.blob_store();
    let mut writer = store.writer(&blob_key(&up.tenant, &up.sha)).await?;
    let copied = copy_segments(store, &segments, &mut writer).await;
    let digest = match copied {
        Ok(d) => d,
        Err(e) => {
            let _ = writer.abort().await;
            return Err(e);
        }
    };
    if digest != up.sha {
        let _ = writer.abort().await;
        let u = up.clone();
        blocking(dep, move |d| discard(d, &u)).await?;
        return Err(ServerError::api(ErrorCode::HashMismatch, ""));
    }
    writer.finish().await.map_err(|e| store.error(e))?;
    let u = up.clone();
    let now = dep.now().ms();
    blocking(dep, move |d| {
        d.db().write(|tx| {
            blobs::complete_by(tx, &u.tenant, &u.sha, length as i64, Some(&u.device), now)?;
            blobs::segments_delete(tx, &u.tenant, &u.sha, &u.device)?;
            blobs::part_delete(tx, &u.tenant, &u.sha, &u.device)?;
            crate::db::cases::recount_blobs_missing(tx, &u.tenant, &u.sha)
        })
    })
    .await?;
    // The blob is recorded; staged objects left by a failure here are unreachable garbage.
    for (_, _, key) in &segments {
        if let Err(e) = store.delete(key).await {
            tracing::warn!(error = %e, "staged segment not deleted");
        }
    }
    Ok(())
}

/// Streams the segments through SHA-256 into `writer`; returns the hex digest.
async fn copy_segments(
    store: &BlobStore,
    segments: &[blobs::Segment],
    writer: &mut object_store::WriteMultipart,
) -> Result<String> {
    let mut hasher = sha2::Sha256::new();
    for (_, len, key) in segments {
        let mut stream = store.get_stream(key, 0..*len as u64).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| match e.get_ref() {
                Some(_) if store.backend() == super::Backend::S3 => {
                    ServerError::ObjectStore(e.to_string())
                }
                _ => ServerError::Io(e),
            })?;
            hasher.update(&chunk);
            writer
                .wait_for_capacity(4)
                .await
                .map_err(|e| store.error(e))?;
            writer.write(&chunk);
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
