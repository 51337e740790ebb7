//! The server library's one error type. Protocol errors carry their [`ErrorCode`]; everything
//! else (database, I/O, a bug) is `internal` on the wire and logged in full on the server only,
//! except a full disk or database (`SQLITE_FULL`, `ENOSPC`), which is `storage_full` (507), and
//! a failing S3 object store, which is `object_store_unavailable` (503, retried by devices).

use gridcase_core::doc::DocError;
use gridcase_core::error::DataFileError;
use gridcase_core::model::CaseId;
use gridcase_core::protocol::{ApiError, ErrorCode};
use thiserror::Error;

/// Why a server operation failed.
#[derive(Debug, Error)]
pub enum ServerError {
    /// A protocol-level refusal with a stable code (bad input, no permission, not found …).
    #[error("{code:?}: {detail}")]
    Api {
        /// The stable code.
        code: ErrorCode,
        /// Detail appended to the code's Chinese message.
        detail: String,
    },
    /// Too many failed sign-ins: `too_many_attempts` (429) with a `Retry-After`.
    #[error("too many attempts; retry after {retry_after_secs} s")]
    Throttled {
        /// Seconds until the lock ends.
        retry_after_secs: u64,
    },
    /// SQLite failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// PostgreSQL failed (the city-cloud backend).
    #[error("database: {0}")]
    Pg(#[from] postgres::Error),
    /// A stored case document could not be read (the store is damaged, not the caller's input).
    #[error("stored document: {0}")]
    Doc(#[from] DocError),
    /// A file operation failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The S3 object store failed or cannot be reached (the text is the client's error, which
    /// names the request but never the credentials; logged on the server only).
    #[error("object store: {0}")]
    ObjectStore(String),
    /// A tenant data file is malformed.
    #[error("{0}")]
    DataFile(#[from] DataFileError),
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// Anything else that should not happen.
    #[error("internal: {0}")]
    Internal(String),
    /// A stored case document that does not load or read: the case is skipped and reported
    /// (`document_unreadable` on the wire, `bad_documents` for the administrator).
    #[error("{0}")]
    Unreadable(Box<Unreadable>),
}

/// A stored case document that failed to load or read (docs/security/isolation.md).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("stored document {case_id} of tenant {tenant} unreadable ({stage}): {detail}")]
pub struct Unreadable {
    /// The tenant the case belongs to.
    pub tenant: String,
    /// The case.
    pub case_id: CaseId,
    /// Where it failed: `load` (snapshot and chunks), `header`, `heads`, `events`, `photos`.
    pub stage: &'static str,
    /// The error as the reader reported it (server side only).
    pub detail: String,
}

impl Unreadable {
    /// A [`ServerError::Unreadable`].
    pub fn error(
        tenant: impl Into<String>,
        case_id: CaseId,
        stage: &'static str,
        detail: impl std::fmt::Display,
    ) -> ServerError {
        ServerError::Unreadable(Box::new(Unreadable {
            tenant: tenant.into(),
            case_id,
            stage,
            detail: detail.to_string(),
        }))
    }
}

impl ServerError {
    /// A protocol error with `code` and a detail for the message.
    pub fn api(code: ErrorCode, detail: impl std::fmt::Display) -> ServerError {
        ServerError::Api {
            code,
            detail: detail.to_string(),
        }
    }

    /// `not_found`.
    pub fn not_found(what: impl std::fmt::Display) -> ServerError {
        ServerError::api(ErrorCode::NotFound, what)
    }

    /// `bad_request`.
    pub fn bad_request(what: impl std::fmt::Display) -> ServerError {
        ServerError::api(ErrorCode::BadRequest, what)
    }

    /// The unreadable document this error is about, if it is one.
    pub fn unreadable(&self) -> Option<&Unreadable> {
        match self {
            ServerError::Unreadable(u) => Some(u),
            _ => None,
        }
    }

    /// The wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServerError::Api { code, .. } => *code,
            ServerError::Throttled { .. } => ErrorCode::TooManyAttempts,
            ServerError::DataFile(_) => ErrorCode::BadRequest,
            ServerError::Db(e) if crate::storage::is_full_db(e) => ErrorCode::StorageFull,
            ServerError::Io(e) if crate::storage::is_full_io(e) => ErrorCode::StorageFull,
            ServerError::Pg(e) if crate::storage::is_full_pg(e) => ErrorCode::StorageFull,
            ServerError::Unreadable(_) => ErrorCode::DocumentUnreadable,
            ServerError::ObjectStore(_) => ErrorCode::ObjectStoreUnavailable,
            ServerError::Db(_)
            | ServerError::Pg(_)
            | ServerError::Doc(_)
            | ServerError::Io(_)
            | ServerError::Config(_)
            | ServerError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`), if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ServerError::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The `{code, message}` sent to the client; internal details stay on the server.
    pub fn to_api(&self) -> ApiError {
        match self {
            ServerError::Api { code, detail } => code.with(detail),
            ServerError::Throttled { retry_after_secs } => ErrorCode::TooManyAttempts.with(
                format!("请 {retry_after_secs} 秒后再试（retry_after={retry_after_secs}）"),
            ),
            ServerError::DataFile(e) => ErrorCode::BadRequest.with(e),
            e if e.code() == ErrorCode::StorageFull => ErrorCode::StorageFull.with(""),
            ServerError::Unreadable(u) => ErrorCode::DocumentUnreadable.with(u.case_id),
            ServerError::ObjectStore(_) => ErrorCode::ObjectStoreUnavailable.with(""),
            _ => ErrorCode::Internal.with(""),
        }
    }
}

/// Results of this crate.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;
