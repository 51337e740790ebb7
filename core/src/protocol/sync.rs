//! `POST /v1/sync` (CBOR): one round trip carries many documents. For each document the device
//! sends the server heads it last saw, its own heads, and the changes the server may lack
//! (`save_after(known server heads)`); the server gates and merges them, then answers with its
//! heads and the changes the device lacks. An empty `changes` with the device's heads is a
//! pull; empty heads as well is a bootstrap of that document (the whole `save()`).
//!
//! The CBOR field names are one letter (`d`, `c`, `k`, `h`, `x`, `o`, `t`, `s`): they are sent
//! once per document per sync, and an edited case's whole exchange is meant to stay under 600 B
//! (docs/protocol.md has the table).

use crate::model::CaseId;
use serde::{Deserialize, Serialize};

/// Automerge change hashes (32 bytes each), as CBOR byte strings.
pub type Heads = Vec<serde_bytes::ByteBuf>;

/// A batch of documents to sync.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SyncRequest {
    /// One entry per document (at most `Limits::max_docs_per_sync`).
    #[serde(rename = "d")]
    pub docs: Vec<DocPush>,
}

/// A CBOR decoding failure of a sync message (the caller answers `bad_message`).
pub type CborError = ciborium::de::Error<std::io::Error>;

impl SyncRequest {
    /// Decodes a `POST /v1/sync` body: the one decoder the server runs on it (and the
    /// `sync_request` fuzz target, fuzz/). Never panics; nesting is bounded by ciborium's
    /// recursion limit (256), and byte strings are read in chunks, not preallocated from
    /// their declared length.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CborError> {
        ciborium::from_reader(bytes)
    }
}

/// One document in a [`SyncRequest`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct DocPush {
    /// The case.
    #[serde(rename = "c")]
    pub case_id: CaseId,
    /// The server heads this device last received for the case (empty if none).
    #[serde(rename = "k")]
    pub known: Heads,
    /// The device's current heads.
    #[serde(rename = "h")]
    pub have: Heads,
    /// Changes the server may lack: `save_after(known)`; empty for a pull.
    #[serde(rename = "x", with = "serde_bytes")]
    pub changes: Vec<u8>,
}

/// The answer to a [`SyncRequest`]: one result per document, in request order.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SyncResponse {
    /// Results.
    #[serde(rename = "d")]
    pub docs: Vec<DocResult>,
}

/// What happened to one document's changes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum DocOutcome {
    /// Merged (or nothing to merge); business-rule conflicts, if any, are flagged by the fold.
    /// Written `ok` on the wire.
    #[serde(rename = "ok")]
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

impl SyncResponse {
    /// Decodes the server's answer to a sync: the device's decoder of it.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CborError> {
        ciborium::from_reader(bytes)
    }
}

/// One document in a [`SyncResponse`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct DocResult {
    /// The case.
    #[serde(rename = "c")]
    pub case_id: CaseId,
    /// Accepted or rejected.
    #[serde(rename = "o")]
    pub outcome: DocOutcome,
    /// The server's heads after the merge.
    #[serde(rename = "h")]
    pub heads: Heads,
    /// Changes the device lacks (the whole document after a rejection or for a bootstrap).
    #[serde(rename = "x", with = "serde_bytes")]
    pub changes: Vec<u8>,
    /// The case's position in the tenant's change feed after this request.
    #[serde(rename = "s")]
    pub seq: u64,
}
