//! 综合看板 and 月报/季报 over HTTP: `GET /v1/dashboard` (the figures, biz::dashboard),
//! `GET /v1/dashboard/cases` (the cases behind one figure) and `GET /v1/reports/monthly.xlsx
//! ?month=YYYY-MM` / `GET /v1/reports/quarterly.xlsx?quarter=YYYY-Qn` (biz::dashboard_report).
//! 值班长, 领导 and 管理员 only (`dashboard_forbidden`); the caller's tenant only.

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::dashboard::{self, Dashboard, DashboardQuery, DrillQuery};
use crate::biz::dashboard_report::{self, ReportPeriod};
use crate::db::cases::QueuePage;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gridcase_core::protocol::ErrorCode;
use serde::Deserialize;

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiFailure> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))
}

/// The dashboard as JSON.
pub async fn figures(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Json<Dashboard>, ApiFailure> {
    let q = query(q)?;
    Ok(Json(
        blocking(&dep, move |d| dashboard::dashboard(d, &caller, &q)).await?,
    ))
}

/// The cases behind one figure (a queue page).
pub async fn cases(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<DrillQuery>, QueryRejection>,
) -> Result<Json<QueuePage>, ApiFailure> {
    let q = query(q)?;
    Ok(Json(
        blocking(&dep, move |d| dashboard::drill(d, &caller, &q)).await?,
    ))
}

/// `?month=YYYY-MM`.
#[derive(Deserialize)]
pub struct MonthQuery {
    month: String,
}

/// `?quarter=YYYY-Qn`.
#[derive(Deserialize)]
pub struct QuarterQuery {
    quarter: String,
}

async fn workbook(
    dep: AppState,
    caller: crate::biz::Caller,
    which: ReportPeriod,
) -> Result<Response, ApiFailure> {
    let (bytes, name) =
        blocking(&dep, move |d| dashboard_report::report(d, &caller, &which)).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// 月报.
pub async fn monthly(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let q = query(q)?;
    workbook(dep, caller, ReportPeriod::Month(q.month)).await
}

/// 季报.
pub async fn quarterly(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<QuarterQuery>, QueryRejection>,
) -> Result<Response, ApiFailure> {
    let q = query(q)?;
    workbook(dep, caller, ReportPeriod::Quarter(q.quarter)).await
}
