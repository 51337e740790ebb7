//! gridcase-core: the case model, the workflow fold, the work calendar and deadlines, the
//! category catalog and codes, case CRDT documents and the device store.
//!
//! Layering, from the bottom: [`model`], [`codes`], [`catalog`], [`calendar`], [`workflow`] and
//! [`deadline`] are pure: no I/O, no clock (`now` is always passed in), no randomness; so is
//! [`evaluation`], the indicators and scores of a period over folded cases, and [`patrol`], the
//! figures of inspectors' tracks (coverage, duty, 漏报).
//! [`doc`] maps a case to and from its Automerge document. [`store`] (feature `store`) is the
//! device's SQLite. [`sync`] is the device's sans-I/O sync engine, with its HTTP runtime behind
//! the feature `client`. Nothing here panics on bad input: every parser returns a typed error and
//! every invalid workflow event becomes a flagged conflict.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod catalog;
pub mod codes;
pub mod deadline;
pub mod dedup;
pub mod demo;
pub mod departments;
pub mod doc;
pub mod error;
pub mod evaluation;
pub mod grid;
#[cfg(feature = "media")]
pub mod media;
pub mod model;
pub mod patrol;
pub mod protocol;
#[cfg(feature = "store")]
pub mod store;
pub mod survey;
pub mod sync;
pub mod workflow;
