//! Photos as content-addressed blobs: resumable uploads by byte offset, verified by SHA-256 on
//! completion (docs/protocol.md "Blobs").
//!
//! Scope: `HEAD`, `PUT` and `GET` all answer only a caller whose scope includes a case that
//! references the blob; to anyone else the blob does not exist (`not_found`), so there is no
//! existence oracle. An upload in progress belongs to the device that started it: each device
//! has its own staged segments and declared length, so no device can squat another's upload;
//! the first upload that verifies becomes the blob and records its device, which the gate
//! checks when a later push names the blob in a new photo entry ([`check_photo_owner`]).
//!
//! Bytes live in the deployment's blob store (crate::blobstore: the data directory or an
//! S3-compatible service); the upload protocol over it, with its invariants, is
//! [`crate::blobstore::upload`]: the offset is in the database, so consecutive requests of one
//! upload may reach different server instances, and a dropped connection keeps every byte that
//! reached the server. Ids are parsed as 64 hex digits before any key is built. Uploads of one
//! blob are serialised per process by a lock; across instances by the database (a segment is
//! recorded only at the current offset).

use super::Caller;
use crate::blobstore::upload::{self, Appended, Upload};
use crate::db::{blobs, cases};
use crate::deployment::Deployment;
use crate::deployment::blocking;
use crate::error::{Result, ServerError};
use futures_util::Stream;
use gridcase_core::model::Sha256;
use gridcase_core::protocol::ErrorCode;
use std::sync::Arc;

/// Where an upload stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobStatus {
    /// Bytes received so far.
    pub offset: u64,
    /// Declared length.
    pub length: u64,
    /// Received and verified.
    pub complete: bool,
}

/// What a `PUT` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// The bytes were appended (and the blob verified if it is now complete).
    Stored(BlobStatus),
    /// The offset did not match what the server holds; resume from `current`.
    OffsetMismatch {
        /// Bytes the server holds.
        current: u64,
    },
}

/// Parses a blob id: exactly 64 hex digits, lowercased (`invalid_id` otherwise).
pub fn parse_id(text: &str) -> Result<String> {
    Sha256::parse(text)
        .map(|s| s.to_hex())
        .map_err(|_| ServerError::api(ErrorCode::InvalidId, "文件编号须为 64 位十六进制"))
}

/// Refuses a push whose new photo entries name a blob another device (or the server) uploaded:
/// a device may only reference its own uploads, or photos not uploaded yet.
pub fn check_photo_owner(
    conn: &crate::db::Connection<'_>,
    caller: &Caller,
    hashes: &[Sha256],
) -> Result<Option<super::gate::Rejection>> {
    let tenant = caller.tenant_code();
    let me = caller.device.to_string();
    for sha in hashes {
        let hex = sha.to_hex();
        match blobs::uploader(conn, &tenant, &hex)? {
            None => {}
            Some(Some(device)) if device == me => {}
            Some(_) => {
                return Ok(Some(super::gate::Rejection {
                    code: ErrorCode::PhotoNotOwned,
                    detail: format!("照片 {hex} 由其他设备上传"),
                }));
            }
        }
    }
    Ok(None)
}

/// Whether the caller's scope includes a case referencing the blob (`not_found` otherwise).
async fn require_scope(dep: &Arc<Deployment>, caller: &Caller, sha: &str) -> Result<()> {
    let (t, s) = (caller.tenant_code(), sha.to_owned());
    let principals = caller.principals();
    let ok = blocking(dep, move |d| {
        d.db()
            .read(|tx| cases::blob_in_scope(tx, &t, &s, principals.as_deref()))
    })
    .await?;
    if ok {
        Ok(())
    } else {
        Err(ServerError::not_found("文件"))
    }
}

/// `HEAD`: how much of a blob the server holds for the caller: the whole blob once complete,
/// else the caller's own upload (`not_found` when nothing was received, or out of scope).
pub async fn head(dep: &Arc<Deployment>, caller: &Caller, sha: &str) -> Result<BlobStatus> {
    let sha = parse_id(sha)?;
    require_scope(dep, caller, &sha).await?;
    let up = Upload {
        tenant: caller.tenant_code(),
        sha,
        device: caller.device.to_string(),
    };
    let u = up.clone();
    let (row, part) = blocking(dep, move |dep| {
        dep.db().read(|tx| {
            Ok((
                blobs::get(tx, &u.tenant, &u.sha)?,
                blobs::part_get(tx, &u.tenant, &u.sha, &u.device)?,
            ))
        })
    })
    .await?;
    if let Some(row) = row.filter(|r| r.complete) {
        let length = row.length.max(0) as u64;
        return Ok(BlobStatus {
            offset: length,
            length,
            complete: true,
        });
    }
    let (length, _) = part.ok_or_else(|| ServerError::not_found("文件"))?;
    Ok(BlobStatus {
        offset: upload::offset(dep, &up).await?,
        length: length.max(0) as u64,
        complete: false,
    })
}

