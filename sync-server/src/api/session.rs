//! `POST /v1/hello` (the version and capability handshake), `POST /v1/login` and
//! `POST /v1/session/password` (the user's own password change). Sign-ins are throttled per
//! account and per source address, the address taken from the connection.

use super::{ApiFailure, AppState, blocking};
use crate::biz::auth;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use gridcase_core::protocol::{
    CAPABILITIES, ChangePassword, ErrorCode, Hello, HelloReply, Login, LoginReply, PROTOCOL_VERSION,
};
use std::net::SocketAddr;

/// The client's address as the TCP connection shows it (none when the router is driven without
/// a listener).
pub struct ClientAddr(pub auth::Source);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| auth::Source::addr(c.0.ip()))
                .unwrap_or_default(),
        ))
    }
}
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
    ClientAddr(source): ClientAddr,
    body: Bytes,
) -> Result<Json<LoginReply>, ApiFailure> {
    let req: Login = json_body(&body)?;
    let reply = blocking(&dep, move |d| auth::login(d, &req, &source)).await?;
    Ok(Json(reply))
}

/// A user changes their own password (old and new); `204` on success, then the device signs in
/// with the new one.
pub async fn change_password(
    State(dep): State<AppState>,
    ClientAddr(source): ClientAddr,
    body: Bytes,
) -> Result<StatusCode, ApiFailure> {
    let req: ChangePassword = json_body(&body)?;
    blocking(&dep, move |d| auth::change_password(d, &req, &source)).await?;
    Ok(StatusCode::NO_CONTENT)
}
