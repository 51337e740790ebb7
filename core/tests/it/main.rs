//! gridcase-core's integration tests, as one test binary (STYLE.md): the shipped catalogs,
//! case documents and their golden v1 fixtures, the device store on real SQLite files, and the
//! photo pipeline on real JPEG fixtures (feature `media`).

mod catalog;
mod catalog_errors;
mod demo;
mod doc_case;
mod doc_fixtures;
mod doc_inspect;
mod doc_merge;
mod doc_support;
mod grid;
#[cfg(feature = "media")]
mod media;
mod protocol;
mod store_clock;
mod store_device;
