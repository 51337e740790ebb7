//! Errors as HTTP responses: `{code, message}` JSON with the status of the code. Internal
//! errors are logged in full here and leave as a bare `internal`.

use crate::error::ServerError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::ErrorCode;

/// A failed request.
#[derive(Debug)]
pub struct ApiFailure(pub ServerError);

impl From<ServerError> for ApiFailure {
    fn from(e: ServerError) -> Self {
        ApiFailure(e)
    }
}

impl ApiFailure {
    /// A failure with a code and detail.
    pub fn code(code: ErrorCode, detail: impl std::fmt::Display) -> ApiFailure {
        ApiFailure(ServerError::api(code, detail))
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let code = self.0.code();
        if code == ErrorCode::Internal {
            tracing::error!(error = %self.0, "internal error");
        } else if code == ErrorCode::ObjectStoreUnavailable {
            tracing::error!(error = %self.0, "object store unavailable");
        } else if code == ErrorCode::DocumentUnreadable {
            tracing::warn!(error = %self.0, "unreadable case document");
        } else {
            tracing::debug!(code = code.as_str(), "request refused");
        }
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self.0.to_api())).into_response();
        if let Some(secs) = self.0.retry_after_secs() {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}
