//! `GET /v1/feed?cursor=N&limit=M`: the cases changed in the caller's scope since a cursor.
//! An idle device costs one small request; a device compares each entry's heads with what it
//! holds and syncs only the documents that differ.

use crate::model::CaseId;
use serde::{Deserialize, Serialize};

/// One page of the feed.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct FeedPage {
    /// Changed cases, in feed order.
    pub entries: Vec<FeedEntry>,
    /// The cursor to ask from next time (unchanged when nothing changed).
    pub cursor: u64,
    /// Whether more entries are waiting (ask again at once).
    pub more: bool,
}

/// A case that changed.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct FeedEntry {
    /// The case.
    pub case_id: CaseId,
    /// Its feed position.
    pub seq: u64,
    /// The server's heads, hex.
    pub heads: Vec<String>,
    /// The server's projection row.
    pub row: FeedRow,
}

/// The server's projection of a case, as list views show it.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct FeedRow {
    /// Status (`Status::as_str`).
    pub status: String,
    /// Category as `component:<code>` or `matter:<code>`.
    pub category: Option<String>,
    /// Grid cell.
    pub cell: Option<String>,
    /// Department id.
    pub department: Option<String>,
    /// Human case number.
    pub case_number: Option<String>,
    /// Deadline light of the running clock (`green`, `yellow`, `red`, `none`).
    pub light: String,
    /// Deadline of the running clock (Unix ms).
    pub deadline: Option<i64>,
    /// Number of flagged conflicts.
    pub conflicts: u32,
    /// Last change (Unix ms).
    pub updated_at: i64,
}
