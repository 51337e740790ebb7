//! `GET /v1/basemap/{version}`: the caller's tenant's basemap package (docs/basemap.md), for
//! any signed-in device of that tenant (reference data: no scope check, but tenant-isolated:
//! a version that is not the caller's tenant's current package is `not_found`).
//!
//! Resumable: `Range: bytes=N-` or `bytes=N-M` gives `206 Partial Content` with
//! `Content-Range`; a range past the end gives `416` (`range_not_satisfiable`) with
//! `Content-Range: bytes */<size>` ([`super::file_body`]). The file is streamed in chunks, never
//! read whole into memory. `ETag` is the version (the SHA-256 of the bytes).

use super::auth::Authed;
use super::file_body::file_response;
use super::{ApiFailure, AppState, blocking};
use crate::biz::basemap;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

/// The package, whole or a range of it.
pub async fn get(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let tenant = caller.tenant_code();
    let etag = HeaderValue::from_str(&format!("\"{version}\"")).ok();
    let (file, size) = blocking(&dep, move |d| {
        let not_found = || crate::error::ServerError::not_found("底图版本不存在或已更新");
        let row = basemap::current(d, &tenant)?.ok_or_else(not_found)?;
        if row.version != version {
            return Err(not_found());
        }
        let file = basemap::store(d)
            .open(&tenant, &version)
            .map_err(|_| not_found())?;
        let size = file.metadata()?.len();
        Ok((file, size))
    })
    .await?;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    file_response(file, size, range, "application/vnd.sqlite3", etag).await
}
