//! `POST /v1/hello` (the version and capability handshake) and `POST /v1/login`.

use super::{ApiFailure, AppState, blocking};
use crate::biz::auth;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use gridcase_core::protocol::{
    CAPABILITIES, ErrorCode, Hello, HelloReply, Login, LoginReply, PROTOCOL_VERSION,
};
use serde::de::DeserializeOwned;

/// Parses a JSON body, answering `bad_request` (not axum's plain-text rejection).
pub(crate) fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiFailure> {
    serde_json::from_slice(body).map_err(|e| ApiFailure::code(ErrorCode::BadRequest, e))
}

/// The handshake: the highest version both speak, or `426 unsupported_protocol`.
pub async fn hello(
    State(dep): State<AppState>,
    body: Bytes,
) -> Result<Json<HelloReply>, ApiFailure> {
    let hello: Hello = json_body(&body)?;
    if !hello.protocols.contains(&PROTOCOL_VERSION) {
        return Err(ApiFailure::code(
            ErrorCode::UnsupportedProtocol,
            format!("服务器支持的协议版本：{PROTOCOL_VERSION}"),
        ));
    }
    Ok(Json(HelloReply {
        protocol: PROTOCOL_VERSION,
        capabilities: CAPABILITIES.iter().map(|c| (*c).to_owned()).collect(),
        min_app_version: dep.config().min_app_version.clone(),
        limits: dep.config().limits,
        server_time: dep.now().ms(),
    }))
}

/// Password login from a device.
pub async fn login(
    State(dep): State<AppState>,
    body: Bytes,
) -> Result<Json<LoginReply>, ApiFailure> {
    let req: Login = json_body(&body)?;
    let reply = blocking(&dep, move |d| auth::login(d, &req)).await?;
    Ok(Json(reply))
}
