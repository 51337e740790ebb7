//! The case workflow (WORKFLOW.md): events, the roles allowed to append them, and the fold that
//! computes a case's state from its events.
//!
//! Invariants: the fold is a pure function of the *set* of events (it sorts them by
//! (HLC, actor, id) and ignores duplicate ids), so every replica with the same events computes
//! the same state; an event that is not a valid transition at its place is kept and reported as
//! a [`Conflict`], never dropped and never a panic.

mod event;

pub use event::{Event, EventKind, ReportPayload};
