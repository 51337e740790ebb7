//! Administration of tenants, departments, users and devices: what the CLI's subcommands and
//! the test harnesses call. Passwords are hashed here (argon2id) and never stored or logged in
//! clear.

use super::auth::{hash_password, revoke_device};
use crate::db::users::{DepartmentRow, NewUser, UserRow};
use crate::db::{devices, tenants, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::codes::{CountyCode, GridCode};
use gridcase_core::model::{DepartmentId, DeviceId, Role, UserId};
use rand::Rng;

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
    dep.db().read(|tx| tenants::list(tx))
}

fn require_tenant(conn: &rusqlite::Connection, code: &str) -> Result<()> {
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

/// Creates a user; returns its id.
pub fn create_user(dep: &Deployment, spec: &UserSpec) -> Result<UserId> {
    let tenant = county(&spec.tenant)?;
    if spec.role == Role::System {
        return Err(ServerError::bad_request("不能创建系统账号"));
    }
    if spec.username.trim().is_empty() || spec.password.len() < 6 {
        return Err(ServerError::bad_request("用户名不能为空，密码至少 6 位"));
    }
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
            },
            now,
        )?;
        users::set_cells(tx, id, &spec.cells)?;
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

/// Sets a user's password.
pub fn set_password(dep: &Deployment, tenant: &str, username: &str, password: &str) -> Result<()> {
    if password.len() < 6 {
        return Err(ServerError::bad_request("密码至少 6 位"));
    }
    let user = user_by_name(dep, tenant, username)?;
    let hash = hash_password(password)?;
    dep.db().write(|tx| users::set_password(tx, user.id, &hash))
}

/// Disables (or re-enables) a user; a disabled user's devices answer `token_revoked`.
pub fn set_disabled(dep: &Deployment, tenant: &str, username: &str, disabled: bool) -> Result<()> {
    let user = user_by_name(dep, tenant, username)?;
    let at = disabled.then(|| dep.now().ms());
    dep.db().write(|tx| users::set_disabled(tx, user.id, at))
}

/// Sets an inspector's grid cells.
pub fn set_cells(dep: &Deployment, tenant: &str, username: &str, cells: &[String]) -> Result<()> {
    for cell in cells {
        GridCode::parse(cell).map_err(ServerError::bad_request)?;
    }
    let user = user_by_name(dep, tenant, username)?;
    dep.db().write(|tx| users::set_cells(tx, user.id, cells))
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

/// Revokes a device's token.
pub fn revoke(dep: &Deployment, device: &str) -> Result<bool> {
    let id = DeviceId::parse(device).map_err(ServerError::bad_request)?;
    if dep.db().read(|tx| devices::get(tx, id))?.is_none() {
        return Err(ServerError::not_found(format!("设备 {device}")));
    }
    revoke_device(dep, id)
}