/// `PUT`: appends the bytes at `offset` of a blob of `length` bytes; verifies when complete.
pub async fn put<S, B, E>(
    dep: &Arc<Deployment>,
    caller: &Caller,
    sha: &str,
    offset: u64,
    length: u64,
    body: S,
) -> Result<PutOutcome>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let sha = parse_id(sha)?;
    if length == 0 {
        return Err(ServerError::bad_request("Upload-Length 必须大于 0"));
    }
    if length > dep.config().limits.max_blob_bytes {
        return Err(ServerError::api(
            ErrorCode::TooLarge,
            format!("{length} 字节"),
        ));
    }
    require_scope(dep, caller, &sha).await?;
    let up = Upload {
        tenant: caller.tenant_code(),
        sha,
        device: caller.device.to_string(),
    };
    let lock = dep.blob_lock(&format!("{}/{}", up.tenant, up.sha));
    let _guard = lock.lock().await;
    let now = dep.now().ms();
    let u = up.clone();
    let (row, part) = blocking(dep, move |dep| {
        dep.db().write(|tx| {
            let row = blobs::get(tx, &u.tenant, &u.sha)?;
            if !row.as_ref().is_some_and(|r| r.complete) {
                blobs::part_create(tx, &u.tenant, &u.sha, &u.device, length as i64, now)?;
            }
            Ok((row, blobs::part_get(tx, &u.tenant, &u.sha, &u.device)?))
        })
    })
    .await?;
    let complete = BlobStatus {
        offset: length,
        length,
        complete: true,
    };
    if let Some(row) = row.filter(|r| r.complete) {
        let length = row.length.max(0) as u64;
        return Ok(PutOutcome::Stored(BlobStatus {
            offset: length,
            length,
            complete: true,
        }));
    }
    let (declared, _) = part.ok_or_else(|| ServerError::Internal("upload row vanished".into()))?;
    if declared as u64 != length {
        return Err(ServerError::bad_request(format!(
            "Upload-Length {length} 与此前声明的 {declared} 不一致"
        )));
    }
    let received = match upload::append(dep, &up, offset, length, body).await? {
        Appended::Received(n) => n,
        Appended::Moved { current } => return Ok(PutOutcome::OffsetMismatch { current }),
        Appended::Failed(e) => return Err(e),
    };
    if received < length {
        return Ok(PutOutcome::Stored(BlobStatus {
            offset: received,
            length,
            complete: false,
        }));
    }
    upload::compose(dep, &up, length).await?;
    tracing::info!(tenant = %up.tenant, sha256 = %up.sha, "blob complete");
    Ok(PutOutcome::Stored(complete))
}

/// A complete blob opened for streaming: its key in the blob store and its size.
#[derive(Clone, Debug)]
pub struct StoredBlob {
    /// The key in [`Deployment::blob_store`].
    pub key: String,
    /// Its length in bytes.
    pub size: u64,
}

/// `GET`: a complete blob referenced by a case in the caller's scope, with its size.
pub async fn get(dep: &Arc<Deployment>, caller: &Caller, sha: &str) -> Result<StoredBlob> {
    let sha = parse_id(sha)?;
    let tenant = caller.tenant_code();
    let principals = caller.principals();
    let (t, s) = (tenant.clone(), sha.clone());
    let row = blocking(dep, move |d| {
        d.db().read(|tx| {
            let row = blobs::get(tx, &t, &s)?.filter(|r| r.complete);
            Ok(match row {
                Some(r) if cases::blob_in_scope(tx, &t, &s, principals.as_deref())? => Some(r),
                _ => None,
            })
        })
    })
    .await?;
    let Some(row) = row else {
        return Err(ServerError::not_found("文件"));
    };
    Ok(StoredBlob {
        key: upload::blob_key(&tenant, &sha),
        size: row.length.max(0) as u64,
    })
}

/// Deletes a device's stale upload in progress (garbage collection; synchronous, for jobs).
pub fn remove_part(dep: &Deployment, tenant: &str, sha: &str, device: &str) -> Result<()> {
    if Sha256::parse(sha).is_err() || gridcase_core::model::DeviceId::parse(device).is_err() {
        return Ok(());
    }
    let up = Upload {
        tenant: tenant.to_owned(),
        sha: sha.to_owned(),
        device: device.to_owned(),
    };
    upload::discard(dep, &up)
}

/// Deletes a blob's object and record (garbage collection; synchronous, for jobs).
pub fn remove(dep: &Deployment, tenant: &str, sha: &str) -> Result<()> {
    if Sha256::parse(sha).is_err() {
        return Ok(());
    }
    let store = dep.blob_store().clone();
    let keys = [
        upload::blob_key(tenant, sha),
        upload::legacy_part_key(tenant, sha, None),
    ];
    crate::blobstore::block_on(async move {
        for key in &keys {
            store.delete(key).await?;
        }
        Ok::<_, ServerError>(())
    })?;
    dep.db().write(|tx| blobs::delete(tx, tenant, sha))
}
