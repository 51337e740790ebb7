//! `users`, `departments` and `user_cells`: the accounts of a tenant, the departments they act
//! for and the grid cells given to inspectors.

use crate::db::sql::{Connection, OptionalExtension, Row, params};
use crate::error::{Result, ServerError};
use gridcase_core::model::{DepartmentId, Role, UserId};

/// A user account (without its password hash).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UserRow {
    /// Id.
    pub id: UserId,
    /// Tenant.
    pub tenant: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Department (department users).
    pub department: Option<DepartmentId>,
    /// Disabled accounts cannot log in; their devices' tokens stop working.
    pub disabled: bool,
    /// The password was set by an administrator or an import: the user must change it before
    /// anything else works.
    pub must_change_password: bool,
}

/// A department.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DepartmentRow {
    /// Id.
    pub id: DepartmentId,
    /// The tenant's own code, if any.
    pub code: Option<String>,
    /// Name.
    pub name: String,
}

fn bad(e: impl std::fmt::Display) -> crate::db::sql::SqlError {
    crate::db::sql::SqlError::Type {
        column: 0,
        detail: e.to_string(),
    }
}

const USER_COLUMNS: &str =
    "id, tenant, username, display_name, role, department, disabled_at IS NOT NULL,
     must_change_password";

fn user_row(r: &Row) -> crate::db::sql::Result<UserRow> {
    let id: String = r.get(0)?;
    let role: String = r.get(4)?;
    let department: Option<String> = r.get(5)?;
    Ok(UserRow {
        id: UserId::parse(&id).map_err(bad)?,
        tenant: r.get(1)?,
        username: r.get(2)?,
        display_name: r.get(3)?,
        role: Role::parse(&role).ok_or_else(|| bad(format!("unknown role {role}")))?,
        department: department
            .map(|d| DepartmentId::parse(&d))
            .transpose()
            .map_err(bad)?,
        disabled: r.get(6)?,
        must_change_password: r.get(7)?,
    })
}

/// What a new user is.
pub struct NewUser<'a> {
    /// Id.
    pub id: UserId,
    /// Tenant.
    pub tenant: &'a str,
    /// Login name.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Role.
    pub role: Role,
    /// Department.
    pub department: Option<DepartmentId>,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Whether the user must change the password at first sign-in.
    pub must_change_password: bool,
}

/// Creates a user; refuses a username already taken in the tenant.
pub fn create(conn: &Connection<'_>, user: &NewUser<'_>, now: i64) -> Result<()> {
    let n = conn.execute(
        "INSERT INTO users(id, tenant, username, display_name, role, department, password_hash,
                           created_at, must_change_password)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
        params![
            user.id.to_string(),
            user.tenant,
            user.username,
            user.display_name,
            user.role.as_str(),
            user.department.map(|d| d.to_string()),
            user.password_hash,
            now,
            user.must_change_password
        ],
    )?;
    if n == 0 {
        return Err(ServerError::bad_request(format!(
            "用户名 {} 已存在",
            user.username
        )));
    }
    remember_password(conn, user.id, user.password_hash, now)?;
    Ok(())
}

/// Passwords kept per user to refuse their reuse.
pub const PASSWORD_HISTORY: usize = 5;

fn remember_password(conn: &Connection<'_>, id: UserId, hash: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO password_history(user_id, password_hash, set_at) VALUES (?1, ?2, ?3)",
        params![id.to_string(), hash, now],
    )?;
    conn.execute(
        "DELETE FROM password_history WHERE user_id = ?1 AND rowid NOT IN (
           SELECT rowid FROM password_history WHERE user_id = ?1
           ORDER BY set_at DESC, rowid DESC LIMIT ?2)",
        params![id.to_string(), PASSWORD_HISTORY as i64],
    )?;
    Ok(())
}

/// The hashes of the user's last [`PASSWORD_HISTORY`] passwords (the current one included).
pub fn password_history(conn: &Connection<'_>, id: UserId) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT password_hash FROM password_history WHERE user_id = ?1
         ORDER BY set_at DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id.to_string(), PASSWORD_HISTORY as i64], |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A user by tenant and login name, with the password hash.
