//! Accounts and devices: argon2id password hashes, device login (enrolment with a server-issued
//! Automerge actor id and a random bearer token stored only as its SHA-256), token checks,
//! expiry and revocation, sign-in throttling and the user's own password change.
//!
//! Invariants: a token is 32 random bytes (base64url) shown once, in the login reply; the
//! server keeps its SHA-256 only. A second login from the same install of the same user reuses
//! the device and its actor and replaces the token; it never lifts a revocation (only
//! [`readmit_device`] does). Wrong tenant, unknown user, disabled user and wrong password all
//! answer the same `bad_credentials` and count as failures of the account and of the source
//! address; a locked account or address is refused before its password is checked, with
//! `too_many_attempts` and the seconds left. A token expires when unused for the idle timeout
//! of its role or when older than the token lifetime (`token_expired`); each use renews the
//! idle time. Every outcome is written to the audit log; no password or token is ever logged.

use super::Caller;
use super::audit::{self, Entry};
use super::password_policy::check_new_password;
use crate::db::throttle::{self, Kind};
use crate::db::users::UserRow;
use crate::db::{devices, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use automerge::ActorId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gridcase_core::codes::CountyCode;
use gridcase_core::model::{DeviceId, Role};
use gridcase_core::protocol::{ChangePassword, ErrorCode, Login, LoginReply};
use rand::Rng;
use serde_json::json;
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

/// The longest username or password looked at (longer ones are refused unhashed).
const MAX_CREDENTIAL_LEN: usize = 1024;

/// Where a sign-in comes from.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// The client's IP address as the connection shows it.
    pub address: Option<String>,
}

impl Source {
    /// A source address.
    pub fn addr(ip: std::net::IpAddr) -> Source {
        Source {
            address: Some(ip.to_string()),
        }
    }
}

/// The throttle key of an account: tenant and username as typed (bounded).
fn account_key(tenant: &str, username: &str) -> String {
    let t: String = tenant.trim().chars().take(16).collect();
    let u: String = username.chars().take(128).collect();
    format!("{t}/{u}")
}

fn retry_after(until: i64, now: i64) -> ServerError {
    ServerError::Throttled {
        retry_after_secs: ((until - now).max(0) as u64).div_ceil(1000).max(1),
    }
}

/// Refuses with `too_many_attempts` when the account or the address is locked.
fn check_locks(dep: &Deployment, account: &str, source: &Source) -> Result<()> {
    let now = dep.now().ms();
    let until = dep.db().read(|tx| {
        let a = throttle::locked_until(tx, Kind::Account, account, now)?;
        let b = match &source.address {
            Some(addr) => throttle::locked_until(tx, Kind::Address, addr, now)?,
            None => None,
        };
        Ok(a.max(b))
    })?;
    match until {
        Some(until) => Err(retry_after(until, now)),
        None => Ok(()),
    }
}

/// Counts a failed sign-in of `account` from `source` and audits it; answers
/// `too_many_attempts` if this failure locked the account or the address, else `bad_credentials`.
fn failed(
    dep: &Deployment,
    tenant: Option<&str>,
    account: &str,
    source: &Source,
    event: &str,
    reason: &str,
) -> ServerError {
    let cfg = &dep.config().auth;
    let now = dep.now().ms();
    let window = cfg.failure_window_mins as i64 * 60_000;
    let lock = cfg.lockout_mins as i64 * 60_000;
    let actor = format!("login:{account}");
    let result = dep.db().write(|tx| {
        let a = throttle::fail(
            tx,
            Kind::Account,
            account,
            now,
            cfg.max_failures_per_account,
            window,
            lock,
        )?;
        let b = match &source.address {
            Some(addr) => throttle::fail(
                tx,
                Kind::Address,
                addr,
                now,
                cfg.max_failures_per_address,
                window,
                lock,
            )?,
            None => None,
        };
        let entry = |event, details| Entry {
            tenant,
            actor: &actor,
            source: source.address.as_deref(),
            event,
            success: false,
            details,
        };
        audit::record_in(tx, &entry(event, json!({ "reason": reason })), now)?;
        if let Some(until) = a {
            let details = json!({ "locked": "account", "until": until });
            audit::record_in(tx, &entry(audit::event::LOCKOUT, details), now)?;
        }
        if let Some(until) = b {
            let details = json!({ "locked": "address", "until": until });
            audit::record_in(tx, &entry(audit::event::LOCKOUT, details), now)?;
        }
        Ok(a.max(b))
    });
    match result {
        Ok(Some(until)) => retry_after(until, now),
        Ok(None) => ServerError::api(ErrorCode::BadCredentials, ""),
        Err(e) => e,
    }
}

