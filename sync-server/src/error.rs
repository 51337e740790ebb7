//! The server library's one error type. Protocol errors carry their [`ErrorCode`]; everything
//! else (database, I/O, a bug) is `internal` on the wire and logged in full on the server only.

use gridcase_core::doc::DocError;
use gridcase_core::error::DataFileError;
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
    /// A stored case document could not be read (the store is damaged, not the caller's input).
    #[error("stored document: {0}")]
    Doc(#[from] DocError),
    /// A file operation failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A tenant data file is malformed.
    #[error("{0}")]
    DataFile(#[from] DataFileError),
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// Anything else that should not happen.
    #[error("internal: {0}")]
    Internal(String),
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

    /// The wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServerError::Api { code, .. } => *code,
            ServerError::Throttled { .. } => ErrorCode::TooManyAttempts,
            ServerError::DataFile(_) => ErrorCode::BadRequest,
            ServerError::Db(_)
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
            _ => ErrorCode::Internal.with(""),
        }
    }
}

/// Results of this crate.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;
