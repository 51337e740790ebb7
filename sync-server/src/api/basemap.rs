//! `GET /v1/basemap/{version}`: the caller's tenant's basemap package (docs/basemap.md), for
//! any signed-in device of that tenant (reference data: no scope check, but tenant-isolated:
//! a version that is not the caller's tenant's current package is `not_found`).
//!
//! Resumable: `Range: bytes=N-` or `bytes=N-M` gives `206 Partial Content` with
//! `Content-Range`; a range past the end gives `416` (`range_not_satisfiable`) with
//! `Content-Range: bytes */<size>`. The file is streamed in chunks, never read whole into
//! memory. `ETag` is the version (the SHA-256 of the bytes).

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::basemap;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::ErrorCode;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Parses `bytes=N-` / `bytes=N-M` against a size: `Ok(None)` without a header, the inclusive
/// range otherwise; `Err(())` when it cannot be satisfied or is malformed.
pub fn parse_range(value: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(value) = value else { return Ok(None) };
    let spec = value.trim().strip_prefix("bytes=").ok_or(())?;
    let (start, end) = spec.split_once('-').ok_or(())?;
    let start: u64 = start.trim().parse().map_err(|_| ())?;
    let end: u64 = match end.trim() {
        "" => size.checked_sub(1).ok_or(())?,
        e => e
            .parse::<u64>()
            .map_err(|_| ())?
            .min(size.saturating_sub(1)),
    };
    if start >= size || end < start {
        return Err(());
    }
    Ok(Some((start, end)))
}

const CHUNK: usize = 64 * 1024;

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
    let range = match parse_range(range, size) {
        Ok(r) => r,
        Err(()) => {
            let mut response = ApiFailure::code(
                ErrorCode::RangeNotSatisfiable,
                format!("文件共 {size} 字节"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(response);
        }
    };
    let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
    let length = if size == 0 { 0 } else { end - start + 1 };
    let mut file = tokio::fs::File::from_std(file);
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|e| ApiFailure::from(crate::error::ServerError::Io(e)))?;
    let stream = futures_util::stream::unfold((file, length), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; CHUNK.min(left as usize)];
        match file.read(&mut buf).await {
            Ok(0) => Some((
                Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
                (file, 0),
            )),
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.sqlite3"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(v) = etag {
        h.insert(header::ETAG, v);
    }
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}
