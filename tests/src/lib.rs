//! gridcase-tests: the cross-crate harness (STYLE.md, "Tests").
//!
//! - [`proxy`]: a TCP fault proxy on `127.0.0.1:0` that delays, cuts and resets connections with
//!   a seeded generator and counts the bytes each way;
//! - [`device`]: a simulated tablet: its own SQLite store file, an HLC clock, the sync runtime,
//!   and helpers to report cases with photos and append workflow events offline;
//! - [`photos`]: deterministic photo bytes for uploads;
//! - [`harness`]: the server in-process on `127.0.0.1:0` with the demo tenant, the proxy in
//!   front of it, and devices signed in through it;
//! - [`process`]: the server binary as a child process (for the SIGKILL suite and the load
//!   tool);
//! - [`load`]: the multi-device ingest of `gridcase-load --multi`;
//! - [`services`]: the PostgreSQL cluster and S3 server the scripts start (`GRIDCASE_TEST_*`).
//!
//! The suites live in `tests/it/` (one test binary); the load tool is `src/bin/gridcase-load.rs`.
#![forbid(unsafe_code)]

pub mod crafted;
pub mod device;
pub mod harness;
pub mod load;
pub mod photos;
pub mod process;
pub mod proxy;
pub mod services;
pub mod webdriver;

pub use device::Device;
pub use harness::{Harness, PASSWORD, TENANT, near_first_corner};
pub use proxy::{FaultConfig, FaultProxy, ProxyStats};
