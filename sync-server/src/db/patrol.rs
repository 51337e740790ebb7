//! Patrol tables (issue 16): `track_blocks` (an inspector-day's record as the blocks the device
//! appended), `sign_events` (签到/签退 by the device's id of the event), `roster_shifts` (排班).
//!
//! Invariants: every query names the tenant; a stored block or sign event is never updated (a
//! retry is compared with it by the business layer, biz::patrol); a day's blocks are read in
//! `seq` order, which is the record's order.

use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::Result;
use gridcase_core::model::UserId;

/// One stored block's key and summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRow {
    /// The block's number within the day.
    pub seq: u32,
    /// Its bytes as received.
    pub bytes: Vec<u8>,
    /// Points in it.
    pub points: u32,
    /// Unix s of its first point.
    pub first_t: i64,
    /// Unix s of its last point.
    pub last_t: i64,
}

/// A new block.
pub struct NewBlock<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Inspector.
    pub inspector: UserId,
    /// Day, `YYYY-MM-DD`.
    pub day: &'a str,
    /// The block.
    pub block: &'a BlockRow,
    /// The pushing device.
    pub device: &'a str,
    /// Server time, ms.
    pub now: i64,
}

/// Stores a block (the caller checked that its seq is the next one).
pub fn insert_block(conn: &Connection<'_>, b: &NewBlock<'_>) -> Result<()> {
    conn.execute(
        "INSERT INTO track_blocks(tenant, inspector, day, seq, bytes, points, first_t, last_t,
                                  device, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            b.tenant,
            b.inspector.to_string(),
            b.day,
            b.block.seq,
            b.block.bytes,
            b.block.points,
            b.block.first_t,
            b.block.last_t,
            b.device,
            b.now
        ],
    )?;
    Ok(())
}

/// The blocks of one inspector-day, in seq order.
pub fn day_blocks(
    conn: &Connection<'_>,
    tenant: &str,
    inspector: UserId,
    day: &str,
) -> Result<Vec<BlockRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, bytes, points, first_t, last_t FROM track_blocks
         WHERE tenant = ?1 AND inspector = ?2 AND day = ?3 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![tenant, inspector.to_string(), day], |r| {
        Ok(BlockRow {
            seq: r.get(0)?,
            bytes: r.get(1)?,
            points: r.get(2)?,
            first_t: r.get(3)?,
            last_t: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The (inspector, day) pairs with a track between two days (inclusive, `YYYY-MM-DD` sorts as
/// text).
pub fn track_days(
    conn: &Connection<'_>,
    tenant: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT inspector, day FROM track_blocks
         WHERE tenant = ?1 AND day >= ?2 AND day <= ?3 ORDER BY inspector, day",
    )?;
    let rows = stmt.query_map(params![tenant, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Whether the tenant has a track block whose last point is before `before_s` (Unix s).
pub fn has_track_before(conn: &Connection<'_>, tenant: &str, before_s: i64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM track_blocks WHERE tenant = ?1 AND first_t < ?2 LIMIT 1",
            params![tenant, before_s],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A stored sign event.
#[derive(Clone, Debug, PartialEq)]
pub struct SignRow {
    /// The device's id of the event.
    pub id: String,
    /// The inspector.
    pub inspector: String,
    /// `in` or `out`.
    pub kind: String,
    /// Unix ms.
    pub at: i64,
    /// Tenant-local day of `at`.
    pub day: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// The sign event stored under `id`, if any.
pub fn sign(conn: &Connection<'_>, tenant: &str, id: &str) -> Result<Option<SignRow>> {
    Ok(conn
        .query_row(
            "SELECT id, inspector, kind, at, day, lon, lat FROM sign_events
             WHERE tenant = ?1 AND id = ?2",
            params![tenant, id],
            sign_row,
        )
        .optional()?)
}

fn sign_row(r: &crate::db::sql::Row) -> crate::db::sql::Result<SignRow> {
    Ok(SignRow {
        id: r.get(0)?,
        inspector: r.get(1)?,
        kind: r.get(2)?,
        at: r.get(3)?,
        day: r.get(4)?,
        lon: r.get(5)?,
        lat: r.get(6)?,
    })
}

/// Stores a sign event.
pub fn insert_sign(
    conn: &Connection<'_>,
    tenant: &str,
    s: &SignRow,
    device: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sign_events(tenant, id, inspector, device, kind, at, day, lon, lat, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![tenant, s.id, s.inspector, device, s.kind, s.at, s.day, s.lon, s.lat, now],
    )?;
    Ok(())
}

/// The sign events of one inspector-day, in time order.
pub fn day_signs(
    conn: &Connection<'_>,
    tenant: &str,
    inspector: UserId,
    day: &str,
) -> Result<Vec<SignRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, inspector, kind, at, day, lon, lat FROM sign_events
         WHERE tenant = ?1 AND inspector = ?2 AND day = ?3 ORDER BY at, id",
    )?;
    let rows = stmt.query_map(params![tenant, inspector.to_string(), day], sign_row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The (inspector, day) pairs with a sign event between two days (inclusive).
pub fn sign_days(
    conn: &Connection<'_>,
    tenant: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT inspector, day FROM sign_events
         WHERE tenant = ?1 AND day >= ?2 AND day <= ?3",
    )?;
    let rows = stmt.query_map(params![tenant, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// One stored roster shift.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShiftRow {
    /// The inspector.
    pub inspector: String,
    /// The day.
    pub day: String,
    /// Start, Unix ms.
    pub start_ms: i64,
    /// End, Unix ms.
    pub end_ms: i64,
    /// Cell codes as a JSON array.
    pub cells: String,
}

/// Deletes the shifts of one day.
pub fn clear_day(conn: &Connection<'_>, tenant: &str, day: &str) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM roster_shifts WHERE tenant = ?1 AND day = ?2",
        params![tenant, day],
    )?)
}

/// Stores a shift (replacing one of the same inspector, day and start).
pub fn put_shift(
    conn: &Connection<'_>,
    tenant: &str,
    s: &ShiftRow,
    by: &str,
    now: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO roster_shifts(tenant, inspector, day, start_ms, end_ms, cells,
                                   updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(tenant, inspector, day, start_ms) DO UPDATE SET
            end_ms = excluded.end_ms, cells = excluded.cells,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        params![
            tenant,
            s.inspector,
            s.day,
            s.start_ms,
            s.end_ms,
            s.cells,
            by,
            now
        ],
    )?;
    Ok(())
}

/// The shifts between two days (inclusive), by day, inspector and start.
pub fn shifts(conn: &Connection<'_>, tenant: &str, from: &str, to: &str) -> Result<Vec<ShiftRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT inspector, day, start_ms, end_ms, cells FROM roster_shifts
         WHERE tenant = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, inspector, start_ms",
    )?;
    let rows = stmt.query_map(params![tenant, from, to], |r| {
        Ok(ShiftRow {
            inspector: r.get(0)?,
            day: r.get(1)?,
            start_ms: r.get(2)?,
            end_ms: r.get(3)?,
            cells: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