pub fn by_username(
    conn: &Connection<'_>,
    tenant: &str,
    username: &str,
) -> Result<Option<(UserRow, String)>> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE tenant = ?1 AND username = ?2"),
            params![tenant, username],
            |r| Ok((user_row(r)?, r.get(8)?)),
        )
        .optional()?)
}

/// A user by id.
pub fn get(conn: &Connection<'_>, id: UserId) -> Result<Option<UserRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            [id.to_string()],
            user_row,
        )
        .optional()?)
}

/// The users of a tenant, by login name.
pub fn list(conn: &Connection<'_>, tenant: &str) -> Result<Vec<UserRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE tenant = ?1 ORDER BY username"
    ))?;
    let rows = stmt.query_map([tenant], user_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces the password hash (remembered in the history) and sets whether it must be changed
/// at the next sign-in (an administrator's reset) or not (the user's own change).
pub fn set_password(
    conn: &Connection<'_>,
    id: UserId,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
        params![id.to_string(), hash, must_change],
    )?;
    remember_password(conn, id, hash, now)
}

/// Disables (or re-enables) an account.
pub fn set_disabled(conn: &Connection<'_>, id: UserId, disabled_at: Option<i64>) -> Result<()> {
    conn.execute(
        "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
        params![id.to_string(), disabled_at],
    )?;
    Ok(())
}

/// The grid cells given to a user.
pub fn cells(conn: &Connection<'_>, id: UserId) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT cell FROM user_cells WHERE user_id = ?1 ORDER BY cell")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces the grid cells given to a user.
pub fn set_cells(conn: &Connection<'_>, id: UserId, cells: &[String]) -> Result<()> {
    conn.execute(
        "DELETE FROM user_cells WHERE user_id = ?1",
        [id.to_string()],
    )?;
    for cell in cells {
        conn.execute(
            "INSERT INTO user_cells(user_id, cell) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![id.to_string(), cell],
        )?;
    }
    Ok(())
}

/// Creates a department, or returns the one of that name.
pub fn upsert_department(
    conn: &Connection<'_>,
    tenant: &str,
    id: DepartmentId,
    code: Option<&str>,
    name: &str,
    now: i64,
) -> Result<DepartmentId> {
    if let Some(existing) = department_by_name(conn, tenant, name)? {
        return Ok(existing.id);
    }
    conn.execute(
        "INSERT INTO departments(id, tenant, code, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.to_string(), tenant, code, name, now],
    )?;
    Ok(id)
}

fn department_row(r: &Row) -> crate::db::sql::Result<DepartmentRow> {
    let id: String = r.get(0)?;
    Ok(DepartmentRow {
        id: DepartmentId::parse(&id).map_err(bad)?,
        code: r.get(1)?,
        name: r.get(2)?,
    })
}

/// A department of the tenant by name.
pub fn department_by_name(
    conn: &Connection<'_>,
    tenant: &str,
    name: &str,
) -> Result<Option<DepartmentRow>> {
    Ok(conn
        .query_row(
            "SELECT id, code, name FROM departments WHERE tenant = ?1 AND name = ?2",
            params![tenant, name],
            department_row,
        )
        .optional()?)
}

/// A department of the tenant by id, code or name.
pub fn find_department(
    conn: &Connection<'_>,
    tenant: &str,
    key: &str,
) -> Result<Option<DepartmentRow>> {
    Ok(conn
        .query_row(
            "SELECT id, code, name FROM departments
             WHERE tenant = ?1 AND (id = ?2 OR code = ?2 OR name = ?2) LIMIT 1",
            params![tenant, key],
            department_row,
        )
        .optional()?)
}

/// The departments of a tenant.
pub fn departments(conn: &Connection<'_>, tenant: &str) -> Result<Vec<DepartmentRow>> {
    let mut stmt =
        conn.prepare("SELECT id, code, name FROM departments WHERE tenant = ?1 ORDER BY name")?;
    let rows = stmt.query_map([tenant], department_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
