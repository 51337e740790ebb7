//! The case model: identifiers, time, actors, roles, locations, photos and report channels.
//!
//! Pure data with validation; no I/O and no clock. Every type here serialises with serde in a
//! stable, documented shape (snake_case enum tags) because it travels inside case documents and
//! over the wire. Invariants:
//! - ids are UUIDv7 (time-ordered); parsing refuses any other version;
//! - a [`Location`] always holds finite WGS84/CGCS2000 coordinates within range;
//! - a [`Sha256`] is exactly 32 bytes, written as 64 lowercase hex digits.

mod actor;
mod hlc;
mod ids;
mod limit;
mod location;
mod offset;
mod photo;
mod report;
mod time;

pub use actor::{Actor, Role};
pub use hlc::{Hlc, HlcClock};
pub use ids::{CaseId, DepartmentId, DeviceId, EventId, SurveyId, UserId};
pub use limit::{LimitBasis, LimitUnit, TimeLimit};
pub use location::{Location, LocationSource};
pub use offset::{CLOCK_JUMP_MS, ClockOffset, ClockSample};
pub use photo::{PhotoRef, PhotoRole, Sha256};
pub use report::{SourceChannel, Urgency};
pub use time::Timestamp;
