//! `POST /v1/sync` (CBOR): one round trip carries many documents. For each document the device
//! sends the server heads it last saw, its own heads, and the changes the server may lack
//! (`save_after(known server heads)`); the server gates and merges them, then answers with its
//! heads and the changes the device lacks. An empty `changes` with the device's heads is a
//! pull; empty heads as well is a bootstrap of that document (the whole `save()`).

use crate::model::CaseId;
use serde::{Deserialize, Serialize};

/// Automerge change hashes (32 bytes each), as CBOR byte strings.
pub type Heads = Vec<serde_bytes::ByteBuf>;

/// A batch of documents to sync.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SyncRequest {
    /// One entry per document (at most `Limits::max_docs_per_sync`).
    pub docs: Vec<DocPush>,
}

/// One document in a [`SyncRequest`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct DocPush {
    /// The case.
    pub case_id: CaseId,
    /// The server heads this device last received for the case (empty if none).
    pub known: Heads,
    /// The device's current heads.
    pub have: Heads,
    /// Changes the server may lack: `save_after(known)`; empty for a pull.
    #[serde(with = "serde_bytes")]
    pub changes: Vec<u8>,
}

/// The answer to a [`SyncRequest`]: one result per document, in request order.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SyncResponse {
    /// Results.
    pub docs: Vec<DocResult>,
}

/// What happened to one document's changes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DocOutcome {
    /// Merged (or nothing to merge); business-rule conflicts, if any, are flagged by the fold.
    Accepted,
    /// Refused whole for a security reason; the device quarantines the case, keeps its rejected
    /// edits visible, and rebuilds the case from `changes` (the server's whole document).
    Rejected {
        /// Stable reason code (an `ErrorCode` string).
        code: String,
        /// Human message.
        message: String,
    },
}

/// One document in a [`SyncResponse`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct DocResult {
    /// The case.
    pub case_id: CaseId,
    /// Accepted or rejected.
    pub outcome: DocOutcome,
    /// The server's heads after the merge.
    pub heads: Heads,
    /// Changes the device lacks (the whole document after a rejection or for a bootstrap).
    #[serde(with = "serde_bytes")]
    pub changes: Vec<u8>,
    /// The case's position in the tenant's change feed after this request.
    pub seq: u64,
}
