//! The HTTP listener: hyper's HTTP/1.1 connection builder over tokio, with the limits that
//! `axum::serve` lacks (docs/security/transport.md).
//!
//! - Header-read timeout: a client has `header_read_timeout_secs` to send a complete header
//!   block (hyper's timer); a half-sent request, or a kept-alive connection left idle, is closed.
//! - Connection limit: at most `max_connections` connections are served. The next ones, up to
//!   as many again, get `503 server_busy` (JSON `{code, message}`, `Connection: close`) as soon
//!   as their headers arrive; beyond that a connection is closed at once. So held connections
//!   never make the server accept without bound, and a client always learns why.
//! - Graceful shutdown: on stop the listener closes, idle connections are closed and requests
//!   in flight finish (each bounded by the request timeout of [`crate::api`]).
//!
//! Every request carries `ConnectInfo<SocketAddr>` (the peer) like `axum::serve` provides.

use crate::config::TransportConfig;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use gridcase_core::protocol::ErrorCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The `server_busy` answer to a connection over the limit.
fn busy() -> Response<Body> {
    let json =
        serde_json::to_vec(&ErrorCode::ServerBusy.with("连接数已达上限")).unwrap_or_default();
    let mut r = Response::new(Body::from(json));
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r
}

/// Serves `app` on `listener` until `stop` turns true, then shuts down gracefully.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: TransportConfig,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let max = limits.max_connections.max(1);
    let served = Arc::new(Semaphore::new(max));
    let turned_away = Arc::new(Semaphore::new(max));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_read_timeout_secs.max(1)));
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(stream);
        if let Ok(permit) = served.clone().try_acquire_owned() {
            let app = app.clone();
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req.map(Body::new))
            });
            let conn = graceful.watch(http.serve_connection(io, service));
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                drop(permit);
            });
        } else if let Ok(permit) = turned_away.clone().try_acquire_owned() {
            tracing::warn!(%peer, max, "connection limit reached: answering server_busy");
            let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                Ok::<_, Infallible>(busy())
            });
            let conn = http.serve_connection(io, service);
            tokio::spawn(async move {
                let _ = conn.await;
                drop(permit);
            });
        } else {
            tracing::warn!(%peer, "connection limit reached twice over: closing");
            drop(io);
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
