//! Device sync (DESIGN.md §4 "Sync", docs/protocol.md, docs/sync.md): a sans-I/O [`engine`] that
//! decides what to do next, the store side of each step ([`local`], feature `store`), and the
//! [`runtime`] that executes the plan over HTTP with reqwest (feature `client`).
//!
//! Invariants:
//! - the engine does no I/O and reads no clock: `now` and a random seed are passed in, so it can be
//!   driven on a simulated network with no sockets and no sleeps;
//! - every round goes feed pull → sync batches (case data) → blob uploads (media), in that order;
//! - one bad document (rejected by the server, undecodable, too large) never blocks the others: it
//!   is reported, quarantined or skipped, and the round goes on;
//! - a network failure repeats the same step after an exponential backoff with full jitter; the
//!   feed cursor is saved only after every document of the round was answered.

pub mod engine;
#[cfg(feature = "store")]
pub mod local;
#[cfg(feature = "client")]
pub mod runtime;
#[cfg(all(test, feature = "store"))]
mod sim;

pub use engine::{
    BackoffPolicy, BlobSync, CaseSync, DocPlan, DocReport, DocStatus, EngineConfig, Failure,
    FailureClass, LocalState, Op, PlanKind, Progress, Record, RoundSummary, SyncEngine,
};
