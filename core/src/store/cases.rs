//! Case documents in the store: create, append an event, save merged changes, load, compact.
//!
//! Each public write is one `BEGIN IMMEDIATE` transaction that loads the document from
//! `snapshot ++ chunks`, changes it in memory, and writes back exactly the new changes
//! (`save_after(local_heads)`), the heads, the projection row and, for local actions, the
//! photos' outbox rows and the HLC. An error anywhere rolls all of it back.

use super::{
    COMPACT_AFTER_BYTES, COMPACT_AFTER_CHUNKS, DeviceStore, ProjectionFn, StoreError, decode_heads,
    encode_heads, meta, outbox, projection,
};
use crate::doc::CaseDoc;
use crate::model::CaseId;
use crate::workflow::Event;
use automerge::ChangeHash;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// What the store knows of a case besides its bytes.
pub(super) struct Stored {
    pub(super) local_heads: Vec<ChangeHash>,
    chunk_count: i64,
    chunk_bytes: i64,
}

fn not_found(case_id: CaseId) -> StoreError {
    StoreError::NotFound {
        what: "case",
        key: case_id.to_string(),
    }
}

/// Loads a case's document (snapshot and chunks, strictly) and its bookkeeping.
pub(super) fn read_doc(
    conn: &Connection,
    case_id: CaseId,
) -> Result<(CaseDoc, Stored), StoreError> {
    let key = case_id.to_string();
    let (mut bytes, heads, chunk_count, chunk_bytes): (Vec<u8>, Vec<u8>, i64, i64) = conn
        .query_row(
            "SELECT snapshot, local_heads, chunk_count, chunk_bytes FROM docs WHERE case_id = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
        .ok_or_else(|| not_found(case_id))?;
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_chunks WHERE case_id = ?1 ORDER BY seq")?;
    for chunk in stmt.query_map([&key], |r| r.get::<_, Vec<u8>>(0))? {
        bytes.extend(chunk?);
    }
    let doc = CaseDoc::load(&bytes)?;
    if doc.case_id() != case_id {
        return Err(StoreError::corrupt(
            format!("docs/{key}"),
            "holds another case's document",
        ));
    }
    let local_heads = decode_heads(&heads)?;
    Ok((
        doc,
        Stored {
            local_heads,
            chunk_count,
            chunk_bytes,
        },
    ))
}

/// Writes the changes `doc` has beyond `stored.local_heads` (compacting when due) and its
/// projection row. Returns whether there was anything new.
fn write_changes(
    conn: &Connection,
    doc: &mut CaseDoc,
    stored: &Stored,
    project: ProjectionFn,
) -> Result<bool, StoreError> {
    let chunk = doc.save_after(&stored.local_heads);
    if chunk.is_empty() {
        return Ok(false);
    }
    let key = doc.case_id().to_string();
    let heads = encode_heads(&doc.heads());
    let count = stored.chunk_count + 1;
    let size = stored
        .chunk_bytes
        .saturating_add(i64::try_from(chunk.len()).unwrap_or(i64::MAX));
    if count > COMPACT_AFTER_CHUNKS || size > COMPACT_AFTER_BYTES {
        write_snapshot(conn, doc)?;
    } else {
        conn.execute(
            "INSERT INTO doc_chunks (case_id, seq, bytes) VALUES (?1, \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM doc_chunks WHERE case_id = ?1), ?2)",
            params![key, chunk],
        )?;
        conn.execute(
            "UPDATE docs SET local_heads = ?2, chunk_count = ?3, chunk_bytes = ?4, dirty = 1 \
             WHERE case_id = ?1",
            params![key, heads, count, size],
        )?;
    }
    projection::write_row(conn, doc, project)?;
    Ok(true)
}

/// Replaces a case's snapshot and chunks with one `save()`.
fn write_snapshot(conn: &Connection, doc: &mut CaseDoc) -> Result<(), StoreError> {
    let key = doc.case_id().to_string();
    let heads = encode_heads(&doc.heads());
    let snapshot = doc.save();
    conn.execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&key])?;
    conn.execute(
        "UPDATE docs SET snapshot = ?2, snapshot_heads = ?3, local_heads = ?3, chunk_count = 0, \
         chunk_bytes = 0, dirty = 1 WHERE case_id = ?1",
        params![key, snapshot, heads],
    )?;
    Ok(())
}

