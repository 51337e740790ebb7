//! Photos as content-addressed blobs: resumable uploads by byte offset, verified by SHA-256 on
//! completion (docs/protocol.md "Blobs").
//!
//! Scope: `HEAD`, `PUT` and `GET` all answer only a caller whose scope includes a case that
//! references the blob; to anyone else the blob does not exist (`not_found`), so there is no
//! existence oracle. An upload in progress belongs to the device that started it: each device
//! has its own partial file and declared length, so no device can squat another's upload; the
//! first upload that verifies becomes the blob and records its device, which the gate checks
//! when a later push names the blob in a new photo entry ([`check_photo_owner`]).
//!
//! Files: `<data>/blobs/<tenant>/<ab>/<cdef…>` once complete, `…<cdef…>.<device>.part` while a
//! device uploads. The partial file's length is the resume point, so a dropped connection
//! keeps every byte that reached the disk. Ids are parsed as 64 hex digits before anything
//! touches the file system. Uploads of one blob are serialised by a per-blob lock.

use super::Caller;
use crate::db::{blobs, cases};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use futures_util::{Stream, StreamExt};
use gridcase_core::model::Sha256;
use gridcase_core::protocol::ErrorCode;
use sha2::Digest;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

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

pub(crate) fn final_path(dep: &Deployment, tenant: &str, sha: &str) -> PathBuf {
    dep.blobs_dir().join(tenant).join(&sha[..2]).join(&sha[2..])
}

/// The partial file of `device`'s upload (`None`: the layout before per-device uploads).
fn part_path(dep: &Deployment, tenant: &str, sha: &str, device: Option<&str>) -> PathBuf {
    let mut p = final_path(dep, tenant, sha).into_os_string();
    if let Some(device) = device {
        p.push(".");
        p.push(device);
    }
    p.push(".part");
    PathBuf::from(p)
}

/// Refuses a push whose new photo entries name a blob another device (or the server) uploaded:
/// a device may only reference its own uploads, or photos not uploaded yet.
pub fn check_photo_owner(
    conn: &rusqlite::Connection,
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

async fn blocking<T: Send + 'static>(
    dep: &Arc<Deployment>,
    f: impl FnOnce(&Deployment) -> Result<T> + Send + 'static,
) -> Result<T> {
    let dep = dep.clone();
    tokio::task::spawn_blocking(move || f(&dep))
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?
}

async fn file_len(path: &PathBuf) -> u64 {
    tokio::fs::metadata(path)
        .await
        .map(|m| m.len())
        .unwrap_or(0)
}

/// `HEAD`: how much of a blob the server holds for the caller: the whole blob once complete,
/// else the caller's own upload (`not_found` when nothing was received, or out of scope).
pub async fn head(dep: &Arc<Deployment>, caller: &Caller, sha: &str) -> Result<BlobStatus> {
    let sha = parse_id(sha)?;
    require_scope(dep, caller, &sha).await?;
    let tenant = caller.tenant_code();
    let device = caller.device.to_string();
    let (t, s, d) = (tenant.clone(), sha.clone(), device.clone());
    let (row, part) = blocking(dep, move |dep| {
        dep.db()
            .read(|tx| Ok((blobs::get(tx, &t, &s)?, blobs::part_get(tx, &t, &s, &d)?)))
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
        offset: file_len(&part_path(dep, &tenant, &sha, Some(&device))).await,
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
    mut body: S,
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
    let tenant = caller.tenant_code();
    let device = caller.device.to_string();
    let lock = dep.blob_lock(&format!("{tenant}/{sha}"));
    let _guard = lock.lock().await;
    let now = dep.now().ms();
    let (t, s, d) = (tenant.clone(), sha.clone(), device.clone());
    let (row, part) = blocking(dep, move |dep| {
        dep.db().write(|tx| {
            let row = blobs::get(tx, &t, &s)?;
            if !row.as_ref().is_some_and(|r| r.complete) {
                blobs::part_create(tx, &t, &s, &d, length as i64, now)?;
            }
            Ok((row, blobs::part_get(tx, &t, &s, &d)?))
        })
    })
    .await?;
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
    let part = part_path(dep, &tenant, &sha, Some(&device));
    let current = file_len(&part).await;
    if offset != current {
        return Ok(PutOutcome::OffsetMismatch { current });
    }
    if let Some(dir) = part.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&part)
        .await?;
    let mut received = current;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => {
                let bytes = bytes.as_ref();
                if received + bytes.len() as u64 > length {
                    failure = Some(ServerError::bad_request("上传内容超过 Upload-Length"));
                    break;
                }
                file.write_all(bytes).await?;
                received += bytes.len() as u64;
            }
            Err(e) => {
                failure = Some(ServerError::bad_request(format!("上传中断：{e}")));
                break;
            }
        }
    }
    file.flush().await?;
    file.sync_data().await?;
    drop(file);
    if let Some(e) = failure {
        // Keep what arrived: the client resumes from the offset HEAD reports.
        return Err(e);
    }
    if received < length {
        return Ok(PutOutcome::Stored(BlobStatus {
            offset: received,
            length,
            complete: false,
        }));
    }
    verify_and_complete(dep, &tenant, &sha, &device, length, &part).await?;
    Ok(PutOutcome::Stored(BlobStatus {
        offset: length,
        length,
        complete: true,
    }))
}

