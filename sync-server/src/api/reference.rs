//! `GET /v1/reference`: the caller's tenant's reference data for offline work (see
//! [`crate::biz::reference`]). Any signed-in device may read its own tenant's bundle.
//!
//! The response carries `ETag: "<version>"`; a request with `If-None-Match` naming the current
//! version gets `304 Not Modified` with no body, so a device can check for new reference data
//! (cells, rules, the basemap's version …) cheaply after its sync rounds.

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::reference;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The bundle, or 304 when the caller already has this version.
pub async fn get(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let bundle = blocking(&dep, move |d| reference::bundle(d, &caller)).await?;
    let etag = format!("\"{}\"", bundle.version);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(bundle).into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}
