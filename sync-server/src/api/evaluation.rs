//! Evaluation (综合评价) for the desktop app: `GET /v1/evaluation` (JSON figures of one table)
//! and `GET /v1/evaluation/export.xlsx` / `.csv` (the same figures as a file). Same query for
//! all three: `from`, `to`, `level` and `region` / `position` (docs/evaluation.md). Shift
//! leaders, leaders and administrators only (`evaluation_forbidden` otherwise); the caller's
//! tenant only.

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::evaluation::{self, EvaluationQuery, EvaluationReport};
use crate::biz::evaluation_export;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::ErrorCode;

async fn run(
    dep: &AppState,
    caller: crate::biz::Caller,
    query: Result<Query<EvaluationQuery>, QueryRejection>,
) -> Result<EvaluationReport, ApiFailure> {
    let Query(query) = query.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    blocking(dep, move |d| {
        let req = query.check()?;
        evaluation::report(d, &caller, req)
    })
    .await
}

/// The figures as JSON.
pub async fn figures(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    query: Result<Query<EvaluationQuery>, QueryRejection>,
) -> Result<Json<EvaluationReport>, ApiFailure> {
    Ok(Json(run(&dep, caller, query).await?))
}

fn file_name(report: &EvaluationReport, ext: &str) -> String {
    let day = |t: gridcase_core::model::Timestamp| {
        t.to_shanghai()
            .map_or_else(|| t.0.to_string(), |d| d.format("%Y%m%d").to_string())
    };
    format!(
        "evaluation-{}-{}-{}-{}.{ext}",
        report.tenant,
        report.table.level.as_str(),
        day(report.table.from),
        day(report.table.to)
    )
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, name: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The figures as an XLSX workbook.
pub async fn export_xlsx(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    query: Result<Query<EvaluationQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let report = run(&dep, caller, query).await?;
    let name = file_name(&report, "xlsx");
    let bytes = blocking(&dep, move |_| evaluation_export::xlsx(&report)).await?;
    Ok(attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        name,
    ))
}

/// The figures as CSV (UTF-8 with BOM).
pub async fn export_csv(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    query: Result<Query<EvaluationQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let report = run(&dep, caller, query).await?;
    let name = file_name(&report, "csv");
    let bytes = evaluation_export::csv(&report).map_err(ApiFailure::from)?;
    Ok(attachment(bytes, "text/csv; charset=utf-8", name))
}
