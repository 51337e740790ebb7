//! The Tauri commands: thin adapters from the UI's DTOs (docs/app.md) to core and the
//! app's modules. Every command returns `Result<_, AppError>` so the UI always gets
//! `{code, message}`; blocking work (SQLite, Automerge, the photo pipeline) runs on the
//! blocking pool, never on the webview's thread.

mod basemap;
mod cases;
mod dashboard;
mod drafts;
mod patrol;
mod patrol_admin;
mod session;
mod sync;

pub use basemap::*;
pub use cases::*;
pub use dashboard::*;
pub use drafts::*;
pub use patrol::*;
pub use patrol_admin::*;
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

/// A server answer read whole and parsed: a body cut off is `network` ("…下载中断"), one that
/// does not parse is `bad_response` naming `what`.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
) -> AppResult<T> {
    let bytes = response
        .bytes()
        .await
        .map_err(|_| AppError::new("network", format!("{what}下载中断")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| AppError::new("bad_response", format!("{what}无法解析：{e}")))
}

/// `GET` on the signed-in user's server with their token. Connection failures become `network`
/// with `offline` as the message; error answers keep the server's `{code, message}`.
pub(crate) async fn server_get(
    active: &crate::state::Active,
    path: &str,
    offline: &str,
) -> AppResult<reqwest::Response> {
    server_call(active, path, None, offline).await
}

/// POSTs `body` as JSON to `path` on the server with the session's token; errors as
/// [`server_get`].
pub(crate) async fn server_post(
    active: &crate::state::Active,
    path: &str,
    body: &serde_json::Value,
    offline: &str,
) -> AppResult<reqwest::Response> {
    server_call(active, path, Some((reqwest::Method::POST, body)), offline).await
}

/// PUTs `body` as JSON to `path` on the server with the session's token; errors as
/// [`server_get`].
pub(crate) async fn server_put(
    active: &crate::state::Active,
    path: &str,
    body: &serde_json::Value,
    offline: &str,
) -> AppResult<reqwest::Response> {
    server_call(active, path, Some((reqwest::Method::PUT, body)), offline).await
}

async fn server_call(
    active: &crate::state::Active,
    path: &str,
    body: Option<(reqwest::Method, &serde_json::Value)>,
    offline: &str,
) -> AppResult<reqwest::Response> {
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(AppError::internal)?;
    let url = format!("{}{path}", active.saved.server_url);
    let request = match body {
        Some((method, b)) => client.request(method, url).json(b),
        None => client.get(url),
    };
    let response = request
        .bearer_auth(&active.saved.session.token)
        .send()
        .await
        .map_err(|_| AppError::new("network", offline))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body: Option<gridcase_core::protocol::ApiError> = response.json().await.ok();
    Err(match body {
        Some(e) => AppError::new(&e.code, e.message),
        None => AppError::new("server_error", format!("服务器错误（HTTP {status}）")),
    })
}
