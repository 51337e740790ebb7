//! gridcase-server's integration tests, as one test binary (STYLE.md): a real server on
//! 127.0.0.1:0 over real SQLite files in temporary directories, driven with reqwest like a
//! device would drive it.

mod accounts;
mod at_scale;
mod auth;
mod bad_docs;
mod basemap;
mod blobs;
mod blobstore;
mod dashboard;
mod departments;
mod duplicates;
mod durability;
mod evaluation;
mod evaluation_publish;
mod feed;
mod gate;
mod gis_import;
mod import;
mod jobs;
mod open311;
mod patrol;
mod postgres;
mod privacy;
mod standards;
mod superior;
mod support;
mod survey;
mod sync;
mod training;
mod transport;
mod video;
mod write_path;
