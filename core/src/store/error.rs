//! The errors of [`crate::store`]. Each has a stable [`StoreError::code`]; SQLite's own errors
//! are mapped here at the boundary (a missing row becomes [`StoreError::NotFound`]).

use crate::doc::DocError;
use thiserror::Error;

/// A device-store operation that failed. The transaction it ran in was rolled back.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite failed (I/O, a full disk, a locked database, a constraint).
    #[error("device database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The case document refused the operation or could not be read.
    #[error(transparent)]
    Doc(#[from] DocError),
    /// The thing asked for is not in the store.
    #[error("{what} {key} is not in the device store")]
    NotFound {
        /// What was looked for ("case", "blob").
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A case with this id is already stored.
    #[error("case {case_id} is already in the device store")]
    CaseExists {
        /// The case id.
        case_id: String,
    },
    /// The database was written by a newer build (more migrations than this build knows).
    #[error("device database schema version {found} is newer than this app's ({known})")]
    NewerSchema {
        /// `PRAGMA user_version` found.
        found: i64,
        /// The number of migrations this build has.
        known: i64,
    },
    /// The device has no Automerge actor id yet (it is issued at enrolment); nothing can be
    /// appended until it is set with `set_actor_id`.
    #[error("this device has no actor id yet: enrol it first")]
    NoActor,
    /// An argument this store cannot keep (a non-UTF-8 path, an actor id of the wrong size).
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which argument.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A stored value does not decode (heads of a bad length, an invalid id in a row).
    #[error("device database value `{what}` is corrupt: {reason}")]
    Corrupt {
        /// Which value.
        what: String,
        /// What is wrong.
        reason: String,
    },
}

impl StoreError {
    /// Stable error code. Document errors keep their own code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Sqlite(_) => "store_sqlite",
            StoreError::Doc(e) => e.code(),
            StoreError::NotFound { .. } => "store_not_found",
            StoreError::CaseExists { .. } => "store_case_exists",
            StoreError::NewerSchema { .. } => "store_newer_schema",
            StoreError::NoActor => "store_no_actor",
            StoreError::InvalidInput { .. } => "store_invalid_input",
            StoreError::Corrupt { .. } => "store_corrupt",
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
