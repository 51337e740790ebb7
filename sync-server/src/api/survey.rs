//! 专项普查 routes (issue 16, docs/patrol.md "Protocol"): `POST`/`GET /v1/surveys`,
//! `POST /v1/surveys/{id}/marks`, `GET /v1/surveys/{id}/progress` and
//! `GET /v1/surveys/{id}/export.xlsx`. Handlers only convert; the rules are in
//! [`crate::biz::survey`].

use super::auth::Authed;
use super::session::json_body;
use super::{ApiFailure, AppState, blocking};
use crate::biz::{survey, survey_export};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gridcase_core::model::SurveyId;
use gridcase_core::protocol::{
    ErrorCode, SurveyList, SurveyMarksAck, SurveyMarksPush, SurveyProgressWire, SurveyTaskWire,
};

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/surveys", get(list).post(create))
        .route("/v1/surveys/{id}/marks", post(marks))
        .route("/v1/surveys/{id}/progress", get(progress))
        .route("/v1/surveys/{id}/export.xlsx", get(export))
}

fn survey_id(text: &str) -> Result<SurveyId, ApiFailure> {
    SurveyId::parse(text).map_err(|e| ApiFailure::code(ErrorCode::InvalidId, e))
}

async fn list(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<SurveyList>, ApiFailure> {
    let surveys = blocking(&dep, move |d| survey::list(d, &caller)).await?;
    Ok(Json(SurveyList { surveys }))
}

async fn create(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Json<SurveyTaskWire>, ApiFailure> {
    let task: SurveyTaskWire = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| survey::create(d, &caller, &task)).await?,
    ))
}

async fn marks(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<SurveyMarksAck>, ApiFailure> {
    let id = survey_id(&id)?;
    let push: SurveyMarksPush = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| survey::push_marks(d, &caller, id, &push)).await?,
    ))
}

async fn progress(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<SurveyProgressWire>, ApiFailure> {
    let id = survey_id(&id)?;
    Ok(Json(
        blocking(&dep, move |d| survey::progress(d, &caller, id)).await?,
    ))
}

async fn export(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiFailure> {
    let id = survey_id(&id)?;
    let bytes = blocking(&dep, move |d| {
        let p = survey::progress(d, &caller, id)?;
        survey_export::xlsx(&p)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, super::standards::XLSX_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"survey-{id}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
