//! The business layer: everything the server decides, with no knowledge of HTTP. Each function
//! takes a `&Deployment` (and the authenticated [`Caller`] where it matters) and runs blocking
//! SQLite work; the HTTP layer calls it on a blocking thread.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod basemap;
pub mod blobs;
mod caller;
pub mod case_index;
pub mod contacts;
pub mod dashboard;
pub mod dashboard_report;
pub mod doc_cache;
pub mod evaluation;
pub mod evaluation_export;
pub mod evaluation_publish;
pub mod feed;
pub mod gate;
pub mod import;
pub mod intake;
pub mod isolation;
pub mod jobs;
pub mod merge;
pub mod move_up;
pub mod numbering;
pub mod password_policy;
pub mod patrol;
pub mod projection;
pub mod queue;
pub mod recorded_limits;
pub mod reference;
pub mod rules;
pub mod scope;
pub mod standards;
pub mod standards_xlsx;
pub mod survey;
pub mod survey_export;
pub mod sync;
pub mod training;
pub mod units;
pub mod waivers;

pub use caller::Caller;