async fn verify_and_complete(
    dep: &Arc<Deployment>,
    tenant: &str,
    sha: &str,
    device: &str,
    length: u64,
    part: &PathBuf,
) -> Result<()> {
    let digest = {
        let mut file = tokio::fs::File::open(part).await?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut file, &mut buf).await?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        hex::encode(hasher.finalize())
    };
    let (t, s, d) = (tenant.to_owned(), sha.to_owned(), device.to_owned());
    if digest != sha {
        tokio::fs::remove_file(part).await?;
        blocking(dep, move |dep| {
            dep.db().write(|tx| blobs::part_delete(tx, &t, &s, &d))
        })
        .await?;
        return Err(ServerError::api(ErrorCode::HashMismatch, ""));
    }
    let target = final_path(dep, tenant, sha);
    tokio::fs::rename(part, &target).await?;
    let now = dep.now().ms();
    blocking(dep, move |dep| {
        dep.db().write(|tx| {
            blobs::complete_by(tx, &t, &s, length as i64, Some(&d), now)?;
            blobs::part_delete(tx, &t, &s, &d)?;
            cases::recount_blobs_missing(tx, &t, &s)
        })
    })
    .await?;
    tracing::info!(tenant = %tenant, sha256 = %sha, "blob complete");
    Ok(())
}

/// `GET`: a complete blob referenced by a case in the caller's scope, opened for streaming,
/// with its size.
pub async fn get(
    dep: &Arc<Deployment>,
    caller: &Caller,
    sha: &str,
) -> Result<(std::fs::File, u64)> {
    let sha = parse_id(sha)?;
    let tenant = caller.tenant_code();
    let principals = caller.principals();
    let (t, s) = (tenant.clone(), sha.clone());
    let ok = blocking(dep, move |d| {
        d.db().read(|tx| {
            Ok(blobs::is_complete(tx, &t, &s)?
                && cases::blob_in_scope(tx, &t, &s, principals.as_deref())?)
        })
    })
    .await?;
    if !ok {
        return Err(ServerError::not_found("文件"));
    }
    let file = tokio::fs::File::open(final_path(dep, &tenant, &sha))
        .await?
        .into_std()
        .await;
    let size = file.metadata()?.len();
    Ok((file, size))
}

/// Deletes a device's stale upload in progress (garbage collection).
pub fn remove_part(dep: &Deployment, tenant: &str, sha: &str, device: &str) -> Result<()> {
    if Sha256::parse(sha).is_err() || gridcase_core::model::DeviceId::parse(device).is_err() {
        return Ok(());
    }
    match std::fs::remove_file(part_path(dep, tenant, sha, Some(device))) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    dep.db()
        .write(|tx| blobs::part_delete(tx, tenant, sha, device))
}

/// Deletes a blob's files and record (garbage collection).
pub fn remove(dep: &Deployment, tenant: &str, sha: &str) -> Result<()> {
    if Sha256::parse(sha).is_err() {
        return Ok(());
    }
    for path in [
        final_path(dep, tenant, sha),
        part_path(dep, tenant, sha, None),
    ] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    dep.db().write(|tx| blobs::delete(tx, tenant, sha))
}
