//! The standards table (立案、处置和结案标准) routes (see [`crate::biz::standards`]):
//! `POST /v1/standards?file=<name>` imports a CSV (`text/csv`) or XLSX
//! (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`) file as the next
//! version — tenant administrators only; `GET /v1/standards` returns the current version with
//! its table, `GET /v1/standards/versions` the list, `GET /v1/standards/versions/{n}` one
//! version — any signed-in user of the tenant. `PUT /v1/standards/grades?file=<name>` replaces
//! the tenant's area grades (`area_grades.csv`, `text/csv`; administrators), `GET` returns them.

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::standards::{self, FileForm, GradesOutcome, ImportOutcome, MAX_FILE_BYTES};
use crate::db::standards::VersionInfo;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use gridcase_core::catalog::StandardsRelease;
use gridcase_core::protocol::ErrorCode;
use std::collections::HashMap;

/// The XLSX media type.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/standards", get(current).post(import))
        .route("/v1/standards/versions", get(versions))
        .route("/v1/standards/versions/{version}", get(version))
        .route("/v1/standards/grades", get(grades).put(put_grades))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 1024))
}

/// The form the request's content type (else the file name's extension) names.
fn form_of(headers: &HeaderMap, file: &str) -> Result<FileForm, ApiFailure> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type.starts_with("text/csv") {
        Ok(FileForm::Csv)
    } else if content_type.starts_with(XLSX_TYPE) {
        Ok(FileForm::Xlsx)
    } else if content_type.is_empty() || content_type.starts_with("application/octet-stream") {
        FileForm::from_name(file).ok_or_else(|| {
            ApiFailure::code(
                ErrorCode::UnsupportedFileType,
                "须为 CSV（text/csv）或 XLSX 文件，或在 ?file= 中给出 .csv / .xlsx 文件名",
            )
        })
    } else {
        Err(ApiFailure::code(
            ErrorCode::UnsupportedFileType,
            format!("Content-Type {content_type} 不受支持：须为 text/csv 或 {XLSX_TYPE}"),
        ))
    }
}

/// `POST /v1/standards?file=<name>`: the file as the body.
async fn import(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<ImportOutcome>, ApiFailure> {
    standards::check_importer(&caller)?;
    let file = q.get("file").cloned().unwrap_or_default();
    let form = form_of(&headers, &file)?;
    Ok(Json(
        blocking(&dep, move |d| {
            standards::import_as(d, &caller, form, &file, &body)
        })
        .await?,
    ))
}

/// `GET /v1/standards`: the current version (`not_found` before the first import).
async fn current(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<StandardsRelease>, ApiFailure> {
    let release = blocking(&dep, move |d| standards::current(d, &caller)).await?;
    release
        .map(Json)
        .ok_or_else(|| ApiFailure::code(ErrorCode::NotFound, "本租户尚未导入立案、处置和结案标准"))
}

/// `GET /v1/standards/versions`: every version, newest first (without tables).
async fn versions(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<VersionInfo>>, ApiFailure> {
    Ok(Json(
        blocking(&dep, move |d| standards::versions(d, &caller)).await?,
    ))
}

/// `GET /v1/standards/versions/{n}`: one version with its table.
async fn version(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(version): Path<String>,
) -> Result<Json<StandardsRelease>, ApiFailure> {
    let n: u32 = version
        .parse()
        .map_err(|_| ApiFailure::code(ErrorCode::BadRequest, "版本号须为正整数"))?;
    Ok(Json(
        blocking(&dep, move |d| standards::version(d, &caller, n)).await?,
    ))
}

/// `PUT /v1/standards/grades?file=<name>`: the tenant's `area_grades.csv` as the body
/// (`text/csv`).
async fn put_grades(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<GradesOutcome>, ApiFailure> {
    standards::check_importer(&caller)?;
    let file = q
        .get("file")
        .cloned()
        .unwrap_or_else(|| "area_grades.csv".to_owned());
    if form_of(&headers, &file)? != FileForm::Csv {
        return Err(ApiFailure::code(
            ErrorCode::UnsupportedFileType,
            "区域等级须为 CSV（text/csv）",
        ));
    }
    Ok(Json(
        blocking(&dep, move |d| {
            standards::import_grades(d, &caller, &file, &body)
        })
        .await?,
    ))
}

/// `GET /v1/standards/grades`: the tenant's area grades, in order.
async fn grades(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Vec<String>>, ApiFailure> {
    let tenant = caller.tenant_code();
    Ok(Json(
        blocking(&dep, move |d| {
            d.db()
                .read(|tx| standards::area_grades(tx, &tenant))
                .map(|g| g.grades().to_vec())
        })
        .await?,
    ))
}
