//! The Tauri commands: thin adapters from the UI's DTOs (docs/app.md) to core and the
//! app's modules. Every command returns `Result<_, AppError>` so the UI always gets
//! `{code, message}`; blocking work (SQLite, Automerge, the photo pipeline) runs on the
//! blocking pool, never on the webview's thread.

mod cases;
mod drafts;
mod session;
mod sync;

pub use cases::*;
pub use drafts::*;
pub use session::*;
pub use sync::*;

use crate::error::{AppError, AppResult};

/// Runs blocking work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(AppError::internal)?
}
