//! What the engine tells the UI as a round goes, and what a round achieved.

use crate::model::{CaseId, Sha256, Timestamp};
use std::time::Duration;

/// Progress events for the UI (the runtime forwards them to a callback).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Progress {
    /// A round began.
    SyncStarted,
    /// The feed was read: this many cases changed on the server and need a sync.
    FeedPulled {
        /// Cases to sync because of the feed.
        changed: usize,
    },
    /// A sync request was answered.
    DocsSynced {
        /// Documents merged.
        accepted: usize,
        /// Documents refused (and quarantined).
        rejected: usize,
    },
    /// A case's changes were refused by the server: it was rebuilt from the server's copy and
    /// the device's rejected edits were kept for its user.
    Quarantined {
        /// The case.
        case_id: CaseId,
        /// The server's reason code.
        code: String,
    },
    /// An upload went forward.
    BlobProgress {
        /// The blob.
        sha256: Sha256,
        /// Bytes the server holds.
        sent: u64,
        /// The blob's size.
        total: u64,
    },
    /// A blob is on the server, verified.
    BlobDone {
        /// The blob.
        sha256: Sha256,
    },
    /// Something failed; `retry_in` says when the engine tries again (`None`: not this round).
    Error {
        /// Stable code.
        code: String,
        /// What went wrong.
        message: String,
        /// Delay before the retry.
        retry_in: Option<Duration>,
    },
    /// The round finished with everything synced.
    Idle {
        /// When.
        last_sync: Timestamp,
    },
}

/// Why a round stopped before its end.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Interruption {
    /// The last failure's code.
    pub code: String,
    /// Its message.
    pub message: String,
    /// When to start the next round (`None`: not before the user acts, e.g. signs in again).
    pub retry_at: Option<Timestamp>,
}

/// What one round achieved.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RoundSummary {
    /// Cases the feed said changed on the server.
    pub feed_changed: usize,
    /// Sync requests answered.
    pub sync_requests: usize,
    /// Documents merged.
    pub accepted: usize,
    /// Documents refused by the server: (case, reason code).
    pub rejected: Vec<(CaseId, String)>,
    /// Documents refused for `hlc_in_future` and re-stamped with the learned clock offset
    /// instead of quarantined (sent again).
    pub restamped: Vec<CaseId>,
    /// Documents that could not be synced this round: (case, code).
    pub failed: Vec<(CaseId, String)>,
    /// Blobs completed this round.
    pub blobs_uploaded: usize,
    /// Blobs refused for good this round: (blob, code).
    pub blobs_failed: Vec<(Sha256, String)>,
    /// Network failures met (each retried).
    pub retries: usize,
    /// Set when the round stopped early.
    pub interrupted: Option<Interruption>,
}

impl RoundSummary {
    /// Whether the round reached its end with every document and blob synced.
    pub fn is_clean(&self) -> bool {
        self.interrupted.is_none()
            && self.rejected.is_empty()
            && self.failed.is_empty()
            && self.blobs_failed.is_empty()
    }
}
