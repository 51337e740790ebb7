//! `HEAD`, `PUT` and `GET /v1/blobs/{sha256}`: resumable, verified photo uploads.

use super::auth::Authed;
use super::{ApiFailure, AppState};
use crate::biz::blobs::{self, BlobStatus, PutOutcome};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::{ErrorCode, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER};

/// Set on replies about a complete blob.
pub const UPLOAD_COMPLETE_HEADER: &str = "upload-complete";

fn status_headers(status: &BlobStatus) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(UPLOAD_OFFSET_HEADER, HeaderValue::from(status.offset));
    h.insert(UPLOAD_LENGTH_HEADER, HeaderValue::from(status.length));
    if status.complete {
        h.insert(UPLOAD_COMPLETE_HEADER, HeaderValue::from_static("1"));
    }
    h
}

fn number_header(headers: &HeaderMap, name: &str) -> Result<u64, ApiFailure> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ApiFailure::code(ErrorCode::BadRequest, format!("缺少或无效的 {name}")))
}

/// How much of the blob the server holds.
pub async fn head_blob(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(sha): Path<String>,
) -> Result<Response, ApiFailure> {
    let status = blobs::head(&dep, &caller, &sha).await?;
    Ok((StatusCode::OK, status_headers(&status)).into_response())
}

/// Appends bytes at an offset; verifies when the blob is complete.
pub async fn put_blob(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiFailure> {
    blobs::parse_id(&sha)?;
    let offset = number_header(&headers, UPLOAD_OFFSET_HEADER)?;
    let length = number_header(&headers, UPLOAD_LENGTH_HEADER)?;
    let stream = body.into_data_stream();
    match blobs::put(&dep, &caller, &sha, offset, length, stream).await? {
        PutOutcome::Stored(status) => Ok((StatusCode::OK, status_headers(&status)).into_response()),
        PutOutcome::OffsetMismatch { current } => {
            let failure = ApiFailure::code(
                ErrorCode::OffsetMismatch,
                format!("服务器已有 {current} 字节"),
            );
            let mut response = failure.into_response();
            response
                .headers_mut()
                .insert(UPLOAD_OFFSET_HEADER, HeaderValue::from(current));
            Ok(response)
        }
    }
}

/// Downloads a complete blob in the caller's scope, streamed (never read whole into memory),
/// whole or the `Range` asked for, with `ETag: "<sha256>"`.
pub async fn get_blob(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let blob = blobs::get(&dep, &caller, &sha).await?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", sha.to_ascii_lowercase())).ok();
    let range = headers
        .get(axum::http::header::RANGE)
        .and_then(|v| v.to_str().ok());
    super::file_body::object_response(
        dep.blob_store(),
        &blob.key,
        blob.size,
        range,
        "application/octet-stream",
        etag,
    )
    .await
}
