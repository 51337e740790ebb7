//! `docs` and `doc_chunks`: each case's Automerge document as a snapshot (`save()`) plus the
//! change chunks merged since (`save_after(previous heads)`), like the device store. A merge
//! appends one small chunk instead of rewriting the document; the compaction job folds the
//! chunks back into a snapshot.

use super::{decode_heads, encode_heads};
use crate::db::sql::{Connection, OptionalExtension, params};
use crate::error::{Result, ServerError, Unreadable};
use automerge::ChangeHash;
use gridcase_core::doc::{CaseDoc, DocError};
use gridcase_core::model::CaseId;

/// What the store knows of a document besides its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocInfo {
    /// The tenant the case belongs to.
    pub tenant: String,
    /// Heads of snapshot + chunks.
    pub heads: Vec<ChangeHash>,
    /// Chunks on top of the snapshot.
    pub chunk_count: i64,
    /// Bytes of snapshot + chunks.
    pub total_bytes: i64,
}

/// The tenant and heads of a case, if it exists (in any tenant). Stored heads that are not
/// 32-byte hashes make the case [`Unreadable`] (stage `heads`).
pub fn info(conn: &Connection<'_>, case_id: CaseId) -> Result<Option<DocInfo>> {
    let row: Option<(String, Vec<u8>, i64, i64, i64)> = conn
        .query_row(
            "SELECT tenant, heads, chunk_count, chunk_bytes, length(snapshot)
             FROM docs WHERE case_id = ?1",
            [case_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(tenant, heads, chunk_count, chunk_bytes, snap)| {
        let heads = decode_heads(&heads)
            .map_err(|e| Unreadable::error(tenant.clone(), case_id, "heads", e))?;
        Ok(DocInfo {
            tenant,
            heads,
            chunk_count,
            total_bytes: chunk_bytes + snap,
        })
    })
    .transpose()
}

/// Loads a case's document (snapshot and chunks). Bytes that do not load (including a panic
/// inside the decoder) are [`Unreadable`] at stage `load`; a header that does not read, or a
/// document of another case, at stage `header`.
pub fn load(conn: &Connection<'_>, case_id: CaseId) -> Result<CaseDoc> {
    let key = case_id.to_string();
    let (tenant, mut bytes): (String, Vec<u8>) = conn
        .query_row(
            "SELECT tenant, snapshot FROM docs WHERE case_id = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ServerError::not_found("案件"))?;
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_chunks WHERE case_id = ?1 ORDER BY n")?;
    for chunk in stmt.query_map([&key], |r| r.get::<_, Vec<u8>>(0))? {
        bytes.extend(chunk?);
    }
    let loaded = std::panic::catch_unwind(|| CaseDoc::load(&bytes));
    let doc = match loaded {
        Ok(Ok(doc)) => doc,
        Ok(Err(e @ DocError::Corrupt { .. })) => {
            return Err(Unreadable::error(tenant, case_id, "load", e));
        }
        Ok(Err(e)) => return Err(Unreadable::error(tenant, case_id, "header", e)),
        Err(panic) => {
            return Err(Unreadable::error(
                tenant,
                case_id,
                "load",
                format!("the decoder panicked: {}", panic_text(&panic)),
            ));
        }
    };
    if doc.case_id() != case_id {
        return Err(Unreadable::error(
            tenant,
            case_id,
            "header",
            format!("docs/{key} holds the document of case {}", doc.case_id()),
        ));
    }
    Ok(doc)
}

/// The stored bytes of a case's document as [`load`] reads them (snapshot, then its chunks in
/// order), without parsing them; `None` for an unknown case. The write path's document cache
/// compares their fingerprint with its entry's (biz::doc_cache).
pub fn stored_bytes(conn: &Connection<'_>, case_id: CaseId) -> Result<Option<Vec<u8>>> {
    let key = case_id.to_string();
    let mut stmt = conn.prepare_cached("SELECT snapshot FROM docs WHERE case_id = ?1")?;
    let Some(mut bytes) = stmt
        .query_row([&key], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_chunks WHERE case_id = ?1 ORDER BY n")?;
    for chunk in stmt.query_map([&key], |r| r.get::<_, Vec<u8>>(0))? {
        bytes.extend(chunk?);
    }
    Ok(Some(bytes))
}

/// The message of a caught panic.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Stores a new case's document as its first snapshot.
pub fn insert(conn: &Connection<'_>, tenant: &str, doc: &mut CaseDoc, now: i64) -> Result<()> {
    let snapshot = doc.save();
    insert_saved(conn, tenant, doc, &snapshot, now)
}

/// Stores a new case's document as its first snapshot from `snapshot`, a `save()` of `doc`
/// made after its last change (the write path saved it already for its round-trip check).
pub fn insert_saved(
    conn: &Connection<'_>,
    tenant: &str,
    doc: &mut CaseDoc,
    snapshot: &[u8],
    now: i64,
) -> Result<()> {
    let heads = encode_heads(&doc.heads());
    conn.execute(
        "INSERT INTO docs(case_id, tenant, snapshot, heads, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![doc.case_id().to_string(), tenant, snapshot, heads, now],
    )?;
    Ok(())
}

/// Rewrite the snapshot instead of adding a chunk past this many chunks …
pub const MAX_CHUNKS: i64 = 16;
/// … or this many bytes of chunks.
pub const MAX_CHUNK_BYTES: i64 = 64 * 1024;

/// Appends the changes made after `previous` heads as one chunk; when the document already has
/// [`MAX_CHUNKS`] chunks or [`MAX_CHUNK_BYTES`] of them, rewrites it as one snapshot instead
/// (the document is in memory anyway), so loading a case never replays a long tail.
pub fn append(
    conn: &Connection<'_>,
    doc: &mut CaseDoc,
    previous: &[ChangeHash],
    now: i64,
) -> Result<()> {
    let chunk = doc.save_after(previous);
    if chunk.is_empty() {
        return Ok(());
    }
    let key = doc.case_id().to_string();
    let heads = encode_heads(&doc.heads());
    let (count, bytes): (i64, i64) = conn.query_row(
        "SELECT chunk_count, chunk_bytes FROM docs WHERE case_id = ?1",
        [&key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if count >= MAX_CHUNKS || bytes + chunk.len() as i64 > MAX_CHUNK_BYTES {
        conn.execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&key])?;
        conn.execute(
            "UPDATE docs SET snapshot = ?2, heads = ?3, chunk_count = 0, chunk_bytes = 0,
                             updated_at = ?4
             WHERE case_id = ?1",
            params![key, doc.save(), heads, now],
        )?;
        return Ok(());
    }
    conn.execute(
        "INSERT INTO doc_chunks(case_id, n, bytes)
         VALUES (?1, (SELECT chunk_count + 1 FROM docs WHERE case_id = ?1), ?2)",
        params![key, chunk],
    )?;
    conn.execute(
        "UPDATE docs SET heads = ?2, chunk_count = chunk_count + 1,
                         chunk_bytes = chunk_bytes + ?3, updated_at = ?4
         WHERE case_id = ?1",
        params![key, heads, chunk.len() as i64, now],
    )?;
    Ok(())
}

/// Replaces snapshot and chunks by one `save()`.
pub fn compact(conn: &Connection<'_>, case_id: CaseId) -> Result<()> {
    let mut doc = load(conn, case_id)?;
    let key = case_id.to_string();
    conn.execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&key])?;
    conn.execute(
        "UPDATE docs SET snapshot = ?2, heads = ?3, chunk_count = 0, chunk_bytes = 0
         WHERE case_id = ?1",
        params![key, doc.save(), encode_heads(&doc.heads())],
    )?;
    Ok(())
}

/// Cases (tenant, id) with more than `chunks` chunks or `bytes` bytes of chunks.
pub fn needing_compaction(
    conn: &Connection<'_>,
    chunks: i64,
    bytes: i64,
) -> Result<Vec<(String, CaseId)>> {
    let mut stmt = conn.prepare(
        "SELECT tenant, case_id FROM docs WHERE chunk_count > ?1 OR chunk_bytes > ?2
         ORDER BY tenant, case_id",
    )?;
    let rows = stmt.query_map(params![chunks, bytes], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|r| {
        let (tenant, s) = r?;
        let id = CaseId::parse(&s).map_err(|e| ServerError::Internal(e.to_string()))?;
        Ok((tenant, id))
    })
    .collect()
}

/// The ids of every case of a tenant (evaluation reads them all).
pub fn tenant_case_ids(conn: &Connection<'_>, tenant: &str) -> Result<Vec<CaseId>> {
    let mut stmt =
        conn.prepare_cached("SELECT case_id FROM docs WHERE tenant = ?1 ORDER BY case_id")?;
    let ids = stmt.query_map([tenant], |r| r.get::<_, String>(0))?;
    ids.map(|id| {
        let id = id?;
        CaseId::parse(&id).map_err(|e| ServerError::Internal(format!("docs/{id}: {e}")))
    })
    .collect()
}
