//! The store side of each sync step (feature `store`): what the engine is told at the start of
//! a round, the documents of a sync request, applying the server's answer, blob bytes, and the
//! engine's [`Record`]s. No network here; the runtime and the simulated-network tests share it.
//!
//! Applying an answer is per document, each in its own store transaction: an accepted document
//! is merged and marked synced at the server's heads; a refused one is quarantined and rebuilt
//! from the server's copy; a document that fails locally is reported and the others go on.

use super::engine::{
    BlobSync, CaseSync, DocPlan, DocReport, DocStatus, Failure, LocalState, Record,
};
use crate::doc::CaseDoc;
use crate::model::{CaseId, Sha256, Timestamp};
use crate::protocol::{
    DocOutcome, DocPush, DocResult, ErrorCode, Heads, Limits, SyncRequest, SyncResponse,
};
use crate::store::{BlobSource, DeviceStore, StoreError};
use automerge::ChangeHash;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

/// Per-document overhead of a [`DocPush`] in CBOR besides its changes and heads (field names,
/// the case id, lengths), rounded up.
const DOC_OVERHEAD: usize = 96;

/// The engine's input for a round: cursor, every case's bookkeeping, and up to `blob_limit`
/// outbox blobs.
pub fn local_state(store: &DeviceStore, blob_limit: u32) -> Result<LocalState, StoreError> {
    let cursor = store
        .sync_cursor()?
        .and_then(|c| c.parse::<u64>().ok())
        .unwrap_or(0);
    let cases = store
        .sync_index()?
        .into_iter()
        .map(|row| CaseSync {
            case_id: row.case_id,
            server_heads: row.server_heads,
            dirty: row.dirty,
        })
        .collect();
    let blobs = store
        .pending_blobs(blob_limit)?
        .into_iter()
        .map(|b| BlobSync {
            sha256: b.sha256,
            case_id: b.case_id,
            size: b.size,
            has_source: b.source.is_some(),
            attempts: b.attempts,
        })
        .collect();
    Ok(LocalState {
        cursor,
        cases,
        blobs,
    })
}

/// Heads as they travel.
pub fn wire_heads(heads: &[ChangeHash]) -> Heads {
    heads
        .iter()
        .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
        .collect()
}

/// Heads from the wire; `None` if one is not 32 bytes.
pub fn parse_heads(heads: &Heads) -> Option<Vec<ChangeHash>> {
    heads
        .iter()
        .map(|h| ChangeHash::try_from(h.as_slice()).ok())
        .collect()
}

/// A sync request for a batch, and the reports of the documents left out of it.
#[derive(Debug, Default)]
pub struct Prepared {
    /// What to send.
    pub request: SyncRequest,
    /// Documents not sent: failed locally (undecodable, over the size limit) or deferred (the
    /// request was full).
    pub reports: Vec<DocReport>,
}

fn failed(case_id: CaseId, code: &str, message: impl std::fmt::Display) -> DocReport {
    DocReport {
        case_id,
        status: DocStatus::Failed {
            code: code.to_owned(),
            message: message.to_string(),
        },
        seq: None,
    }
}

/// Builds one document's push: the changes the server may lack (`save_after(known)`) with the
/// known and current heads; an empty push (a bootstrap) for a case the device does not have.
/// A case the server never acknowledged goes as one compressed document (`save()`, about a
/// third of its change chunks) when the server takes whole documents
/// ([`DeviceStore::whole_doc_push`]).
fn push_for(store: &DeviceStore, case_id: CaseId) -> Result<DocPush, StoreError> {
    if !store.has_case(case_id)? {
        return Ok(DocPush {
            case_id,
            known: Vec::new(),
            have: Vec::new(),
            changes: Vec::new(),
        });
    }
    let known = store.server_heads(case_id)?;
    let mut doc = store.load_case(case_id)?;
    let changes = match &known {
        None if store.whole_doc_push()? => doc.save(),
        _ => doc.save_after(known.as_deref().unwrap_or_default()),
    };
    Ok(DocPush {
        case_id,
        known: wire_heads(known.as_deref().unwrap_or_default()),
        have: wire_heads(&doc.heads()),
        changes,
    })
}

/// Builds the request for `docs`, within the server's limits: a document over the per-document
/// limit or that cannot be read fails alone; once the request is full the rest is deferred.
pub fn prepare_sync(store: &DeviceStore, docs: &[DocPlan], limits: &Limits) -> Prepared {
    let max_doc = usize::try_from(limits.max_doc_bytes).unwrap_or(usize::MAX);
    let max_total = usize::try_from(limits.max_sync_bytes)
        .unwrap_or(usize::MAX)
        .saturating_sub(64);
    let max_docs = usize::try_from(limits.max_docs_per_sync).unwrap_or(usize::MAX);
    let mut out = Prepared::default();
    let mut total = 0usize;
    let mut full = false;
    for plan in docs {
        if full || out.request.docs.len() >= max_docs {
            full = true;
            out.reports.push(DocReport {
                case_id: plan.case_id,
                status: DocStatus::Deferred,
                seq: None,
            });
            continue;
        }
        let push = match push_for(store, plan.case_id) {
            Ok(push) => push,
            Err(e) => {
                out.reports.push(failed(plan.case_id, e.code(), e));
                continue;
            }
        };
        if push.changes.len() > max_doc {
            let message = format!("{} 字节，上限 {max_doc}", push.changes.len());
            out.reports.push(failed(plan.case_id, "too_large", message));
            continue;
        }
        let size = push.changes.len() + 32 * (push.known.len() + push.have.len()) + DOC_OVERHEAD;
        if total + size > max_total && !out.request.docs.is_empty() {
            full = true;
            out.reports.push(DocReport {
                case_id: plan.case_id,
                status: DocStatus::Deferred,
                seq: None,
            });
            continue;
        }
        total += size;
        out.request.docs.push(push);
    }
    out
}

