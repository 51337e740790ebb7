//! The device's SQLite store.
