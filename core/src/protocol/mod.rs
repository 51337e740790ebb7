//! Sync protocol v1: the wire types shared by the device runtime and the server (docs/protocol.md).
//!
//! Only these types cross the network; both sides convert them to domain types at the edge.
//! Invariants:
//! - every route lives under `/v1/`; the handshake ([`Hello`]) names the protocol version and
//!   capabilities, and a server refuses versions it does not speak with `unsupported_protocol`;
//! - every request is idempotent: replaying it after a dropped connection changes nothing
//!   (Automerge changes are content-addressed; blob writes are by offset; logins create a new
//!   device only once per `install_id`);
//! - binary payloads (Automerge bytes) travel as CBOR byte strings in [`SyncRequest`] /
//!   [`SyncResponse`] (`application/cbor`); everything else is JSON;
//! - errors are `{code, message}` ([`ApiError`]) with a stable `code` the client switches on.

mod codes;
mod feed;
mod patrol;
mod reference;
mod sync;

pub use codes::{ApiError, ErrorCode};
pub use feed::{FeedEntry, FeedPage, FeedRow};
pub use patrol::{
    CellDayWire, InspectorDayWire, InspectorPatrolWire, MissedWire, PatrolReport, Roster,
    RosterShift, SignKindWire, SignPush, SignWire, SurveyCellWire, SurveyInspectorWire, SurveyList,
    SurveyMarkWire, SurveyMarksAck, SurveyMarksPush, SurveyProgressWire, SurveyTaskWire,
    TrackBlockAck, TrackBlockPush, TrackDay,
};
pub use reference::{BasemapRef, RefDepartment, RefUser, ReferenceBundle};
pub use sync::{CborError, DocOutcome, DocPush, DocResult, Heads, SyncRequest, SyncResponse};

use crate::model::{DepartmentId, DeviceId, Role, UserId};
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// URL prefix of protocol v1.
pub const PREFIX: &str = "/v1";

/// Capabilities a v1 peer may announce.
pub const CAPABILITIES: &[&str] = &[
    "cbor-sync",
    "feed-cursor",
    "blob-resume",
    "bootstrap",
    WHOLE_DOC,
];

/// The capability of a server that takes a new case as one whole compressed document
/// (`save()`) in `DocPush::changes` besides change chunks (docs/protocol.md "Sync"). A device
/// sends whole documents only to a server that announced it.
pub const WHOLE_DOC: &str = "whole-doc";

/// Limits a v1 server enforces (also announced in [`HelloReply`]).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Limits {
    /// Most documents in one sync request.
    pub max_docs_per_sync: u32,
    /// Most bytes in one sync request body.
    pub max_sync_bytes: u64,
    /// Most bytes of one document's changes in a request.
    pub max_doc_bytes: u64,
    /// Largest blob.
    pub max_blob_bytes: u64,
    /// Most feed entries per page.
    pub max_feed_page: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_docs_per_sync: 1024,
            max_sync_bytes: 4 * 1024 * 1024,
            max_doc_bytes: 256 * 1024,
            max_blob_bytes: 32 * 1024 * 1024,
            max_feed_page: 1000,
        }
    }
}

/// `POST /v1/hello`: the version and capability handshake (no authentication needed).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct Hello {
    /// Versions the client speaks.
    pub protocols: Vec<u32>,
    /// The client's app version (for `min_app_version` checks).
    pub app_version: String,
    /// Capabilities the client supports.
    pub capabilities: Vec<String>,
}

/// The server's answer to [`Hello`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct HelloReply {
    /// The version chosen (the highest both speak).
    pub protocol: u32,
    /// Capabilities the server supports.
    pub capabilities: Vec<String>,
    /// Oldest app version allowed to write.
    pub min_app_version: String,
    /// The server's limits.
    pub limits: Limits,
    /// The server's clock (Unix ms), so a device can show its own skew.
    pub server_time: i64,
}

/// `POST /v1/login`: password sign-in from a device; enrols the device on first use.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    /// The tenant (6-digit county code).
    pub tenant: String,
    /// User name.
    pub username: String,
    /// Password (never logged; hashed with argon2 at rest).
    pub password: String,
    /// A random id the app generates once per installation; logging in again from the same
    /// install reuses the device record (idempotent).
    pub install_id: String,
    /// A human name for the device ("巡查平板 07").
    pub device_name: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("tenant", &self.tenant)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("install_id", &self.install_id)
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// `POST /v1/session/password`: a user changes their own password with the old one (the only
/// way past `password_change_required`). Refused with `weak_password` when the new one breaks
/// the policy; throttled like a login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    /// The tenant (6-digit county code).
    pub tenant: String,
    /// User name.
    pub username: String,
    /// The current password.
    pub old_password: String,
    /// The new password.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword")
            .field("tenant", &self.tenant)
            .field("username", &self.username)
            .field("old_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// The answer to [`Login`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginReply {
    /// Bearer token for every later request (random; the server stores only its hash).
    pub token: String,
    /// The device record.
    pub device_id: DeviceId,
    /// The Automerge actor id the device must use, 32 hex digits.
    pub actor_id: String,
    /// The user.
    pub user_id: UserId,
    /// The user's display name.
    pub display_name: String,
    /// The user's role.
    pub role: Role,
    /// The user's department (department users).
    pub department: Option<DepartmentId>,
    /// The tenant.
    pub tenant: String,
    /// Grid cells assigned to an inspector.
    pub cells: Vec<String>,
}

impl std::fmt::Debug for LoginReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginReply")
            .field("token", &"<redacted>")
            .field("device_id", &self.device_id)
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Every server answer (any route, any status) carries the server's clock in this header, as
/// Unix milliseconds: devices learn their clock's offset from it (docs/security/clock.md).
pub const SERVER_TIME_HEADER: &str = "x-gridcase-time";

/// `HEAD /v1/blobs/{sha256}` and `PUT` replies carry the received length in this header.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
/// The full length of a blob being uploaded (sent with every `PUT`).
pub const UPLOAD_LENGTH_HEADER: &str = "upload-length";
