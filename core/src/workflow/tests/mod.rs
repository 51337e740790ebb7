//! Workflow tests: one per lifecycle transition, the role table, and the fold's invariants.

mod departments;
pub(crate) mod fixtures;
mod properties;
mod roles;
mod supervision;
mod transitions;
