//! The bearer-token extractor: `Authorization: Bearer <token>` → the [`Caller`].

use super::{ApiFailure, AppState, blocking};
use crate::biz::{Caller, auth};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gridcase_core::protocol::ErrorCode;

/// An authenticated request.
pub struct Authed(pub Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| ApiFailure::code(ErrorCode::Unauthorized, ""))?;
        let caller = blocking(state, move |d| auth::authenticate(d, &token)).await?;
        Ok(Authed(caller))
    }
}
