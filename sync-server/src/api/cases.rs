//! The desktop app's queue: `GET /v1/cases` (filters, paging, text search; centre roles) and
//! `GET /v1/cases/{id}` (row, folded state and clocks; anyone whose scope includes the case),
//! and `GET`/`PUT /v1/cases/{id}/contact` (a citizen's contact; intake operator, shift leader
//! and admin only: docs/security/privacy.md).

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::contacts::{self, CaseContacts, Contact, ContactInput};
use crate::biz::queue::{self, CaseDetail};
use crate::db::cases::{QueueFilter, QueuePage};
use axum::Json;
use axum::extract::{Path, Query, State};
use gridcase_core::model::CaseId;
use gridcase_core::protocol::ErrorCode;

/// The filtered queue.
pub async fn list(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    filter: Result<Query<QueueFilter>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<QueuePage>, ApiFailure> {
    let Query(filter) =
        filter.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    Ok(Json(
        blocking(&dep, move |d| queue::list(d, &caller, &filter)).await?,
    ))
}

/// One case in detail.
pub async fn detail(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiFailure> {
    let case_id = CaseId::parse(&id).map_err(|e| ApiFailure::code(ErrorCode::InvalidId, e))?;
    Ok(Json(
        blocking(&dep, move |d| queue::detail(d, &caller, case_id)).await?,
    ))
}

fn case_id(id: &str) -> Result<CaseId, ApiFailure> {
    CaseId::parse(id).map_err(|e| ApiFailure::code(ErrorCode::InvalidId, e))
}

/// A citizen's contact for a case (and the duplicates merged into it).
pub async fn get_contact(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Json<CaseContacts>, ApiFailure> {
    let case_id = case_id(&id)?;
    Ok(Json(
        blocking(&dep, move |d| contacts::get(d, &caller, case_id)).await?,
    ))
}

/// Records the hotline caller of a case (the app sends it after the case reached the server).
pub async fn put_contact(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Result<Json<ContactInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Contact>, ApiFailure> {
    let case_id = case_id(&id)?;
    let Json(input) = body.map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))?;
    Ok(Json(
        blocking(&dep, move |d| contacts::put(d, &caller, case_id, &input)).await?,
    ))
}
