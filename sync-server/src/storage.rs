//! Storage health: which failures mean "out of space", whether the last write failed for lack
//! of it, and the free space left in the data directory.
//!
//! A full disk is not a bug: SQLite's `SQLITE_FULL` (the file system is full or the database
//! reached `max_page_count`) and the file system's `ENOSPC` / `EDQUOT` on the blob directory
//! travel as `storage_full` (507) so devices keep what they have and send it again later, and
//! `/v1/health` answers `degraded` with the reason.
//!
//! Invariants: a write refused for lack of space is a rolled-back transaction (SQLite) or a
//! staged upload segment that is not recorded (blobs), so nothing a client was told was stored is
//! lost; the "last write failed" flag is set by a write transaction ([`crate::db::Db::write`])
//! or a request refused as `storage_full`, and cleared by the next write transaction that commits.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// True when PostgreSQL refused a write because its disk is full (SQLSTATE 53100).
pub fn is_full_pg(e: &postgres::Error) -> bool {
    e.code() == Some(&postgres::error::SqlState::DISK_FULL)
}

/// True when SQLite refused a write because the database or the disk is full.
pub fn is_full_db(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

/// True when a file operation failed because the file system (or the user's quota) is full.
pub fn is_full_io(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// Free bytes for an unprivileged writer in the file system holding `path`.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(path)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// Below this many pages left under the database's page limit (1 MiB at SQLite's default
/// 4 KiB page) `/v1/health` is degraded: a case document with its events no longer fits.
pub const LOW_PAGES: u64 = 256;

/// The state `/v1/health` reports on, shared by every request of a deployment.
#[derive(Debug, Default)]
pub struct StorageHealth {
    last_write_full: AtomicBool,
}

impl StorageHealth {
    /// Records the outcome of a write: `full` after a `storage_full` refusal, cleared by the
    /// next write that succeeds.
    pub fn record_write(&self, full: bool) {
        self.last_write_full.store(full, Ordering::Relaxed);
    }

    /// Whether the last write failed for lack of space.
    pub fn last_write_full(&self) -> bool {
        self.last_write_full.load(Ordering::Relaxed)
    }

    /// Why storage is degraded, in Chinese for the operator; `None` when it is fine.
    /// `min_free_bytes` 0 turns the free-space check off; `db_pages_left` is what
    /// [`crate::db::Db::pages_left`] read (`None`: not read), below [`LOW_PAGES`] the database
    /// is at its page limit even when small writes still fit.
    pub fn degraded_reason(
        &self,
        data_dir: &Path,
        min_free_bytes: u64,
        db_pages_left: Option<u64>,
    ) -> Option<String> {
        let mut reasons = Vec::new();
        if self.last_write_full() {
            reasons.push("最近一次写入因存储空间不足失败".to_owned());
        }
        if let Some(left) = db_pages_left.filter(|&n| n < LOW_PAGES) {
            reasons.push(format!("数据库接近页数上限（剩余 {left} 页）"));
        }
        if min_free_bytes > 0 {
            match free_bytes(data_dir) {
                Ok(free) if free < min_free_bytes => reasons.push(format!(
                    "数据目录剩余空间 {} MiB，低于下限 {} MiB",
                    free / (1024 * 1024),
                    min_free_bytes / (1024 * 1024)
                )),
                Ok(_) => {}
                Err(e) => reasons.push(format!("无法读取数据目录的剩余空间：{e}")),
            }
        }
        (!reasons.is_empty()).then(|| reasons.join("；"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_errors_are_recognised() {
        let nospc = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(is_full_io(&nospc));
        assert!(!is_full_io(&std::io::Error::from(
            std::io::ErrorKind::NotFound
        )));
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(is_full_db(&full));
        assert!(!is_full_db(&rusqlite::Error::QueryReturnedNoRows));
    }

    #[test]
    fn health_follows_the_last_write_and_the_threshold() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = StorageHealth::default();
        assert_eq!(h.degraded_reason(dir.path(), 1, Some(LOW_PAGES)), None);
        assert!(free_bytes(dir.path()).expect("statvfs") > 0);
        let reason = h
            .degraded_reason(dir.path(), u64::MAX, None)
            .expect("below");
        assert!(reason.contains("低于下限"), "{reason}");
        let reason = h
            .degraded_reason(dir.path(), 0, Some(LOW_PAGES - 1))
            .expect("page limit");
        assert!(reason.contains("页数上限"), "{reason}");
        h.record_write(true);
        assert!(h.degraded_reason(dir.path(), 0, None).is_some());
        h.record_write(false);
        assert_eq!(h.degraded_reason(dir.path(), 0, None), None);
    }
}
