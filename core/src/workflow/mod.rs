//! The case workflow (WORKFLOW.md): events, the roles allowed to append them, and the fold that
//! computes a case's state from its events.
//!
//! Invariants: the fold is a pure function of the *set* of events (it sorts them by
//! (HLC, actor, id) and ignores duplicate ids), so every replica with the same events computes
//! the same state; an event that is not a valid transition at its place is kept and reported as
//! a [`Conflict`], never dropped and never a panic.

mod clock;
mod conflict;
mod event;
mod fold;
pub mod limits;
mod rules;
mod state;
mod status;

pub use clock::{ClockError, MAX_CLOCK_AHEAD_MS, check_clock, observe_events};
pub use conflict::{Conflict, ConflictReason};
pub use event::{Event, EventKind, MergedReporter, ReportPayload};
pub use fold::{fold, is_centre_role};
pub use limits::{PayloadError, validate_kind};
pub use rules::{allowed_roles, allowed_sources, role_may_append};
pub use state::{
    Addressee, Answer, CallbackRecord, CaseState, CheckRecord, Decision, DispatchRecord,
    Escalation, Extension, Instruction, MergedDuplicate, ParkedInterval, PendingRequest, Reporter,
    StageVisit, SubTask, Urge,
};
pub use status::{Stage, Status};

#[cfg(test)]
pub(crate) mod tests;
