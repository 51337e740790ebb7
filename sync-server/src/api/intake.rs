//! Intake routes besides Open311 (docs/intake.md): the signed video-analytics webhook, the
//! superior import for intake operators, and the duplicate candidates of a case. Errors are the
//! protocol's `{code, message}`.

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::intake::duplicates::{self, DuplicateQuery, Duplicates};
use crate::biz::intake::feedback;
use crate::biz::intake::superior::{self, FileKind, SuperiorReport};
use crate::biz::intake::video::{self, AlertOutcome, Signed};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use gridcase_core::model::{CaseId, Role};
use gridcase_core::protocol::ErrorCode;

/// Largest webhook or import body (a base64 snapshot of up to 8 MiB, or a file of cases).
pub const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// The intake routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/intake/video/{tenant}/alerts", post(video_alert))
        .route("/v1/intake/superior", post(superior_import))
        .route("/v1/intake/superior/feedback", get(superior_feedback))
        .route("/v1/cases/{case_id}/duplicates", get(duplicates))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// `POST /v1/intake/video/{tenant}/alerts`: a signed alert (no bearer token; the HMAC
/// signature with the tenant's secret authenticates it).
///
/// The signature headers are checked before the body is read (an unsigned caller cannot make
/// the server buffer 12 MiB); the refusal closes the connection.
async fn video_alert(
    State(dep): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<AlertOutcome>, ApiFailure> {
    let signed = Signed {
        timestamp: header(&headers, "x-gridcase-timestamp"),
        nonce: header(&headers, "x-gridcase-nonce"),
        signature: header(&headers, "x-gridcase-signature"),
    };
    let t = tenant.clone();
    let checked = blocking(&dep, move |d| video::precheck(d, &t, &signed)).await?;
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            ApiFailure::code(
                ErrorCode::TooLarge,
                format!("请求体超过 {} MiB 或未能读完：{e}", MAX_BODY_BYTES >> 20),
            )
        })?;
    Ok(Json(
        blocking(&dep, move |d| {
            video::receive_checked(d, &tenant, &checked, &body)
        })
        .await?,
    ))
}

/// `POST /v1/intake/superior[?issuer=…]`: a JSON (`application/json`) or CSV (`text/csv`)
/// file of handed-down cases, by an intake operator or administrator of the tenant.
async fn superior_import(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<SuperiorReport>, ApiFailure> {
    if !matches!(caller.role, Role::IntakeOperator | Role::Admin) {
        return Err(ApiFailure::code(
            ErrorCode::Forbidden,
            "上级交办导入仅限受理员或管理员",
        ));
    }
    let content_type = header(&headers, "content-type").unwrap_or_default();
    let kind = if content_type.starts_with("application/json") {
        FileKind::Json
    } else if content_type.starts_with("text/csv") {
        FileKind::Csv
    } else {
        return Err(ApiFailure::code(
            ErrorCode::BadRequest,
            "Content-Type 须为 application/json 或 text/csv",
        ));
    };
    let issuer = q.get("issuer").cloned().unwrap_or_default();
    if kind == FileKind::Csv && issuer.trim().is_empty() {
        return Err(ApiFailure::code(
            ErrorCode::BadRequest,
            "CSV 导入须在 ?issuer= 中写明交办单位",
        ));
    }
    let tenant = caller.tenant_code();
    Ok(Json(
        blocking(&dep, move |d| {
            let (issuer, cases) = superior::parse(kind, &body, &issuer)?;
            superior::import(d, &tenant, &issuer, &cases)
        })
        .await?,
    ))
}

/// The window of `GET /v1/intake/superior/feedback`: imports made in `[from, to]` (Unix ms;
/// default: everything up to now).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackWindow {
    from: Option<i64>,
    to: Option<i64>,
}

/// `GET /v1/intake/superior/feedback?from=&to=`: 办结反馈 for the superior, one entry per
/// handed-down case (docs/intake.md).
async fn superior_feedback(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<FeedbackWindow>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<feedback::FeedbackExport>, ApiFailure> {
    let Query(q) = q.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    let tenant = caller.tenant_code();
    let role = caller.role;
    Ok(Json(
        blocking(&dep, move |d| {
            let to = q.to.unwrap_or_else(|| d.now().ms());
            feedback::export(d, &tenant, role, q.from.unwrap_or(0), to)
        })
        .await?,
    ))
}

/// `GET /v1/cases/{id}/duplicates?radius_m=&window_hours=&category=&limit=`.
async fn duplicates(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    q: Result<Query<DuplicateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Duplicates>, ApiFailure> {
    let Query(q) = q.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    let case_id = CaseId::parse(&id).map_err(|e| ApiFailure::code(ErrorCode::InvalidId, e))?;
    Ok(Json(
        blocking(&dep, move |d| duplicates::find(d, &caller, case_id, &q)).await?,
    ))
}