impl DeviceStore {
    /// Stores a case created on this device: its snapshot, projection row, the report's photos
    /// in the outbox and the report's HLC, in one transaction. A case already stored is refused.
    pub fn create_case(&mut self, doc: &mut CaseDoc) -> Result<(), StoreError> {
        self.insert_case(doc, true)
    }

    /// Stores a case received from the server (not in the outbox, not dirty, acknowledged at
    /// its current heads). A case already stored is refused: merge with [`Self::save_merged`].
    pub fn import_case(&mut self, doc: &mut CaseDoc) -> Result<(), StoreError> {
        self.insert_case(doc, false)
    }

    fn insert_case(&mut self, doc: &mut CaseDoc, local: bool) -> Result<(), StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = doc.case_id().to_string();
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM docs WHERE case_id = ?1", [&key], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::CaseExists { case_id: key });
        }
        let heads = encode_heads(&doc.heads());
        let server_heads = (!local).then(|| heads.clone());
        tx.execute(
            "INSERT INTO docs (case_id, snapshot, snapshot_heads, local_heads, server_heads, dirty) \
             VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
            params![key, doc.save(), heads, server_heads, local],
        )?;
        projection::write_row(&tx, doc, project)?;
        for event in doc.read_events()?.events {
            if local {
                outbox::enqueue_refs(&tx, doc.case_id(), &event)?;
            }
            meta::observe_hlc(&tx, event.hlc)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// One user action: appends `event` to the stored case as the device's actor and writes
    /// the chunk, heads, projection row, photo outbox rows and HLC in one transaction.
    /// A duplicate event id, or any failure, leaves the store as it was.
    pub fn append_event(&mut self, case_id: CaseId, event: &Event) -> Result<(), StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = meta::actor_id_in(&tx)?.ok_or(StoreError::NoActor)?;
        let (mut doc, stored) = read_doc(&tx, case_id)?;
        doc.set_actor(actor);
        doc.append(event)?;
        write_changes(&tx, &mut doc, &stored, project)?;
        outbox::enqueue_refs(&tx, case_id, event)?;
        meta::observe_hlc(&tx, event.hlc)?;
        tx.commit()?;
        Ok(())
    }

    /// Persists whatever `doc` (loaded from this store, then merged with a peer's changes) has
    /// that the store does not, and raises the stored HLC past the merged events; returns
    /// whether there was anything new. For the sync engine.
    pub fn save_merged(&mut self, doc: &mut CaseDoc) -> Result<bool, StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut stored_doc, stored) = read_doc(&tx, doc.case_id())?;
        stored_doc.merge(doc)?;
        let changed = write_changes(&tx, &mut stored_doc, &stored, project)?;
        if changed
            && let Some(latest) = stored_doc.read_events()?.events.iter().map(|e| e.hlc).max()
        {
            meta::observe_hlc(&tx, latest)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// A stored case's document: snapshot plus chunks. Its actor is the device's, when known.
    pub fn load_case(&self, case_id: CaseId) -> Result<CaseDoc, StoreError> {
        let (mut doc, _) = read_doc(&self.conn, case_id)?;
        if let Some(actor) = meta::actor_id_in(&self.conn)? {
            doc.set_actor(actor);
        }
        Ok(doc)
    }

    /// Replaces a case's snapshot and chunks with one `save()` now (writes do it by themselves
    /// past [`COMPACT_AFTER_CHUNKS`]).
    pub fn compact(&mut self, case_id: CaseId) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut doc, _) = read_doc(&tx, case_id)?;
        write_snapshot(&tx, &mut doc)?;
        tx.commit()?;
        Ok(())
    }

    /// How many change chunks a case has on top of its snapshot.
    pub fn chunk_count(&self, case_id: CaseId) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT chunk_count FROM docs WHERE case_id = ?1",
                [case_id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| not_found(case_id))
    }

    /// Recomputes every projection row with the current [`ProjectionFn`] (after the fold
    /// changes), in one transaction.
    pub fn reproject(&mut self) -> Result<usize, StoreError> {
        let project = self.project;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<String> = tx
            .prepare("SELECT case_id FROM docs")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in &ids {
            let case_id = CaseId::parse(id).map_err(|e| StoreError::corrupt("docs.case_id", e))?;
            let (doc, _) = read_doc(&tx, case_id)?;
            projection::write_row(&tx, &doc, project)?;
        }
        tx.commit()?;
        Ok(ids.len())
    }
}
