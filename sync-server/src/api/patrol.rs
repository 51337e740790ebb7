//! Patrol routes (issue 16, docs/patrol.md "Protocol"): `POST /v1/patrol/tracks` and
//! `POST /v1/patrol/signs` (监督员, its own data only), `PUT`/`GET /v1/patrol/roster`,
//! `GET /v1/patrol/report`, `GET /v1/patrol/track` (playback) and `GET`/`PUT
//! /v1/patrol/settings`. Handlers only convert; the rules are in [`crate::biz::patrol`].

use super::auth::Authed;
use super::session::json_body;
use super::{ApiFailure, AppState, blocking};
use crate::biz::patrol::{self, PatrolSettings, SignAck};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use gridcase_core::model::UserId;
use gridcase_core::protocol::{
    ErrorCode, PatrolReport, Roster, SignPush, TrackBlockAck, TrackBlockPush, TrackDay,
};
use serde::Deserialize;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/patrol/tracks", post(push_track))
        .route("/v1/patrol/signs", post(push_sign))
        .route("/v1/patrol/roster", get(get_roster).put(put_roster))
        .route("/v1/patrol/report", get(report))
        .route("/v1/patrol/track", get(track))
        .route("/v1/patrol/settings", get(get_settings).put(put_settings))
}

/// `from` and `to` days.
#[derive(Deserialize)]
pub struct Period {
    from: String,
    to: String,
}

/// `inspector` and `day`.
#[derive(Deserialize)]
pub struct TrackQuery {
    inspector: String,
    day: String,
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiFailure> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e.body_text()))
}

async fn push_track(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Json<TrackBlockAck>, ApiFailure> {
    let push: TrackBlockPush = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| patrol::push_track(d, &caller, &push)).await?,
    ))
}

async fn push_sign(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Json<SignAck>, ApiFailure> {
    let push: SignPush = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| patrol::push_sign(d, &caller, &push)).await?,
    ))
}

async fn put_roster(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Json<Roster>, ApiFailure> {
    let roster: Roster = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| patrol::put_roster(d, &caller, &roster)).await?,
    ))
}

async fn get_roster(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<Period>, QueryRejection>,
) -> Result<Json<Roster>, ApiFailure> {
    let p = query(q)?;
    Ok(Json(
        blocking(&dep, move |d| {
            patrol::get_roster(d, &caller, &p.from, &p.to)
        })
        .await?,
    ))
}

async fn report(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<Period>, QueryRejection>,
) -> Result<Json<PatrolReport>, ApiFailure> {
    let p = query(q)?;
    Ok(Json(
        blocking(&dep, move |d| patrol::report(d, &caller, &p.from, &p.to)).await?,
    ))
}

async fn track(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    q: Result<Query<TrackQuery>, QueryRejection>,
) -> Result<Json<TrackDay>, ApiFailure> {
    let q = query(q)?;
    let inspector =
        UserId::parse(&q.inspector).map_err(|e| ApiFailure::code(ErrorCode::InvalidId, e))?;
    Ok(Json(
        blocking(&dep, move |d| {
            patrol::track_day(d, &caller, inspector, &q.day)
        })
        .await?,
    ))
}

async fn get_settings(
    State(dep): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<PatrolSettings>, ApiFailure> {
    Ok(Json(
        blocking(&dep, move |d| patrol::get_settings(d, &caller)).await?,
    ))
}

async fn put_settings(
    State(dep): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Json<PatrolSettings>, ApiFailure> {
    let s: PatrolSettings = json_body(&body)?;
    Ok(Json(
        blocking(&dep, move |d| patrol::put_settings(d, &caller, &s)).await?,
    ))
}
