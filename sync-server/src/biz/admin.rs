//! Administration of tenants, departments, users and devices: what the CLI's subcommands and
//! the test harnesses call. Passwords are checked against the policy (biz::password_policy) and
//! hashed here (argon2id), never stored or logged in clear. Every change is written to the audit
//! log with the acting administrator (`cli` for the command line).

use super::audit::{self, CLI_ACTOR, Entry};
use super::auth::{hash_password, readmit_device, revoke_device};
use super::password_policy::check_new_password;
use crate::db::users::{DepartmentRow, NewUser, UserRow};
use crate::db::{devices, tenants, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::codes::{CountyCode, GridCode};
use gridcase_core::model::{DepartmentId, DeviceId, Role, UserId};
use rand::Rng;
use serde_json::json;

/// An audit record of an administrator's act on the command line.
fn cli_entry<'a>(tenant: &'a str, event: &'a str, details: serde_json::Value) -> Entry<'a> {
    Entry {
        tenant: Some(tenant),
        actor: CLI_ACTOR,
        source: None,
        event,
        success: true,
        details,
    }
}

fn random_tail() -> [u8; 10] {
    let mut r = [0u8; 10];
    rand::rng().fill(&mut r);
    r
}

fn county(code: &str) -> Result<String> {
    CountyCode::parse(code.trim())
        .map(|c| c.to_string())
        .map_err(ServerError::bad_request)
}

/// Creates a tenant (county).
pub fn create_tenant(dep: &Deployment, code: &str, name: &str) -> Result<()> {
    let code = county(code)?;
    let now = dep.now().ms();
    dep.db().write(|tx| tenants::create(tx, &code, name, now))
}

/// Every tenant.
pub fn list_tenants(dep: &Deployment) -> Result<Vec<tenants::TenantRow>> {
    dep.db().read(tenants::list)
}

fn require_tenant(conn: &crate::db::Connection<'_>, code: &str) -> Result<()> {
    tenants::get(conn, code)?
        .map(|_| ())
        .ok_or_else(|| ServerError::not_found(format!("租户 {code}")))
}

/// Creates a department (or returns the existing one of that name).
pub fn create_department(
    dep: &Deployment,
    tenant: &str,
    name: &str,
    code: Option<&str>,
) -> Result<DepartmentId> {
    let tenant = county(tenant)?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        require_tenant(tx, &tenant)?;
        let id = DepartmentId::from_parts(now as u64, random_tail());
        users::upsert_department(tx, &tenant, id, code, name, now)
    })
}

/// The departments of a tenant.
pub fn list_departments(dep: &Deployment, tenant: &str) -> Result<Vec<DepartmentRow>> {
    let tenant = county(tenant)?;
    dep.db().read(|tx| users::departments(tx, &tenant))
}

/// A new account.
#[derive(Clone, Debug)]
pub struct UserSpec {
    /// Tenant code.
    pub tenant: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Department by id, code or name (department users).
    pub department: Option<String>,
    /// Grid cells (inspectors).
    pub cells: Vec<String>,
    /// Password in clear (hashed here).
    pub password: String,
}

/// Creates a user whose password is theirs (no forced change, e.g. test and training
/// accounts); returns its id. See [`create_user_as`].
pub fn create_user(dep: &Deployment, spec: &UserSpec) -> Result<UserId> {
    create_user_as(dep, spec, false)
}

/// Creates a user; with `must_change_password` (the command line's default) the first sign-in
/// answers `password_change_required` until the user sets their own password.
pub fn create_user_as(
    dep: &Deployment,
    spec: &UserSpec,
    must_change_password: bool,
) -> Result<UserId> {
    let tenant = county(&spec.tenant)?;
    if spec.role == Role::System {
        return Err(ServerError::bad_request("不能创建系统账号"));
    }
    if spec.username.trim().is_empty() {
        return Err(ServerError::bad_request("用户名不能为空"));
    }
    check_new_password(spec.username.trim(), &spec.password, &[])?;
    for cell in &spec.cells {
        GridCode::parse(cell).map_err(ServerError::bad_request)?;
    }
    let hash = hash_password(&spec.password)?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        require_tenant(tx, &tenant)?;
        let department = match &spec.department {
            Some(key) => Some(
                users::find_department(tx, &tenant, key)?
                    .ok_or_else(|| ServerError::not_found(format!("部门 {key}")))?
                    .id,
            ),
            None => None,
        };
        if spec.role == Role::Department && department.is_none() {
            return Err(ServerError::bad_request("专业部门用户须指定部门"));
        }
        let id = UserId::from_parts(now as u64, random_tail());
        users::create(
            tx,
            &NewUser {
                id,
                tenant: &tenant,
                username: spec.username.trim(),
                display_name: &spec.display_name,
                role: spec.role,
                department,
                password_hash: &hash,
                must_change_password,
            },
            now,
        )?;
        users::set_cells(tx, id, &spec.cells)?;
        let details = json!({
            "user": id.to_string(), "username": spec.username.trim(),
            "role": spec.role.as_str(), "must_change_password": must_change_password,
        });
        audit::record_in(
            tx,
            &cli_entry(&tenant, audit::event::USER_CREATE, details),
            now,
        )?;
        Ok(id)
    })
}