/// Checks a user's password under the throttle: the user and its password hash, or the error
/// to answer (the failure counted and audited).
fn check_credentials(
    dep: &Deployment,
    tenant_raw: &str,
    username: &str,
    password: &str,
    source: &Source,
    event: &str,
) -> Result<(UserRow, String)> {
    let account = account_key(tenant_raw, username);
    check_locks(dep, &account, source)?;
    let tenant = CountyCode::parse(tenant_raw.trim()).map(|t| t.to_string());
    let tenant_ref = tenant.as_deref().ok();
    if username.len() > MAX_CREDENTIAL_LEN || password.len() > MAX_CREDENTIAL_LEN {
        return Err(failed(dep, tenant_ref, &account, source, event, "too_long"));
    }
    let Ok(tenant) = &tenant else {
        verify_password(password, &DUMMY_HASH);
        return Err(failed(dep, None, &account, source, event, "unknown_tenant"));
    };
    let found = dep
        .db()
        .read(|tx| users::by_username(tx, tenant, username))?;
    let Some((user, phc)) = found else {
        verify_password(password, &DUMMY_HASH);
        return Err(failed(
            dep,
            Some(tenant),
            &account,
            source,
            event,
            "unknown_user",
        ));
    };
    if !verify_password(password, &phc) {
        return Err(failed(
            dep,
            Some(tenant),
            &account,
            source,
            event,
            "wrong_password",
        ));
    }
    if user.disabled {
        return Err(failed(
            dep,
            Some(tenant),
            &account,
            source,
            event,
            "disabled",
        ));
    }
    Ok((user, phc))
}

