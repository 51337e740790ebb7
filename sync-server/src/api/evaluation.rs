//! Evaluation (综合评价) for the desktop app: `GET /v1/evaluation` (JSON figures of one table)
//! and `GET /v1/evaluation/export.xlsx` / `.csv` (the same figures as a file). Same query for
//! all three: `from`, `to`, `level` and `region` / `position`, plus `version` / `live`
//! (docs/evaluation.md). A published period is served from its snapshot (发布与冻结):
//! `POST /v1/evaluation/publish` publishes, `GET /v1/evaluation/publications` lists. Shift
//! leaders, leaders and administrators read (`evaluation_forbidden` otherwise); shift leaders
//! and administrators publish (`evaluation_publish_forbidden`); the caller's tenant only.

use super::auth::Authed;
use super::session::{ClientAddr, json_body};
use super::{ApiFailure, AppState, blocking};
use crate::biz::evaluation::EvaluationQuery;
use crate::biz::evaluation_export;
use crate::biz::evaluation_publish::{self, Listed, PublishBody, Published, ReadOptions, Served};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::ErrorCode;
use serde::{Deserialize, Serialize};

/// The query of the three reads: the table, and which version.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReadQuery {
    #[serde(flatten)]
    query: EvaluationQuery,
    #[serde(flatten)]
    options: ReadOptions,
}

async fn run(
    dep: &AppState,
    caller: crate::biz::Caller,
    query: Result<Query<ReadQuery>, QueryRejection>,
) -> Result<Served, ApiFailure> {
    let Query(q) = query.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    blocking(dep, move |d| {
        evaluation_publish::read(d, &caller, &q.query, &q.options)
    })
    .await
}

/// The figures as JSON.
pub async fn figures(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    query: Result<Query<ReadQuery>, QueryRejection>,
) -> Result<Json<Served>, ApiFailure> {
    Ok(Json(run(&dep, caller, query).await?))
}

fn file_name(served: &Served, ext: &str) -> String {
    let report = &served.report;
    let day = |t: gridcase_core::model::Timestamp| {
        t.to_shanghai()
            .map_or_else(|| t.0.to_string(), |d| d.format("%Y%m%d").to_string())
    };
    let version = served
        .published
        .as_ref()
        .map(|p| format!("-v{}", p.version))
        .unwrap_or_default();
    format!(
        "evaluation-{}-{}-{}-{}{version}.{ext}",
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
    query: Result<Query<ReadQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let served = run(&dep, caller, query).await?;
    let name = file_name(&served, "xlsx");
    let bytes = blocking(&dep, move |_| {
        let stamp = served.published.as_ref().map(Published::stamp);
        evaluation_export::xlsx_stamped(&served.report, stamp.as_ref())
    })
    .await?;
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
    query: Result<Query<ReadQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let served = run(&dep, caller, query).await?;
    let name = file_name(&served, "csv");
    let bytes = evaluation_export::csv(&served.report).map_err(ApiFailure::from)?;
    Ok(attachment(bytes, "text/csv; charset=utf-8", name))
}

/// Publishes a period (JSON body `{from, to, reason?}`); answers the publication.
pub async fn publish(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    ClientAddr(source): ClientAddr,
    body: Bytes,
) -> Result<Json<Published>, ApiFailure> {
    let body: PublishBody = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| {
            evaluation_publish::publish(d, &caller, &body, source.address.as_deref())
        })
        .await?,
    ))
}

/// The listing: `{"publications": [...]}`.
#[derive(Serialize)]
pub struct Publications {
    publications: Vec<Listed>,
}

/// Every published version of the caller's tenant.
pub async fn publications(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<Publications>, ApiFailure> {
    let publications = blocking(&dep, move |d| evaluation_publish::list(d, &caller)).await?;
    Ok(Json(Publications { publications }))
}
