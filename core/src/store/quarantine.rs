//! Quarantine: a case whose changes the server refused for a security reason (docs/protocol.md,
//! "The gate"). The device keeps the refused edits for its user, with the reason, and rebuilds
//! the case from the server's document (or drops it when the server has none).
//!
//! Invariant: keeping the edits and rebuilding the case happen in one transaction, so a refused
//! edit is never lost and never sent again.

use super::{DeviceStore, StoreError, encode_heads, projection};
use crate::doc::CaseDoc;
use crate::model::{CaseId, EventId, Timestamp};
use crate::workflow::Event;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::HashSet;

/// A refused sync of one case.
#[derive(Clone, PartialEq, Debug)]
pub struct Quarantine {
    /// Row id (for [`DeviceStore::dismiss_quarantine`]).
    pub id: i64,
    /// The case.
    pub case_id: CaseId,
    /// The server's reason code (`forbidden_actor`, `role_not_allowed` …).
    pub code: String,
    /// The server's message.
    pub message: String,
    /// When the device was told.
    pub rejected_at: Timestamp,
    /// The device's events the server does not have, as the user made them.
    pub edits: Vec<RejectedEdit>,
    /// Whether the user has dismissed it.
    pub dismissed: bool,
}

/// One refused event.
#[derive(Clone, PartialEq, Debug)]
pub struct RejectedEdit {
    /// Its id.
    pub event_id: EventId,
    /// The event (its intent: the user may redo it).
    pub event: Event,
}

/// The case's stored bytes (snapshot ++ chunks), whatever their state; empty when not stored.
fn raw_doc(conn: &Connection, case_id: CaseId) -> Result<Vec<u8>, StoreError> {
    let key = case_id.to_string();
    let Some(mut bytes) = conn
        .query_row(
            "SELECT snapshot FROM docs WHERE case_id = ?1",
            [&key],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_chunks WHERE case_id = ?1 ORDER BY seq")?;
    for chunk in stmt.query_map([&key], |r| r.get::<_, Vec<u8>>(0))? {
        bytes.extend(chunk?);
    }
    Ok(bytes)
}

/// The events of `bytes` (leniently: undecodable entries are left out; undecodable bytes give
/// none — the whole document is kept in `local_doc` anyway).
fn events_of(bytes: &[u8]) -> Vec<Event> {
    CaseDoc::load(bytes)
        .ok()
        .and_then(|d| d.read_events().ok())
        .map(|r| r.events)
        .unwrap_or_default()
}

/// Replaces the stored case with `doc` as the server has it: acknowledged, not dirty.
fn replace_with(
    conn: &Connection,
    doc: &mut CaseDoc,
    project: super::ProjectionFn,
) -> Result<(), StoreError> {
    let key = doc.case_id().to_string();
    let heads = encode_heads(&doc.heads());
    let snapshot = doc.save();
    conn.execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&key])?;
    conn.execute("DELETE FROM sync_state WHERE case_id = ?1", [&key])?;
    conn.execute(
        "INSERT INTO docs (case_id, snapshot, snapshot_heads, local_heads, server_heads, dirty) \
         VALUES (?1, ?2, ?3, ?3, ?3, 0) ON CONFLICT (case_id) DO UPDATE SET \
         snapshot = excluded.snapshot, snapshot_heads = excluded.snapshot_heads, \
         local_heads = excluded.local_heads, server_heads = excluded.server_heads, dirty = 0, \
         chunk_count = 0, chunk_bytes = 0",
        params![key, snapshot, heads],
    )?;
    projection::write_row(conn, doc, project)
}

impl DeviceStore {
    /// Quarantines a case the server refused: keeps the device's events that `server` lacks
    /// (all of them when the server has no copy) with the reason, keeps the whole local
    /// document, then replaces the case with `server`'s document, or deletes it when `None`.
    /// One transaction.
    pub fn quarantine_case(
        &mut self,
        case_id: CaseId,
        code: &str,
        message: &str,
        at: Timestamp,
        server: Option<&mut CaseDoc>,
    ) -> Result<Quarantine, StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let local = raw_doc(&tx, case_id)?;
        let theirs: HashSet<EventId> = match &server {
            Some(doc) => doc.read_events()?.events.iter().map(|e| e.id).collect(),
            None => HashSet::new(),
        };
        let edits: Vec<RejectedEdit> = events_of(&local)
            .into_iter()
            .filter(|e| !theirs.contains(&e.id))
            .map(|event| RejectedEdit {
                event_id: event.id,
                event,
            })
            .collect();
        tx.execute(
            "INSERT INTO quarantines (case_id, code, message, rejected_at, local_doc) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![case_id.to_string(), code, message, at.ms(), local],
        )?;
        let id = tx.last_insert_rowid();
        for edit in &edits {
            let json = serde_json::to_string(&edit.event)
                .map_err(|e| StoreError::corrupt("rejected_edits.event", e))?;
            tx.execute(
                "INSERT OR IGNORE INTO rejected_edits (quarantine_id, event_id, event) \
                 VALUES (?1, ?2, ?3)",
                params![id, edit.event_id.to_string(), json],
            )?;
        }
        match server {
            Some(doc) => {
                if doc.case_id() != case_id {
                    return Err(StoreError::InvalidInput {
                        what: "server document",
                        reason: format!("is case {}, not {case_id}", doc.case_id()),
                    });
                }
                replace_with(&tx, doc, project)?;
            }
            None => {
                tx.execute("DELETE FROM docs WHERE case_id = ?1", [case_id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(Quarantine {
            id,
            case_id,
            code: code.to_owned(),
            message: message.to_owned(),
            rejected_at: at,
            edits,
            dismissed: false,
        })
    }

    /// Quarantined syncs, newest first: of one case or all, with or without dismissed ones.
    pub fn quarantines(
        &self,
        case_id: Option<CaseId>,
        include_dismissed: bool,
    ) -> Result<Vec<Quarantine>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, case_id, code, message, rejected_at, dismissed FROM quarantines \
             WHERE (?1 IS NULL OR case_id = ?1) AND (?2 OR dismissed = 0) ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(
            params![case_id.map(|c| c.to_string()), include_dismissed],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, case, code, message, at, dismissed) = row?;
            let case_id =
                CaseId::parse(&case).map_err(|e| StoreError::corrupt("quarantines.case_id", e))?;
            out.push(Quarantine {
                id,
                case_id,
                code,
                message,
                rejected_at: Timestamp(at),
                edits: self.rejected_edits(id)?,
                dismissed,
            });
        }
        Ok(out)
    }

    fn rejected_edits(&self, quarantine_id: i64) -> Result<Vec<RejectedEdit>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT event FROM rejected_edits WHERE quarantine_id = ?1 ORDER BY event_id",
        )?;
        let rows = stmt.query_map([quarantine_id], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            let event: Event = serde_json::from_str(&json?)
                .map_err(|e| StoreError::corrupt("rejected_edits.event", e))?;
            out.push(RejectedEdit {
                event_id: event.id,
                event,
            });
        }
        Ok(out)
    }

    /// Marks a quarantine as seen by the user (it stays in the table).
    pub fn dismiss_quarantine(&mut self, id: i64) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute("UPDATE quarantines SET dismissed = 1 WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "quarantine",
                key: id.to_string(),
            });
        }
        Ok(())
    }
}
