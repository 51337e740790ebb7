//! `GET /v1/basemap/{version}`: the caller's tenant's basemap package (docs/basemap.md), for
//! any signed-in device of that tenant (reference data: no scope check, but tenant-isolated:
//! a version that is not the caller's tenant's current package is `not_found`).
//!
//! Resumable: `Range: bytes=N-` or `bytes=N-M` gives `206 Partial Content` with
//! `Content-Range`; a range past the end gives `416` (`range_not_satisfiable`) with
//! `Content-Range: bytes */<size>` ([`super::file_body`]). The package is streamed from ranged
//! reads of the blob store (local directory or S3), never read whole into memory. `ETag` is
//! the version (the SHA-256 of the bytes).

use super::auth::Authed;
use super::file_body::object_response;
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
    let not_found = || crate::error::ServerError::not_found("底图版本不存在或已更新");
    let (t, v) = (tenant.clone(), version.clone());
    let row = blocking(&dep, move |d| basemap::current(d, &t)).await?;
    if row.is_none_or(|r| r.version != v) {
        return Err(not_found().into());
    }
    let store = basemap::store(&dep);
    let key = store.key(&tenant, &version).ok_or_else(not_found)?;
    let size = store.size(&tenant, &version).await?.ok_or_else(not_found)?;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    object_response(
        store.blob_store(),
        &key,
        size,
        range,
        "application/vnd.sqlite3",
        etag,
    )
    .await
}
