//! `GET /v1/feed` (JSON) and `POST /v1/sync` (CBOR).

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::{feed, sync as biz_sync};
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::{ErrorCode, FeedPage, SyncRequest};
use serde::Deserialize;

/// Feed query parameters.
#[derive(Deserialize)]
pub struct FeedQuery {
    cursor: Option<u64>,
    limit: Option<u32>,
    /// Long polling: with nothing new, hold the request up to this many seconds (at most
    /// [`MAX_FEED_WAIT_SECS`]) and answer as soon as the caller's feed moves.
    wait: Option<u64>,
}

/// The longest a feed request waits for a change.
pub const MAX_FEED_WAIT_SECS: u64 = 25;

/// One page of the caller's feed.
pub async fn feed(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FeedPage>, ApiFailure> {
    let Query(q) = query.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    // Bounded by the request timeout too, so a waiting request is answered, never cut.
    let request_secs = dep.config().transport.request_timeout_secs.max(1);
    let wait = q
        .wait
        .unwrap_or(0)
        .min(MAX_FEED_WAIT_SECS)
        .min(request_secs.saturating_sub(1));
    // Subscribed before the first read, so a commit between the read and the wait is seen.
    let mut moved = dep.db().watch_feed(&caller.tenant_code());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(wait);
    loop {
        let c = caller.clone();
        let page = blocking(&dep, move |d| {
            feed::page(d, &c, q.cursor.unwrap_or(0), q.limit)
        })
        .await?;
        if !page.entries.is_empty() || wait == 0 {
            return Ok(Json(page));
        }
        // A move of the tenant's feed may be outside the caller's scope: read again, and keep
        // waiting until something in scope arrives or the time is up.
        match tokio::time::timeout_at(deadline, moved.changed()).await {
            Ok(Ok(())) => {
                moved.borrow_and_update();
            }
            _ => return Ok(Json(page)),
        }
    }
}

/// A batch of documents.
pub async fn sync(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    body: Body,
) -> Result<Response, ApiFailure> {
    let limit = dep.config().limits.max_sync_bytes as usize;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiFailure::code(ErrorCode::TooLarge, format!("请求体超过 {limit} 字节")))?;
    let req = SyncRequest::from_cbor(bytes.as_ref())
        .map_err(|e| ApiFailure::code(ErrorCode::BadMessage, e))?;
    let resp = blocking(&dep, move |d| biz_sync::sync(d, &caller, &req)).await?;
    let mut out = Vec::new();
    ciborium::into_writer(&resp, &mut out).map_err(|e| ApiFailure::code(ErrorCode::Internal, e))?;
    Ok(([(CONTENT_TYPE, "application/cbor")], out).into_response())
}
