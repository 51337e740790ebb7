//! Photos as content-addressed blobs: resumable uploads by byte offset, verified by SHA-256 on
//! completion, downloads for callers whose scope includes a case referencing them
//! (docs/protocol.md "Blobs").
//!
//! Files: `<data>/blobs/<tenant>/<ab>/<cdef…>` once complete, with a `.part` suffix while
//! uploading. The partial file's length is the resume point, so a dropped connection keeps
//! every byte that reached the disk. Ids are parsed as 64 hex digits before anything touches
//! the file system. Uploads of one blob are serialised by a per-blob lock.

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

fn part_path(dep: &Deployment, tenant: &str, sha: &str) -> PathBuf {
    let mut p = final_path(dep, tenant, sha).into_os_string();
    p.push(".part");
    PathBuf::from(p)
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

/// `HEAD`: how much of a blob the server holds (`not_found` when nothing was received).
pub async fn head(dep: &Arc<Deployment>, caller: &Caller, sha: &str) -> Result<BlobStatus> {
    let sha = parse_id(sha)?;
    let tenant = caller.tenant_code();
    let (t, s) = (tenant.clone(), sha.clone());
    let row = blocking(dep, move |d| d.db().read(|tx| blobs::get(tx, &t, &s)))
        .await?
        .ok_or_else(|| ServerError::not_found("文件"))?;
    let length = row.length.max(0) as u64;
    if row.complete {
        return Ok(BlobStatus {
            offset: length,
            length,
            complete: true,
        });
    }
    Ok(BlobStatus {
        offset: file_len(&part_path(dep, &tenant, &sha)).await,
        length,
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
    let tenant = caller.tenant_code();
    let lock = dep.blob_lock(&format!("{tenant}/{sha}"));
    let _guard = lock.lock().await;
    let now = dep.now().ms();
    let (t, s) = (tenant.clone(), sha.clone());
    let row = blocking(dep, move |d| {
        d.db().write(|tx| {
            blobs::create(tx, &t, &s, length as i64, now)?;
            blobs::get(tx, &t, &s)
        })
    })
    .await?
    .ok_or_else(|| ServerError::Internal("blob row vanished".into()))?;
    if row.complete {
        return Ok(PutOutcome::Stored(BlobStatus {
            offset: length,
            length,
            complete: true,
        }));
    }
    if row.length as u64 != length {
        return Err(ServerError::bad_request(format!(
            "Upload-Length {length} 与此前声明的 {} 不一致",
            row.length
        )));
    }
    let part = part_path(dep, &tenant, &sha);
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
    verify_and_complete(dep, &tenant, &sha, &part).await?;
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
    part: &PathBuf,
) -> Result<()> {
    let bytes = tokio::fs::read(part).await?;
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    let (t, s) = (tenant.to_owned(), sha.to_owned());
    if digest != sha {
        tokio::fs::remove_file(part).await?;
        blocking(dep, move |d| d.db().write(|tx| blobs::delete(tx, &t, &s))).await?;
        return Err(ServerError::api(ErrorCode::HashMismatch, ""));
    }
    let target = final_path(dep, tenant, sha);
    tokio::fs::rename(part, &target).await?;
    let now = dep.now().ms();
    blocking(dep, move |d| {
        d.db().write(|tx| {
            blobs::complete(tx, &t, &s, now)?;
            cases::recount_blobs_missing(tx, &t, &s)
        })
    })
    .await?;
    tracing::info!(tenant = %tenant, sha256 = %sha, "blob complete");
    Ok(())
}

/// `GET`: the bytes of a complete blob referenced by a case in the caller's scope.
pub async fn get(dep: &Arc<Deployment>, caller: &Caller, sha: &str) -> Result<Vec<u8>> {
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
    Ok(tokio::fs::read(final_path(dep, &tenant, &sha)).await?)
}

/// Deletes a blob's files and record (garbage collection).
pub fn remove(dep: &Deployment, tenant: &str, sha: &str) -> Result<()> {
    if Sha256::parse(sha).is_err() {
        return Ok(());
    }
    for path in [final_path(dep, tenant, sha), part_path(dep, tenant, sha)] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    dep.db().write(|tx| blobs::delete(tx, tenant, sha))
}
