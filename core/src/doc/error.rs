//! The errors of [`crate::doc`]: why a case document could not be created, read or changed.
//!
//! Each variant has a stable [`DocError::code`] that the app and the server pass on as
//! `{code, message}`; paths in messages use the document's own key names (`events/<id>/hlc_ms`).

use crate::model::EventId;
use thiserror::Error;

/// A case document that is unreadable, of an unknown schema, or refused an edit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocError {
    /// The bytes are not an Automerge document or change set (truncated, garbage, bad checksum).
    #[error("case document bytes are corrupt: {reason}")]
    Corrupt {
        /// What the decoder reported.
        reason: String,
    },
    /// `schema_version` is missing or not one this build reads.
    #[error("unknown case document schema version {}", found.map_or("(missing)".to_owned(), |v| v.to_string()))]
    UnknownSchema {
        /// The version found, `None` when the field is missing.
        found: Option<u64>,
    },
    /// A document field is missing or has the wrong type or value.
    #[error("case document field `{path}`: {reason}")]
    BadField {
        /// Path of the field from the root, `/`-separated.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An entry of the `events` map could not be decoded into an event.
    #[error("event `{event_id}` in the case document is malformed: {reason}")]
    BadEvent {
        /// The entry's key (the event id as written, which may itself be the fault).
        event_id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An event with this id is already in the document; events are never overwritten.
    #[error("event {event_id} is already in the case document")]
    DuplicateEvent {
        /// The id appended twice.
        event_id: EventId,
    },
    /// The event referred to is not in the document.
    #[error("event {event_id} is not in the case document")]
    NoSuchEvent {
        /// The id looked for.
        event_id: EventId,
    },
    /// A case is created from a report (`report` or `self_handle`), not from this event type.
    #[error("a case must be created from a report event, not `{type_name}`")]
    NotAReport {
        /// The type of the event given.
        type_name: String,
    },
    /// Two documents of different cases cannot be merged.
    #[error("cannot merge case {theirs} into case {ours}")]
    CaseMismatch {
        /// This document's case id.
        ours: String,
        /// The other document's case id.
        theirs: String,
    },
    /// Automerge refused an operation on a document that passed validation (a bug, not bad data).
    #[error("automerge operation failed: {reason}")]
    Automerge {
        /// Automerge's message.
        reason: String,
    },
}

impl DocError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            DocError::Corrupt { .. } => "doc_corrupt",
            DocError::UnknownSchema { .. } => "doc_unknown_schema",
            DocError::BadField { .. } => "doc_bad_field",
            DocError::BadEvent { .. } => "doc_bad_event",
            DocError::DuplicateEvent { .. } => "doc_duplicate_event",
            DocError::NoSuchEvent { .. } => "doc_no_such_event",
            DocError::NotAReport { .. } => "doc_not_a_report",
            DocError::CaseMismatch { .. } => "doc_case_mismatch",
            DocError::Automerge { .. } => "doc_automerge",
        }
    }

    pub(crate) fn bad_field(path: impl Into<String>, reason: impl Into<String>) -> Self {
        DocError::BadField {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn bad_event(event_id: impl Into<String>, reason: impl Into<String>) -> Self {
        DocError::BadEvent {
            event_id: event_id.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn corrupt(reason: impl std::fmt::Display) -> Self {
        DocError::Corrupt {
            reason: reason.to_string(),
        }
    }
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Automerge {
            reason: e.to_string(),
        }
    }
}
