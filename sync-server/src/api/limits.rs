//! Per-request limits and storage bookkeeping, as one middleware around every route
//! (docs/security/transport.md):
//!
//! - the body must arrive within `body_read_timeout_secs` of the headers; a body still
//!   trickling in then is cut and the request answered `request_timeout` (408);
//! - the whole request must be answered within `request_timeout_secs`, else `request_timeout`;
//! - a `storage_full` (507) answer marks the deployment's storage as failing for `/v1/health`.
//!
//! Both timeout answers carry `Connection: close`, so the connection (and whatever of the body
//! is still unread) is dropped.

use super::{ApiFailure, AppState};
use crate::ServerError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use gridcase_core::protocol::ErrorCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

fn timed_out(detail: String) -> Response {
    let mut r = ApiFailure(ServerError::api(ErrorCode::RequestTimeout, detail)).into_response();
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// Wraps `body` so that reading it fails once `deadline` passes; `cut` records that it did.
fn with_deadline(body: Body, deadline: Instant, cut: Arc<AtomicBool>) -> Body {
    let frames = body.into_data_stream();
    let timed = futures_util::stream::unfold(Some(frames), move |state| {
        let cut = cut.clone();
        async move {
            let mut frames = state?;
            match tokio::time::timeout_at(deadline, frames.next()).await {
                Ok(Some(item)) => Some((item, Some(frames))),
                Ok(None) => None,
                Err(_) => {
                    cut.store(true, Ordering::Relaxed);
                    let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "body read timeout");
                    Some((Err(axum::Error::new(e)), None))
                }
            }
        }
    });
    Body::from_stream(timed)
}

/// The middleware.
pub async fn limits(State(dep): State<AppState>, req: Request, next: Next) -> Response {
    let t = &dep.config().transport;
    let body_secs = t.body_read_timeout_secs.max(1);
    let request_secs = t.request_timeout_secs.max(1);
    let cut = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(body_secs);
    let req = req.map(|b| with_deadline(b, deadline, cut.clone()));
    let response =
        match tokio::time::timeout(Duration::from_secs(request_secs), next.run(req)).await {
            Ok(r) => r,
            Err(_) => return timed_out(format!("请求未在 {request_secs} 秒内完成")),
        };
    if cut.load(Ordering::Relaxed) {
        return timed_out(format!("请求体未在 {body_secs} 秒内发送完"));
    }
    if response.status() == StatusCode::INSUFFICIENT_STORAGE {
        dep.storage().record_write(true);
    }
    response
}
