//! `blobs`: photos per tenant, by SHA-256, with the length, whether the bytes are complete and
//! verified, and the device that uploaded them (`NULL` for the server's own intake channels).
//! `blob_parts`: uploads in progress, one per (blob, device). The bytes themselves are objects
//! in the blob store (crate::blobstore). `blob_segments`: the staged pieces of an upload in
//! progress, whose end is its offset.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;

/// A blob record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRow {
    /// Declared length.
    pub length: i64,
    /// Received and verified.
    pub complete: bool,
    /// First seen (Unix ms).
    pub created_at: i64,
}

/// A tenant's blob record.
pub fn get(conn: &Connection<'_>, tenant: &str, sha256: &str) -> Result<Option<BlobRow>> {
    Ok(conn
        .query_row(
            "SELECT length, complete, created_at FROM blobs WHERE tenant = ?1 AND sha256 = ?2",
            params![tenant, sha256],
            |r| {
                Ok(BlobRow {
                    length: r.get(0)?,
                    complete: r.get(1)?,
                    created_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Records the start of an upload.
pub fn create(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    length: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO blobs(tenant, sha256, length, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
        params![tenant, sha256, length, now],
    )?;
    Ok(())
}

/// Marks a blob complete and verified.
pub fn complete(conn: &Connection<'_>, tenant: &str, sha256: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE blobs SET complete = 1, completed_at = ?3 WHERE tenant = ?1 AND sha256 = ?2",
        params![tenant, sha256, now],
    )?;
    Ok(())
}

/// Forgets a blob.
pub fn delete(conn: &Connection<'_>, tenant: &str, sha256: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM blobs WHERE tenant = ?1 AND sha256 = ?2",
        params![tenant, sha256],
    )?;
    Ok(())
}

/// Whether the blob is complete for the tenant.
pub fn is_complete(conn: &Connection<'_>, tenant: &str, sha256: &str) -> Result<bool> {
    Ok(get(conn, tenant, sha256)?.is_some_and(|b| b.complete))
}

/// Incomplete uploads started before `before`: `(tenant, sha256)`.
pub fn stale_incomplete(conn: &Connection<'_>, before: i64) -> Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare("SELECT tenant, sha256 FROM blobs WHERE complete = 0 AND created_at < ?1")?;
    let rows = stmt.query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Complete blobs no case references, completed before `before`: `(tenant, sha256)`.
pub fn unreferenced(conn: &Connection<'_>, before: i64) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT b.tenant, b.sha256 FROM blobs b
         WHERE b.complete = 1 AND coalesce(b.completed_at, b.created_at) < ?1
           AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant = b.tenant AND r.sha256 = b.sha256)",
    )?;
    let rows = stmt.query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An upload in progress: `(declared length, started at)`.
pub fn part_get(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    device: &str,
) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .query_row(
            "SELECT length, created_at FROM blob_parts
             WHERE tenant = ?1 AND sha256 = ?2 AND device = ?3",
            params![tenant, sha256, device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Records the start of a device's upload (kept if it exists).
pub fn part_create(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    device: &str,
    length: i64,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO blob_parts(tenant, sha256, device, length, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![tenant, sha256, device, length, now],
    )?;
    Ok(())
}

/// Forgets a device's upload in progress.
pub fn part_delete(conn: &Connection<'_>, tenant: &str, sha256: &str, device: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM blob_parts WHERE tenant = ?1 AND sha256 = ?2 AND device = ?3",
        params![tenant, sha256, device],
    )?;
    Ok(())
}

/// Uploads in progress started before `before`: `(tenant, sha256, device)`.
pub fn stale_parts(conn: &Connection<'_>, before: i64) -> Result<Vec<(String, String, String)>> {
    let mut stmt =
        conn.prepare("SELECT tenant, sha256, device FROM blob_parts WHERE created_at < ?1")?;
    let rows = stmt.query_map([before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records a verified blob uploaded by `device` (`None`: the server itself).
pub fn complete_by(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    length: i64,
    device: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO blobs(tenant, sha256, length, complete, created_at, completed_at, device)
         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5)
         ON CONFLICT (tenant, sha256) DO UPDATE
           SET complete = 1, length = ?3, completed_at = ?4, device = ?5
           WHERE blobs.complete = 0",
        params![tenant, sha256, length, now, device],
    )?;
    Ok(())
}

/// Who uploaded a complete blob: `None` when there is no complete blob, `Some(None)` when the
/// server did (or the blob predates the record).
pub fn uploader(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
) -> Result<Option<Option<String>>> {
    Ok(conn
        .query_row(
            "SELECT device FROM blobs WHERE tenant = ?1 AND sha256 = ?2 AND complete = 1",
            params![tenant, sha256],
            |r| r.get(0),
        )
        .optional()?)
}

/// One staged segment of an upload in progress: `(offset, length, key)`.
pub type Segment = (i64, i64, String);

/// The staged segments of a device's upload, by offset.
pub fn segments(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    device: &str,
) -> Result<Vec<Segment>> {
    let mut stmt = conn.prepare(
        "SELECT \"offset\", length, key FROM blob_segments
         WHERE tenant = ?1 AND sha256 = ?2 AND device = ?3 ORDER BY \"offset\"",
    )?;
    let rows = stmt.query_map(params![tenant, sha256, device], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The offset of a device's upload: the end of its last segment (0 without any).
pub fn received(conn: &Connection<'_>, tenant: &str, sha256: &str, device: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(\"offset\" + length), 0) FROM blob_segments
         WHERE tenant = ?1 AND sha256 = ?2 AND device = ?3",
        params![tenant, sha256, device],
        |r| r.get(0),
    )?)
}

/// Records a staged segment if the upload's offset is still `offset` (another request, on
/// this instance or another, may have appended meanwhile); `false` when it was not recorded.
/// The primary key on the offset refuses a second segment at the same place even when two
/// transactions both read the old offset.
pub fn segment_add(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    device: &str,
    offset: i64,
    length: i64,
    key: &str,
) -> Result<bool> {
    if received(conn, tenant, sha256, device)? != offset {
        return Ok(false);
    }
    let n = conn.execute(
        "INSERT INTO blob_segments(tenant, sha256, device, \"offset\", length, key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![tenant, sha256, device, offset, length, key],
    )?;
    Ok(n == 1)
}

/// Forgets a device's staged segments (the objects are deleted by the caller).
pub fn segments_delete(
    conn: &Connection<'_>,
    tenant: &str,
    sha256: &str,
    device: &str,
) -> Result<()> {
    conn.execute(
        "DELETE FROM blob_segments WHERE tenant = ?1 AND sha256 = ?2 AND device = ?3",
        params![tenant, sha256, device],
    )?;
    Ok(())
}
