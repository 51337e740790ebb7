//! `GET /v1/reference`: the caller's tenant's reference data for offline work (see
//! [`crate::biz::reference`]). Any signed-in device may read its own tenant's bundle.

use super::auth::Authed;
use super::{ApiFailure, AppState, blocking};
use crate::biz::reference;
use axum::Json;
use axum::extract::State;
use gridcase_core::protocol::ReferenceBundle;

/// The bundle.
pub async fn get(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<ReferenceBundle>, ApiFailure> {
    Ok(Json(
        blocking(&dep, move |d| reference::bundle(d, &caller)).await?,
    ))
}