/// Applies the server's answer to a request, document by document; returns a report for each
/// document sent. `now` is the device's clock reading: corrected by the learned offset, it
/// stamps quarantines and bounds re-stamps. A refusal for `hlc_in_future` of a case that a
/// clock correction re-stamped (or that re-stamping to the corrected now changes) is not
/// quarantined: the case stays dirty and is reported [`DocStatus::Restamped`], to be sent again.
pub fn apply_sync(
    store: &mut DeviceStore,
    sent: &SyncRequest,
    response: SyncResponse,
    now: Timestamp,
) -> Vec<DocReport> {
    let mut results: HashMap<CaseId, DocResult> =
        response.docs.into_iter().map(|r| (r.case_id, r)).collect();
    sent.docs
        .iter()
        .map(|push| {
            let case_id = push.case_id;
            let Some(result) = results.remove(&case_id) else {
                return failed(case_id, "bad_response", "服务器未返回该案件的结果");
            };
            let seq = Some(result.seq);
            let status = apply_one(store, result, &push.have, now)
                .unwrap_or_else(|(code, message)| DocStatus::Failed { code, message });
            DocReport {
                case_id,
                status,
                seq,
            }
        })
        .collect()
}

type LocalFailure = (String, String);

fn store_failure(e: StoreError) -> LocalFailure {
    (e.code().to_owned(), e.to_string())
}

fn bad_response(message: impl std::fmt::Display) -> LocalFailure {
    ("bad_response".to_owned(), message.to_string())
}

fn apply_one(
    store: &mut DeviceStore,
    result: DocResult,
    sent: &Heads,
    now: Timestamp,
) -> Result<DocStatus, LocalFailure> {
    let case_id = result.case_id;
    let heads = parse_heads(&result.heads).ok_or_else(|| bad_response("heads are not 32 bytes"))?;
    let local = store.has_case(case_id).map_err(store_failure)?;
    match result.outcome {
        DocOutcome::Accepted => {
            if local {
                if !result.changes.is_empty() {
                    let mut doc = store.load_case(case_id).map_err(store_failure)?;
                    doc.load_incremental(&result.changes)
                        .map_err(bad_response)?;
                    store.save_merged(&mut doc).map_err(store_failure)?;
                }
            } else {
                let mut doc = CaseDoc::load(&result.changes).map_err(bad_response)?;
                if doc.case_id() != case_id {
                    return Err(bad_response("服务器返回了另一个案件的文档"));
                }
                store.import_case(&mut doc).map_err(store_failure)?;
            }
            store.mark_synced(case_id, &heads).map_err(store_failure)?;
            Ok(DocStatus::Accepted)
        }
        DocOutcome::Rejected { code, message } => {
            // A case the server cannot read (`document_unreadable`) is the server's fault: the
            // device's copy is not quarantined; the case is skipped and tried again next round.
            if !local || code == ErrorCode::DocumentUnreadable.as_str() {
                return Err((code, message));
            }
            if code == ErrorCode::HlcInFuture.as_str() {
                let sent = parse_heads(sent).unwrap_or_default();
                if store
                    .restamp_refused(case_id, &sent, now.ms())
                    .map_err(store_failure)?
                {
                    return Ok(DocStatus::Restamped);
                }
            }
            let at = Timestamp(store.corrected_now(now.ms()).map_err(store_failure)?);
            let mut server = if result.changes.is_empty() {
                None
            } else {
                Some(CaseDoc::load(&result.changes).map_err(bad_response)?)
            };
            store
                .quarantine_case(case_id, &code, &message, at, server.as_mut())
                .map_err(store_failure)?;
            Ok(DocStatus::Rejected { code, message })
        }
    }
}

/// Bytes `offset..offset + len` of an outbox blob, from its file or from the database.
pub fn read_blob_chunk(
    store: &DeviceStore,
    sha256: Sha256,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>, Failure> {
    let blob = store
        .blob(sha256)
        .map_err(|e| Failure::new(e.code(), e.to_string()))?
        .ok_or_else(|| Failure::new("local_blob_missing", format!("{sha256} 不在待上传列表中")))?;
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    match blob.source {
        None => Err(Failure::new(
            "local_blob_missing",
            format!("{sha256} 的文件尚未交给存储"),
        )),
        Some(BlobSource::Bytes(bytes)) => {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let end = start.saturating_add(len).min(bytes.len());
            Ok(bytes[start..end].to_vec())
        }
        Some(BlobSource::Path(path)) => {
            let unreadable = |e: std::io::Error| {
                Failure::new("local_blob_unreadable", format!("{}: {e}", path.display()))
            };
            let mut file = std::fs::File::open(&path).map_err(unreadable)?;
            file.seek(SeekFrom::Start(offset)).map_err(unreadable)?;
            let mut out = Vec::with_capacity(len.min(16 << 20));
            file.take(len as u64)
                .read_to_end(&mut out)
                .map_err(unreadable)?;
            Ok(out)
        }
    }
}

/// Performs an engine [`Record`] on the store.
pub fn record(store: &mut DeviceStore, record: &Record) -> Result<(), StoreError> {
    match record {
        Record::Cursor(cursor) => store.set_sync_cursor(&cursor.to_string()),
        Record::BlobProgress { sha256, offset } => store.mark_blob_progress(*sha256, *offset),
        Record::BlobUploaded { sha256 } => store.mark_blob_uploaded(*sha256),
        Record::BlobFailed { sha256 } => store.mark_blob_failed(*sha256),
    }
}