fn user_by_name(dep: &Deployment, tenant: &str, username: &str) -> Result<UserRow> {
    let tenant = county(tenant)?;
    dep.db()
        .read(|tx| users::by_username(tx, &tenant, username))?
        .map(|(u, _)| u)
        .ok_or_else(|| ServerError::not_found(format!("用户 {username}")))
}

/// Resets a user's password (an administrator's act): the policy applies, and the user must
/// change it at the next sign-in; until then their devices answer `password_change_required`.
pub fn set_password(dep: &Deployment, tenant: &str, username: &str, password: &str) -> Result<()> {
    let user = user_by_name(dep, tenant, username)?;
    let history = dep.db().read(|tx| users::password_history(tx, user.id))?;
    check_new_password(&user.username, password, &history)?;
    let hash = hash_password(password)?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        users::set_password(tx, user.id, &hash, true, now)?;
        let details = json!({ "user": user.id.to_string(), "username": user.username });
        audit::record_in(
            tx,
            &cli_entry(&user.tenant, audit::event::PASSWORD_RESET, details),
            now,
        )
    })
}

/// Disables (or re-enables) a user; a disabled user's devices answer `token_revoked`.
pub fn set_disabled(dep: &Deployment, tenant: &str, username: &str, disabled: bool) -> Result<()> {
    let user = user_by_name(dep, tenant, username)?;
    let now = dep.now().ms();
    let at = disabled.then_some(now);
    let event = if disabled {
        audit::event::USER_DISABLE
    } else {
        audit::event::USER_ENABLE
    };
    dep.db().write(|tx| {
        users::set_disabled(tx, user.id, at)?;
        let details = json!({ "user": user.id.to_string(), "username": user.username });
        audit::record_in(tx, &cli_entry(&user.tenant, event, details), now)
    })
}

/// Sets an inspector's grid cells.
pub fn set_cells(dep: &Deployment, tenant: &str, username: &str, cells: &[String]) -> Result<()> {
    for cell in cells {
        GridCode::parse(cell).map_err(ServerError::bad_request)?;
    }
    let user = user_by_name(dep, tenant, username)?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        users::set_cells(tx, user.id, cells)?;
        let details = json!({
            "user": user.id.to_string(), "username": user.username, "cells": cells,
        });
        audit::record_in(
            tx,
            &cli_entry(&user.tenant, audit::event::USER_CELLS, details),
            now,
        )
    })
}

/// The users of a tenant.
pub fn list_users(dep: &Deployment, tenant: &str) -> Result<Vec<UserRow>> {
    let tenant = county(tenant)?;
    dep.db().read(|tx| users::list(tx, &tenant))
}

/// The devices of a tenant.
pub fn list_devices(dep: &Deployment, tenant: &str) -> Result<Vec<devices::DeviceRow>> {
    let tenant = county(tenant)?;
    dep.db().read(|tx| devices::list(tx, &tenant))
}

fn existing_device(dep: &Deployment, device: &str) -> Result<DeviceId> {
    let id = DeviceId::parse(device).map_err(ServerError::bad_request)?;
    if dep.db().read(|tx| devices::get(tx, id))?.is_none() {
        return Err(ServerError::not_found(format!("设备 {device}")));
    }
    Ok(id)
}

/// Revokes a device's token; the device stays revoked until [`readmit`].
pub fn revoke(dep: &Deployment, device: &str) -> Result<bool> {
    revoke_device(dep, existing_device(dep, device)?, CLI_ACTOR)
}

/// Re-admits a revoked device: it may sign in again (its old token stays dead).
pub fn readmit(dep: &Deployment, device: &str) -> Result<bool> {
    readmit_device(dep, existing_device(dep, device)?, CLI_ACTOR)
}
