//! Moving a self-hosted county deployment (SQLite, local photo directory) up to the city cloud
//! (PostgreSQL, S3-compatible object storage): `gridcase-server migrate-to-postgres`.
//!
//! The database is copied and verified by [`crate::db::copy`]; then every object of the local
//! store (photos, staged upload segments, basemap packages) is streamed into the configured
//! object store and its size checked. Device tokens, actor ids and document heads are copied
//! as stored, so enrolled devices sync on against the new deployment without re-enrolment.
//!
//! Invariants: the source is only read; an object already present in the target with the same
//! size is not copied again, so an interrupted migration can be run again into the same store
//! (the database copy itself refuses a non-empty target: drop and recreate the database).

use crate::blobstore::{Backend, BlobStore, block_on};
use crate::config::Config;
use crate::db::Db;
use crate::db::copy::{CopyReport, copy_all};
use crate::error::{Result, ServerError};
use futures_util::StreamExt;

/// What the migration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoveReport {
    /// The database copy.
    pub database: CopyReport,
    /// Objects streamed into the target store.
    pub objects_copied: u64,
    /// Objects already there with the same size.
    pub objects_present: u64,
    /// Bytes streamed.
    pub bytes_copied: u64,
}

/// Copies the SQLite deployment in `config.data_dir` into the PostgreSQL database at
/// `target_url` and its local objects into `config.object_store` (when that is S3).
pub fn migrate_to_postgres(
    config: &Config,
    target_url: &str,
    mut progress: impl FnMut(&str),
) -> Result<MoveReport> {
    let src = Db::open(&config.db_path())?;
    let dst = Db::open_postgres(target_url)?;
    let database = copy_all(&src, &dst, |table, rows| {
        progress(&format!("{table}: {rows} 行"));
    })?;
    let mut report = MoveReport {
        database,
        ..MoveReport::default()
    };
    let target = BlobStore::open(&config.object_store, &config.data_dir)?;
    if target.backend() == Backend::Local {
        progress("对象存储仍是本地目录：照片留在原处，无需复制");
        return Ok(report);
    }
    let source = BlobStore::local(&config.data_dir)?;
    let (copied, present, bytes) = block_on(copy_objects(source, target))?;
    report.objects_copied = copied;
    report.objects_present = present;
    report.bytes_copied = bytes;
    progress(&format!(
        "对象：复制 {copied} 个（{bytes} 字节），已存在 {present} 个"
    ));
    Ok(report)
}

/// Streams every object of `source` into `target`; (copied, already present, bytes).
async fn copy_objects(source: BlobStore, target: BlobStore) -> Result<(u64, u64, u64)> {
    let (mut copied, mut present, mut bytes) = (0u64, 0u64, 0u64);
    for key in source.list("").await? {
        let Some(size) = source.size(&key).await? else {
            continue;
        };
        if target.size(&key).await? == Some(size) {
            present += 1;
            continue;
        }
        let mut stream = source.get_stream(&key, 0..size).await?;
        let mut writer = target.writer(&key).await?;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => writer.write(&c),
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            }
        }
        writer
            .finish()
            .await
            .map_err(|e| ServerError::ObjectStore(e.to_string()))?;
        if target.size(&key).await? != Some(size) {
            return Err(ServerError::Internal(format!(
                "迁移校验失败：对象 {key} 的大小与源不同"
            )));
        }
        copied += 1;
        bytes += size;
    }
    Ok((copied, present, bytes))
}
