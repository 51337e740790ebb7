//! gridcase-server: the sync server of one deployment (a city cloud platform with many county
//! tenants, or a single county).
//!
//! Layering, from the top: [`api`] (axum handlers: wire types in and out, `{code, message}`
//! errors, one tracing span per request) → [`biz`] (the gate, merge, projection, scope, case
//! numbers, feed, queue, blobs, scheduled jobs; knows nothing of HTTP) → [`db`] (rusqlite, one
//! module per table, append-only migrations). [`Deployment`] ties the database, the data
//! directory, the clock and the tenants' rules together; [`spawn`] serves it over HTTP with the
//! scheduler in the same process; [`cli`] is the binary's admin commands.
//!
//! Invariants:
//! - every query is scoped by tenant; nothing outside a caller's scope leaves the server, and a
//!   case of another tenant is answered exactly like a case that does not exist;
//! - every incoming change is gated before anything is merged; a rejected document changes
//!   nothing and never affects the other documents of the request;
//! - a merge, its receipts and case number, the projection row, the scope rows and the tenant's
//!   feed sequence are written in one SQLite transaction;
//! - every request is idempotent: replaying it changes nothing;
//! - tokens and passwords are never logged and never stored in clear.
#![forbid(unsafe_code)]

pub mod api;
pub mod biz;
pub mod blobstore;
pub mod cli;
mod cli_intake;
mod clock;
mod config;
pub mod db;
mod deployment;
mod error;
pub mod gis;
pub mod secret_box;
mod server;
pub mod storage;
mod transport;

pub use clock::Clock;
pub use config::{
    AuthConfig, Config, DatabaseUrl, IntakeConfig, JobsConfig, ObjectStoreBackend,
    ObjectStoreConfig, StorageConfig, TransportConfig,
};
pub use deployment::Deployment;
pub use error::ServerError;
pub use server::{RunningServer, spawn, spawn_with};
