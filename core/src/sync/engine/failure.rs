//! Failures of a network step and what the engine does about each.

use crate::protocol::ErrorCode;

/// A step that failed: a transport error or the server's `{code, message}`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Failure {
    /// The server's error code, or a client code: `network` (connection refused, reset or cut),
    /// `timeout`, `bad_response` (an answer that does not decode), `http_<status>` (an error
    /// without a `{code, message}` body), `local_*` (the device cannot read what it must send).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// What the engine does about a failure.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FailureClass {
    /// Transient (network, timeout, server error): repeat the step after a backoff.
    Retry,
    /// The session is unusable (bad or revoked token, protocol too old): stop the round.
    Fatal,
    /// The server refused the request as a whole (too large, malformed): a batch is split to
    /// find the document at fault; a blob is skipped.
    Refused,
    /// This item can never succeed as it is (a blob with a bad hash, not allowed): skip it.
    Permanent,
    /// The upload offset disagrees with the server's: ask the server where it is.
    Resync,
}

impl Failure {
    /// A transport failure.
    pub fn network(message: impl Into<String>) -> Self {
        Failure {
            code: "network".into(),
            message: message.into(),
        }
    }

    /// A failure with a given code.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Failure {
            code: code.into(),
            message: message.into(),
        }
    }

    /// How the engine treats this failure.
    pub fn class(&self) -> FailureClass {
        let Some(code) = ErrorCode::parse(&self.code) else {
            // Client codes: network, timeout, bad_response, http_5xx … are transient; an
            // `http_4xx` without a body is a refusal; `local_*` (a photo file gone) is for good.
            return if self.code.starts_with("http_4") {
                FailureClass::Refused
            } else if self.code.starts_with("local_") {
                FailureClass::Permanent
            } else {
                FailureClass::Retry
            };
        };
        match code {
            // Server-side and transient: nothing is wrong with what the device sends; the
            // server stored nothing of a refused request, so the same push is repeated later.
            // A stored case the server cannot read is its fault, reported to its administrator;
            // the device keeps its copy and tries again later.
            ErrorCode::Internal
            | ErrorCode::DocumentUnreadable
            | ErrorCode::StorageFull
            | ErrorCode::ServerBusy
            | ErrorCode::ObjectStoreUnavailable
            | ErrorCode::RequestTimeout => FailureClass::Retry,
            ErrorCode::Unauthorized
            | ErrorCode::TokenRevoked
            | ErrorCode::BadCredentials
            | ErrorCode::TooManyAttempts
            | ErrorCode::PasswordChangeRequired
            | ErrorCode::TokenExpired
            | ErrorCode::DeviceRevoked
            | ErrorCode::UnsupportedProtocol
            | ErrorCode::Forbidden => FailureClass::Fatal,
            ErrorCode::TooLarge | ErrorCode::BadMessage | ErrorCode::BadRequest => {
                FailureClass::Refused
            }
            // Intake-channel codes (webhook, imports): never sent to a syncing device.
            ErrorCode::BadSignature
            | ErrorCode::StaleRequest
            | ErrorCode::ReplayedRequest
            | ErrorCode::UnknownCamera
            | ErrorCode::BadImage
            | ErrorCode::EvaluationForbidden
            | ErrorCode::DashboardForbidden
            | ErrorCode::EvaluationPublishForbidden
            | ErrorCode::RepublishReasonRequired
            | ErrorCode::EvaluationVersionNotFound
            | ErrorCode::TooManyIds
            | ErrorCode::ContactForbidden
            | ErrorCode::WeakPassword
            | ErrorCode::StandardsForbidden
            | ErrorCode::StandardsInvalid
            | ErrorCode::UnsupportedFileType
            // Basemap downloads (never a sync answer).
            | ErrorCode::RangeNotSatisfiable => FailureClass::Refused,
            ErrorCode::OutOfScope
            | ErrorCode::ForbiddenActor
            | ErrorCode::EventActorMismatch
            | ErrorCode::RoleNotAllowed
            | ErrorCode::ImmutableChanged
            | ErrorCode::EventModified
            | ErrorCode::HlcInFuture
            | ErrorCode::InvalidId
            | ErrorCode::NotFound
            | ErrorCode::HashMismatch
            | ErrorCode::InvalidPayload
            | ErrorCode::SecondReport
            | ErrorCode::HlcBackdated
            | ErrorCode::PhotoNotOwned
            // A 下派 the reference data refuses (docs/departments.md): quarantined like any
            // event the gate refuses; the user sees the code and acts again.
            | ErrorCode::NotChildUnit
            | ErrorCode::BeyondParentDeadline => FailureClass::Permanent,
            // Patrol and survey pushes (docs/patrol.md): the item is refused for good and set
            // aside with its code; the other items and case sync go on.
            ErrorCode::TrackMalformed
            | ErrorCode::TrackTooLong
            | ErrorCode::TrackBadTime
            | ErrorCode::TrackBadPosition
            | ErrorCode::TrackConflict
            | ErrorCode::SurveyNotAssigned
            | ErrorCode::SurveyUnknownComponent
            | ErrorCode::SurveyNotStarted
            | ErrorCode::SurveyInvalid => FailureClass::Permanent,
            ErrorCode::OffsetMismatch => FailureClass::Resync,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
