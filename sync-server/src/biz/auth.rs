//! Accounts and devices: argon2id password hashes, device login (enrolment with a server-issued
//! Automerge actor id and a random bearer token stored only as its SHA-256), token checks and
//! revocation.
//!
//! Invariants: a token is 32 random bytes (base64url) shown once, in the login reply; the
//! server keeps its SHA-256 only. A second login from the same install of the same user reuses
//! the device and its actor and replaces the token. Wrong tenant, unknown user, disabled user
//! and wrong password all answer the same `bad_credentials`.

use super::Caller;
use crate::db::{devices, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use automerge::ActorId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gridcase_core::codes::CountyCode;
use gridcase_core::model::DeviceId;
use gridcase_core::protocol::{ErrorCode, Login, LoginReply};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServerError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Internal(e.to_string()))
}

/// Checks a password against a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The SHA-256 of a bearer token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A hash to verify against when the user does not exist, so timing does not tell.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("gridcase-dummy").unwrap_or_default());

/// Password login from a device: enrols it on first use (idempotent per install).
pub fn login(dep: &Deployment, req: &Login) -> Result<LoginReply> {
    let bad = || ServerError::api(ErrorCode::BadCredentials, "");
    let tenant = CountyCode::parse(req.tenant.trim())
        .map_err(|_| bad())?
        .to_string();
    if req.install_id.is_empty() || req.install_id.len() > 128 {
        return Err(ServerError::bad_request("install_id"));
    }
    let found = dep
        .db()
        .read(|tx| users::by_username(tx, &tenant, &req.username))?;
    let Some((user, phc)) = found else {
        verify_password(&req.password, &DUMMY_HASH);
        return Err(bad());
    };
    if !verify_password(&req.password, &phc) || user.disabled {
        return Err(bad());
    }
    let token = new_token();
    let hash = token_hash(&token);
    let now = dep.now().ms();
    let name: String = req.device_name.chars().take(100).collect();
    let (device, actor) =
        dep.db().write(
            |tx| match devices::by_install(tx, &tenant, user.id, &req.install_id)? {
                Some(d) => {
                    devices::replace_token(tx, d.id, &name, &hash, now)?;
                    Ok((d.id, d.actor_id))
                }
                None => {
                    let mut random = [0u8; 10];
                    rand::rng().fill(&mut random);
                    let id = DeviceId::from_parts(now as u64, random);
                    let mut actor = [0u8; 16];
                    rand::rng().fill(&mut actor);
                    devices::create(
                        tx,
                        id,
                        &tenant,
                        user.id,
                        &req.install_id,
                        &name,
                        &actor,
                        &hash,
                        now,
                    )?;
                    Ok((id, actor.to_vec()))
                }
            },
        )?;
    let cells = dep.db().read(|tx| users::cells(tx, user.id))?;
    tracing::info!(tenant = %tenant, user = %user.id, device = %device, "device login");
    Ok(LoginReply {
        token,
        device_id: device,
        actor_id: hex::encode(actor),
        user_id: user.id,
        display_name: user.display_name,
        role: user.role,
        department: user.department,
        tenant,
        cells,
    })
}

/// The caller holding a bearer token.
pub fn authenticate(dep: &Deployment, token: &str) -> Result<Caller> {
    let unauthorized = || ServerError::api(ErrorCode::Unauthorized, "");
    if token.is_empty() || token.len() > 256 {
        return Err(unauthorized());
    }
    let hash = token_hash(token);
    let (device, user, cells) = dep.db().read(|tx| {
        let Some(device) = devices::by_token_hash(tx, &hash)? else {
            return Err(unauthorized());
        };
        let user = users::get(tx, device.user)?.ok_or_else(unauthorized)?;
        let cells = users::cells(tx, user.id)?;
        Ok((device, user, cells))
    })?;
    if device.revoked_at.is_some() || user.disabled {
        return Err(ServerError::api(ErrorCode::TokenRevoked, ""));
    }
    let tenant = CountyCode::parse(&device.tenant)
        .map_err(|e| ServerError::Internal(format!("stored tenant: {e}")))?;
    if device.last_seen.is_none_or(|t| t < dep.now().ms() - 60_000) {
        let now = dep.now().ms();
        dep.db().write(|tx| devices::touch(tx, device.id, now))?;
    }
    Ok(Caller {
        tenant,
        user: user.id,
        device: device.id,
        role: user.role,
        department: user.department,
        actor_id: ActorId::from(device.actor_id),
        cells,
    })
}

/// Revokes a device's token.
pub fn revoke_device(dep: &Deployment, device: DeviceId) -> Result<bool> {
    let now = dep.now().ms();
    dep.db().write(|tx| devices::revoke(tx, device, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("巡查2026!").expect("hash");
        let b = hash_password("巡查2026!").expect("hash");
        assert_ne!(a, b, "random salt");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("巡查2026!", &a));
        assert!(!verify_password("wrong", &a));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let t = new_token();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t).len(), 32);
    }
}
