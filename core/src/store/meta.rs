//! Device meta: the server's change-feed cursor, the device's Automerge actor id, the last HLC,
//! the learned offset of the device's clock against the server's, and whether the server takes
//! a new case as one whole document (its `whole-doc` capability, learned at `hello`).
//!
//! Invariants: the actor id is exactly 16 bytes (issued by the server at enrolment); the stored
//! HLC only moves forward, and every local action raises it in its own transaction, so a clock
//! restarted from it never issues a stamp earlier than one already written — with one
//! exception: a clock correction (`store::clock`) that re-stamps every event the server has not
//! accepted lowers it, in the same transaction, to the latest stamp left in the store.

use super::{DeviceStore, StoreError};
use crate::model::{ClockOffset, Hlc};
use automerge::ActorId;
use rusqlite::{Connection, OptionalExtension, params};

const SYNC_CURSOR: &str = "sync_cursor";
const ACTOR_ID: &str = "actor_id";
const LAST_HLC: &str = "last_hlc";
const CLOCK_OFFSET: &str = "clock_offset";
const WHOLE_DOC_PUSH: &str = "whole_doc_push";

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

/// The device's actor id, read inside a transaction.
pub(crate) fn actor_id_in(conn: &Connection) -> Result<Option<ActorId>, StoreError> {
    match get(conn, ACTOR_ID)? {
        None => Ok(None),
        Some(b) if b.len() == 16 => Ok(Some(ActorId::from(b.as_slice()))),
        Some(b) => Err(StoreError::corrupt(
            "meta.actor_id",
            format!("{} bytes", b.len()),
        )),
    }
}

fn encode_hlc(h: Hlc) -> Vec<u8> {
    let mut out = Vec::with_capacity(20);
    out.extend(h.ms.to_be_bytes());
    out.extend(h.counter.to_be_bytes());
    out.extend(h.node.to_be_bytes());
    out
}

fn decode_hlc(b: &[u8]) -> Result<Hlc, StoreError> {
    let bad = || StoreError::corrupt("meta.last_hlc", format!("{} bytes", b.len()));
    let ms = b
        .get(0..8)
        .and_then(|s| s.try_into().ok())
        .map(i64::from_be_bytes)
        .ok_or_else(bad)?;
    let counter = b
        .get(8..12)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(bad)?;
    let node = b
        .get(12..20)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(bad)?;
    Ok(Hlc { ms, counter, node })
}

/// The stored HLC, read inside a transaction.
pub(crate) fn last_hlc_in(conn: &Connection) -> Result<Option<Hlc>, StoreError> {
    get(conn, LAST_HLC)?.map(|b| decode_hlc(&b)).transpose()
}

/// Sets the stored HLC, also lower (only a clock correction does that).
pub(crate) fn set_last_hlc(conn: &Connection, hlc: Hlc) -> Result<(), StoreError> {
    set(conn, LAST_HLC, &encode_hlc(hlc))
}

/// The learned clock offset, read inside a transaction (`None` before the first answer).
pub(crate) fn clock_offset_in(conn: &Connection) -> Result<Option<ClockOffset>, StoreError> {
    get(conn, CLOCK_OFFSET)?
        .map(|b| {
            let field = |r: std::ops::Range<usize>| b.get(r).and_then(|s| s.try_into().ok());
            match (field(0..8), field(8..16), b.get(16..20)) {
                (Some(o), Some(r), Some(n)) if b.len() == 20 => Ok(ClockOffset {
                    offset_ms: i64::from_be_bytes(o),
                    rtt_ms: i64::from_be_bytes(r),
                    samples: u32::from_be_bytes([n[0], n[1], n[2], n[3]]),
                }),
                _ => Err(StoreError::corrupt(
                    "meta.clock_offset",
                    format!("{} bytes", b.len()),
                )),
            }
        })
        .transpose()
}

/// Stores the learned clock offset.
pub(crate) fn set_clock_offset(conn: &Connection, o: ClockOffset) -> Result<(), StoreError> {
    let mut out = Vec::with_capacity(20);
    out.extend(o.offset_ms.to_be_bytes());
    out.extend(o.rtt_ms.to_be_bytes());
    out.extend(o.samples.to_be_bytes());
    set(conn, CLOCK_OFFSET, &out)
}

/// Raises the stored HLC to `hlc` if it is later.
pub(crate) fn observe_hlc(conn: &Connection, hlc: Hlc) -> Result<(), StoreError> {
    let last = get(conn, LAST_HLC)?.map(|b| decode_hlc(&b)).transpose()?;
    if last.is_none_or(|l| hlc > l) {
        set(conn, LAST_HLC, &encode_hlc(hlc))?;
    }
    Ok(())
}

impl DeviceStore {
    /// The server change-feed cursor of the last completed pull.
    pub fn sync_cursor(&self) -> Result<Option<String>, StoreError> {
        get(&self.conn, SYNC_CURSOR)?
            .map(|b| String::from_utf8(b).map_err(|e| StoreError::corrupt("meta.sync_cursor", e)))
            .transpose()
    }

    /// Stores the cursor after a pull is applied.
    pub fn set_sync_cursor(&mut self, cursor: &str) -> Result<(), StoreError> {
        set(&self.conn, SYNC_CURSOR, cursor.as_bytes())
    }

    /// Whether the server announced the `whole-doc` capability at the last `hello`: a new case
    /// is then pushed as one compressed document (`save()`) instead of its change list.
    /// `false` until a `hello` said so (an older server refuses whole documents).
    pub fn whole_doc_push(&self) -> Result<bool, StoreError> {
        Ok(get(&self.conn, WHOLE_DOC_PUSH)?.is_some_and(|b| b == [1]))
    }

    /// Records whether the server takes whole documents (from its `hello` answer).
    pub fn set_whole_doc_push(&mut self, on: bool) -> Result<(), StoreError> {
        set(&self.conn, WHOLE_DOC_PUSH, &[u8::from(on)])
    }

    /// The device's Automerge actor id, once enrolled.
    pub fn actor_id(&self) -> Result<Option<ActorId>, StoreError> {
        actor_id_in(&self.conn)
    }

    /// Stores the actor id the server issued; it must be 16 bytes.
    pub fn set_actor_id(&mut self, actor: &ActorId) -> Result<(), StoreError> {
        let bytes = actor.to_bytes();
        if bytes.len() != 16 {
            let reason = format!("{} bytes, expected 16", bytes.len());
            return Err(StoreError::InvalidInput {
                what: "actor id",
                reason,
            });
        }
        set(&self.conn, ACTOR_ID, bytes)
    }

    /// The latest HLC stamp written by a local action or observed (restart `HlcClock` from it).
    pub fn last_hlc(&self) -> Result<Option<Hlc>, StoreError> {
        get(&self.conn, LAST_HLC)?
            .map(|b| decode_hlc(&b))
            .transpose()
    }

    /// Raises the stored HLC to `hlc` (after observing a remote stamp); never lowers it.
    pub fn observe_hlc(&mut self, hlc: Hlc) -> Result<(), StoreError> {
        observe_hlc(&self.conn, hlc)
    }
}
