//! Workflow tests: one per lifecycle transition, the role table, and the fold's invariants.

mod fixtures;
mod properties;
mod roles;
mod transitions;
