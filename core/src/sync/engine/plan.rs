//! What the engine is told (the device's state at the start of a round, the results of each step)
//! and what it asks for ([`Op`]).

use super::progress::RoundSummary;
use crate::model::{CaseId, Sha256, Timestamp};
use automerge::ChangeHash;

/// The device's sync state at the start of a round, read from the store in one go.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct LocalState {
    /// The feed cursor of the last completed round (0: never synced).
    pub cursor: u64,
    /// Every case on the device.
    pub cases: Vec<CaseSync>,
    /// Blobs not yet uploaded, oldest first.
    pub blobs: Vec<BlobSync>,
}

/// One case on the device, as the engine sees it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CaseSync {
    /// The case.
    pub case_id: CaseId,
    /// The server heads the device last received; `None` if the server never acknowledged it.
    pub server_heads: Option<Vec<ChangeHash>>,
    /// Whether the device has changes the server may lack.
    pub dirty: bool,
}

/// One blob in the outbox.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BlobSync {
    /// Its hash (the upload's name).
    pub sha256: Sha256,
    /// The case that referenced it first.
    pub case_id: Option<CaseId>,
    /// Size in bytes.
    pub size: u64,
    /// Whether the device has its bytes (a photo referenced but not yet handed over has none).
    pub has_source: bool,
    /// Failed attempts so far (permanent refusals only).
    pub attempts: u32,
}

/// Why a document is in a sync batch.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PlanKind {
    /// The device has changes to send (and takes whatever the server has in return).
    Push,
    /// The feed says the server has changes the device lacks.
    Pull,
    /// The device has never had this case: ask for the whole document.
    Bootstrap,
}

/// One document to put in a sync request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DocPlan {
    /// The case.
    pub case_id: CaseId,
    /// Why.
    pub kind: PlanKind,
}

/// The next thing to do. Network operations are answered with the engine's matching method;
/// [`Op::Record`] is a store write done at once, with nothing to answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Op {
    /// `GET /v1/feed?cursor=…&limit=…`; answer with [`super::SyncEngine::feed_pulled`].
    PullFeed {
        /// From where.
        cursor: u64,
        /// Page size.
        limit: u32,
    },
    /// `POST /v1/sync` with these documents (in this order), as many as fit the request's byte
    /// limit; answer with [`super::SyncEngine::synced`], one [`DocReport`] per document.
    Sync {
        /// The documents.
        docs: Vec<DocPlan>,
    },
    /// `HEAD /v1/blobs/{sha256}`; answer with [`super::SyncEngine::blob_probed`].
    ProbeBlob {
        /// The blob.
        sha256: Sha256,
    },
    /// `PUT /v1/blobs/{sha256}` of bytes `offset..offset + len` of `total`; answer with
    /// [`super::SyncEngine::blob_put`].
    PutBlob {
        /// The blob.
        sha256: Sha256,
        /// First byte.
        offset: u64,
        /// How many bytes.
        len: u64,
        /// The blob's size.
        total: u64,
    },
    /// Write this to the store now.
    Record(Record),
    /// Nothing to do before `until` (a backoff after a failure); then ask again.
    Wait {
        /// When to ask again.
        until: Timestamp,
    },
    /// The round is over.
    Finished(RoundSummary),
    /// No round is running: call [`super::SyncEngine::start`].
    Idle,
}

/// A store write the engine asks for.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Record {
    /// Every document up to this feed cursor was answered: save it.
    Cursor(u64),
    /// The server confirmed this many bytes of a blob.
    BlobProgress {
        /// The blob.
        sha256: Sha256,
        /// Bytes the server holds.
        offset: u64,
    },
    /// The server holds the whole blob, verified.
    BlobUploaded {
        /// The blob.
        sha256: Sha256,
    },
    /// The server refused the blob for good this round (counts an attempt).
    BlobFailed {
        /// The blob.
        sha256: Sha256,
    },
}

/// What became of one document of a sync request, as the runtime saw it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DocReport {
    /// The case.
    pub case_id: CaseId,
    /// What happened.
    pub status: DocStatus,
    /// The case's feed position after the request (`DocResult::seq`), when answered.
    pub seq: Option<u64>,
}

/// The fate of one document.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DocStatus {
    /// The server merged it; its answer is saved and the case marked synced.
    Accepted,
    /// The server refused it (a security rule); the case was quarantined and rebuilt.
    Rejected {
        /// The server's reason code.
        code: String,
        /// Its message.
        message: String,
    },
    /// It could not be sent or its answer not applied (an undecodable document, over the size
    /// limit, a bad answer). Skipped this round.
    Failed {
        /// A stable code.
        code: String,
        /// What went wrong.
        message: String,
    },
    /// Not sent: the request was full. The engine sends it in the next request.
    Deferred,
    /// Refused for `hlc_in_future`, then re-stamped with the learned clock offset (not
    /// quarantined): the engine sends it again this round, once.
    Restamped,
}
