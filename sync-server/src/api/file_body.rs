//! An object of the blob store as an HTTP response body: streamed from a ranged `GET` to the
//! store (the local directory or S3; never read whole into memory),
//! with `Content-Length`, `Accept-Ranges: bytes` and an optional `ETag`; `Range: bytes=N-` or
//! `bytes=N-M` gives `206 Partial Content` with `Content-Range`, and a range that cannot be
//! satisfied (or a malformed one) `416` (`range_not_satisfiable`) with `Content-Range:
//! bytes */<size>`. Used for the basemap package and for photos.
//!
//! Invariant: the body is exactly the announced length; an object that turns out shorter ends
//! the stream with an error instead of a short, well-formed-looking body
//! (crate::blobstore::BlobStore::get_stream). A store that cannot be reached before the
//! headers are sent is `object_store_unavailable` (503).

use super::ApiFailure;
use crate::blobstore::BlobStore;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::ErrorCode;

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

/// The response for the object `key` of `size` bytes in the blob store, whole or the range
/// `range` (the request's `Range` header) asks for: a ranged `GET` to the store, streamed.
pub async fn object_response(
    store: &BlobStore,
    key: &str,
    size: u64,
    range: Option<&str>,
    content_type: &'static str,
    etag: Option<HeaderValue>,
) -> Result<Response, ApiFailure> {
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
    let stream = store.get_stream(key, start..start + length).await?;
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
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

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-"), 10), Ok(Some((0, 9))));
        assert_eq!(parse_range(Some("bytes=4-6"), 10), Ok(Some((4, 6))));
        assert_eq!(parse_range(Some("bytes=4-99"), 10), Ok(Some((4, 9))));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Err(()));
        assert_eq!(parse_range(Some("bytes=6-4"), 10), Err(()));
        assert_eq!(parse_range(Some("items=0-"), 10), Err(()));
        assert_eq!(parse_range(Some("bytes=0-"), 0), Err(()));
    }
}
