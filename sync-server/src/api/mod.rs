//! The HTTP layer (axum): protocol v1 routes under `/v1` (docs/protocol.md) and the desktop
//! queue API. Handlers only convert: wire types in, a call into [`crate::biz`] on a blocking
//! thread, wire types out. Errors leave as `{code, message}` JSON with the code's HTTP status.
//! Each request gets one tracing span with its method and route (never its headers, so never a
//! token). Every answer, whatever its route and status, carries the server's clock in
//! `x-gridcase-time` (Unix ms) for devices to learn their clock's offset
//! (docs/security/clock.md).

mod auth;
mod basemap;
mod blobs;
mod cases;
mod dashboard;
mod error;
mod evaluation;
mod file_body;
mod intake;
mod limits;
mod open311;
mod patrol;
mod reference;
mod session;
mod standards;
mod survey;
mod sync;

pub use error::ApiFailure;

use crate::deployment::Deployment;
use axum::Router;
use axum::extract::MatchedPath;
use axum::http::Request;
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Shared state of the handlers.
pub type AppState = Arc<Deployment>;

/// The router of protocol v1 and the queue API.
pub fn router(dep: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/hello", post(session::hello))
        .route("/v1/login", post(session::login))
        .route("/v1/session/password", post(session::change_password))
        .route("/v1/feed", get(sync::feed))
        .route("/v1/sync", post(sync::sync))
        .route(
            "/v1/blobs/{sha256}",
            get(blobs::get_blob)
                .head(blobs::head_blob)
                .put(blobs::put_blob),
        )
        .route("/v1/cases", get(cases::list))
        .route("/v1/cases/{case_id}", get(cases::detail))
        .route(
            "/v1/cases/{case_id}/contact",
            get(cases::get_contact).put(cases::put_contact),
        )
        .route("/v1/reference", get(reference::get))
        .route("/v1/basemap/{version}", get(basemap::get))
        .merge(intake::routes())
        .merge(open311::routes())
        .merge(standards::routes())
        .merge(patrol::routes())
        .merge(survey::routes())
        .route("/v1/dashboard", get(dashboard::figures))
        .route("/v1/dashboard/cases", get(dashboard::cases))
        .route("/v1/reports/monthly.xlsx", get(dashboard::monthly))
        .route("/v1/reports/quarterly.xlsx", get(dashboard::quarterly))
        .route("/v1/evaluation", get(evaluation::figures))
        .route("/v1/evaluation/export.xlsx", get(evaluation::export_xlsx))
        .route("/v1/evaluation/export.csv", get(evaluation::export_csv))
        .route("/v1/evaluation/publish", post(evaluation::publish))
        .route("/v1/evaluation/publications", get(evaluation::publications))
        .fallback(|| async { ApiFailure::from(crate::ServerError::not_found("接口")) })
        .layer(axum::middleware::from_fn_with_state(
            dep.clone(),
            limits::limits,
        ))
        .layer(axum::middleware::map_response_with_state(
            dep.clone(),
            stamp_server_time,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("(unmatched)", |m| m.as_str())
                    .to_owned();
                tracing::info_span!("request", method = %req.method(), route = %route)
            }),
        )
        .with_state(dep)
}

/// `GET /v1/health`: `ok`, or `degraded: <reason>` (still 200: the server answers, but an
/// operator must act) when the data directory is short of space, the database is at its page
/// limit, or the last write failed for lack of space.
async fn health(axum::extract::State(dep): axum::extract::State<AppState>) -> String {
    let min_free = dep.config().storage.min_free_bytes;
    let d = dep.clone();
    let reason = tokio::task::spawn_blocking(move || {
        // The database answers (on PostgreSQL, a network service: a load balancer's health
        // check must see an instance that lost it).
        let reachable: crate::error::Result<i64> = d
            .db()
            .read(|c| Ok(c.query_row("SELECT 1", (), |r| r.get(0))?));
        if let Err(e) = reachable {
            tracing::warn!("health: the database does not answer: {e}");
            return Some("数据库无法访问".to_owned());
        }
        let pages_left = d.db().pages_left();
        d.storage()
            .degraded_reason(d.data_dir(), min_free, pages_left)
    })
    .await
    .unwrap_or_else(|e| Some(format!("检查失败：{e}")));
    match reason {
        None => "ok".to_owned(),
        Some(r) => format!("degraded: {r}"),
    }
}

/// Adds the server's clock to an answer (`x-gridcase-time`, Unix ms, from the deployment's
/// clock).
async fn stamp_server_time(
    axum::extract::State(dep): axum::extract::State<AppState>,
    mut response: axum::response::Response,
) -> axum::response::Response {
    let now = dep.now().ms().to_string();
    if let Ok(value) = axum::http::HeaderValue::from_str(&now) {
        response
            .headers_mut()
            .insert(gridcase_core::protocol::SERVER_TIME_HEADER, value);
    }
    response
}

/// Runs blocking business work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    dep: &AppState,
    f: impl FnOnce(&Deployment) -> crate::error::Result<T> + Send + 'static,
) -> Result<T, ApiFailure> {
    let dep = dep.clone();
    tokio::task::spawn_blocking(move || f(&dep))
        .await
        .map_err(|e| ApiFailure::from(crate::ServerError::Internal(e.to_string())))?
        .map_err(ApiFailure::from)
}