/// Password login from a device: enrols it on first use (idempotent per install).
pub fn login(dep: &Deployment, req: &Login, source: &Source) -> Result<LoginReply> {
    if req.install_id.is_empty() || req.install_id.len() > 128 {
        return Err(ServerError::bad_request("install_id"));
    }
    let (user, _) = check_credentials(
        dep,
        &req.tenant,
        &req.username,
        &req.password,
        source,
        audit::event::LOGIN,
    )?;
    let tenant = user.tenant.clone();
    let account = account_key(&req.tenant, &req.username);
    let actor = format!("user:{}", user.id);
    let now = dep.now().ms();
    let audit_entry = |event, success, details| Entry {
        tenant: Some(&tenant),
        actor: &actor,
        source: source.address.as_deref(),
        event,
        success,
        details,
    };
    if user.must_change_password {
        dep.db().write(|tx| {
            throttle::clear(tx, Kind::Account, &account)?;
            let details =
                json!({ "username": user.username, "reason": "password_change_required" });
            audit::record_in(tx, &audit_entry(audit::event::LOGIN, false, details), now)
        })?;
        return Err(ServerError::api(
            ErrorCode::PasswordChangeRequired,
            "请通过修改密码（POST /v1/session/password）设置新密码后再登录",
        ));
    }
    let token = new_token();
    let hash = token_hash(&token);
    let name: String = req.device_name.chars().take(100).collect();
    let outcome = dep.db().write(|tx| {
        throttle::clear(tx, Kind::Account, &account)?;
        let existing = devices::by_install(tx, &tenant, user.id, &req.install_id)?;
        let (device, actor_id) = match existing {
            Some(d) if d.revoked_at.is_some() => {
                let details = json!({
                    "username": user.username, "device": d.id.to_string(),
                    "reason": "device_revoked",
                });
                audit::record_in(tx, &audit_entry(audit::event::LOGIN, false, details), now)?;
                return Ok(Err(d.id));
            }
            Some(d) => {
                devices::replace_token(tx, d.id, &name, &hash, now)?;
                (d.id, d.actor_id)
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
                let details = json!({
                    "username": user.username, "device": id.to_string(), "name": name,
                });
                audit::record_in(
                    tx,
                    &audit_entry(audit::event::DEVICE_ENROL, true, details),
                    now,
                )?;
                (id, actor.to_vec())
            }
        };
        let details = json!({ "username": user.username, "device": device.to_string() });
        audit::record_in(tx, &audit_entry(audit::event::LOGIN, true, details), now)?;
        Ok(Ok((device, actor_id)))
    })?;
    let (device, actor) = match outcome {
        Ok(found) => found,
        Err(revoked) => {
            tracing::info!(tenant = %tenant, user = %user.id, device = %revoked, "login from a revoked device refused");
            return Err(ServerError::api(
                ErrorCode::DeviceRevoked,
                format!("设备 {revoked}"),
            ));
        }
    };
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

/// A user changes their own password with the old one (the way past
/// `password_change_required`); throttled and audited like a sign-in.
pub fn change_password(dep: &Deployment, req: &ChangePassword, source: &Source) -> Result<()> {
    let (user, _) = check_credentials(
        dep,
        &req.tenant,
        &req.username,
        &req.old_password,
        source,
        audit::event::PASSWORD_CHANGE,
    )?;
    let history = dep.db().read(|tx| users::password_history(tx, user.id))?;
    check_new_password(&user.username, &req.new_password, &history)?;
    let hash = hash_password(&req.new_password)?;
    let now = dep.now().ms();
    let account = account_key(&req.tenant, &req.username);
    let actor = format!("user:{}", user.id);
    dep.db().write(|tx| {
        users::set_password(tx, user.id, &hash, false, now)?;
        throttle::clear(tx, Kind::Account, &account)?;
        let entry = Entry {
            tenant: Some(&user.tenant),
            actor: &actor,
            source: source.address.as_deref(),
            event: audit::event::PASSWORD_CHANGE,
            success: true,
            details: json!({ "username": user.username }),
        };
        audit::record_in(tx, &entry, now)
    })?;
    tracing::info!(tenant = %user.tenant, user = %user.id, "password changed");
    Ok(())
}

/// Whether a role works on field tablets (the longer idle timeout) rather than a desktop.
fn is_field_role(role: Role) -> bool {
    matches!(role, Role::Inspector | Role::Department)
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
    if user.must_change_password {
        return Err(ServerError::api(
            ErrorCode::PasswordChangeRequired,
            "密码已被管理员重置",
        ));
    }
    let now = dep.now().ms();
    let cfg = &dep.config().auth;
    let idle_mins = if is_field_role(user.role) {
        cfg.field_idle_timeout_mins
    } else {
        cfg.desktop_idle_timeout_mins
    };
    let issued = device.token_issued_at.unwrap_or(0);
    let last_used = device.last_seen.unwrap_or(issued).max(issued);
    if now - last_used > idle_mins as i64 * 60_000 {
        return Err(ServerError::api(
            ErrorCode::TokenExpired,
            format!("超过 {idle_mins} 分钟未使用"),
        ));
    }
    if now - issued > cfg.token_lifetime_hours as i64 * 3_600_000 {
        return Err(ServerError::api(
            ErrorCode::TokenExpired,
            format!("登录已超过 {} 小时", cfg.token_lifetime_hours),
        ));
    }
    let tenant = CountyCode::parse(&device.tenant)
        .map_err(|e| ServerError::Internal(format!("stored tenant: {e}")))?;
    if device.last_seen.is_none_or(|t| t < now - 60_000) {
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

/// Revokes a device's token (audited with `actor`).
pub fn revoke_device(dep: &Deployment, device: DeviceId, actor: &str) -> Result<bool> {
    let now = dep.now().ms();
    dep.db().write(|tx| {
        let tenant = devices::get(tx, device)?.map(|d| d.tenant);
        let changed = devices::revoke(tx, device, now)?;
        let entry = Entry {
            tenant: tenant.as_deref(),
            actor,
            source: None,
            event: audit::event::DEVICE_REVOKE,
            success: true,
            details: json!({ "device": device.to_string(), "changed": changed }),
        };
        audit::record_in(tx, &entry, now)?;
        Ok(changed)
    })
}

/// Lifts a device's revocation (an administrator's act; the device signs in again).
pub fn readmit_device(dep: &Deployment, device: DeviceId, actor: &str) -> Result<bool> {
    let now = dep.now().ms();
    dep.db().write(|tx| {
        let tenant = devices::get(tx, device)?.map(|d| d.tenant);
        let changed = devices::readmit(tx, device)?;
        let entry = Entry {
            tenant: tenant.as_deref(),
            actor,
            source: None,
            event: audit::event::DEVICE_READMIT,
            success: true,
            details: json!({ "device": device.to_string(), "changed": changed }),
        };
        audit::record_in(tx, &entry, now)?;
        Ok(changed)
    })
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
